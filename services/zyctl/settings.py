"""Where the CLI finds its token and the services: ZYCTL_CONFIG (JSON written by `make run`), then defaults.

TLS: the JSON's `tls` object (`ca`, and `cert` + `key` for mutual TLS) or ZYCTL_TLS_CA, ZYCTL_TLS_CERT, ZYCTL_TLS_KEY
(zyctl's --tls-ca, --tls-cert, --tls-key set these); with a CA the CLI talks TLS to every service.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TARGETS = {
    name: f"127.0.0.1:{port}"
    for name, port in {
        "inventory": 50051,
        "migration": 50052,
        "interconnect": 50053,
        "monitoring": 50054,
    }.items()
}
DEFAULT_HTTP = {
    name: f"http://127.0.0.1:{port}"
    for name, port in {"inventory": 8001, "migration": 8002, "interconnect": 8003, "monitoring": 8004}.items()
}
# What `make run` keeps in the repository's var/ (zyctl is installed from the repository, editable): found from any
# working directory, as the services that read the same files are started from the repository.
REPOSITORY_VAR = Path(__file__).resolve().parents[2] / "var"
LOCAL_CONFIG = REPOSITORY_VAR / "zyctl.json"
LOCAL_AUTH_DATABASE = f"sqlite:///{REPOSITORY_VAR / 'auth.db'}"
USER_CONFIG = Path.home() / ".config" / "zyctl" / "config.json"


class SettingsError(Exception):
    """The config file cannot be read as zyctl's settings."""


@dataclass(frozen=True)
class Settings:
    token: str = ""
    targets: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    http: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HTTP))
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""


def config_file() -> Path | None:
    explicit = os.environ.get("ZYCTL_CONFIG")
    if explicit:
        return Path(explicit)
    return next((path for path in (LOCAL_CONFIG, USER_CONFIG) if path.exists()), None)


def load_settings() -> Settings:
    path = config_file()
    data = _read(path) if path else {}
    return Settings(
        token=os.environ.get("ZYCTL_TOKEN") or data.get("token", ""),
        targets={**DEFAULT_TARGETS, **data.get("targets", {})},
        http={**DEFAULT_HTTP, **data.get("http", {})},
        tls_ca=_tls_file(data, "ca"),
        tls_cert=_tls_file(data, "cert"),
        tls_key=_tls_file(data, "key"),
    )


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SettingsError(f"zyctl settings {path}: {error}") from error
    if not isinstance(data, dict):
        raise SettingsError(f"zyctl settings {path}: not a JSON object")
    return data


def _tls_file(data: dict, name: str) -> str:
    return os.environ.get(f"ZYCTL_TLS_{name.upper()}") or data.get("tls", {}).get(name, "")
