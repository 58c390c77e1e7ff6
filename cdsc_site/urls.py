"""Root URLs: the spec's endpoints at the site root, the OpenAPI schema and docs, admin, landing and import pages."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
    SpectacularYAMLAPIView,
)

from . import health, views

admin.site.site_header = "CDSC Power Systems Data: operator admin"
admin.site.site_title = "CDSC admin"

handler400 = "cdsc_site.views.bad_request"
handler403 = "cdsc_site.views.permission_denied"
handler404 = "cdsc_site.views.not_found"
handler500 = "cdsc_site.views.server_error"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("admin/", admin.site.urls),
    # For load balancers: no key, no cache, not in the OpenAPI schema (they are not the spec's; docs/deployment.md).
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-json"),
    path("openapi.yaml", SpectacularYAMLAPIView.as_view(), name="openapi-yaml"),
    # The split view serves Swagger UI's start script as a file (/docs/?script), so the page needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="openapi-json"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="openapi-json"), name="redoc"),
    path("redoc/redoc.standalone.js", views.redoc_bundle, name="redoc-bundle"),
    path("", include("metadata.api.urls")),
    path("", include("psr.api.urls")),
    path("", include("timeseries.api.urls")),
    path("", include("timeseries.imports.web.urls")),  # the human import pages, /imports/...
    path("", include("cdsc_site.explorer.urls")),  # the public explorer, /explore/...
    # Anything else is an unknown API resource: a JSON 404, also with DEBUG on. [\s\S], not `.`: a path with an
    # encoded newline (/X%0a) must land here too, not on Django's (HTML, with DEBUG on URL-listing) 404 page.
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found),
]
