"""Monitoring's own configuration, read from its config.yaml (with the environment's overrides) when it starts.

The database, Kafka, gRPC and HTTP settings every service shares are read by services.common.runtime."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Settings:
    auth_database_url: str  # the tokens a status page's caller is known by (the services' shared auth database)


def settings_from(config: Mapping[str, Any]) -> Settings:
    return Settings(auth_database_url=str(config["AUTH_DATABASE_URL"]))
