"""Both overlays of deploy/k8s render, every object they render is valid for Kubernetes (its API schemas,
strict: no unknown field) or for KEDA (its CRDs' schemas), and the Deployments are what operating them
needs: probes that can fail, limits, the hardened security context, a grace period that covers a stop."""

from __future__ import annotations

import importlib.util
import re

import jsonschema
import kubernetes_validate
import pytest

from shared.platform.bus import DRAIN_TIMEOUT_S
from shared.platform.settings import Settings
from shared.service.consume import FETCH_WAIT_S
from tests.paths import REPO
from tests.unit.deploy.rendering import KEDA_SCHEMAS, OVERLAYS, keda_schema, of_kind, render

# The oldest Kubernetes the manifests are meant for, and the newest whose schemas kubernetes-validate has.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
WORKERS = ("fetcher", "rebuilder", "writer")
SERVICES = ("api", *WORKERS, "coverage")


def containers(deployment: dict) -> list[dict]:
    return deployment["spec"]["template"]["spec"]["containers"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_for_kubernetes_or_keda(overlay):
    objects = render(overlay)
    assert len(objects) > 20
    for obj in objects:
        where = f"{overlay}: {obj['kind']}/{obj['metadata']['name']}"
        if obj["kind"] in KEDA_SCHEMAS:
            assert obj["apiVersion"] == "keda.sh/v1alpha1", where
            errors = [e.message for e in jsonschema.Draft7Validator(keda_schema(obj["kind"])).iter_errors(obj)]
            assert errors == [], where
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{where} on Kubernetes {version}: {exc.message} at {list(exc.path)}")


def test_the_keda_schema_refuses_a_misspelt_field():
    (scaled,) = [o for o in render("dev") if o["kind"] == "ScaledObject"][:1]
    broken = {**scaled, "spec": {**scaled["spec"], "minReplicas": 1}}
    assert not jsonschema.Draft7Validator(keda_schema("ScaledObject")).is_valid(broken)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_runs_the_image_and_a_module_that_exists(overlay):
    objects = render(overlay)
    runs = {**of_kind(objects, "Deployment"), **of_kind(objects, "Job")}
    assert set(runs) == {*SERVICES, "migrate"}
    for name, obj in runs.items():
        (container,) = containers(obj)
        assert container["image"].split(":")[0] == "candle-history", name
        python, flag, module = container["command"]
        assert (python, flag) == ("python", "-m") and importlib.util.find_spec(module), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_probes_that_can_fail_limits_and_hardening(overlay):
    objects = render(overlay)
    (config,) = of_kind(objects, "ConfigMap").values()
    metrics_port = int(config["data"]["METRICS_PORT"])
    for name, deployment in of_kind(objects, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = containers(deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["metrics"] == metrics_port, name
        for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
            check = container[probe]
            assert set(check) & {"exec", "tcpSocket", "grpc"} == set(), (name, probe)
            assert check["httpGet"]["path"] == path and check["httpGet"]["port"] in ports, (name, probe)
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind]), (name, kind)
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        hardened = container["securityContext"]
        assert hardened["readOnlyRootFilesystem"] is True and hardened["allowPrivilegeEscalation"] is False
        assert hardened["capabilities"]["drop"] == ["ALL"] and hardened["runAsUser"] == 10001, name
        tmp = {m["name"] for m in container["volumeMounts"] if m["mountPath"] == "/tmp"}
        assert {v["name"] for v in pod["volumes"] if "emptyDir" in v} >= tmp != set(), name
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(metrics_port), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_grace_period_covers_the_message_in_hand_and_the_drain(overlay):
    objects = render(overlay)
    (config,) = of_kind(objects, "ConfigMap").values()
    ack_wait_s = float(config["data"].get("ACK_WAIT_S", Settings().ack_wait_s))
    needed = max(ack_wait_s, Settings().ack_wait_s) + FETCH_WAIT_S + DRAIN_TIMEOUT_S
    for name, deployment in of_kind(objects, "Deployment").items():
        assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= needed, name


def consumed(service: str) -> tuple[str, str]:
    """The stream and durable a worker consumes, as its __main__.py names them."""
    main = (REPO / "services" / service / "__main__.py").read_text()
    (found,) = re.findall(r'consume\(\s*rt\.bus, stream="(\w+)", durable="(\w+)"', main)
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_worker_scales_on_its_own_consumers_lag(overlay):
    objects = render(overlay)
    deployments, scaled = of_kind(objects, "Deployment"), of_kind(objects, "ScaledObject")
    assert set(scaled) == set(WORKERS)
    auth = of_kind(objects, "TriggerAuthentication")
    for name, obj in scaled.items():
        spec = obj["spec"]
        assert spec["scaleTargetRef"]["name"] == name and "replicas" not in deployments[name]["spec"]
        assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"] <= 10, name
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "nats-jetstream" and trigger["authenticationRef"]["name"] in auth
        meta = trigger["metadata"]
        assert (meta["stream"], meta["consumer"]) == consumed(name)
        assert int(meta["lagThreshold"]) >= 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_a_disruption_budget_that_lets_a_node_drain(overlay):
    objects = render(overlay)
    budgets = of_kind(objects, "PodDisruptionBudget").values()
    for name, deployment in of_kind(objects, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        (budget,) = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        replicas = deployment["spec"].get("replicas", 1)
        assert budget["spec"].get("maxUnavailable", 0) >= 1 or budget["spec"]["minAvailable"] < replicas, name


def test_prod_contains_no_secret_and_dev_every_one_it_refers_to():
    def referred(objects):
        names = set()
        for obj in objects:
            for ref in obj.get("spec", {}).get("secretTargetRef", []):
                names.add(ref["name"])
            pod = obj.get("spec", {}).get("template", {}).get("spec", {})
            for container in pod.get("containers", []):
                names |= {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
        return names

    prod, dev = render("prod"), render("dev")
    assert of_kind(prod, "Secret") == {}
    assert referred(prod) == {"candles-secrets", "candles-nats-monitoring"}
    assert referred(dev) <= set(of_kind(dev, "Secret"))
    readme = (REPO / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in referred(prod))
