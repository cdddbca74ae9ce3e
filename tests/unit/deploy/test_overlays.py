"""What differs between the overlays: replicas and disruption budgets in production, one base for both."""

from tests.unit.deploy.manifests import SERVICES, of_kind


def test_prod_has_a_disruption_budget_for_each_service(rendered) -> None:
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"] for name, d in of_kind(rendered["prod"], "Deployment").items()
    }
    covered = []
    for budget in of_kind(rendered["prod"], "PodDisruptionBudget").values():
        wanted = budget["spec"]["selector"]["matchLabels"].items()
        covered += [name for name, labels in pods.items() if wanted <= labels.items()]
        assert ("minAvailable" in budget["spec"]) != ("maxUnavailable" in budget["spec"])
    assert sorted(covered) == sorted(SERVICES), "exactly one budget per service"


def test_prod_runs_several_replicas_of_each_service_and_of_migration(rendered) -> None:
    replicas = {name: d["spec"].get("replicas", 1) for name, d in of_kind(rendered["prod"], "Deployment").items()}
    assert replicas["migration"] > 1
    assert min(replicas.values()) > 1, "a disruption budget needs a second pod to keep serving"


def test_dev_runs_one_replica_without_disruption_budgets(rendered) -> None:
    replicas = {name: d["spec"].get("replicas", 1) for name, d in of_kind(rendered["dev"], "Deployment").items()}
    assert set(replicas.values()) == {1}
    assert of_kind(rendered["dev"], "PodDisruptionBudget") == {}


def test_overlays_share_the_base_and_differ_only_in_settings(rendered, base) -> None:
    """Same Deployments as the base: overlays patch, they do not copy."""
    for overlay, objects in rendered.items():
        for name, deployment in of_kind(objects, "Deployment").items():
            ours = of_kind(base, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
            theirs = deployment["spec"]["template"]["spec"]["containers"][0]
            for field in ("command", "ports", "readinessProbe", "livenessProbe", "securityContext"):
                assert theirs[field] == ours[field], f"{overlay}/{name} {field}"


def test_prod_serves_only_the_status_pages_outside_the_cluster_and_only_over_tls(rendered) -> None:
    (ingress,) = of_kind(rendered["prod"], "Ingress").values()
    (tls,) = ingress["spec"]["tls"]
    (rule,) = ingress["spec"]["rules"]
    paths = rule["http"]["paths"]

    assert rule["host"] in tls["hosts"] and tls["secretName"] == "zhongyuan-status-tls"
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    assert [(path["path"], path["pathType"]) for path in paths] == [("/status", "Prefix")]
    backend = paths[0]["backend"]["service"]
    assert backend["name"] == "monitoring" and backend["port"] == {"name": "http"}
    assert of_kind(rendered["dev"], "Ingress") == {}
