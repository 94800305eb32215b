"""The official AsyncAPI 3.0 JSON Schema, from the @asyncapi/specs npm package that `make install`
puts in node_modules (npm ci, from package-lock.json): nothing is fetched while the tests run."""

from __future__ import annotations

import json
from functools import cache

import jsonschema
import pytest

from tests.paths import REPO

SPEC = REPO / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0-without-$id.json"


@cache
def asyncapi_validator() -> jsonschema.Draft7Validator:
    if not SPEC.exists():
        pytest.fail(f"{SPEC.relative_to(REPO)} is missing: run `make install` (npm ci)")
    return jsonschema.Draft7Validator(json.loads(SPEC.read_text()))


def asyncapi_errors(document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in asyncapi_validator().iter_errors(document)]
