"""The explorer's routes, /explore/..."""

from django.urls import path, re_path

from . import views

app_name = "explorer"

urlpatterns = [
    path("explore/", views.index, name="index"),
    # The spec's PSR id pattern (^[A-Za-z0-9._~-]+$): anything else falls through to the API's JSON 404.
    re_path(r"^explore/psr/(?P<psr_id>[A-Za-z0-9._~-]+)$", views.psr, name="psr"),
]
