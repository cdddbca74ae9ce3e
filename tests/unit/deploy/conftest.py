"""The kustomize overlays rendered once per test session (kubectl runs offline)."""

import pytest

from tests.unit.deploy.manifests import K8S, OVERLAYS, Manifest, kustomize


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Manifest]]:
    """Every overlay's objects, by overlay name."""
    return {overlay: kustomize(K8S / "overlays" / overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def base() -> list[Manifest]:
    return kustomize(K8S / "base")
