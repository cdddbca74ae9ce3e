"""TLS settings are checked before a server or client starts: what is missing or contradictory is named."""

import pytest

from services.common.runtime.tls import TransportSecurityError, client_credentials, mlps_level, server_credentials


def test_plaintext_is_allowed_below_mlps_level_3() -> None:
    assert server_credentials({"MLPS_LEVEL": 2}) is None
    assert client_credentials({}) is None
    assert mlps_level({"MLPS_LEVEL": None}) == 2


@pytest.mark.parametrize("level", [3, 4, "3"])
def test_mlps_level_3_and_above_require_encrypted_transport(level: int | str) -> None:
    with pytest.raises(TransportSecurityError, match=f"MLPS level {level} requires encrypted transport"):
        server_credentials({"MLPS_LEVEL": level})
    with pytest.raises(TransportSecurityError, match="set GRPC_TLS_CA_FILE"):
        client_credentials({"MLPS_LEVEL": level})


@pytest.mark.parametrize("level", [0, 6, "high"])
def test_an_mlps_level_outside_1_to_5_is_refused(level: int | str) -> None:
    with pytest.raises(TransportSecurityError, match="is not a level from 1 to 5"):
        mlps_level({"MLPS_LEVEL": level})


def test_a_certificate_needs_its_key_and_a_client_certificate_needs_a_ca() -> None:
    with pytest.raises(TransportSecurityError, match="GRPC_TLS_CERT_FILE is not set"):
        server_credentials({"GRPC_TLS_KEY_FILE": "/etc/tls/tls.key"})
    with pytest.raises(TransportSecurityError, match="GRPC_TLS_CLIENT_CERT_FILE is set but no CA"):
        client_credentials({"GRPC_TLS_CLIENT_CERT_FILE": "/c.crt", "GRPC_TLS_CLIENT_KEY_FILE": "/c.key"})
