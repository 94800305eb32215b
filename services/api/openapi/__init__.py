"""GET /api/openapi.json: the HTTP contract (OpenAPI 3.1), generated from the models the handlers use:
the request bodies (requests.py, actions.py), the query parameters (params.py) and every answer
(responses/). document.py assembles it; jobs.py and site.py are the operations, each with every status
it can answer; parts.py the pieces they are made of."""

from services.api.openapi.document import openapi

__all__ = ["openapi"]
