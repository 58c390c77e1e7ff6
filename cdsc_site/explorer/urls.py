"""The explorer's routes, /explore/..."""

from django.urls import path, re_path

from psr.validators import PSR_ID_PATTERN

from . import views

PSR_ID = PSR_ID_PATTERN.strip("^$")

app_name = "explorer"

urlpatterns = [
    path("explore/", views.index, name="index"),
    # The spec's PSR id pattern: anything else falls through to the API's JSON 404.
    re_path(rf"^explore/psr/(?P<psr_id>{PSR_ID})$", views.psr, name="psr"),
]
