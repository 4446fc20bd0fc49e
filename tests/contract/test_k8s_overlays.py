"""The overlays per node level, built as an operator builds them: the README's block writes
each overlay's secrets/ with `sunlight pki` (in a copy of k8s/), `kubectl kustomize` builds
every overlay, and the result validates against the Kubernetes schemas (kubernetes-validate,
offline). Then: the Secrets hold what the node needs and the gateway alone mounts its
identity; only the gateways' peer port crosses namespaces; the nodes below the province
declare their roll-up link."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from cryptography import x509

from services.shared.config import Settings
from services.shared.node_registry import NodeRegistry
from services.shared.pki import PkiPaths, region_of
from services.shared.token_keys import TokenKey

ROOT = Path(__file__).resolve().parents[2]
LEVELS = {"province": "510000", "city": "511600", "district": "511602"}
KUBERNETES = "1.32.0"  # the kubectl of the machine
PEER_PORT = 50060
PKI_FILES = {"node.key", "node.crt", "ca.crt", "registry.json"}


def readme_block() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text[text.index("### Deploying a province on Kubernetes"):]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match
    return match.group(1)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is not installed (apt-get install kubectl)")
    home = tmp_path_factory.mktemp("operator")
    shutil.copytree(ROOT / "k8s", home / "k8s",
                    ignore=shutil.ignore_patterns("secrets"))  # never a developer's own
    (home / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUNLIGHT_")}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_block()], cwd=home,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (home / "city.yaml").stat().st_size > 0
    overlays = {}
    for level in LEVELS:
        out = subprocess.run(["kubectl", "kustomize", str(home / "k8s/overlays" / level)],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        overlays[level] = [d for d in yaml.safe_load_all(out.stdout) if d]
    # the CA's key never reaches a Secret
    assert (home / "var/k8s/pki/ca/ca.key").is_file()
    return overlays


def _kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def _named(docs: list[dict], kind: str, prefix: str) -> dict:
    (doc,) = [d for d in _kind(docs, kind) if d["metadata"]["name"].startswith(prefix)]
    return doc


def _data(secret: dict) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in secret["data"].items()}


def _env(secret: dict) -> dict[str, str]:
    return {k: v.decode() for k, v in _data(secret).items()}


@pytest.mark.parametrize("level", LEVELS)
def test_every_overlay_builds_and_validates_against_the_kubernetes_schemas(
        built: dict[str, list[dict]], level: str) -> None:
    docs = built[level]
    region = LEVELS[level]
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == f"sunlight-{region}"
    (namespace,) = _kind(docs, "Namespace")
    assert namespace["metadata"]["name"] == f"sunlight-{region}"
    assert namespace["metadata"]["labels"]["sunlight/node"] == region


def test_a_schema_error_is_caught() -> None:
    """The validation sees a wrong manifest (a port as a word)."""
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "x"},
              "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": []}]}]}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(policy, KUBERNETES, strict=True)


@pytest.mark.parametrize("level", LEVELS)
def test_the_nodes_settings_and_secrets_are_its_own(built: dict[str, list[dict]],
                                                     level: str) -> None:
    docs, region = built[level], LEVELS[level]
    config = _named(docs, "ConfigMap", "sunlight-node")["data"]
    node_env = _env(_named(docs, "Secret", "sunlight-node"))
    assert {"SUNLIGHT_TOKEN_KEY", "DATABASE_URL", "AMQP_URI"} <= set(node_env)
    assert node_env["AMQP_URI"].endswith(f"/sunlight-{region}")
    settings = Settings(**{k.lower().removeprefix("sunlight_"): v
                           for k, v in {**config, **node_env}.items()})
    assert settings.node_region == region
    # the city holds 岳池县 (511621) too; the others their own region only (no territory)
    hosted = {"511600", "511621"} if region == "511600" else set()
    assert set(settings.territory_regions) == hosted

    pki = _data(_named(docs, "Secret", "sunlight-pki"))
    assert set(pki) == PKI_FILES
    assert region_of(x509.load_pem_x509_certificate(pki["node.crt"])) == region
    ca_cert = x509.load_pem_x509_certificate(pki["ca.crt"])
    registry = NodeRegistry.verified(pki["registry.json"], ca_cert)
    # the node's token key is the one the registry holds for it; every gateway is listed at
    # its Service in its namespace, on the peer port
    kid = TokenKey.from_text(node_env["SUNLIGHT_TOKEN_KEY"]).kid
    assert registry.token_key(kid)[0] == region
    assert {n.region: n.gateway for n in registry.nodes} == {
        r: f"gateway.sunlight-{r}.svc.cluster.local:{PEER_PORT}" for r in LEVELS.values()}
    assert {(c.caller, c.callee) for c in registry.calls} == {
        (a, b) for a in LEVELS.values() for b in LEVELS.values() if a != b}

    # the gateway alone mounts the identity, where the node reads it (<var>/pki)
    secret_name = _named(docs, "Secret", "sunlight-pki")["metadata"]["name"]
    for workload in _kind(docs, "Deployment") + _kind(docs, "StatefulSet"):
        pod = workload["spec"]["template"]["spec"]
        mounts = [v for v in pod.get("volumes", []) if "secret" in v]
        if workload["metadata"]["name"] != "gateway":
            assert mounts == [], workload["metadata"]["name"]
            continue
        (volume,) = mounts
        assert volume["secret"]["secretName"] == secret_name
        (mount,) = [m for m in pod["containers"][0]["volumeMounts"]
                    if m["name"] == volume["name"]]
        assert Path(mount["mountPath"]) == PkiPaths.under(settings.var_dir).root
        assert mount["readOnly"] is True
        assert volume["secret"]["defaultMode"] & 0o007 == 0
        ports = {p["name"]: p["containerPort"] for p in pod["containers"][0]["ports"]}
        assert ports["peer"] == PEER_PORT == settings.gateway_peer_port
    # every process takes the generated Secret (its name carries kustomize's hash)
    node_secret = _named(docs, "Secret", "sunlight-node")["metadata"]["name"]
    for workload in _kind(docs, "Deployment") + _kind(docs, "StatefulSet"):
        refs = [e["secretRef"]["name"] for e in
                workload["spec"]["template"]["spec"]["containers"][0]["envFrom"]
                if "secretRef" in e]
        assert refs == [node_secret]


def _peers(rule: dict, direction: str) -> list[dict]:
    return rule.get("from" if direction == "ingress" else "to", [])


@pytest.mark.parametrize("level", LEVELS)
def test_only_the_gateways_peer_port_crosses_node_namespaces(built: dict[str, list[dict]],
                                                              level: str) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in _kind(built[level], "NetworkPolicy")}
    deny = policies["default-deny"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    node_namespaces = {"matchExpressions": [{"key": "sunlight/node", "operator": "Exists"}]}
    gateway = {"matchLabels": {"app.kubernetes.io/name": "gateway"}}
    crossing = []
    for name, spec in policies.items():
        for direction in ("ingress", "egress"):
            for rule in spec.get(direction, []):
                for peer in _peers(rule, direction):
                    assert "ipBlock" not in peer, name  # nothing by address
                    if "namespaceSelector" not in peer:  # this namespace only
                        assert peer == {"podSelector": {}}, name
                        continue
                    selector = peer["namespaceSelector"]
                    # other nodes' namespaces: gateway to gateway, the peer port, TCP
                    if selector == node_namespaces:
                        assert spec["podSelector"] == gateway, name
                        assert peer["podSelector"] == gateway, name
                        assert rule["ports"] == [{"protocol": "TCP", "port": PEER_PORT}], name
                        crossing.append((name, direction))
                    else:  # never a node's namespace: a label nodes' namespaces lack
                        labels = selector.get("matchLabels", {})
                        assert labels and "sunlight/node" not in labels, name
                        assert rule["ports"], name
    assert sorted(crossing) == [("gateway-peers-in", "ingress"),
                                ("gateway-peers-out", "egress")]


def test_the_nodes_below_the_province_declare_their_roll_up(
        built: dict[str, list[dict]]) -> None:
    assert _kind(built["province"], "Job") == []
    for level in ("city", "district"):
        docs = built[level]
        (job,) = _kind(docs, "Job")
        container = job["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] + container["args"] == [
            "python", "-m", "infra.rollup", "declare"]
        rollup = _named(docs, "Secret", "sunlight-rollup")
        refs = {e["secretRef"]["name"] for e in container["envFrom"]}
        assert refs == {rollup["metadata"]["name"]}
        # of the node's own Secret, its broker alone: no database, no token key
        (amqp,) = container["env"]
        assert (amqp["name"], amqp["valueFrom"]["secretKeyRef"]) == ("AMQP_URI", {
            "name": _named(docs, "Secret", "sunlight-node")["metadata"]["name"],
            "key": "AMQP_URI"})
        settings = _env(rollup)
        assert settings["SUNLIGHT_PROVINCE_AMQP_URI"].endswith("/sunlight-510000")
        assert settings["SUNLIGHT_RABBITMQ_MANAGEMENT_URL"].startswith("http")


def test_no_two_nodes_share_a_database_or_broker_user(built: dict[str, list[dict]]) -> None:
    """A node's Secrets open its own database and vhost only: the network policies let every
    node reach the data namespace, so the users must keep the nodes apart."""
    users: dict[str, list[str]] = {}
    for docs in built.values():
        settings = {**_env(_named(docs, "Secret", "sunlight-node")),
                    **next((_env(r) for r in _kind(docs, "Secret")
                            if r["metadata"]["name"].startswith("sunlight-rollup")), {})}
        for name in ("DATABASE_URL", "AMQP_URI", "SUNLIGHT_PROVINCE_AMQP_URI",
                     "SUNLIGHT_RABBITMQ_MANAGEMENT_URL"):
            if name in settings:
                users.setdefault(name, []).append(urlsplit(settings[name]).username or "")
    assert set(users) >= {"DATABASE_URL", "AMQP_URI"}
    for name, found in users.items():
        assert len(set(found)) == len(found), (name, found)
