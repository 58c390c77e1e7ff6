"""Base view pieces shared by the API apps."""

from rest_framework.renderers import JSONRenderer


class ProblemJsonErrorsMixin:
    """Errors are problem-details JSON whatever representation (CSV, ...) the client asked for."""

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and not isinstance(renderer, JSONRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
