from django.urls import path, re_path

from psr.validators import PSR_ID_PATTERN
from timeseries.choices import SPEC_QUANTITIES

from .emissions import CarbonIntensityView, EmissionsView
from .readings import AllUsageSegmentsView, ProjectUsageSegmentsView
from .views import csv_twin, timeseries_view

PSR = PSR_ID_PATTERN.strip("^$")

urlpatterns = [
    path("usage-segments", AllUsageSegmentsView.as_view(), name="usage-segments"),
    # Under the project's path here, not in psr: psr does not import the time-series store.
    re_path(
        rf"^production-projects/(?P<cds_productionproject_id>{PSR})/usage-segments$",
        ProjectUsageSegmentsView.as_view(),
        name="project-usage-segments",
    ),
]
for quantity in SPEC_QUANTITIES:
    view_class = timeseries_view(quantity)
    view = view_class.as_view()
    urlpatterns += [
        re_path(rf"^power-system-resources/(?P<id>{PSR})/timeseries/{quantity}$", view, name=f"timeseries-{quantity}"),
        # The spec's section headings name the same endpoints without "timeseries/".
        re_path(rf"^power-system-resources/(?P<id>{PSR})/{quantity}$", view, name=f"{quantity}-short"),
        # Its CSV twin, an operation of its own for generated clients (docs/spec-notes.md, "CSV").
        re_path(
            rf"^power-system-resources/(?P<id>{PSR})/timeseries/{quantity}\.csv$",
            csv_twin(view_class, quantity).as_view(),
            name=f"timeseries-{quantity}-csv",
        ),
    ]
for name, view_class in (("emissions", EmissionsView), ("carbon-intensity", CarbonIntensityView)):
    urlpatterns += [
        re_path(
            rf"^power-system-resources/(?P<id>{PSR})/timeseries/{name}$",
            view_class.as_view(),
            name=f"timeseries-{name}",
        ),
        re_path(
            rf"^power-system-resources/(?P<id>{PSR})/timeseries/{name}\.csv$",
            csv_twin(view_class, name).as_view(),
            name=f"timeseries-{name}-csv",
        ),
    ]
