"""The image definition (Containerfile), read as buildah and docker read it (BuildKit's own
parser, the `dockerfile` package) and held to what k8s/ expects of it: two stages, a base
pinned to its exact version, the runtime as the numeric user the manifests run as, nothing
fetched by URL nor any secret, every path the processes' commands need copied (and let
through .containerignore, which keeps everything else out), the processes' commands run by
the virtual environment's python in the code's directory; and the manifests name the image
it builds. No image is built here: no registry of base images is reachable (README,
"Deploying a province on Kubernetes")."""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import dockerfile
import pytest
import yaml

from infra.localnode import procfile
from infra.supervise import ONE_SHOT

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
IGNORE = ROOT / ".containerignore"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
IMAGE = f"sunlight:{VERSION}"
#: an exact version tag (python:3.11.14-slim-bookworm), a digest optional
PINNED = re.compile(r"^[\w.-]+(/[\w.-]+)*:\d+\.\d+\.\d+(-[\w.]+)*(@sha256:[0-9a-f]{64})?\Z")
RUN_AS = 10001


@dataclass
class Stage:
    base: str
    name: str
    commands: list[dockerfile.Command] = field(default_factory=list)

    def of(self, kind: str) -> list[dockerfile.Command]:
        return [c for c in self.commands if c.cmd == kind]

    def env(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for command in self.of("ENV"):
            pairs = command.value
            found.update(zip(pairs[::2], pairs[1::2], strict=True))
        return found


def _stages() -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for command in dockerfile.parse_file(str(CONTAINERFILE)):
        if command.cmd == "ARG" and not stages:
            name, _, default = command.value[0].partition("=")
            args[name] = default
        elif command.cmd == "FROM":
            base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], command.value[0])
            name = command.value[2] if len(command.value) == 3 else ""
            stages.append(Stage(base, name))
        else:
            stages[-1].commands.append(command)
    return args, stages


def _copied(stage: Stage) -> set[str]:
    """What a stage copies from the build context, as top-level paths."""
    sources = set()
    for command in stage.of("COPY"):
        if any(flag.startswith("--from=") for flag in command.flags):
            continue
        sources.update(p.rstrip("/") for p in command.value[:-1])
    return sources


def test_two_stages_the_runtime_taking_only_the_builders_results() -> None:
    _, stages = _stages()
    assert [s.name for s in stages] == ["builder", "runtime"]
    builder, runtime = stages
    taken = [(c.flags, c.value) for c in runtime.of("COPY")]
    assert taken == [(("--from=builder",), ("/opt/venv", "/opt/venv")),
                     (("--from=builder",), ("/app", "/app"))]
    # no compiler, package manager or pip in the runtime: its one RUN makes the user
    (run,) = runtime.of("RUN")
    assert re.match(r"groupadd .*&& useradd ", run.value[0])
    assert not re.search(r"\b(pip|apt-get|apt|gcc|cc|make)\b", run.value[0])
    assert _copied(runtime) == set()


def test_the_base_is_pinned_to_its_exact_version_and_the_same_in_both_stages() -> None:
    args, stages = _stages()
    assert {s.base for s in stages} == {args["PYTHON_IMAGE"]}  # the venv's interpreter
    assert PINNED.match(args["PYTHON_IMAGE"]), args["PYTHON_IMAGE"]
    assert "latest" not in args["PYTHON_IMAGE"]
    # the project's Python (requires-python) is the base's
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    minor = re.search(r":(\d+\.\d+)\.", args["PYTHON_IMAGE"]).group(1)
    assert f">={minor}" in project["requires-python"]


@pytest.mark.parametrize("base", ["python:3.11-slim", "python:latest", "python",
                                  "python:3.11.14-slim@sha256:abc"])
def test_a_floating_base_is_not_pinned(base: str) -> None:
    assert not PINNED.match(base)


def test_the_runtime_runs_as_the_numeric_user_the_manifests_name() -> None:
    _, stages = _stages()
    user = stages[-1].of("USER")[-1].value[0]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) == RUN_AS and (not gid or int(gid) != 0)
    assert f"--uid {RUN_AS}" in stages[-1].of("RUN")[0].value[0]
    for name, pod in _pods():
        assert pod["securityContext"]["runAsUser"] == RUN_AS, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name


def test_nothing_fetched_by_url_and_no_secret_in_the_image() -> None:
    commands = [c for stage in _stages()[1] for c in stage.commands]
    assert not [c for c in commands if c.cmd == "ADD"]  # COPY only: no URL, no archive
    assert not [c for c in commands if re.search(r"\b(curl|wget)\b|https?://",
                                                 " ".join(c.value))]
    secret = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY|DATABASE_URL|AMQP_URI)", re.I)
    for stage in _stages()[1]:
        assert not [k for k in stage.env() if secret.search(k)]
    assert not [c for c in commands if c.cmd == "ARG" and secret.search(c.value[0])]


def _pods() -> list[tuple[str, dict]]:
    """Every pod template of k8s/: the base as kustomize builds it, and the roll-up Job."""
    base = subprocess.run(["kubectl", "kustomize", str(ROOT / "k8s" / "base")],
                          capture_output=True, text=True, timeout=120, check=True).stdout
    docs = [*yaml.safe_load_all(base),
            *yaml.safe_load_all((ROOT / "k8s/components/rollup/job.yaml").read_text("utf-8"))]
    return [(d["metadata"]["name"], d["spec"]["template"]["spec"]) for d in docs
            if d and "template" in d.get("spec", {})]


