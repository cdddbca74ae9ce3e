"""The orchestrator inside a nameko container: green threads that schedule waves, claim runs, drive them and keep
their leases alive."""

import logging
import os
import socket
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import eventlet
from nameko.extensions import DependencyProvider

from services.common.runtime.database import Database
from services.common.runtime.grpc_client import GrpcClient
from services.common.runtime.tls import mlps_level
from services.migration import handlers
from services.migration.adapters import ansible
from services.migration.adapters.gate import GrpcCutoverGate
from services.migration.adapters.inventory import GrpcCatalogue
from services.migration.orchestrator import Orchestrator

log = logging.getLogger(__name__)


class Orchestration(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.poll_seconds = float(config.get("MIGRATION_POLL_SECONDS", 0.5))
        self.max_runs = int(config.get("MIGRATION_MAX_PARALLEL_RUNS", 10))
        self.lease = timedelta(seconds=float(config.get("MIGRATION_LEASE_SECONDS", 15)))
        self.work_dir = Path(config.get("MIGRATION_WORK_DIR", "var/migration-runs")).resolve()
        self.step_extra: dict[str, Any] = {
            "zy_sync_throttle_seconds": int(config.get("MIGRATION_SYNC_THROTTLE_SECONDS", 0))
        }
        self.step_extra |= ansible.ssh_variables(
            config.get("MIGRATION_SSH_KEY_FILE") or "",
            config.get("MIGRATION_SSH_KNOWN_HOSTS_FILE") or "",
            mlps_level(config),
        )
        self.driving: dict[str, Any] = {}
        self._running = False

    def start(self) -> None:
        database = self._dependency(Database)
        inventory, interconnect = self._client("inventory"), self._client("interconnect")
        self.orchestrator = Orchestrator(
            unit_of_work=database.unit_of_work,  # type: ignore[arg-type]
            catalogue=lambda: GrpcCatalogue(inventory.get_dependency(None)),
            gate=lambda: GrpcCutoverGate(interconnect.get_dependency(None)),
            run_step=ansible.run_step,
            owner=self.owner,
            work_dir=self.work_dir,
            lease=self.lease,
            step_extra=self.step_extra,
        )
        self.unit_of_work = database.unit_of_work
        self._running = True
        self.container.spawn_managed_thread(self._schedule_and_claim_forever)
        self.container.spawn_managed_thread(self._renew_leases_forever)
        log.info("orchestrator %s started (at most %s runs at once)", self.owner, self.max_runs)

    def stop(self) -> None:
        # Running playbooks die with us; their runs stay claimed until the lease ends, then any replica resumes
        # them at the interrupted step.
        self._running = False

    def get_dependency(self, worker_ctx: Any) -> "Orchestration":
        return self

    def _dependency(self, kind: type) -> Any:
        return next(d for d in self.container.dependencies if isinstance(d, kind))

    def _client(self, attribute: str) -> GrpcClient:
        return next(d for d in self.container.dependencies if isinstance(d, GrpcClient) and d.attr_name == attribute)

    def _schedule_and_claim_forever(self) -> None:
        while self._running:
            try:
                handlers.schedule_waves(self.unit_of_work())  # type: ignore[arg-type]
                free = self.max_runs - len(self.driving)
                for run_id in self.orchestrator.claim_work(free) if free > 0 else []:
                    if run_id in self.driving:  # its lease ran out while the database was away: still ours
                        continue
                    self.driving[run_id] = self.container.spawn_managed_thread(lambda r=run_id: self._drive(r))
            except Exception:
                log.exception("orchestrator %s could not schedule or claim runs", self.owner)
            eventlet.sleep(self.poll_seconds)

    def _drive(self, run_id: str) -> None:
        try:
            self.orchestrator.drive(run_id)
        except Exception:
            log.exception("driving run %s failed; it will be resumed when its lease ends", run_id)
        finally:
            self.driving.pop(run_id, None)

    def _renew_leases_forever(self) -> None:
        while self._running:
            try:
                self.orchestrator.renew_leases(list(self.driving))
            except Exception:
                log.exception("orchestrator %s could not renew its leases", self.owner)
            eventlet.sleep(self.lease.total_seconds() / 3)
