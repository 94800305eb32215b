"""The pieces the operations are made of: parameters from the query models, bodies, JSON and event
stream content, and the refusals, each a status with the error body and the headers it carries; `operation`
puts them together with the statuses every route may answer."""

from __future__ import annotations

from pydantic import BaseModel, TypeAdapter

from services.api.params import Query, Seq
from services.api.responses.base import ErrorBody

REF = "#/components/schemas/{model}"

# What each refusal means wherever it is answered; an operation may say more.
REFUSALS = {
    400: "A parameter, header or body that cannot be read (names the field)",
    401: "API_TOKEN is set and the Authorization header does not carry it",
    403: "A write from another site (ALLOWED_ORIGINS)",
    404: "No such job",
    409: "The action does not apply to the job as it is now",
    413: "A body over the size limit (1 MiB)",
    415: "A write that is not application/json",
    421: "A Host this server does not answer for (ALLOWED_HOSTS; DNS rebinding)",
    422: "A well-formed request the API will not take (names the field and why)",
    429: "Too many requests of this kind in flight; Retry-After says when to ask again",
    500: "The server failed to answer; the error is logged, not sent",
    503: "A dependency (Kraken, NATS) is not reachable; try again",
}
HEADERS = {
    401: {"WWW-Authenticate": {"description": "the scheme: Bearer", "required": True,
                               "schema": {"type": "string", "pattern": "^Bearer"}}},
    429: {"Retry-After": {"description": "seconds to wait before asking again", "required": True,
                          "schema": {"type": "integer", "minimum": 0}}},
}


def ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def array(model: type[BaseModel]) -> dict:
    return {"type": "array", "items": ref(model)}


def any_of(*models: type[BaseModel]) -> dict:
    return {"anyOf": [ref(m) for m in models]}


def json_answer(description: str, schema: dict, **extra) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def refusal(status: int, description: str | None = None) -> dict:
    answer = json_answer(description or REFUSALS[status], ref(ErrorBody))
    if status in HEADERS:
        answer["headers"] = HEADERS[status]
    return answer


def query(model: type[Query]) -> list[dict]:
    """The query parameters of a model in services/api/params.py, with their schemas and descriptions."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema["properties"].items():
        # An optional parameter is one left out, never a null.
        variants = [v for v in prop.get("anyOf", [prop]) if v.get("type") != "null"]
        assert len(variants) == 1, name
        value = {k: v for k, v in {**prop, **variants[0]}.items()
                 if k not in ("title", "description", "anyOf") and not (k == "default" and v is None)}
        param = {"name": name, "in": "query", "required": name in required, "schema": value}
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


JOB_ID = {"name": "id", "in": "path", "required": True, "description": "the job's id",
          "schema": {"type": "string", "format": "uuid"}}
LAST_EVENT_ID = {"name": "Last-Event-ID", "in": "header", "required": False, "schema": TypeAdapter(Seq).json_schema(),
                 "description": "resume after this event seq (what the stream's `id:` lines carry); wins over"
                                " `after`"}


def event_stream(envelopes: dict[str, type[BaseModel]]) -> dict:
    """Each event of a text/event-stream: `event:` its type, `id:` its seq, `data:` the event as JSON."""
    one = [{"type": "object", "required": ["event", "id", "data"], "properties": {
        "event": {"const": name},
        "id": {"type": "string", "pattern": "^[1-9][0-9]*$"},
        "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": ref(model)}}}
        for name, model in envelopes.items()]
    return {"oneOf": one}


WRITE = (403, 413, 415)


def body(model: type[BaseModel], examples: dict | None = None) -> dict:
    media = {"schema": ref(model), **({"examples": examples} if examples else {})}
    return {"required": True, "content": {"application/json": media}}


def operation(op_id: str, summary: str, answers: dict, refusals: dict, *, public: bool = False,
              write: bool = False, **extra) -> dict:
    """`refusals`: status → description (None: the usual one). Every route may answer 421 and 500; the
    /api/ routes but the contracts 401; the writes 403, 413 and 415."""
    statuses = {421: None, 500: None, **({} if public else {401: None}), **(dict.fromkeys(WRITE) if write else {}),
                **refusals}
    responses = {str(s): a for s, a in answers.items()} | {str(s): refusal(s, d) for s, d in statuses.items()}
    return {"operationId": op_id, "summary": summary, **extra, **({"security": []} if public else {}),
            "responses": dict(sorted(responses.items()))}
