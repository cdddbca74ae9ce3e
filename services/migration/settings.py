"""The orchestrator's tunables, read once from the migration service's config.yaml (each with a MIGRATION_...
environment override)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Settings:
    poll_seconds: float  # how often the orchestrator schedules waves and looks for runs to claim
    max_runs: int  # runs one replica drives at once
    lease: timedelta  # how long a claim on a run lasts without renewal
    precopy_interval: timedelta  # between a warm migration's replicate steps
    work_dir: Path  # ansible-runner's private data dirs
    secrets_dir: Path  # the databases' credentials
    sync_throttle_seconds: int  # a testing hook: sync waits this long first
    ssh_key_file: str
    ssh_known_hosts_file: str


def settings_from(config: Mapping[str, Any]) -> Settings:
    return Settings(
        poll_seconds=float(config.get("MIGRATION_POLL_SECONDS", 0.5)),
        max_runs=int(config.get("MIGRATION_MAX_PARALLEL_RUNS", 10)),
        lease=timedelta(seconds=float(config.get("MIGRATION_LEASE_SECONDS", 15))),
        precopy_interval=timedelta(seconds=float(config.get("MIGRATION_PRECOPY_SECONDS", 3600))),
        work_dir=Path(config.get("MIGRATION_WORK_DIR") or "var/migration-runs").resolve(),
        secrets_dir=Path(config.get("MIGRATION_SECRETS_DIR") or "var/secrets"),
        sync_throttle_seconds=int(config.get("MIGRATION_SYNC_THROTTLE_SECONDS", 0)),
        ssh_key_file=config.get("MIGRATION_SSH_KEY_FILE") or "",
        ssh_known_hosts_file=config.get("MIGRATION_SSH_KNOWN_HOSTS_FILE") or "",
    )
