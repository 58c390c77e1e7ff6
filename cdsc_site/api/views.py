"""Base view pieces shared by the API apps."""

from rest_framework.renderers import JSONRenderer


class ProblemJsonErrorsMixin:
    """Errors are problem-details JSON whatever representation (CSV, ...) the client asked for."""

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        # No renderer yet: negotiation itself failed (a 400 on `format`), and DRF would fall back on the view's first
        # renderer, CSV for a view that only answers CSV.
        if response.status_code >= 400 and not isinstance(renderer, JSONRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
