"""gRPC over TLS and mutual TLS: real certificates, a real nameko container, real sockets."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.auth import OPERATOR
from services.common.config import config_path
from services.common.runtime.grpc_calls import CallContext
from services.common.runtime.grpc_entrypoint import grpc_method
from services.common.runtime.tls import TransportSecurityError
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from tests.fixtures.services import unary
from tests.fixtures.tls import Pki, make_pki
from tests.integration.common.calling import ASKED_FOR, Caller
from tools.stack import REPO_ROOT, VENV_BIN, free_port

MONITORING = pb.DESCRIPTOR.services_by_name["MonitoringService"]
REFUSED_WITHIN_SECONDS = 5


class Answering:
    """Answers CountSystems with the organisation it was asked about."""

    name = "answering"

    @grpc_method(MONITORING, "CountSystems", roles=[OPERATOR])
    def count_systems(self, request: pb.CountSystemsRequest, context: CallContext) -> pb.CountSystemsResponse:
        return pb.CountSystemsResponse(counts=[pb.OrganisationCount(organisation_code=request.organisation_code)])


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path)


@pytest.fixture
def serve(container_factory, service_config, tmp_path):  # type: ignore[no-untyped-def]
    """Start Answering with the given TLS settings; its gRPC address."""

    def start(**settings: str) -> str:
        config = service_config(f"sqlite:///{tmp_path}/answering.db", **settings)
        container_factory(Answering, config).start()
        return config["GRPC_BIND_ADDRESS"]

    return start


@pytest.fixture
def open_channel():  # type: ignore[no-untyped-def]
    channels: list[grpc.Channel] = []

    def make(target: str, credentials: grpc.ChannelCredentials | None = None) -> grpc.Channel:
        channel = grpc.secure_channel(target, credentials) if credentials else grpc.insecure_channel(target)
        channels.append(channel)
        return channel

    yield make
    for channel in channels:
        channel.close()


def trusting(pki: Pki, *, with_client_cert: bool = False) -> grpc.ChannelCredentials:
    client = {}
    if with_client_cert:
        client = {"private_key": pki.client_key.read_bytes(), "certificate_chain": pki.client_cert.read_bytes()}
    return grpc.ssl_channel_credentials(root_certificates=pki.ca.read_bytes(), **client)


def ask(channel: grpc.Channel, token: str, organisation: str = "HA-WJW") -> Any:
    stub = pb_grpc.MonitoringServiceStub(channel)
    return unary(stub.CountSystems, pb.CountSystemsRequest(organisation_code=organisation), token, timeout=10)


def refused(channel: grpc.Channel, token: str) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as raised:
        ask(channel, token)
    return raised.value.code()


def test_a_client_trusting_the_ca_is_answered_over_tls(serve, pki, open_channel, operator_token) -> None:
    target = serve(**pki.server_settings())

    reply = ask(open_channel(target, trusting(pki)), operator_token)

    assert reply.counts[0].organisation_code == "HA-WJW"


def test_a_plaintext_client_is_refused_as_unavailable(serve, pki, open_channel, operator_token) -> None:
    target = serve(**pki.server_settings())

    assert refused(open_channel(target), operator_token) is grpc.StatusCode.UNAVAILABLE


def test_a_client_trusting_another_ca_is_refused(serve, pki, tmp_path, open_channel, operator_token) -> None:
    target = serve(**pki.server_settings())
    stranger = make_pki(tmp_path, "another-ca")

    assert refused(open_channel(target, trusting(stranger)), operator_token) is grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_refuses_a_client_without_a_certificate_and_answers_one_with_it(
    serve, pki, open_channel, operator_token
) -> None:
    target = serve(**pki.server_settings(mutual=True))

    assert refused(open_channel(target, trusting(pki)), operator_token) is grpc.StatusCode.UNAVAILABLE
    reply = ask(open_channel(target, trusting(pki, with_client_cert=True)), operator_token, "HA-RST")
    assert reply.counts[0].organisation_code == "HA-RST"


def test_mutual_tls_refuses_a_client_certificate_of_another_ca(
    serve, pki, tmp_path, open_channel, operator_token
) -> None:
    target = serve(**pki.server_settings(mutual=True))
    stranger = make_pki(tmp_path, "another-ca")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.read_bytes(),
        private_key=stranger.client_key.read_bytes(),
        certificate_chain=stranger.client_cert.read_bytes(),
    )

    assert refused(open_channel(target, credentials), operator_token) is grpc.StatusCode.UNAVAILABLE


def test_a_service_calls_another_over_mutual_tls_with_the_grpc_client(
    serve, pki, container_factory, service_config, tmp_path, open_channel, tokens, operator_token
) -> None:
    target = serve(**pki.server_settings(mutual=True))
    config = service_config(
        f"sqlite:///{tmp_path}/caller.db",
        MONITORING_GRPC_TARGET=target,
        SERVICE_TOKEN=tokens.create_token([OPERATOR]),
        **pki.client_settings(),
    )
    container_factory(Caller, config).start()

    reply = ask(open_channel(config["GRPC_BIND_ADDRESS"]), operator_token)

    assert reply.counts[0].organisation_code == ASKED_FOR


def test_a_grpc_client_without_the_client_certificate_is_refused_by_mutual_tls(
    serve, pki, container_factory, service_config, tmp_path, open_channel, tokens, operator_token
) -> None:
    target = serve(**pki.server_settings(mutual=True))
    config = service_config(
        f"sqlite:///{tmp_path}/caller.db",
        MONITORING_GRPC_TARGET=target,
        SERVICE_TOKEN=tokens.create_token([OPERATOR]),
        GRPC_TLS_CA_FILE=str(pki.ca),
    )
    container_factory(Caller, config).start()

    # The caller's worker fails with UNAVAILABLE from its own call; the bridge reports that as an internal error.
    assert refused(open_channel(config["GRPC_BIND_ADDRESS"]), operator_token) is grpc.StatusCode.INTERNAL


def test_the_probe_port_answers_health_in_plaintext_and_nothing_else(serve, pki, open_channel, operator_token) -> None:
    probe_address = f"127.0.0.1:{free_port()}"
    serve(**pki.server_settings(mutual=True), GRPC_HEALTH_ADDRESS=probe_address)
    channel = open_channel(probe_address)

    health = unary(health_pb2_grpc.HealthStub(channel).Check, health_pb2.HealthCheckRequest(), timeout=10)

    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert refused(channel, operator_token) is grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MLPS_LEVEL": "3"}, "MLPS level 3 requires encrypted transport: set GRPC_TLS_CERT_FILE and GRPC_TLS_KEY"),
        ({"GRPC_TLS_CERT_FILE": "/nonexistent/server.crt"}, "GRPC_TLS_KEY_FILE is not set"),
        ({"GRPC_TLS_CLIENT_CA_FILE": "/x/ca.crt"}, "GRPC_TLS_CLIENT_CA_FILE needs GRPC_TLS_CERT_FILE"),
        ({"MLPS_LEVEL": "high"}, "MLPS_LEVEL 'high' is not a level from 1 to 5"),
    ],
)
def test_a_container_with_incomplete_tls_settings_does_not_start(serve, settings, message) -> None:
    with pytest.raises(TransportSecurityError, match=message):
        serve(**settings)


def test_unreadable_and_mismatched_files_are_named(serve, pki, tmp_path) -> None:
    missing = tmp_path / "missing.key"
    with pytest.raises(TransportSecurityError, match=f"GRPC_TLS_KEY_FILE: cannot read {missing}"):
        serve(GRPC_TLS_CERT_FILE=str(pki.server_cert), GRPC_TLS_KEY_FILE=str(missing))

    with pytest.raises(TransportSecurityError, match=f"GRPC_TLS_CERT_FILE {pki.server_cert} and GRPC_TLS_KEY_FILE"):
        serve(GRPC_TLS_CERT_FILE=str(pki.server_cert), GRPC_TLS_KEY_FILE=str(pki.client_key))

    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("not a certificate")
    with pytest.raises(TransportSecurityError, match=f"GRPC_TLS_CLIENT_CA_FILE: {not_pem} is not a PEM file"):
        serve(**pki.server_settings(), GRPC_TLS_CLIENT_CA_FILE=str(not_pem))


def test_a_service_process_at_mlps_level_3_without_a_certificate_refuses_to_start(
    backing_services, auth_database_url, tmp_path
) -> None:
    env = dict(
        os.environ,
        MLPS_LEVEL="3",
        KAFKA_BOOTSTRAP=backing_services.kafka_bootstrap,
        AUTH_DATABASE_URL=auth_database_url,
        INVENTORY_DATABASE_URL=f"sqlite:///{tmp_path}/inventory.db",
        INVENTORY_GRPC_ADDRESS=f"127.0.0.1:{free_port()}",
        INVENTORY_HTTP_ADDRESS=f"127.0.0.1:{free_port()}",
    )
    for variable in ("GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE"):
        env.pop(variable, None)
    command = [str(VENV_BIN / "nameko"), "run", "--config", config_path("inventory"), "services.inventory.service"]

    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode != 0
    assert "MLPS level 3 requires encrypted transport" in done.stderr + done.stdout


def test_zyctl_talks_tls_with_its_ca_and_names_an_unreadable_ca(serve, pki, tmp_path, operator_token) -> None:
    target = serve(**pki.server_settings())
    zyctl = str(Path(sys.executable).parent / "zyctl")
    config = tmp_path / "zyctl.json"
    config.write_text(f'{{"token": "{operator_token}", "targets": {{"monitoring": "{target}"}}}}')
    env = dict(os.environ, ZYCTL_CONFIG=str(config), COLUMNS="1000")
    args = ["report", "quarterly", "--org", "HA-WJW", "--quarter", "2016Q2"]

    def run(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run([zyctl, *options, *args], env=env, capture_output=True, text=True, timeout=60)

    plaintext, trusted, missing = run(), run("--tls-ca", str(pki.ca)), run("--tls-ca", str(tmp_path / "nope.crt"))

    assert plaintext.returncode == 1 and "UNAVAILABLE" in plaintext.stderr
    # Answering serves only CountSystems: the handshake succeeded and the server answered the report call itself.
    assert trusted.returncode == 1 and "UNIMPLEMENTED" in trusted.stderr, trusted.stdout + trusted.stderr
    assert missing.returncode == 2 and f"ZYCTL_TLS_CA: cannot read {tmp_path / 'nope.crt'}" in missing.stderr
