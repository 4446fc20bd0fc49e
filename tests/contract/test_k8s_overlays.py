"""The overlays per node level, built as an operator builds them: the README's block writes
each overlay's secrets/ with `sunlight pki` (in a copy of k8s/), `kubectl kustomize` builds
every overlay, and the result validates against the Kubernetes schemas (kubernetes-validate,
offline). Then: the Secrets hold what the node needs and the gateway alone mounts its
identity; only the gateways' peer port crosses namespaces; the nodes below the province
declare their roll-up link."""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
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
PEER_PORT = 18060
PKI_FILES = {"node.key", "node.crt", "ca.crt", "registry.json"}
CRDS = ROOT / "k8s" / "crds"
#: the RabbitMQ operator's labels of its cluster "rabbitmq"'s pods
BROKER = {"matchLabels": {"app.kubernetes.io/name": "rabbitmq",
                          "app.kubernetes.io/component": "rabbitmq"}}
OPERATOR_KINDS = {("postgresql.cnpg.io/v1", "Cluster"), ("rabbitmq.com/v1beta1", "RabbitmqCluster")}


def readme_block() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text[text.index("### Deploying a province on Kubernetes"):]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match
    return match.group(1)


@pytest.fixture(scope="module")
def operator_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of k8s/ with every overlay's secrets/ written by the README's block."""
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
    # the CA's key never reaches a Secret
    assert (home / "var/k8s/pki/ca/ca.key").is_file()
    return home


def _build(overlays: Path) -> dict[str, list[dict]]:
    built = {}
    for level in LEVELS:
        out = subprocess.run(["kubectl", "kustomize", str(overlays / level)],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        built[level] = [d for d in yaml.safe_load_all(out.stdout) if d]
    return built


@pytest.fixture(scope="module")
def built(operator_home: Path) -> dict[str, list[dict]]:
    return _build(operator_home / "k8s/overlays")


@pytest.fixture(scope="module")
def built_with_data(operator_home: Path, built: dict[str, list[dict]]
                    ) -> dict[str, list[dict]]:
    """The overlays with PostgreSQL and RabbitMQ in the node's namespace, as the README says:
    components/data listed last in each overlay's components."""
    copy = operator_home / "with-data"
    shutil.copytree(operator_home / "k8s", copy / "k8s")
    for level in LEVELS:
        path = copy / "k8s/overlays" / level / "kustomization.yaml"
        kustomization = yaml.safe_load(path.read_text("utf-8"))
        kustomization["components"].append("../../components/data")
        path.write_text(yaml.safe_dump(kustomization, allow_unicode=True), "utf-8")
    return _build(copy / "k8s/overlays")


def _kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def _named(docs: list[dict], kind: str, prefix: str) -> dict:
    (doc,) = [d for d in _kind(docs, kind) if d["metadata"]["name"].startswith(prefix)]
    return doc


def _data(secret: dict) -> dict[str, bytes]:
    return {k: base64.b64decode(v) for k, v in secret["data"].items()}


def _env(secret: dict) -> dict[str, str]:
    return {k: v.decode() for k, v in _data(secret).items()}


def _strict(schema: Any) -> Any:
    """The schema refusing fields it does not name, where the API server would drop or
    refuse them (a structural schema's objects with properties, unless they keep unknown
    fields): a misspelt field is an error, as with `kubectl apply --validate=strict`."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {k: _strict(v) if k not in ("enum", "default", "example") else v
              for k, v in schema.items()}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        strict["additionalProperties"] = False
    return strict


@functools.cache
def _crd_validator(api_version: str, kind: str) -> jsonschema.Draft4Validator:
    group = api_version.replace("/", "_")
    schema = json.loads((CRDS / f"{group}_{kind}.schema.json").read_text("utf-8"))
    return jsonschema.Draft4Validator(_strict(schema))  # OpenAPI 3.0's JSON Schema


def validate(doc: dict) -> None:
    """A manifest against its schema: the operators' resources against their CRDs' (k8s/crds),
    everything else against Kubernetes' own."""
    if (doc["apiVersion"], doc["kind"]) in OPERATOR_KINDS:
        _crd_validator(doc["apiVersion"], doc["kind"]).validate(doc)
    else:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


@pytest.mark.parametrize("data", [False, True], ids=["data-outside", "data-in-namespace"])
@pytest.mark.parametrize("level", LEVELS)
def test_every_overlay_builds_and_validates_against_the_kubernetes_schemas(
        built: dict[str, list[dict]], built_with_data: dict[str, list[dict]], level: str,
        data: bool) -> None:
    docs = (built_with_data if data else built)[level]
    region = LEVELS[level]
    kinds = {(d["apiVersion"], d["kind"]) for d in docs}
    assert (OPERATOR_KINDS <= kinds) is data and (OPERATOR_KINDS & kinds == set()) is not data
    for doc in docs:
        validate(doc)
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


