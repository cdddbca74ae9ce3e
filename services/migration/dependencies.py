"""The migration service's own nameko wiring: the inventory as each worker's Catalogue, and the orchestrator inside the
container (green threads that schedule waves, claim runs, drive them and keep their leases alive)."""

import logging
import os
import socket
import uuid
from functools import partial
from typing import Any

import eventlet
from nameko.extensions import DependencyProvider

from services.common.runtime.database import DatabaseEngine
from services.common.runtime.grpc_client import GrpcChannel
from services.common.runtime.tls import mlps_level
from services.migration import handlers
from services.migration.adapters import ansible
from services.migration.adapters.gate import GrpcCutoverGate
from services.migration.adapters.inventory import GrpcCatalogue
from services.migration.adapters.secrets import SecretsDirectory
from services.migration.adapters.unit_of_work import SqlMigrationUnitOfWork
from services.migration.orchestrator import Orchestrator
from services.migration.settings import settings_from
from services.pb.zhongyuan.interconnect.v1.interconnect_pb2_grpc import InterconnectServiceStub
from services.pb.zhongyuan.inventory.v1.inventory_pb2_grpc import InventoryServiceStub

log = logging.getLogger(__name__)

INVENTORY_TARGET = "INVENTORY_GRPC_TARGET"
INTERCONNECT_TARGET = "INTERCONNECT_GRPC_TARGET"


def catalogue_over(inventory: GrpcChannel) -> GrpcCatalogue:
    """The inventory, called over the container's channel to it, as the use cases' Catalogue (its zones are read once
    per catalogue: one per worker, one per orchestrator step)."""
    return GrpcCatalogue(inventory.stub(InventoryServiceStub))


class Catalogue(DependencyProvider):
    """`catalogue = Catalogue()`: each worker gets a Catalogue of its own over the container's inventory channel."""

    inventory = GrpcChannel(INVENTORY_TARGET)

    def get_dependency(self, worker_ctx: Any) -> GrpcCatalogue:
        return catalogue_over(self.inventory)


class Orchestration(DependencyProvider):
    """`orchestration = Orchestration()`: the orchestrator's green threads, on the container's database and its
    channels to the inventory (the catalogue) and the interconnect (the cutover gate)."""

    database = DatabaseEngine()
    inventory = GrpcChannel(INVENTORY_TARGET)
    interconnect = GrpcChannel(INTERCONNECT_TARGET)

    def setup(self) -> None:
        config = self.container.config
        settings = settings_from(config)
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.poll_seconds, self.max_runs, self.lease = settings.poll_seconds, settings.max_runs, settings.lease
        self.precopy_interval, self.work_dir = settings.precopy_interval, settings.work_dir
        self.secrets = SecretsDirectory(settings.secrets_dir)
        self.step_extra: dict[str, Any] = {"zy_sync_throttle_seconds": settings.sync_throttle_seconds}
        self.step_extra |= ansible.ssh_variables(
            settings.ssh_key_file, settings.ssh_known_hosts_file, mlps_level(config)
        )
        self.driving: dict[str, Any] = {}
        self._running = False

    def start(self) -> None:
        self.orchestrator = Orchestrator(
            unit_of_work=self.unit_of_work,
            catalogue=lambda: catalogue_over(self.inventory),
            gate=lambda: GrpcCutoverGate(self.interconnect.stub(InterconnectServiceStub)),
            run_step=partial(ansible.run_step, secrets=self.secrets),
            owner=self.owner,
            work_dir=self.work_dir,
            lease=self.lease,
            step_extra=self.step_extra,
            precopy_interval=self.precopy_interval,
        )
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

    def unit_of_work(self) -> SqlMigrationUnitOfWork:
        return SqlMigrationUnitOfWork(self.database.session_factory)

    def _schedule_and_claim_forever(self) -> None:
        while self._running:
            try:
                handlers.schedule_waves(self.unit_of_work())
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
