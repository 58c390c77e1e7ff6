"""drf-spectacular hooks: problem documents, security, shared vocabularies and HTTP headers of every operation."""

import re
from typing import Any

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

# The vocabularies several operations share, each one component: a generated client then has one enum per
# vocabulary, and a value of one operation (or read from a response) can be passed to another. The values are the
# apps' (ENUM_NAME_OVERRIDES in the settings names the components drf-spectacular makes of their response fields;
# this floor imports no app); only Format and CsvLayout, which no response field holds, are defined here.
SHARED_ENUMS = {
    "Timeframe": "When a value was known: measured (actual), or a market/forecast horizon.",
    "EnergyUnit": "Unit of energy values (generation, demand, imports, exports, curtailment).",
    "PowerUnit": "Unit of power values (capacities).",
    "EmissionsUnit": "Unit of emissions (mass of CO2-equivalent).",
    "IntensityUnit": "Unit of carbon intensity.",
    "Format": "Representation of a time series: JSON (the default) or CSV (`text/csv`).",
    "CsvLayout": "Rows of a time series' CSV: long (a row per interval and breakdown item) or wide (a row per "
    "interval, a column per breakdown item).",
    "EmissionBasis": "Which emission factors: direct (combustion) or lifecycle.",
    "IntensityMethod": "Carbon intensity of production, or flow-traced consumption.",
}
FORMAT_VALUES = ["json", "csv"]
LAYOUT_VALUES = ["long", "wide"]
RESOLUTION_SCHEMA = {
    "type": "string",
    "description": "An ISO 8601 duration: PT15M, PT30M, PT1H, ... (dividing a day), P1D, P1M or P1Y.",
    "examples": ["PT15M", "PT1H", "P1D", "P1M", "P1Y"],
}
# Operations of the public grid data; every other one is private (a key or a staff session).
PUBLIC_PATHS = ("/metadata/", "/power-system-resources")
# The spec's section headings' short paths of the time series (/{id}/generation), aliases of /{id}/timeseries/...
SHORT_PATH = re.compile(r"^/power-system-resources/\{id\}/([a-z-]+)$")
PARAMETER_DESCRIPTIONS = {
    "level": "Only PSRs of this topology level: its name (e.g. Zone) or its number (e.g. 1), as "
    "/metadata/topology-levels lists them.",
    "parent": "Only the direct children of this PSR id.",
    "pageSize": "Items per page.",
    "cursor": "Opaque cursor from a `next` or `previous` link.",
}

UNAUTHORIZED = "The API key is missing (where keys are required), malformed, unknown, revoked or expired."
TOO_MANY = "A rate limit of this caller (API key, or anonymous IP) is reached for the current window."
AUTH_HEADERS = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "The Bearer challenge."}}
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "schema": {"type": "string"},
        "description": "The caller's quota policies (IETF httpapi RateLimit header fields draft); absent for a caller "
        "with no limits.",
    },
    "RateLimit": {"schema": {"type": "string"}, "description": "What remains of each quota in this window."},
}
RETRY_HEADERS = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds until the window resets."},
    **RATE_LIMIT_HEADERS,
}
CACHE_HEADERS = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "The representation's entity tag (weak when gzipped): send it back in `If-None-Match`.",
    },
    "Cache-Control": {
        "schema": {"type": "string"},
        "description": "How long the answer may be reused (docs/spec-notes.md, 'Caching'): `max-age=60` for public "
        "data, longer for time series of closed past periods, `private, no-cache` for private data.",
    },
    "Vary": {"schema": {"type": "string"}, "description": "The request headers the representation depends on."},
}
LINK_HEADER = {
    "Link": {
        "schema": {"type": "string"},
        "description": 'RFC 8288 links to the next and previous pages (`<url>; rel="next"`), as in the body; absent '
        "on the last page of a single-page answer.",
    }
}
NOT_MODIFIED = "Not modified: the representation named in `If-None-Match` is still current (no body)."


