"""Where the CLI finds its token and the services: ZYCTL_CONFIG (JSON written by `make run`), then defaults."""

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
LOCAL_CONFIG = Path("var/zyctl.json")
USER_CONFIG = Path.home() / ".config" / "zyctl" / "config.json"


@dataclass(frozen=True)
class Settings:
    token: str = ""
    targets: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    http: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HTTP))


def config_file() -> Path | None:
    explicit = os.environ.get("ZYCTL_CONFIG")
    if explicit:
        return Path(explicit)
    return next((path for path in (LOCAL_CONFIG, USER_CONFIG) if path.exists()), None)


def load_settings() -> Settings:
    path = config_file()
    data = json.loads(path.read_text(encoding="utf-8")) if path else {}
    return Settings(
        token=os.environ.get("ZYCTL_TOKEN") or data.get("token", ""),
        targets={**DEFAULT_TARGETS, **data.get("targets", {})},
        http={**DEFAULT_HTTP, **data.get("http", {})},
    )
