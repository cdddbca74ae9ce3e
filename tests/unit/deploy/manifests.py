"""Reading what the deployment files say: rendered kustomize overlays, the services' config files, the Dockerfile."""

import base64
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "deploy" / "k8s"
SERVICES = ("inventory", "migration", "interconnect", "monitoring")
OVERLAYS = ("dev", "prod")
IMAGE = "zhongyuan-migration-suite"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}")

Manifest = dict[str, Any]


def kustomize(path: Path) -> list[Manifest]:
    """`kubectl kustomize PATH`, offline; a missing kubectl fails the test (it is installed by .ci/run)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed: `apt-get install -y kubectl` (.ci/run does it)", pytrace=False)
    done = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"kubectl kustomize {path.relative_to(REPO)} failed:\n{done.stderr}", pytrace=False)
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(objects: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def server(deployment: Manifest) -> Manifest:
    """The one container of a service's pod."""
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def container_ports(deployment: Manifest) -> dict[str, int]:
    return {port["name"]: port["containerPort"] for port in server(deployment)["ports"]}


def config_variables(service: str) -> set[str]:
    """Every environment variable services/<service>/config.yaml reads (`${VAR}` or `${VAR:default}`)."""
    return set(PLACEHOLDER.findall((REPO / "services" / service / "config.yaml").read_text(encoding="utf-8")))


def service_command(service: str) -> list[str]:
    """How a service runs, the nameko way (README: one process per service)."""
    return ["nameko", "run", "--config", f"services/{service}/config.yaml", f"services.{service}.service"]


@dataclass(frozen=True)
class Value:
    """Where an environment variable of a container comes from, and what it is."""

    source: str  # "literal", "ConfigMap" or "Secret"
    value: str


def environment(container: Manifest, objects: list[Manifest]) -> dict[str, Value]:
    """The container's environment as Kubernetes would build it; a reference to a missing object or key fails."""
    data = {
        kind: {name: _data(obj) for name, obj in of_kind(objects, kind).items()} for kind in ("ConfigMap", "Secret")
    }
    found: dict[str, Value] = {}
    for source in container.get("envFrom", []):
        kind, ref = (
            ("ConfigMap", source["configMapRef"]) if "configMapRef" in source else ("Secret", source["secretRef"])
        )
        assert ref["name"] in data[kind], f"{container['name']}: envFrom names a missing {kind} {ref['name']}"
        found.update({key: Value(kind, value) for key, value in data[kind][ref["name"]].items()})
    for var in container.get("env", []):
        found[var["name"]] = _env_value(var, data)
    return found


def _env_value(var: Manifest, data: dict[str, dict[str, dict[str, str]]]) -> Value:
    if "value" in var:
        return Value("literal", var["value"])
    kind, ref = next(
        (kind, var["valueFrom"][key])
        for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef"))
        if key in var["valueFrom"]
    )
    values = data[kind].get(ref["name"])
    assert values is not None, f"{var['name']} names a missing {kind} {ref['name']}"
    assert ref["key"] in values, f"{var['name']}: {kind} {ref['name']} has no key {ref['key']}"
    return Value(kind, values[ref["key"]])


def _data(obj: Manifest) -> dict[str, str]:
    if obj["kind"] == "Secret":
        return {key: base64.b64decode(value).decode() for key, value in obj.get("data", {}).items()}
    return dict(obj.get("data", {}))


@dataclass
class Stage:
    """One stage of a Dockerfile: its base and its instructions as (keyword, arguments)."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [arguments for key, arguments in self.instructions if key == keyword]


def dockerfile_stages(path: Path) -> list[Stage]:
    """The Dockerfile's stages, with continuation lines joined, comments dropped and global ARG defaults applied."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        keyword, _, arguments = line.partition(" ")
        keyword, arguments = keyword.upper(), arguments.strip()
        if keyword == "FROM":
            expanded = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m[1], m[0]), arguments)
            image, *stage_name = re.split(r"\s+as\s+", expanded, flags=re.I)
            stages.append(Stage(image.strip(), stage_name[0].strip() if stage_name else None))
        elif stages:
            stages[-1].instructions.append((keyword, arguments))
        elif keyword == "ARG" and "=" in arguments:
            arg, _, default = arguments.partition("=")
            args[arg] = default
    return stages


def exec_form(arguments: str) -> list[str] | None:
    """A CMD/ENTRYPOINT in exec (JSON) form as a list; None for the shell form."""
    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, list) else None