@pytest.mark.parametrize("data", [False, True], ids=["data-outside", "data-in-namespace"])
@pytest.mark.parametrize("level", LEVELS)
def test_only_the_gateways_peer_port_crosses_node_namespaces(
        built: dict[str, list[dict]], built_with_data: dict[str, list[dict]], level: str,
        data: bool) -> None:
    """Across nodes' namespaces: gateway to gateway on the peer port; with the brokers in the
    nodes' namespaces, broker to broker on AMQP too (the roll-up's shovel) — nothing else."""
    docs = (built_with_data if data else built)[level]
    policies = {p["metadata"]["name"]: p["spec"] for p in _kind(docs, "NetworkPolicy")}
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
                    # other nodes' namespaces: gateway to gateway, the peer port, TCP;
                    # broker to broker, AMQP
                    if selector == node_namespaces and spec["podSelector"] == BROKER:
                        assert peer["podSelector"] == BROKER, name
                        assert rule["ports"] == [{"protocol": "TCP", "port": 5672}], name
                        crossing.append((name, direction))
                    elif selector == node_namespaces:
                        assert spec["podSelector"] == gateway, name
                        assert peer["podSelector"] == gateway, name
                        assert rule["ports"] == [{"protocol": "TCP", "port": PEER_PORT}], name
                        crossing.append((name, direction))
                    else:  # never a node's namespace: a label nodes' namespaces lack
                        labels = selector.get("matchLabels", {})
                        assert labels and "sunlight/node" not in labels, name
                        assert rule["ports"], name
    brokers = [("rollup-brokers-in", "ingress"), ("rollup-brokers-out", "egress")]
    assert sorted(crossing) == [("gateway-peers-in", "ingress"),
                                ("gateway-peers-out", "egress"), *(brokers if data else [])]


def test_the_nodes_below_the_province_declare_their_roll_up(
        built: dict[str, list[dict]]) -> None:
    assert [j["metadata"]["name"] for j in _kind(built["province"], "Job")] == ["migrate"]
    for level in ("city", "district"):
        docs = built[level]
        (job,) = [j for j in _kind(docs, "Job") if j["metadata"]["name"] == "province-rollup"]
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


def test_an_operators_resource_with_a_schema_error_is_caught() -> None:
    """The operators' resources meet their CRDs' schemas: a wrong type, a value out of its
    range, a misspelt field are each refused; the component's own resources pass."""
    component = ROOT / "k8s/components/data"
    (cluster,) = yaml.safe_load_all((component / "postgres.yaml").read_text("utf-8"))
    (broker,) = yaml.safe_load_all((component / "rabbitmq.yaml").read_text("utf-8"))
    validate(cluster)
    validate(broker)
    wrong = [
        {**cluster, "spec": {**cluster["spec"], "instances": "two"}},
        {**cluster, "spec": {**cluster["spec"], "instances": 0}},
        {**cluster, "spec": {**cluster["spec"], "instance": 2}},
        {**broker, "spec": {**broker["spec"], "replicas": -1}},
        {**broker, "spec": {**broker["spec"], "rabbitmq": {"additionalPlugin": []}}},
    ]
    for doc in wrong:
        with pytest.raises(jsonschema.ValidationError):
            validate(doc)


@pytest.mark.parametrize("level", LEVELS)
def test_with_the_data_component_processes_take_the_operators_secrets(
        built_with_data: dict[str, list[dict]], level: str) -> None:
    """DATABASE_URL and AMQP_URI of every process are the Secrets the operators generate for
    the node's clusters (CloudNativePG: <cluster>-app, key uri; the RabbitMQ operator:
    <cluster>-default-user, key connection_string), over the Secret "sunlight-node"."""
    docs = built_with_data[level]
    region = LEVELS[level]
    (cluster,) = [d for d in docs if d["kind"] == "Cluster"]
    (broker,) = _kind(docs, "RabbitmqCluster")
    for resource in (cluster, broker):
        assert resource["metadata"]["namespace"] == f"sunlight-{region}"
    database = cluster["spec"]["bootstrap"]["initdb"]
    assert (database["database"], database["owner"]) == ("sunlight", "sunlight")
    assert {"rabbitmq_shovel"} <= set(broker["spec"]["rabbitmq"]["additionalPlugins"])
    expected = {
        "DATABASE_URL": {"name": f"{cluster['metadata']['name']}-app", "key": "uri"},
        "AMQP_URI": {"name": f"{broker['metadata']['name']}-default-user",
                     "key": "connection_string"}}
    migrate = [j for j in _kind(docs, "Job") if j["metadata"]["name"] == "migrate"]
    for workload in _kind(docs, "Deployment") + _kind(docs, "StatefulSet") + migrate:
        container = workload["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef") for e in container["env"]}
        assert {k: env.get(k) for k in expected} == expected, workload["metadata"]["name"]
    policies = {p["metadata"]["name"]: p["spec"] for p in _kind(docs, "NetworkPolicy")}
    operator_in = policies["postgres-operator-in"]
    assert operator_in["podSelector"] == {
        "matchLabels": {"cnpg.io/cluster": cluster["metadata"]["name"]}}
    assert {p["port"] for p in operator_in["ingress"][0]["ports"]} == {8000, 5432}


@pytest.mark.parametrize("level", ["city", "district"])
def test_with_the_data_component_the_roll_up_uses_the_nodes_own_broker(
        built_with_data: dict[str, list[dict]], level: str) -> None:
    (job,) = [j for j in _kind(built_with_data[level], "Job")
              if j["metadata"]["name"] == "province-rollup"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    user = {"name": "rabbitmq-default-user"}
    assert env["AMQP_URI"]["valueFrom"]["secretKeyRef"] == {**user, "key": "connection_string"}
    assert env["RABBITMQ_USERNAME"]["valueFrom"]["secretKeyRef"] == {**user, "key": "username"}
    assert env["RABBITMQ_PASSWORD"]["valueFrom"]["secretKeyRef"] == {**user, "key": "password"}
    # the management API of the node's broker (its Service, named as the cluster), with
    # the variables Kubernetes expands, defined before it
    names = [e["name"] for e in container["env"]]
    assert names.index("SUNLIGHT_RABBITMQ_MANAGEMENT_URL") > names.index("RABBITMQ_PASSWORD")
    assert env["SUNLIGHT_RABBITMQ_MANAGEMENT_URL"]["value"] == (
        "http://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@rabbitmq:15672")
