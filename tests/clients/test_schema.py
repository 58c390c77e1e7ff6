"""The OpenAPI schema declares both ways of sending a key, anonymous reads unless keys are required, and the 401
and 429 answers with their headers."""


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _schema(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_declares_bearer_and_x_api_key_schemes(client, db):
    schemes = _schema(client)["components"]["securitySchemes"]
    assert schemes["BearerAuth"]["type"] == "http" and schemes["BearerAuth"]["scheme"] == "bearer"
    assert schemes["ApiKeyAuth"]["type"] == "apiKey"
    assert schemes["ApiKeyAuth"]["in"] == "header" and schemes["ApiKeyAuth"]["name"] == "X-API-Key"


def test_every_api_operation_takes_either_key_or_none_by_default(client, db):
    for path, method, operation in _operations(_schema(client)):
        assert operation["security"] == [{"BearerAuth": []}, {"ApiKeyAuth": []}, {}], (path, method)
        assert "Retry-After" in operation["responses"]["429"]["headers"]
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_when_keys_are_required_no_operation_allows_anonymous_reads(client, db, settings):
    settings.CDSC_API_KEYS_REQUIRED = True
    for path, method, operation in _operations(_schema(client)):
        assert operation["security"] == [{"BearerAuth": []}, {"ApiKeyAuth": []}], (path, method)
