"""The Kubernetes manifests as Kustomize renders them (`kubectl kustomize`, whose Kustomize is 5.x), and the
schemas they are held against: Kubernetes' own (kubernetes-validate ships them) and KEDA's CRDs (vendored
in deploy/k8s/schemas/)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml

from tests.paths import REPO

K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
KEDA_SCHEMAS = {"ScaledObject": "keda-scaledobject.json", "TriggerAuthentication": "keda-triggerauthentication.json"}


def kubectl() -> str:
    """The kubectl of `make kubectl` in the virtualenv, else the machine's."""
    pinned = Path(sys.prefix) / "bin" / "kubectl"
    found = str(pinned) if pinned.exists() else shutil.which("kubectl")
    assert found, "kubectl is needed to render deploy/k8s: `make kubectl` puts a pinned one in .venv/bin"
    return found


@cache
def render(overlay: str) -> tuple[dict, ...]:
    out = subprocess.run([kubectl(), "kustomize", str(K8S / "overlays" / overlay)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


def of_kind(objects: tuple[dict, ...], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _closed(schema: object) -> object:
    """The schema with unknown fields refused wherever it lists the known ones, as kubectl's strict field
    validation does (the API server would drop them silently: a misspelt field must fail here)."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {k: _closed(v) for k, v in schema.items()}
    if ("properties" in closed and "additionalProperties" not in closed
            and not closed.get("x-kubernetes-preserve-unknown-fields")):
        closed["additionalProperties"] = False
    return closed


@cache
def keda_schema(kind: str) -> dict:
    schema = json.loads((K8S / "schemas" / KEDA_SCHEMAS[kind]).read_text())
    return _closed(schema)
