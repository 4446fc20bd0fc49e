"""Where a node's processes listen and where they reach each other: on one machine both are
SUNLIGHT_HOST (nothing set, nothing changes); apart — Kubernetes, a Service per process —
servers bind SUNLIGHT_LISTEN_HOST and each peer is reached at SUNLIGHT_<PROCESS>_HOST."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.shared.config import PEERS, Settings

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ("SUNLIGHT_HOST", "SUNLIGHT_LISTEN_HOST", *(
    f"SUNLIGHT_{field.upper()}" for field, _ in PEERS.values()))


@pytest.fixture(autouse=True)
def _no_host_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in HOSTS:
        monkeypatch.delenv(name, raising=False)


def test_one_machine_listens_and_is_reached_at_the_one_host() -> None:
    settings = Settings(host="10.1.2.3")
    assert settings.bind_host == "10.1.2.3"
    assert settings.listen_address(18051) == "10.1.2.3:18051"
    assert {p: settings.peer_address(p) for p in PEERS} == {
        "catalogue": "10.1.2.3:18051", "cases": "10.1.2.3:18052",
        "monitoring": "10.1.2.3:18053", "gateway": "10.1.2.3:18050",
        "gateway-http": "10.1.2.3:8080", "hall": "10.1.2.3:8000"}
    # the defaults are today's: every process on 127.0.0.1
    assert Settings().peer_address("cases") == Settings().address(18052) == "127.0.0.1:18052"


def test_apart_servers_bind_the_listen_host_and_peers_are_reached_by_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for process in ("catalogue", "cases", "monitoring", "gateway", "hall"):
        monkeypatch.setenv(f"SUNLIGHT_{process.upper()}_HOST", process)
    monkeypatch.setenv("SUNLIGHT_LISTEN_HOST", "0.0.0.0")  # noqa: S104
    monkeypatch.setenv("SUNLIGHT_CASES_PORT", "6000")
    settings = Settings()
    assert settings.listen_address(settings.cases_port) == "0.0.0.0:6000"
    assert settings.peer_address("cases") == "cases:6000"
    assert settings.peer_address("gateway") == f"gateway:{settings.gateway_grpc_port}"
    assert settings.peer_address("gateway-http") == f"gateway:{settings.gateway_http_port}"
    assert settings.peer_address("hall") == "hall:8000"
    # one peer left unset: SUNLIGHT_HOST
    monkeypatch.delenv("SUNLIGHT_MONITORING_HOST")
    assert Settings(host="10.0.0.9").peer_address("monitoring") == "10.0.0.9:18053"


@pytest.mark.parametrize("value", ["catalogue:18051", "http://catalogue", "a b", "-x"])
def test_a_host_setting_is_a_host_alone(value: str) -> None:
    with pytest.raises(ValidationError, match="a host name or address"):
        Settings(catalogue_host=value)


@pytest.mark.parametrize("value", ["catalogue.sunlight-510000.svc.cluster.local",
                                   "0.0.0.0", "[::]", "localhost", ""])  # noqa: S104
def test_names_and_addresses_are_hosts(value: str) -> None:
    assert Settings(listen_host=value).listen_host == value


def test_an_unknown_peer_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        Settings().peer_address("relay")


def test_servers_and_clients_go_through_the_listen_and_peer_addresses() -> None:
    """No process binds or dials SUNLIGHT_HOST directly: a server binds listen_address /
    bind_host, a client dials peer_address (else it would fit one machine only). `sunlight
    status` checks the health-only processes (relays, workers) at SUNLIGHT_HOST, on one
    machine."""
    direct = re.compile(r"settings\.address\(|settings\.host\b|\bs\.address\(")
    found = []
    for package in ("services", "gateway", "cli", "infra"):
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ("services/shared/config.py", "cli/processes.py"):
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if direct.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
