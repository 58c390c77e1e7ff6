"""The API key as DRF sees it: ApiAccessMiddleware checked it; DRF views find it in `request.auth`."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from .middleware import REALM
from .selectors import KeyRecord


class ApiKeyAuthentication(BaseAuthentication):
    """(no user, the key's record) when the request presented a valid key, else anonymous. A bad key never gets
    here: the middleware answered 401."""

    def authenticate(self, request: Request) -> tuple[None, KeyRecord] | None:
        record = getattr(request._request, "api_key", None)
        return (None, record) if record is not None else None

    def authenticate_header(self, request: Request) -> str:
        return REALM


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Both ways of sending a key, as alternatives; anonymous reads are added unless keys are required."""

    target_class = ApiKeyAuthentication
    name = ["BearerAuth", "ApiKeyAuth"]

    def get_security_requirement(self, auto_schema) -> list[dict[str, list]]:
        return [{"BearerAuth": []}, {"ApiKeyAuth": []}]

    def get_security_definition(self, auto_schema) -> list[dict]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key from the operator, as `Authorization: Bearer <key>`.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "The same key, for tools that cannot set the Authorization header.",
            },
        ]
