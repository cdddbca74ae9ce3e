"""deploy/k8s renders into valid objects that run each service the way its config file expects."""

import kubernetes_validate
import pytest

from tests.unit.deploy.manifests import (
    IMAGE,
    OVERLAYS,
    SERVICES,
    Manifest,
    config_variables,
    container_ports,
    environment,
    of_kind,
    server,
    service_command,
)

# The kubectl that renders them (v1.32, docs/architecture.md); kubernetes-validate ships this version's schemas.
KUBERNETES_VERSION = "1.32"
CUSTOM_RESOURCES = {"PrometheusRule", "ServiceMonitor"}  # no schemas offline: tests/unit/deploy/test_monitoring.py

pytestmark = pytest.mark.parametrize("overlay", OVERLAYS)


def deployments(rendered: dict[str, list[Manifest]], overlay: str) -> dict[str, Manifest]:
    return of_kind(rendered[overlay], "Deployment")


def test_every_overlay_renders_each_service_with_its_own_objects(rendered, overlay: str) -> None:
    objects = rendered[overlay]
    for kind in ("Deployment", "Service", "ServiceAccount"):
        assert set(of_kind(objects, kind)) == set(SERVICES), kind
    config_maps = {name.rsplit("-", 1)[0] for name in of_kind(objects, "ConfigMap")}
    assert {f"{service}-config" for service in SERVICES} <= config_maps
    for name, deployment in deployments(rendered, overlay).items():
        assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == name


def test_every_object_validates_against_the_kubernetes_schemas(rendered, overlay: str) -> None:
    errors = []
    for obj in rendered[overlay]:
        if obj["kind"] in CUSTOM_RESOURCES:
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {'.'.join(map(str, error.path))}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(error.message)
    assert errors == []


def test_each_deployment_runs_its_own_service_from_the_one_image(rendered, overlay: str) -> None:
    images = set()
    for name, deployment in deployments(rendered, overlay).items():
        container = server(deployment)
        assert container["command"] == service_command(name)
        images.add(container["image"])
    (image,) = images
    repository, _, tag = image.rpartition(":")
    assert repository.rsplit("/", 1)[-1] == IMAGE
    assert tag and tag != "latest", "an overlay pins the image tag"


def test_every_container_has_grpc_probes_and_an_http_health_probe(rendered, overlay: str) -> None:
    for name, deployment in deployments(rendered, overlay).items():
        container, ports = server(deployment), container_ports(deployment)
        # kubelet's gRPC probes cannot speak TLS: they ask the plaintext health-only port the service serves.
        health_address = environment(container, rendered[overlay])["GRPC_HEALTH_ADDRESS"].value
        assert health_address.startswith("0.0.0.0:"), f"{name}: kubelet reaches the health port on the pod's IP"
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe].get("grpc", {}).get("port") == int(health_address.rsplit(":", 1)[1]), (
                f"{name} {probe}"
            )
            assert container[probe]["grpc"]["port"] not in ports.values(), f"{name} {probe}: not a TLS port"
        http_probes = [
            container[probe]["httpGet"]
            for probe in ("startupProbe", "readinessProbe", "livenessProbe")
            if "httpGet" in container.get(probe, {})
        ]
        assert any(get["path"] == "/healthz" and get["port"] in ("http", ports["http"]) for get in http_probes), name


def test_every_container_has_requests_and_limits(rendered, overlay: str) -> None:
    for name, deployment in deployments(rendered, overlay).items():
        resources = server(deployment).get("resources", {})
        for bound in ("requests", "limits"):
            assert set(resources.get(bound, {})) >= {"cpu", "memory"}, f"{name} {bound}"


