"""URLs of the human import pages under /imports/ (the time-series API's own URLs are in timeseries/api/urls.py)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "imports"

urlpatterns = [
    # The site does not append slashes (the API's paths have none); this one page is often typed without.
    path("imports", RedirectView.as_view(pattern_name="imports:list", permanent=False)),
    path("imports/", views.import_job_list, name="list"),
    path("imports/new", views.import_upload, name="new"),
    path("imports/<int:pk>", views.import_job_detail, name="detail"),
    path("imports/<int:pk>/status", views.import_job_status, name="status"),
    path("imports/<int:pk>/errors.csv", views.import_job_errors_csv, name="errors-csv"),
    path("imports/<int:pk>/cancel", views.import_job_cancel_view, name="cancel"),
    path("imports/<int:pk>/retry", views.import_job_retry_view, name="retry"),
]
