"""Content negotiation that answers an unknown `format` parameter with a 400 instead of DRF's 404."""

from django.http import Http404
from rest_framework.negotiation import DefaultContentNegotiation

from .errors import InvalidParameter


class StrictContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE, None) == "":
            known = ", ".join(sorted({r.format for r in renderers}))
            raise InvalidParameter("format", f"empty; use one of: {known}.")
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            asked = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            known = ", ".join(sorted({r.format for r in renderers}))
            raise InvalidParameter("format", f"unknown format '{asked}'; use one of: {known}.") from None


class FixedContentNegotiation(StrictContentNegotiation):
    """The view's one representation whatever the Accept header says: a path that names its format (`.csv`) is that
    format, as a file would be. A `format` parameter is still checked (another format is a 400)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if self.settings.URL_FORMAT_OVERRIDE in request.query_params:
            return super().select_renderer(request, renderers, format_suffix)
        return renderers[0], renderers[0].media_type
