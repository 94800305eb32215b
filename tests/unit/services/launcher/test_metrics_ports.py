"""The services of one machine (make run) never ask for the same metrics port, nor the API's."""

from __future__ import annotations

from services.launcher.supervisor import SERVICES, metrics_env
from shared.platform.settings import METRICS_PORTS, Settings


def test_the_default_ports_are_apart_from_each_other_and_from_the_api():
    ports = [Settings().metrics_port_of(s) for s in SERVICES]
    assert len(set(ports)) == len(SERVICES) and Settings().api_port not in ports
    assert set(METRICS_PORTS) == set(SERVICES)


def test_a_configured_port_is_the_first_of_the_five_and_zero_stays_free():
    given = {s: metrics_env(s, "9200") for s in SERVICES}
    assert sorted(int(e["METRICS_PORT"]) for e in given.values()) == list(range(9200, 9205))
    assert given["api"] == {"METRICS_PORT": "9200"}
    assert metrics_env("writer", "0") == {} and metrics_env("writer", None) == {}


def test_a_service_takes_its_own_default_unless_one_is_set():
    assert Settings().metrics_port_of("writer") == 9103
    assert Settings(metrics_port=0).metrics_port_of("writer") == 0
