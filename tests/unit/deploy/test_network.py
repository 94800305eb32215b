"""Who may connect to what, as the rendered NetworkPolicies say (evaluated here as Kubernetes does for
ingress): only the API takes traffic from outside; the services' metrics ports take the scrape from the
namespace `monitoring`; the dev datastores take connections from the project's own pods only."""

from __future__ import annotations

import pytest

from tests.unit.deploy.rendering import OVERLAYS, render

NAMESPACE = "candles"


def matches(selector: dict, labels: dict) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    tests = {"In": lambda e: labels.get(e["key"]) in e["values"],
             "NotIn": lambda e: labels.get(e["key"]) not in e["values"],
             "Exists": lambda e: e["key"] in labels, "DoesNotExist": lambda e: e["key"] not in labels}
    return all(tests[e["operator"]](e) for e in selector.get("matchExpressions", []))


def peer_allowed(peer: dict, namespace: str, labels: dict) -> bool:
    if "namespaceSelector" in peer:
        if not matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace}):
            return False
    elif namespace != NAMESPACE:
        return False
    return matches(peer.get("podSelector", {}), labels)


def pods(objects) -> dict[str, tuple[dict, set[str]]]:
    """Each workload's pod labels and the names of its ports."""
    found = {}
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            template = obj["spec"]["template"]
            ports = {p["name"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
            found[obj["metadata"]["name"]] = (template["metadata"]["labels"], ports)
    return found


def reachable(objects, namespace: str, labels: dict) -> dict[str, set[str]]:
    """The ports of each workload that a pod with these labels in this namespace may connect to."""
    policies = [o["spec"] for o in objects if o["kind"] == "NetworkPolicy" and "Ingress" in o["spec"]["policyTypes"]]
    answer = {}
    for name, (pod_labels, ports) in pods(objects).items():
        selecting = [p for p in policies if matches(p["podSelector"], pod_labels)]
        if not selecting:
            answer[name] = ports
            continue
        open_ports: set[str] = set()
        for rule in (r for p in selecting for r in p.get("ingress", [])):
            if "from" not in rule or any(peer_allowed(peer, namespace, labels) for peer in rule["from"]):
                open_ports |= {p["port"] for p in rule["ports"]} & ports if "ports" in rule else ports
        answer[name] = open_ports
    return answer


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_api_takes_traffic_from_outside(overlay):
    objects = render(overlay)
    for namespace, labels in (("elsewhere", {}), (NAMESPACE, {"app.kubernetes.io/name": "a-stranger"})):
        open_ports = {name: ports for name, ports in reachable(objects, namespace, labels).items() if ports}
        assert open_ports == {"api": {"http"}}, namespace


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_monitoring_namespace_reaches_every_metrics_port(overlay):
    objects = render(overlay)
    open_ports = reachable(objects, "monitoring", {})
    for name in ("api", "fetcher", "rebuilder", "writer", "coverage"):
        assert "metrics" in open_ports[name], name
    assert open_ports["fetcher"] == {"metrics"}


def test_the_dev_datastores_take_the_project_pods_only():
    objects = render("dev")
    service = {"app.kubernetes.io/name": "writer", "app.kubernetes.io/component": "service"}
    migration = {"app.kubernetes.io/name": "migrate", "app.kubernetes.io/component": "migration"}
    for labels in (service, migration):
        open_ports = reachable(objects, NAMESPACE, labels)
        assert (open_ports["postgres"], open_ports["nats"], open_ports["s3"]) == ({"postgres"}, {"client"}, {"s3"})
    assert reachable(objects, "keda", {})["nats"] == {"monitoring"}
    assert reachable(objects, "elsewhere", {})["postgres"] == set()
