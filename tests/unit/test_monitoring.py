"""The alert rules and the dashboard (deploy/prometheus, deploy/grafana) hold: promtool checks the
rules and runs their test cases, every dashboard query is valid PromQL, and every metric and label
they name is one the code exports (shared/platform/metrics.py)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from prometheus_client.metrics import MetricWrapperBase

from shared.platform import metrics
from tests.paths import REPO

RULES = REPO / "deploy" / "prometheus" / "alerts.yaml"
RULE_TESTS = REPO / "deploy" / "prometheus" / "alerts.test.yaml"
DASHBOARD = REPO / "deploy" / "grafana" / "candles-dashboard.json"
# Added by Prometheus to every scraped series, and the bucket bound of histograms.
SCRAPE_LABELS = {"instance", "job", "le"}
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


def promtool() -> str:
    found = shutil.which("promtool") or str(Path(sys.executable).with_name("promtool"))
    assert Path(found).exists(), "promtool is missing: `make promtool` installs it"
    return found


def run_promtool(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([promtool(), *map(str, args)], capture_output=True, text=True, timeout=120)


def exported() -> dict[str, set[str]]:
    """Each sample name the code exports, with its labels."""
    names: dict[str, set[str]] = {}
    for metric in vars(metrics).values():
        if isinstance(metric, MetricWrapperBase):
            for family in metric.describe():
                for suffix in SUFFIXES[family.type]:
                    names[family.name + suffix] = set(metric._labelnames)
    return names


def rule_exprs() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [t["expr"] for p in panels for t in p.get("targets", [])]


def test_the_alert_rules_pass_promtool_check_and_their_test_cases():
    checked = run_promtool("check", "rules", RULES)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([promtool(), "test", "rules", RULE_TESTS.name], cwd=RULE_TESTS.parent,
                            capture_output=True, text=True, timeout=120)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    alerts = {rule["alert"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}
    cases = {case["alertname"] for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
             for case in test["alert_rule_test"] if case.get("exp_alerts")}
    assert cases == alerts  # every alert has a case where it fires


def test_every_dashboard_query_is_valid_promql(tmp_path):
    # Grafana's own variable, as Grafana would put it in.
    exprs = [e.replace("$__rate_interval", "5m") for e in dashboard_exprs()]
    assert exprs
    rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:query{i}", "expr": e}
                                                        for i, e in enumerate(exprs)]}]}
    (tmp_path / "queries.yaml").write_text(yaml.safe_dump(rules))
    checked = run_promtool("check", "rules", tmp_path / "queries.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def labels_named(expr: str) -> set[str]:
    """Label names in matchers ({name="..."}) and in by/without clauses."""
    named = set()
    for matchers in re.findall(r"\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", expr):
        named |= set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers))
    for clause in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        named |= {n.strip() for n in clause.split(",") if n.strip()}
    return named


def test_every_metric_and_label_the_dashboard_and_rules_name_is_exported():
    known = exported()
    assert "candles_jobs_finished_total" in known and "candles_writer_merge_seconds_bucket" in known
    for expr in rule_exprs() + dashboard_exprs():
        names = set(re.findall(r"\bcandles_\w+", expr))
        assert names and names <= set(known), (expr, names - set(known))
        labels = set().union(*(known[n] for n in names)) | SCRAPE_LABELS
        assert labels_named(expr) <= labels, (expr, labels_named(expr) - labels)


def test_the_dashboard_covers_every_metric_and_each_panel_reads_the_chosen_prometheus():
    board = json.loads(DASHBOARD.read_text())
    referenced = {re.sub(r"_(bucket|count|sum)$", "", n) for e in dashboard_exprs()
                  for n in re.findall(r"\bcandles_\w+", e)}
    families = {re.sub(r"_(bucket|count|sum)$", "", n) for n in exported()}
    assert families <= referenced, families - referenced
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert all(p["datasource"]["uid"] == "${datasource}" for p in panels)
    assert len({p["id"] for p in board["panels"]}) == len(board["panels"])
