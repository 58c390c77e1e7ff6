from django.urls import path, re_path

from psr.validators import PSR_ID_PATTERN
from timeseries.choices import SPEC_QUANTITIES

from .emissions import CarbonIntensityView, EmissionsView
from .readings import AllUsageSegmentsView, ProjectUsageSegmentsView
from .views import timeseries_view

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
    view = timeseries_view(quantity).as_view()
    urlpatterns += [
        re_path(rf"^power-system-resources/(?P<id>{PSR})/timeseries/{quantity}$", view, name=f"timeseries-{quantity}"),
        # The spec's section headings name the same endpoints without "timeseries/".
        re_path(rf"^power-system-resources/(?P<id>{PSR})/{quantity}$", view, name=f"{quantity}-short"),
    ]
for name, view_class in (("emissions", EmissionsView), ("carbon-intensity", CarbonIntensityView)):
    urlpatterns.append(
        re_path(
            rf"^power-system-resources/(?P<id>{PSR})/timeseries/{name}$",
            view_class.as_view(),
            name=f"timeseries-{name}",
        )
    )
