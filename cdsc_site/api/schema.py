"""drf-spectacular hooks: the problem-details error shape on every operation, and its security as configured."""

from django.conf import settings

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each parameter at fault.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["detail"],
                "properties": {"parameter": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", {"description": "A parameter is invalid.", "content": ref})
            if "{" in path:
                responses.setdefault("404", {"description": "No such resource.", "content": ref})
            responses.setdefault("406", {"description": "No acceptable representation.", "content": ref})
            if operation.get("security"):
                responses.setdefault("401", {"description": UNAUTHORIZED, "content": ref, "headers": AUTH_HEADERS})
                responses.setdefault("429", {"description": TOO_MANY, "content": ref, "headers": RETRY_HEADERS})
                if settings.CDSC_API_KEYS_REQUIRED:
                    # Every read needs a key: no anonymous alternative ({}) in the requirements.
                    operation["security"] = [req for req in operation["security"] if req]
    return result


UNAUTHORIZED = "The API key is missing (where keys are required), malformed, unknown, revoked or expired."
TOO_MANY = "A rate limit of this caller (API key, or anonymous IP) is reached for the current window."
AUTH_HEADERS = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "The Bearer challenge."}}
RETRY_HEADERS = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds until the window resets."},
    "RateLimit-Policy": {
        "schema": {"type": "string"},
        "description": "The caller's quota policies (IETF httpapi RateLimit header fields draft).",
    },
    "RateLimit": {"schema": {"type": "string"}, "description": "What remains of each quota in this window."},
}
