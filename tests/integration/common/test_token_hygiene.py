"""Tokens never appear in logs: the four services as real processes (mutual TLS, MLPS level 3, debug logging) are
called with good, unknown, wrong-role and malformed credentials over gRPC, HTTP and zyctl; then every log they wrote
is searched for each token and its SHA-256."""

import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from services.common.auth import TOKEN_PREFIX, TokenStore, hash_token
from services.common.engines import create_engine
from services.common.runtime.real_threads import wait_green
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from tests.fixtures.tls import Pki, make_pki
from tools.devstack import create_operator_token
from tools.stack import Stack

ZYCTL = str(Path(sys.executable).parent / "zyctl")


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


@pytest.fixture
def stack(tmp_path: Path, pki: Pki) -> Iterator[Stack]:
    tls = {**pki.server_settings(mutual=True), **pki.client_settings(), "MLPS_LEVEL": "3"}
    known_hosts = tmp_path / "known_hosts"  # MLPS level 3 wants the SSH host keys known (no SSH host here)
    known_hosts.touch()
    settings = {**tls, "MIGRATION_SSH_KNOWN_HOSTS_FILE": str(known_hosts), "LOG_LEVEL": "DEBUG"}
    running = Stack.on_free_ports(tmp_path / "var", extra_env=settings)
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def inventory(stack: Stack, pki: Pki) -> Iterator[inv_grpc.InventoryServiceStub]:
    credentials = grpc.ssl_channel_credentials(
        pki.ca.read_bytes(), pki.client_key.read_bytes(), pki.client_cert.read_bytes()
    )
    with grpc.secure_channel(stack.services["inventory"].grpc_target, credentials) as channel:
        yield inv_grpc.InventoryServiceStub(channel)


def call_code(method: grpc.UnaryUnaryMultiCallable, request: object, metadata: tuple) -> grpc.StatusCode:
    try:
        wait_green(method.future(request, metadata=metadata, timeout=15))
    except grpc.RpcError as error:
        return error.code()  # type: ignore[attr-defined]
    return grpc.StatusCode.OK


def get_page(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def zyctl(config: Path, *args: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, ZYCTL_CONFIG=str(config), COLUMNS="200")
    if token is not None:
        env["ZYCTL_TOKEN"] = token
    return subprocess.run([ZYCTL, *args], env=env, capture_output=True, text=True, timeout=60)


def logs_of(stack: Stack) -> dict[Path, str]:
    folder = stack.var_dir / "log"
    return {path: path.read_text(encoding="utf-8", errors="replace") for path in folder.rglob("*") if path.is_file()}


def test_no_token_nor_its_hash_appears_in_any_log(stack: Stack, inventory, tmp_path: Path) -> None:
    tokens = TokenStore(create_engine(stack.auth_database_url))
    operator = create_operator_token(stack.auth_database_url)
    department = tokens.create_token(["department:HA-WJW"], "hygiene test")
    unknown = TOKEN_PREFIX + secrets.token_urlsafe(32)
    odd = "not-a-zy-" + secrets.token_hex(16)  # a secret without our prefix: only its context gives it away
    bearer = lambda token: (("authorization", f"Bearer {token}"),)  # noqa: E731
    list_systems, create = inventory.ListSystems, inventory.CreateOrganisation
    new_organisation = inv.Organisation(code="HA-HYG", name="卫生测试委员会", admin_level=inv.ADMIN_LEVEL_PROVINCE)

    outcomes = {
        "operator lists": call_code(list_systems, inv.ListSystemsRequest(), bearer(operator)),
        "unknown token": call_code(list_systems, inv.ListSystemsRequest(), bearer(unknown)),
        "unknown odd token": call_code(list_systems, inv.ListSystemsRequest(), bearer(odd)),
        "department writes": call_code(create, new_organisation, bearer(department)),
        "basic scheme": call_code(list_systems, inv.ListSystemsRequest(), (("authorization", f"Basic {odd}"),)),
        "no scheme": call_code(list_systems, inv.ListSystemsRequest(), (("authorization", unknown),)),
        "operator writes": call_code(create, new_organisation, bearer(operator)),
    }
    assert outcomes == {
        "operator lists": grpc.StatusCode.OK,
        "unknown token": grpc.StatusCode.UNAUTHENTICATED,
        "unknown odd token": grpc.StatusCode.UNAUTHENTICATED,
        "department writes": grpc.StatusCode.PERMISSION_DENIED,
        "basic scheme": grpc.StatusCode.UNAUTHENTICATED,
        "no scheme": grpc.StatusCode.UNAUTHENTICATED,
        "operator writes": grpc.StatusCode.OK,
    }

    monitoring = stack.services["monitoring"].http_url
    assert get_page(f"{monitoring}/status/org/HA-WJW?token={department}") == 200
    assert get_page(f"{monitoring}/status/org/HA-WJW?token={unknown}") == 401
    assert get_page(f"{monitoring}/status", {"Authorization": f"Bearer {odd}"}) == 401

    config = tmp_path / "zyctl.json"
    config.write_text(json.dumps(stack.cli_config(operator)))
    listed = zyctl(config, "systems", "list", "--output", "json")
    refused = zyctl(config, "systems", "list", token=unknown)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert refused.returncode == 1 and "UNAUTHENTICATED" in refused.stderr
    for output in (listed, refused):
        assert operator not in output.stdout + output.stderr and unknown not in output.stdout + output.stderr

    logs = logs_of(stack)
    assert {"inventory.log", "monitoring.log"} <= {path.name for path in logs}
    assert "/status/org/HA-WJW?token=[redacted]" in logs[stack.var_dir / "log" / "monitoring.log"], "access logged"
    service_token = stack.environment()["SERVICE_TOKEN"]
    for name, secret in {
        "operator": operator,
        "department": department,
        "unknown": unknown,
        "odd": odd,
        "service": service_token,
    }.items():
        for path, text in logs.items():
            assert secret not in text, f"the {name} token is in {path}"
            assert hash_token(secret) not in text, f"the {name} token's SHA-256 is in {path}"
