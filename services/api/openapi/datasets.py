"""The dataset routes as OpenAPI operations (README, "Datasets")."""

from __future__ import annotations

from services.api.datasets.requests import DatasetRequest
from services.api.openapi.parts import body, json_answer, operation, query, ref
from services.api.params import DatasetsQuery
from services.api.responses.datasets import (
    DatasetAnswer,
    DatasetDeleted,
    DatasetIncomplete,
    DatasetPage,
    DatasetVerification,
    DatasetView,
)
from shared.exports.manifest import ID_LENGTH, DatasetManifest

DATASET_ID = {"name": "id", "in": "path", "required": True, "description": "the dataset's id (from its content)",
              "schema": {"type": "string", "pattern": f"^[0-9a-f]{{{ID_LENGTH}}}$"}}
FILE_NAME = {"name": "name", "in": "path", "required": True, "description": "a file's name in the manifest",
             "schema": {"type": "string", "minLength": 1}}
# The answers' models, for the document's schemas.
ANSWERS = [DatasetAnswer, DatasetView, DatasetPage, DatasetVerification, DatasetDeleted, DatasetIncomplete,
           DatasetManifest]
BAD_ID = "The id is not 32 hexadecimal digits"
# verify and delete take no fields; as every write, they are sent as JSON: an empty object (delete:
# or no body at all).
NO_FIELDS = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
NO_FIELDS_OPTIONAL = {**NO_FIELDS, "required": False}
EXAMPLE = {"btcEth": {"summary": "Two pairs, hourly and daily, frozen", "value": {
    "name": "btc-eth-nov", "exchange": "kraken", "symbols": ["BTC/USD", "ETH/USD"], "timeframes": ["1h", "1d"],
    "start_timestamp": "2026-11-01T00:00:00Z", "end_timestamp": "2026-11-20T00:00:00Z"}}}


def _links() -> dict:
    follow = {"id": "$response.body#/dataset/id"}
    return {"links": {op: {"operationId": op, "parameters": follow}
                      for op in ("getDataset", "verifyDataset", "getDatasetManifest", "deleteDataset")}}


def _create() -> dict:
    return operation(
        "createDataset", "Freeze a snapshot of the range (or find the one with the same content)", {
            200: json_answer("The same content exists: that dataset (the name is added as a label)",
                             ref(DatasetAnswer), **_links()),
            201: json_answer("Frozen: its files are written and its manifest stored", ref(DatasetAnswer),
                             headers={"Location": {"required": True, "schema": {"type": "string"}}}, **_links()),
            409: json_answer("require: complete, and parts of the range are not stored: the missing intervals"
                             " and the plan that would fetch them", ref(DatasetIncomplete))},
        {400: "Malformed JSON, or not an object", 422: None}, write=True, requestBody=body(DatasetRequest, EXAMPLE))


def paths() -> dict:
    return {
        "/api/datasets": {"post": _create(), "get": operation(
            "listDatasets", "Datasets, newest first, a page at a time", {200: json_answer("A page", ref(DatasetPage))},
            {400: None}, parameters=query(DatasetsQuery))},
        "/api/datasets/{id}": {
            "get": operation("getDataset", "A dataset: its manifest, file URLs and loader snippets",
                             {200: json_answer("The dataset", ref(DatasetView))},
                             {400: BAD_ID, 404: "No such dataset"}, parameters=[DATASET_ID]),
            "delete": operation("deleteDataset", "Delete a dataset; its files go with it unless another dataset"
                                                 " shares them", {200: json_answer("Deleted", ref(DatasetDeleted))},
                                {400: f"{BAD_ID}, or a body that is not a JSON object", 404: "No such dataset"},
                                write=True, parameters=[DATASET_ID], requestBody=NO_FIELDS_OPTIONAL)},
        "/api/datasets/{id}/manifest.json": {"get": operation(
            "getDatasetManifest", "The manifest alone", {200: json_answer("The manifest", ref(DatasetManifest))},
            {400: BAD_ID, 404: "No such dataset"}, parameters=[DATASET_ID])},
        "/api/datasets/{id}/files/{name}": {"get": operation(
            "getDatasetFile", "One file's bytes, as frozen", {200: {
                "description": "The Parquet file; its quality report is in its key-value metadata (candles.quality)",
                "content": {"application/vnd.apache.parquet": {
                    "schema": {"contentMediaType": "application/vnd.apache.parquet"}}},
                "headers": {h: {"required": True, "schema": {"type": "string"}}
                            for h in ("Content-Disposition", "ETag", "Link")}}},
            {400: BAD_ID, 404: "No such dataset, or no such file in it",
             410: "The file's object is gone from the lake (verify reports it)"},
            parameters=[DATASET_ID, FILE_NAME])},
        "/api/datasets/{id}/verify": {"post": operation(
            "verifyDataset", "Read every file back and hash it against the manifest",
            {200: json_answer("The outcome, per file", ref(DatasetVerification))},
            {400: f"{BAD_ID}, or a body that is not a JSON object", 404: "No such dataset"}, write=True,
            parameters=[DATASET_ID], requestBody=NO_FIELDS)},
    }
