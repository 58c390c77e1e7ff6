"""The OpenAPI schema declares both ways of sending a key, anonymous reads unless keys are required (the document's
requirements, which public operations inherit), and the 401 and 429 answers with their headers."""


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


PRIVATE = ("/production-projects", "/meter-devices", "/usage-segments")


def test_every_public_operation_takes_either_key_or_none_by_default(client, db):
    schema = _schema(client)
    assert schema["security"] == [{"BearerAuth": []}, {"ApiKeyAuth": []}, {}]
    for path, method, operation in _operations(schema):
        if path.startswith(PRIVATE):
            continue
        # The document's requirements apply: an operation's own non-empty list would make generators (e.g.
        # openapi-python-client) demand an authenticated client for a public read.
        assert "security" not in operation, (path, method)
        assert "Retry-After" in operation["responses"]["429"]["headers"]
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_private_operations_take_a_key_or_a_staff_session_never_none(client, db):
    private = [(path, op) for path, _, op in _operations(_schema(client)) if path.startswith(PRIVATE)]
    assert private
    for path, operation in private:
        assert operation["security"] == [{"BearerAuth": []}, {"ApiKeyAuth": []}, {"cookieAuth": []}], path
        assert "401" in operation["responses"] and "429" in operation["responses"]


def test_when_keys_are_required_no_operation_allows_anonymous_reads(client, db, settings):
    settings.CDSC_API_KEYS_REQUIRED = True
    for path, method, operation in _operations(_schema(client)):
        assert {} not in operation["security"], (path, method)
        assert operation["security"][:2] == [{"BearerAuth": []}, {"ApiKeyAuth": []}], (path, method)
