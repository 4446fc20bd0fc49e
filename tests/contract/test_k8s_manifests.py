"""The Kubernetes manifests, checked offline: every process of infra/Procfile is deployed,
probed natively (gRPC or HTTP health), non-root, read-only, with limits — but the one-shot
programs of `make run` (announcing the node, seeding demo data), which a cluster does not run."""

from __future__ import annotations

from pathlib import Path

import yaml

from infra.localnode import procfile
from infra.supervise import ONE_SHOT
from services.shared.config import PEERS, Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
LEVELS = {"province": "510000", "city": "511600", "district": "511602"}


def _documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]


def _base() -> list[dict]:
    kustomization = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text("utf-8"))
    docs: list[dict] = []
    for resource in kustomization["resources"]:
        docs.extend(_documents(K8S / "base" / resource))
    return docs


WORKLOADS = ("Deployment", "StatefulSet")


def test_every_process_is_a_deployment_with_a_service() -> None:
    docs = _base()
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] in WORKLOADS}
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    expected = set(procfile()) - ONE_SHOT
    assert set(deployments) == expected
    assert services == expected
    for name, deployment in deployments.items():
        command = procfile()[name]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == command[1:], name


def test_containers_are_probed_non_root_read_only_and_limited() -> None:
    for d in _base():
        if d["kind"] not in WORKLOADS:
            continue
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            for probe in ("readinessProbe", "livenessProbe"):
                assert {"grpc", "httpGet"} & set(container[probe]), (d["metadata"]["name"],
                                                                      probe)
        selector = d["spec"]["selector"]["matchLabels"]
        assert selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()


def test_overlays_name_each_node_level() -> None:
    regions = {}
    for overlay in sorted((K8S / "overlays").iterdir()):
        k = yaml.safe_load((overlay / "kustomization.yaml").read_text("utf-8"))
        assert k["resources"] == ["namespace.yaml", "../../base"]
        patch = yaml.safe_load(k["patches"][0]["patch"])
        regions[overlay.name] = next(p["value"] for p in patch
                                     if p["path"].endswith("SUNLIGHT_NODE_REGION"))
        assert k["namespace"] == f"sunlight-{regions[overlay.name]}"
    assert regions == LEVELS


def test_no_secret_values_in_the_manifests() -> None:
    for path in K8S.rglob("*.yaml"):
        for d in _documents(path):  # a resource, or a JSON patch (a list of operations)
            assert not isinstance(d, dict) or d.get("kind") != "Secret", (
                f"{path} holds a Secret")


