"""gRPC transport security: credentials from PEM files, checked at start-up so a bad file fails loudly, not per call.

Shared by the gRPC server (GRPC_TLS_CERT_FILE/KEY_FILE, optional GRPC_TLS_CLIENT_CA_FILE for mutual TLS), the
service-to-service client (GRPC_TLS_CA_FILE, optional GRPC_TLS_CLIENT_CERT_FILE/KEY_FILE) and zyctl. Free of nameko
and eventlet, so the CLI can use it too.
"""

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

DEFAULT_MLPS_LEVEL = 2
MLPS_LEVEL_REQUIRING_TLS = 3  # 等保三级: data in transit must be encrypted


class TransportSecurityError(Exception):
    """The TLS settings are incomplete, contradictory or name a file that cannot be used."""


@dataclass(frozen=True)
class PemFile:
    """A PEM file and the setting that named it, so errors say which setting to fix."""

    setting: str
    path: str

    def read(self) -> bytes:
        try:
            content = Path(self.path).read_bytes()
        except OSError as error:
            raise TransportSecurityError(f"{self.setting}: cannot read {self.path} ({error.strerror})") from error
        if b"-----BEGIN " not in content:
            raise TransportSecurityError(f"{self.setting}: {self.path} is not a PEM file")
        return content


@dataclass(frozen=True)
class KeyPair:
    """A certificate (chain) and its private key."""

    cert: PemFile
    key: PemFile

    def read(self) -> tuple[bytes, bytes]:
        """(key, certificate chain) as grpcio wants them, after checking that the key belongs to the certificate."""
        key, cert = self.key.read(), self.cert.read()
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(self.cert.path, self.key.path)
        except ssl.SSLError as error:
            raise TransportSecurityError(
                f"{self.cert.setting} {self.cert.path} and {self.key.setting} {self.key.path} do not form a key pair"
                f" ({error.reason or error})"
            ) from error
        return key, cert


def read_ca(ca: PemFile) -> bytes:
    content = ca.read()
    try:
        ssl.create_default_context(cadata=content.decode("ascii"))
    except (ssl.SSLError, UnicodeDecodeError, ValueError) as error:
        raise TransportSecurityError(f"{ca.setting}: {ca.path} holds no usable CA certificate ({error})") from error
    return content


def _setting(config: Mapping[str, Any], name: str) -> str:
    return str(config.get(name) or "")


def key_pair(config: Mapping[str, Any], cert_setting: str, key_setting: str) -> KeyPair | None:
    """The key pair two settings name; None when neither is set, an error when only one is."""
    cert, key = _setting(config, cert_setting), _setting(config, key_setting)
    if bool(cert) != bool(key):
        missing = key_setting if cert else cert_setting
        raise TransportSecurityError(f"{missing} is not set: {cert_setting} and {key_setting} go together")
    return KeyPair(PemFile(cert_setting, cert), PemFile(key_setting, key)) if cert else None


def mlps_level(config: Mapping[str, Any]) -> int:
    raw = config.get("MLPS_LEVEL")
    try:
        level = int(raw) if raw not in (None, "") else DEFAULT_MLPS_LEVEL
    except (TypeError, ValueError):
        raise TransportSecurityError(f"MLPS_LEVEL {raw!r} is not a level from 1 to 5") from None
    if not 1 <= level <= 5:
        raise TransportSecurityError(f"MLPS_LEVEL {level} is not a level from 1 to 5")
    return level


def server_credentials(config: Mapping[str, Any]) -> grpc.ServerCredentials | None:
    """TLS (mutual with GRPC_TLS_CLIENT_CA_FILE) for the gRPC server; None for plaintext where MLPS allows it."""
    level = mlps_level(config)
    pair = key_pair(config, "GRPC_TLS_CERT_FILE", "GRPC_TLS_KEY_FILE")
    client_ca = _setting(config, "GRPC_TLS_CLIENT_CA_FILE")
    if pair is None:
        if level >= MLPS_LEVEL_REQUIRING_TLS:
            raise TransportSecurityError(
                f"MLPS level {level} requires encrypted transport: set GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE"
            )
        if client_ca:
            raise TransportSecurityError("GRPC_TLS_CLIENT_CA_FILE needs GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE")
        return None
    root = read_ca(PemFile("GRPC_TLS_CLIENT_CA_FILE", client_ca)) if client_ca else None
    return grpc.ssl_server_credentials([pair.read()], root_certificates=root, require_client_auth=root is not None)


def channel_credentials(
    ca: PemFile | None, client: KeyPair | None = None, *, mlps: int = DEFAULT_MLPS_LEVEL
) -> grpc.ChannelCredentials | None:
    """TLS for a client channel trusting `ca` (presenting `client` for mutual TLS); None for plaintext."""
    if ca is None:
        if mlps >= MLPS_LEVEL_REQUIRING_TLS:
            raise TransportSecurityError(
                f"MLPS level {mlps} requires encrypted transport: set GRPC_TLS_CA_FILE to the CA of the services"
            )
        if client is not None:
            raise TransportSecurityError(f"{client.cert.setting} is set but no CA to trust the server with")
        return None
    key, cert = client.read() if client else (None, None)
    return grpc.ssl_channel_credentials(root_certificates=read_ca(ca), private_key=key, certificate_chain=cert)


def client_credentials(config: Mapping[str, Any]) -> grpc.ChannelCredentials | None:
    """Credentials for service-to-service calls from a service's config."""
    ca = _setting(config, "GRPC_TLS_CA_FILE")
    return channel_credentials(
        PemFile("GRPC_TLS_CA_FILE", ca) if ca else None,
        key_pair(config, "GRPC_TLS_CLIENT_CERT_FILE", "GRPC_TLS_CLIENT_KEY_FILE"),
        mlps=mlps_level(config),
    )


def open_channel(
    target: str, credentials: grpc.ChannelCredentials | None, options: Sequence[tuple[str, Any]] = ()
) -> grpc.Channel:
    if credentials is None:
        return grpc.insecure_channel(target, options=options)
    return grpc.secure_channel(target, credentials, options=options)
