from django.http import HttpRequest, JsonResponse
from django.urls import path

from cdsc_site.urls import urlpatterns as site_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    """The floor: a Django view that does nothing but answer JSON, through the same middleware."""
    return JsonResponse({"id": "bare", "next": None, "previous": None})


urlpatterns = [path("bench/bare", bare), *site_urlpatterns]