def test_supervision_workers_are_one_pod_per_partition() -> None:
    """Each worker pod consumes the partition its name ends with; as many partitions as
    pods, each answering its probe on the one port."""
    docs = _base()
    (workers,) = [d for d in docs if d["metadata"]["name"] == "monitoring-worker"
                  and d["kind"] == "StatefulSet"]
    (service,) = [d for d in docs if d["metadata"]["name"] == "monitoring-worker"
                  and d["kind"] == "Service"]
    assert workers["spec"]["serviceName"] == "monitoring-worker"
    assert service["spec"]["clusterIP"] == "None"
    env = {e["name"]: e for e in workers["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert int(env["SUNLIGHT_SUPERVISION_WORKERS"]["value"]) == workers["spec"]["replicas"]
    assert env["SUNLIGHT_SUPERVISION_PARTITION"]["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.name")
    assert env["SUNLIGHT_MONITORING_WORKER_PARTITION_HEALTH_PORT"]["value"] == "0"
    settings = Settings(supervision_workers=2,
                        supervision_partition="monitoring-worker-1",
                        monitoring_worker_partition_health_port=0)
    assert settings.supervision_partition_index == 1
    assert settings.monitoring_worker_health_port_of(1) == settings.monitoring_worker_health_port


def test_processes_listen_on_the_pod_and_reach_each_other_at_their_services() -> None:
    """The ConfigMap binds every server to the pod's addresses and names each peer's Service;
    each such Service exposes the port the settings give that process, and no container sets
    SUNLIGHT_HOST (one machine's address) for itself."""
    docs = _base()
    (config,) = [d for d in docs if d["kind"] == "ConfigMap"]
    settings = Settings(**{k.lower().removeprefix("sunlight_"): v
                           for k, v in config["data"].items()})
    assert settings.bind_host == "0.0.0.0"  # noqa: S104 - each pod its own addresses
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for process in PEERS:
        host, port = settings.peer_address(process).rsplit(":", 1)
        service = services[host]
        assert int(port) in {p["port"] for p in service["spec"]["ports"]}, process
        assert service["spec"]["selector"] == {"app.kubernetes.io/name": host}
        assert service["spec"].get("clusterIP") != "None", process
    for d in docs:
        if d["kind"] in WORKLOADS:
            for container in d["spec"]["template"]["spec"]["containers"]:
                names = {e["name"] for e in container.get("env", [])}
                assert not {"SUNLIGHT_HOST", "SUNLIGHT_LISTEN_HOST"} & names, (
                    d["metadata"]["name"])


def test_disruption_budgets_let_drains_through_one_pod_at_a_time() -> None:
    """A budget for every process that can run more than one pod (the servers, the
    supervision workers), each selecting that workload's pods alone; maxUnavailable, so a
    single pod may still move (minAvailable: 1 would block every drain)."""
    docs = _base()
    workloads = {d["metadata"]["name"]: d for d in docs if d["kind"] in WORKLOADS}
    budgets = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    covered = set()
    for budget in budgets:
        spec = budget["spec"]
        assert spec["maxUnavailable"] == 1 and "minAvailable" not in spec
        assert spec["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
        selected = [name for name, w in workloads.items() if spec["selector"]["matchLabels"]
                    .items() <= w["spec"]["template"]["metadata"]["labels"].items()]
        assert selected == [budget["metadata"]["name"]]
        covered.update(selected)
    relays = {name for name in workloads if name.endswith("-relay")}
    assert covered == set(workloads) - relays


def test_the_databases_are_migrated_by_a_job_before_the_processes_serve() -> None:
    """As `make run` migrates before it starts the node: the Job runs infra.node's migrate
    step with the node's settings, as every process does (non-root, read-only, limited)."""
    (job,) = [d for d in _base() if d["kind"] == "Job"]
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] + container["args"] == ["python", "-m", "infra.node",
                                                        "migrate"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    sources = {next(iter(e.values()))["name"] for e in container["envFrom"]}
    assert sources == {"sunlight-node"}


def test_prometheus_finds_every_process_metrics_and_may_read_them() -> None:
    """Each pod names the port of its ``GET /metrics`` (the node's defaults, cli.processes'
    ``metrics_urls``) in the annotations Prometheus's pod discovery reads; the port is one
    its container serves, and the network policies let the metrics namespace reach it."""
    from cli.processes import metrics_urls  # noqa: PLC0415

    expected = {name.removesuffix("-http"): int(url.rsplit(":", 1)[1].split("/")[0])
                for name, url in metrics_urls(Settings(_env_file=None)).items()}
    docs = _base()
    for workload in (d for d in docs if d["kind"] in WORKLOADS):
        name = workload["metadata"]["name"]
        template = workload["spec"]["template"]
        annotations = template["metadata"].get("annotations", {})
        assert annotations.get("prometheus.io/scrape") == "true", name
        assert annotations.get("prometheus.io/path") == "/metrics", name
        port = int(annotations["prometheus.io/port"])
        assert port == expected[name], name
        served = {p["containerPort"] for c in template["spec"]["containers"]
                  for p in c.get("ports", [])}
        assert port in served, f"{name}: {port} is not a port of its container"
    policies = {d["metadata"]["name"]: d["spec"] for d in _documents(
        K8S / "components" / "federation" / "network-policies.yaml")
        if d["kind"] == "NetworkPolicy"}
    scrape = policies["metrics-scrape-in"]
    assert scrape["podSelector"] == {}
    (rule,) = scrape["ingress"]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"sunlight/metrics": "true"}}}]
    assert {p["port"] for p in rule["ports"]} == set(expected.values())