def add_problem_responses(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Problem documents for the errors every operation may answer with, and security as it really is: anonymous reads
    of public data (the document's default requirements, with `{}`), a key or a staff session for private data."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    keys = [{"BearerAuth": []}, {"ApiKeyAuth": []}]
    keys_required = settings.CDSC_API_KEYS_REQUIRED
    # Inherited by every operation that states none. A generator reads an operation's own non-empty `security` as
    # "authentication required" (openapi-python-client: AuthenticatedClient only), so the public operations state
    # none while anonymous reads are allowed.
    result["security"] = keys if keys_required else [*keys, {}]
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", {"description": "A parameter is invalid.", "content": ref})
            if "{" in path:
                responses.setdefault("404", {"description": "No such resource.", "content": ref})
            responses.setdefault("406", {"description": "No acceptable representation.", "content": ref})
            responses.setdefault(
                "414", {"description": "The query string is longer than the server takes.", "content": ref}
            )
            responses.setdefault(
                "431", {"description": "The request's headers are larger than the server takes.", "content": ref}
            )
            # A key that is sent must be usable, on public operations too: 401 anywhere.
            responses.setdefault("401", {"description": UNAUTHORIZED, "content": ref, "headers": AUTH_HEADERS})
            responses.setdefault("429", {"description": TOO_MANY, "content": ref, "headers": RETRY_HEADERS})
            requirements = [req for req in operation.get("security", []) if req]
            if path.startswith(PUBLIC_PATHS):
                if keys_required:
                    operation["security"] = keys
                else:
                    operation.pop("security", None)  # the document's: a key, or none
            else:
                operation["security"] = requirements or keys  # private: a key (or the staff session's cookie)
                responses.setdefault(
                    "403",
                    {"description": "Private data: neither a valid key nor a staff session.", "content": ref},
                )
    return result


def polish_schema(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """What a linter and a client generator ask of the document beyond drf-spectacular's output: servers, declared
    tags, shared enum components, response descriptions and headers (ETag, 304, Cache-Control, Link, rate limits),
    and the short time-series paths deprecated."""
    result["servers"] = [{"url": "/", "description": "This server (the document's own origin)."}]
    _share_enums(result)
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if not parameter.get("description") and parameter["name"] in PARAMETER_DESCRIPTIONS:
                    parameter["description"] = PARAMETER_DESCRIPTIONS[parameter["name"]]
            ok = operation["responses"].get("200")
            if ok is None:
                continue
            if not ok.get("description"):
                ok["description"] = f"{operation.get('summary', 'The answer')}."
            content = ok.get("content", {})
            headers = {**CACHE_HEADERS, **RATE_LIMIT_HEADERS}
            if "text/csv" in content:
                headers |= LINK_HEADER
                negotiated = "application/json" in content
                content["text/csv"]["schema"] = {
                    "type": "string",
                    "description": "CSV (RFC 4180) with a header row: one row per interval and breakdown item "
                    "(`layout=long`), or one per interval with a column per item (`layout=wide`); without pageSize "
                    "or cursor, the whole asked window."
                    + (" Asked for with `Accept: text/csv` or `format=csv`." if negotiated else ""),
                }
                if negotiated:
                    ok["description"] += (
                        " JSON by default; CSV (`text/csv`) when the request sends `Accept: text/csv` or `format=csv`"
                        " (or use the `.csv` twin of this path)."
                    )
                else:
                    ok["description"] += " CSV (`text/csv`) only."
            ok["headers"] = {**headers, **ok.get("headers", {})}
            operation["responses"]["304"] = {"description": NOT_MODIFIED, "headers": dict(CACHE_HEADERS)}
            match = SHORT_PATH.match(path)
            if match and f"/power-system-resources/{{id}}/timeseries/{match.group(1)}" in result["paths"]:
                operation["deprecated"] = True
                operation["operationId"] += "_alias"
                operation["description"] = (
                    f"Deprecated alias of `/power-system-resources/{{id}}/timeseries/{match.group(1)}` (the spec's "
                    "section headings name both paths; both are served). Use the /timeseries/ path. "
                    + operation.get("description", "")
                )
    return result


def _share_enums(result: dict) -> None:
    """Replace every inline enum, and every component drf-spectacular made, holding one of SHARED_ENUMS' value sets
    by a reference to that one component; the `resolution` strings likewise to one Resolution component."""
    schemas = result["components"]["schemas"]
    values = {name: schemas[name]["enum"] for name in SHARED_ENUMS if name in schemas}
    values |= {"Format": FORMAT_VALUES, "CsvLayout": LAYOUT_VALUES}
    by_values = {frozenset(enum): name for name, enum in values.items()}
    renamed = {}
    for name, schema in list(schemas.items()):
        shared = by_values.get(frozenset(schema.get("enum", ()))) if "enum" in schema else None
        if shared is not None and shared != name:
            renamed[f"#/components/schemas/{name}"] = f"#/components/schemas/{shared}"
            del schemas[name]
    for name, enum in values.items():
        schemas[name] = {"type": "string", "enum": enum, "description": SHARED_ENUMS[name]}
    schemas["Resolution"] = RESOLUTION_SCHEMA

    def visit(node: Any, key: str | None = None) -> Any:
        if isinstance(node, list):
            return [visit(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node.get("$ref") in renamed:
            node = {**node, "$ref": renamed[node["$ref"]]}
        if "enum" in node and "type" in node:
            shared = by_values.get(frozenset(node["enum"]))
            if shared is not None:
                extra = {k: v for k, v in node.items() if k in ("default", "description")}
                return {"$ref": f"#/components/schemas/{shared}", **extra}
        if key == "resolution" and node.get("type") == "string":
            return {"$ref": "#/components/schemas/Resolution", **{k: v for k, v in node.items() if k != "type"}}
        if node.get("in") == "query" and node.get("name") == "resolution":
            schema = node.get("schema", {})
            return {**node, "schema": {"$ref": "#/components/schemas/Resolution", **_without(schema, "type")}}
        return {k: visit(v, k) for k, v in node.items()}

    for name in list(schemas):
        if name in SHARED_ENUMS or name == "Resolution":
            continue
        schemas[name] = visit(schemas[name])
    result["paths"] = visit(result["paths"])


def _without(schema: dict, *keys: str) -> dict:
    return {k: v for k, v in schema.items() if k not in keys}