def test_every_container_runs_non_root_on_a_read_only_root_filesystem(rendered, overlay: str) -> None:
    for name, deployment in deployments(rendered, overlay).items():
        pod = deployment["spec"]["template"]["spec"]
        context = {**pod.get("securityContext", {}), **server(deployment).get("securityContext", {})}
        assert context.get("runAsNonRoot") is True, name
        assert context.get("readOnlyRootFilesystem") is True, name
        assert context.get("allowPrivilegeEscalation") is False, name
        assert "ALL" in context.get("capabilities", {}).get("drop", []), name
        # The only writable place: /tmp (ansible-runner's private data dirs), an emptyDir.
        empty_dirs = {volume["name"] for volume in pod.get("volumes", []) if "emptyDir" in volume}
        mounts = {mount["mountPath"]: mount["name"] for mount in server(deployment).get("volumeMounts", [])}
        assert mounts.get("/tmp") in empty_dirs, name


def test_every_service_port_targets_a_container_port_of_its_pods(rendered, overlay: str) -> None:
    pods = {name: deployment["spec"]["template"] for name, deployment in deployments(rendered, overlay).items()}
    for name, service in of_kind(rendered[overlay], "Service").items():
        selector = service["spec"]["selector"].items()
        (selected,) = [pod for pod in pods.values() if selector <= pod["metadata"]["labels"].items()]
        ports = {port["name"]: port["containerPort"] for port in selected["spec"]["containers"][0]["ports"]}
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            container_port = ports.get(target) if isinstance(target, str) else target
            assert container_port in ports.values(), f"{name}:{port['name']}"
            assert port["port"] == container_port, f"{name}:{port['name']} keeps the service's documented port"


def test_every_variable_a_service_reads_is_provided(rendered, overlay: str) -> None:
    for name, deployment in deployments(rendered, overlay).items():
        provided = environment(server(deployment), rendered[overlay])
        assert config_variables(name) - set(provided) == set(), name


def test_database_urls_and_tokens_come_from_secrets(rendered, overlay: str) -> None:
    for name, deployment in deployments(rendered, overlay).items():
        for variable, value in environment(server(deployment), rendered[overlay]).items():
            if variable.endswith(("DATABASE_URL", "TOKEN", "PASSWORD")):
                assert value.source == "Secret", f"{name}: {variable} comes from a {value.source}"
            if variable.endswith("DATABASE_URL"):
                assert value.value.startswith("postgresql+psycopg2://"), f"{name}: {variable} is PostgreSQL"


def test_a_secret_reaches_only_the_services_that_read_it(rendered, overlay: str) -> None:
    for name, deployment in deployments(rendered, overlay).items():
        secrets = {
            v for v, value in environment(server(deployment), rendered[overlay]).items() if value.source == "Secret"
        }
        assert secrets - config_variables(name) == set(), name


def test_services_bind_all_interfaces_on_their_container_ports(rendered, overlay: str) -> None:
    for name, deployment in deployments(rendered, overlay).items():
        provided, ports = environment(server(deployment), rendered[overlay]), container_ports(deployment)
        for protocol in ("grpc", "http"):
            assert provided[f"{name.upper()}_{protocol.upper()}_ADDRESS"].value == f"0.0.0.0:{ports[protocol]}"


def test_grpc_targets_and_kafka_point_at_the_cluster_not_localhost(rendered, overlay: str) -> None:
    services = {
        name: {p["port"] for p in s["spec"]["ports"]} for name, s in of_kind(rendered[overlay], "Service").items()
    }
    for deployment in deployments(rendered, overlay).values():
        provided = environment(server(deployment), rendered[overlay])
        assert not provided["KAFKA_BOOTSTRAP"].value.startswith(("127.", "localhost"))
        for variable, value in provided.items():
            if variable.endswith("_GRPC_TARGET"):
                host, port = value.value.rsplit(":", 1)
                assert int(port) in services[host], variable


def test_objects_live_in_the_overlay_namespace_which_enforces_restricted_pods(rendered, overlay: str) -> None:
    (namespace,) = of_kind(rendered[overlay], "Namespace").values()
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    namespaced = [obj for obj in rendered[overlay] if obj["kind"] != "Namespace"]
    assert {obj["metadata"].get("namespace") for obj in namespaced} == {namespace["metadata"]["name"]}
