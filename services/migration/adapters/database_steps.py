"""A step's playbook and the system's databases: the variables it gets (never a password), a credential file per
database in the step's staging directory (mode 0600, removed with it when the playbook ends), and the lag and the
write freeze the playbook measured (JSON files it leaves in `<staging>/databases/`, see playbooks/README.md)."""

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from services.migration.adapters.secrets import Credential, SecretError, SecretsDirectory
from services.migration.domain.model import ReplicationLag
from services.migration.ports import DatabaseInfo

POSTGRESQL = "postgresql"
SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def database_variables(
    databases: list[DatabaseInfo], secrets: SecretsDirectory | None, staging: Path
) -> list[dict[str, Any]]:
    """`zy_databases` for the playbook, writing each database's credential file on the way."""
    if not databases:
        return []
    if secrets is None:
        raise SecretError("this migration service has no secrets directory to read database credentials from")
    return [_variables(database, secrets.resolve(database.credential), staging) for database in databases]


def _variables(database: DatabaseInfo, credential: Credential, staging: Path) -> dict[str, Any]:
    if not SAFE_FILE_NAME.match(database.name):
        raise SecretError(f"database {database.name!r}: its name cannot name a credential file")
    _write_private(staging / "credentials" / database.name, _credential_file(database.engine, credential))
    return {
        "name": database.name,
        "engine": database.engine,
        "source_host": database.source_host,
        "source_port": database.source_port,
        "source_database": database.source_database,
        "target_host": database.target_host,
        "target_port": database.target_port,
        "target_database": database.target_database,
        "user": credential.user,
    }


def _credential_file(engine: str, credential: Credential) -> str:
    if engine == POSTGRESQL:
        return f"*:*:*:{_passfile_value(credential.user)}:{_passfile_value(credential.password)}\n"
    return f'[client]\nuser="{_option_value(credential.user)}"\npassword="{_option_value(credential.password)}"\n'


def _option_value(text: str) -> str:
    """A MySQL option file's quoted value: backslashes and double quotes escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _passfile_value(text: str) -> str:
    """A field of a PostgreSQL passfile line: backslashes and colons escaped."""
    return text.replace("\\", "\\\\").replace(":", "\\:")


def _write_private(path: Path, content: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(content)


def measured_lag(staging: Path) -> ReplicationLag | None:
    """The worst lag among the databases the replicate playbook measured; None when it measured none."""
    lags = [_read(path) for path in sorted((staging / "databases").glob("*.lag.json"))]
    if not lags:
        return None
    return ReplicationLag(
        seconds=max(float(lag["lag_seconds"]) for lag in lags),
        transactions=_worst(lags, "lag_transactions"),
        bytes=_worst(lags, "lag_bytes"),
    )


def _worst(lags: list[dict[str, Any]], key: str) -> int | None:
    values = [int(lag[key]) for lag in lags if lag.get(key) is not None]
    return max(values) if values else None


def measured_downtime(staging: Path) -> float | None:
    """Seconds from the first database's freeze to the last one's target taking writes; None without databases."""
    switches = [_read(path) for path in sorted((staging / "databases").glob("*.cutover.json"))]
    if not switches:
        return None
    frozen = min(datetime.fromisoformat(switch["frozen_at"]) for switch in switches)
    writable = max(datetime.fromisoformat(switch["writable_at"]) for switch in switches)
    return max((writable - frozen).total_seconds(), 0.0)


def _read(path: Path) -> dict[str, Any]:
    value = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(value, dict), f"{path.name} holds no JSON object"
    return value
