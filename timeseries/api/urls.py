from django.urls import re_path

from psr.validators import PSR_ID_PATTERN
from timeseries.choices import Quantity

from .views import timeseries_view

PSR = PSR_ID_PATTERN.strip("^$")

urlpatterns = []
for quantity in Quantity.values:
    view = timeseries_view(quantity).as_view()
    urlpatterns += [
        re_path(rf"^power-system-resources/(?P<id>{PSR})/timeseries/{quantity}$", view, name=f"timeseries-{quantity}"),
        # The spec's section headings name the same endpoints without "timeseries/".
        re_path(rf"^power-system-resources/(?P<id>{PSR})/{quantity}$", view, name=f"{quantity}-short"),
    ]
