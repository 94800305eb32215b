"""GET /api/openapi.json is a valid OpenAPI 3.1 document that covers every route with every status it
can answer, its parameters from the query models, and its schemas from the models the handlers build
their answers with."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from services.api.app import create_app
from services.api.guards import OPEN_PATHS
from services.api.openapi.document import Choices, document
from services.api.params import JobsQuery
from services.api.responses.jobs import JobCreated, JobView
from shared.jobs.events.catalog import EVENT_TYPES
from shared.platform.settings import Settings

DOC = document()
OPERATIONS = {(path, method): op for path, item in DOC["paths"].items() for method, op in item.items()}
ERROR = {"$ref": "#/components/schemas/ErrorBody"}


def _schema(op: dict, status: int, media: str = "application/json") -> dict:
    return op["responses"][str(status)]["content"][media]["schema"]


def test_the_document_is_valid_openapi_3_1():
    validate(DOC)
    validate(document(Choices(["kraken"], ["BTC/USD", "ETH/USD"], ["1m", "1h"])))
    assert DOC["openapi"] == "3.1.0"


def test_every_route_of_the_app_is_an_operation_and_no_other():
    app = create_app(Settings())
    routes = {(r.resource.canonical, r.method.lower()) for r in app.router.routes() if r.method != "HEAD"}
    assert routes == set(OPERATIONS)
    assert len({op["operationId"] for op in OPERATIONS.values()}) == len(OPERATIONS)


@pytest.mark.parametrize(("path", "method"), sorted(OPERATIONS))
def test_every_operation_documents_the_refusals_of_the_guards_with_the_error_body(path, method):
    op = OPERATIONS[(path, method)]
    responses = op["responses"]
    assert _schema(op, 421) == ERROR and _schema(op, 500) == ERROR
    public = path in OPEN_PATHS or not path.startswith("/api/")
    assert (op.get("security") == []) == public
    if not public:
        assert _schema(op, 401) == ERROR and responses["401"]["headers"]["WWW-Authenticate"]["required"]
    if method == "post":
        assert all(_schema(op, s) == ERROR for s in (403, 413, 415))
        assert op["requestBody"]["required"]
    assert any(s.startswith("2") for s in responses)
    for status, answer in responses.items():
        assert answer["description"] and answer["content"], (status, answer)


def test_the_statuses_of_the_limits_are_documented():
    create, act = OPERATIONS[("/api/data-jobs", "post")], OPERATIONS[("/api/data-jobs/{id}/actions", "post")]
    events = OPERATIONS[("/api/data-jobs/{id}/events", "get")]
    assert {"$ref": "#/components/schemas/JobCreated"} in _schema(create, 200)["anyOf"]
    assert DOC["components"]["schemas"]["JobCreated"]["properties"]["deduplicated"]["type"] == "boolean"
    for op in (create, act, events):
        assert _schema(op, 429) == ERROR and op["responses"]["429"]["headers"]["Retry-After"]["required"]
    assert _schema(act, 409) == ERROR
    assert {"200", "201", "202", "400", "404", "409", "422", "503"} <= set(act["responses"])
    assert {"200", "201", "400", "422", "503"} <= set(create["responses"])
    assert create["responses"]["201"]["headers"]["Location"]["required"]


def test_the_files_and_the_event_stream_declare_their_content_types():
    candles = OPERATIONS[("/api/data-jobs/{id}/candles", "get")]["responses"]["200"]["content"]
    assert set(candles) == {"application/vnd.apache.parquet", "text/csv"}
    stream = _schema(OPERATIONS[("/api/data-jobs/{id}/events", "get")], 200, "text/event-stream")
    # One schema per event type: its `event:` name, and its `data:` the event as its model sends it.
    names = {one["properties"]["event"]["const"] for one in stream["oneOf"]}
    assert names == set(EVENT_TYPES)
    data = stream["oneOf"][0]["properties"]["data"]
    assert data["contentMediaType"] == "application/json" and data["contentSchema"]["$ref"].endswith("Event")
    assert "text/html" in OPERATIONS[("/", "get")]["responses"]["200"]["content"]


def test_the_parameters_come_from_the_query_models_and_the_stream_takes_last_event_id():
    listing = {p["name"]: p for p in OPERATIONS[("/api/data-jobs", "get")]["parameters"]}
    limit = JobsQuery.model_fields["limit"]
    assert listing["limit"]["schema"]["maximum"] == 500 and listing["limit"]["description"] == limit.description
    events = {(p["in"], p["name"]) for p in OPERATIONS[("/api/data-jobs/{id}/events", "get")]["parameters"]}
    assert events == {("path", "id"), ("query", "after"), ("header", "Last-Event-ID")}
    for (path, _), op in OPERATIONS.items():
        if "{id}" in path:
            assert {"name": "id", "in": "path"}.items() <= op["parameters"][0].items()
    coverage = {p["name"]: p for p in OPERATIONS[("/api/data-coverage", "get")]["parameters"]}
    assert coverage["exchange"]["required"] and not coverage["symbol"]["required"]
    assert coverage["symbol"]["schema"]["maxLength"] == 64 and "null" not in str(coverage["symbol"]["schema"])


def test_the_answers_schemas_are_the_models_schemas():
    schemas = DOC["components"]["schemas"]
    for model in (JobView, JobCreated):
        assert set(schemas[model.__name__]["required"]) == set(model.model_fields), model
    assert schemas["ErrorBody"]["properties"]["field"]["type"] == "string"
    assert set(schemas["ErrorBody"]["required"]) == {"error", "field", "reason"}


def test_the_server_lists_the_names_it_takes():
    doc = document(Choices(["kraken"], ["BTC/USD"], ["1m", "1h"]))
    request = doc["components"]["schemas"]["JobRequest"]["properties"]
    def string(name: str) -> dict:  # the non-null branch of an optional field
        return next(s for s in request[name]["anyOf"] if s["type"] != "null")

    assert request["exchange"]["enum"] == ["kraken"] and string("symbol")["enum"] == ["BTC/USD"]
    assert string("timeframe")["enum"] == ["1m", "1h"]
    assert string("symbols")["items"]["enum"] == ["BTC/USD"] and string("timeframes")["items"]["enum"] == ["1m", "1h"]
    assert doc["components"]["schemas"]["JobOptions"]["properties"]["timeframes"]["items"]["enum"] == ["1m", "1h"]
    assert "enum" not in DOC["components"]["schemas"]["JobRequest"]["properties"]["symbol"]["anyOf"][0]  # a copy each time