def _procfile_modules() -> dict[str, str]:
    """The module each process of the cluster runs (`python -m <module> …`)."""
    modules = {}
    for name, command in procfile().items():
        if name in ONE_SHOT:
            continue
        assert command[:2] == ["python", "-m"], (name, command)
        modules[name] = command[2]
    return modules


def test_every_path_the_processes_need_is_copied() -> None:
    builder = _stages()[1][0]
    copied = _copied(builder)
    for name, module in _procfile_modules().items():
        top = module.split(".")[0]
        assert top in copied, (name, module)
        source = ROOT / Path(*module.split("."))
        assert source.with_suffix(".py").is_file() or (source / "__main__.py").is_file()
    # what the code reads beside itself (ROOT / "data"), the generated protos, and what
    # installing the project needs (pyproject.toml's readme, the pins)
    assert {"data", "gen", "protos", "pyproject.toml", "README.md",
            "constraints.txt"} <= copied
    # the packages pyproject.toml installs, each copied
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"][
        "setuptools"]["packages"]["find"]["include"]
    for pattern in packages:
        tops = {p.name for p in ROOT.glob(pattern.rstrip("*"))} | {
            p.name for p in (ROOT / "gen" / "python").glob(pattern.rstrip("*"))}
        assert tops, pattern
        for top in tops:
            assert top in copied or (ROOT / "gen" / "python" / top).is_dir(), top


def _ignore_rules() -> list[tuple[bool, str]]:
    rules = []
    for line in IGNORE.read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), line.removeprefix("!")))
    return rules


def _ignored(path: str) -> bool:
    """.containerignore's verdict on ``path`` (the last rule that matches it or a parent
    wins; ``**/`` any depth), as buildah and docker decide it."""
    verdict = False
    parts = path.split("/")
    for keep, pattern in _ignore_rules():
        for depth in range(1, len(parts) + 1):
            candidate = "/".join(parts[:depth])
            bare = pattern.removeprefix("**/")
            if fnmatch.fnmatchcase(candidate, pattern) or (
                    pattern.startswith("**/") and fnmatch.fnmatchcase(parts[depth - 1], bare)):
                verdict = not keep
    return verdict


def test_the_build_context_holds_what_is_copied_and_nothing_else() -> None:
    assert _ignore_rules()[0] == (False, "*")  # everything out, then what the image needs
    for source in _copied(_stages()[1][0]):
        assert not _ignored(source), source
        assert (ROOT / source).exists(), source
    for kept_out in ("var/node.env", "var/pki/node.key", ".venv/bin/python", ".env",
                     "tests/contract/test_containerfile.py", "k8s/overlays/city/secrets/node.env",
                     ".git/config", "bench/results/x.json", "adapter/pyproject.toml",
                     "services/x/__pycache__/m.cpython-311.pyc", "services/catalogue.db",
                     "data/node.key", "infra/.env", "sunlight.egg-info/PKG-INFO"):
        assert _ignored(kept_out), kept_out
    assert not _ignored("services/shared/config.py")
    assert not _ignored("data/fonts/SunlightSerifSC-Regular.ttf")


def test_the_processes_commands_run_from_the_venv_in_the_codes_directory() -> None:
    """The manifests give each container its Procfile command (`python -m …`): python is the
    venv's (first on PATH), run in /app, where the editable install put the code; alone,
    the image runs one of them."""
    builder, runtime = _stages()[1]
    env = runtime.env()
    assert env["PATH"].split(":")[0] == "/opt/venv/bin"
    assert runtime.of("WORKDIR")[-1].value == ("/app",)
    assert builder.of("WORKDIR")[-1].value == ("/app",)
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # a read-only root filesystem
    assert env["SUNLIGHT_VAR_DIR"].startswith("/tmp/")  # writable: an emptyDir in k8s/
    (cmd,) = runtime.of("CMD")
    assert cmd.json and list(cmd.value[2:]) in [[m] for m in _procfile_modules().values()]
    assert not runtime.of("ENTRYPOINT")  # the manifests' command is the whole command
    installs = " ".join(" ".join(c.value) for c in builder.of("RUN"))
    assert "/opt/venv/bin/pip install -c constraints.txt -r /tmp/requirements.txt" in installs
    assert "/opt/venv/bin/pip install -c constraints.txt --no-deps -e ." in installs
    assert "infra/proto/generate.py" in installs
    assert installs.endswith("pip uninstall -q -y pip")  # the runtime's venv keeps no pip


def test_the_builders_requirements_are_the_projects_pins(tmp_path: Path) -> None:
    """The builder's first step (the project's dependencies, from pyproject.toml) run here:
    every requirement it writes is pinned, and constraints.txt pins it alike."""
    (run,) = [c for c in _stages()[1][0].of("RUN") if "tomllib" in c.value[0]]
    script = run.value[0].split(" > /tmp/requirements.txt")[0]
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    out = subprocess.run(["bash", "-c", script.replace("python3 ", f"{sys.executable} ", 1)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
    requirements = out.stdout.split()
    assert len(requirements) > 20
    constraints = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, _, version = line.partition("==")
            constraints[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        name = re.sub(r"\[.*\]", "", name)
        assert version, requirement
        assert constraints[re.sub(r"[-_.]+", "-", name).lower()] == version, requirement


def test_the_manifests_name_the_image_it_builds() -> None:
    pods = _pods()
    assert len(pods) == len(_procfile_modules()) + 2  # and the Jobs: migrate, roll-up
    assert {c["image"] for _, pod in pods for c in pod["containers"]} == {IMAGE}
    assert f"podman build -f Containerfile -t {IMAGE} ." in (ROOT / "README.md").read_text(
        "utf-8")
    assert f"-t {IMAGE} ." in CONTAINERFILE.read_text("utf-8")
