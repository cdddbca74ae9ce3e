"""A wave of several systems on local demo hosts, driven through the real service processes, and the checks each fault
test makes once the wave is over: every step completed exactly once, every event on the topic and folded once into
monitoring's read model."""

import collections
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from services.common.engines import create_engine
from services.common.events import MIGRATION_EVENTS, STEP_COMPLETED, decode_event
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from services.pb.zhongyuan.migration.v1 import migration_pb2_grpc as pb_grpc
from tests.fixtures.metrics_page import metrics_text, sample
from tests.fixtures.services import STEP_DEADLINE_SECONDS, WAVE_DEADLINE_SECONDS, eventually, read_topic, unary
from tests.integration.migration.conftest import BASE_CATALOGUE, journal, moment
from tools.stack import Stack

STEPS = ("precheck", "sync", "deploy", "cutover", "verify")
SYSTEMS = ("HA-WJW-FYB", "HA-WJW-JKK", "HA-WJW-RKK", "HA-WJW-XNH")
DEPARTMENT = "HA-WJW"
MIGRATIONS_CONSUMER = "monitoring.migrations"
# Fast lease expiry and polling: a killed orchestrator's runs are taken up again within seconds.
ORCHESTRATOR_ENV = {"MIGRATION_LEASE_SECONDS": "3", "MIGRATION_POLL_SECONDS": "0.2"}


def system_entry(code: str, root: Path) -> str:
    """The catalogue entry of a system whose source and target are local directories, with data on the source."""
    data = root / "source" / "data"
    data.mkdir(parents=True)
    (data / "people.csv").write_text("id,name\n1,张三\n2,李四\n", encoding="utf-8")
    (root / "target").mkdir()
    hosts = ", ".join(
        f"{{name: {code.lower()}-{role[:3]}, address: 127.0.0.1, role: {role}, connection: local, "
        f"root: '{root / role}'}}"
        for role in ("source", "target")
    )
    return (
        f"{{code: {code}, name: 测试系统, organisation: {DEPARTMENT}, admin_level: province, mlps_level: 2, "
        f"target_zone: ZY-A, rollback_contact: 张伟, hosts: [{hosts}]}}"
    )


def grpc_call(stack: Stack, token: str, service: str, stub_class: type, method: str, request: Any) -> Any:
    """One unary call to one of the stack's services."""
    with grpc.insecure_channel(stack.services[service].grpc_target) as channel:
        return unary(getattr(stub_class(channel), method), request, token)


@dataclass
class WaveUnderFire:
    """One wave of systems, all migrating at once (the cap is tested elsewhere; here every step of every system is
    in flight when something breaks), in `stack`; the test breaks things while it runs."""

    stack: Stack
    token: str
    hosts_root: Path
    codes: tuple[str, ...] = SYSTEMS
    name: str = "故障演练"

    def call(self, service: str, stub_class: type, method: str, request: Any) -> Any:
        return grpc_call(self.stack, self.token, service, stub_class, method, request)

    def seed(self) -> None:
        entries = ", ".join(system_entry(code, self.hosts_root / code) for code in self.codes)
        catalogue = BASE_CATALOGUE + f"systems: [{entries}]"
        self.call(
            "inventory",
            inv_grpc.InventoryServiceStub,
            "ImportCatalog",
            inv.ImportCatalogRequest(content=catalogue.encode()),
        )

    def start(self) -> None:
        self.seed()
        create = pb.CreateWaveRequest(
            name=self.name,
            systems=list(self.codes),
            concurrency=len(self.codes),
            window_start=moment(0),
            window_end=moment(48),
            auto_approve=True,
        )
        self.call("migration", pb_grpc.MigrationServiceStub, "CreateWave", create)
        self.call("migration", pb_grpc.MigrationServiceStub, "StartWave", pb.GetWaveRequest(id=self.name))

    def wave(self) -> pb.Wave | None:
        """The wave as the migration service shows it; None while the service does not answer."""
        try:
            return self.call("migration", pb_grpc.MigrationServiceStub, "GetWave", pb.GetWaveRequest(id=self.name))
        except grpc.RpcError:
            return None

    def wait_finished(self, timeout: float = WAVE_DEADLINE_SECONDS) -> pb.Wave:
        last: list[pb.Wave | None] = [None]

        def finished() -> pb.Wave | None:
            if (wave := self.wave()) is not None:
                last[0] = wave
            return wave if wave is not None and wave.state == "finished" else None

        try:
            return eventually(finished, f"wave {self.name} to finish", timeout)
        except pytest.fail.Exception:
            pytest.fail(f"wave {self.name} did not finish in {timeout:.0f} s; its runs: {runs_summary(last[0])}")

    def steps_started(self) -> int:
        """Step attempts the playbooks have begun on the target hosts so far (every step touches the target)."""
        return sum(len(journal(self.hosts_root / code, "target")) for code in self.codes)

    def wait_steps_started(self, count: int, timeout: float = STEP_DEADLINE_SECONDS) -> None:
        eventually(lambda: self.steps_started() >= count, f"{count} step attempts to have begun", timeout)

    def running(self) -> bool:
        return (wave := self.wave()) is not None and wave.state == "running"


def runs_summary(wave: pb.Wave | None) -> str:
    if wave is None:
        return "(never answered)"
    return "; ".join(
        f"{r.system_code} {r.state} [{', '.join(f'{s.name}#{s.attempt} {s.state}' for s in r.steps)}]"
        for r in wave.runs
    )


def assert_each_step_completed_exactly_once(fire: WaveUnderFire, wave: pb.Wave) -> None:
    """The durable step records and the hosts' journals agree: each step completed once, and no attempt ran after
    the one that completed (only an interrupted attempt is ever repeated)."""
    assert sorted(r.system_code for r in wave.runs) == sorted(fire.codes)
    for run in wave.runs:
        assert run.state == "completed", (run.system_code, run.state, run.error)
        completed = [s.name for s in run.steps if s.state == "completed"]
        assert completed == list(STEPS), (run.system_code, [(s.name, s.attempt, s.state) for s in run.steps])
        assert {s.state for s in run.steps} <= {"completed", "interrupted"}, run.system_code
        recorded = {(s.name, s.attempt) for s in run.steps}
        last_attempt = {s.name: s.attempt for s in run.steps if s.state == "completed"}
        for line in journal(fire.hosts_root / run.system_code, "target"):
            step, attempt = line.replace("attempt=", "").split(" ")
            assert (step, int(attempt)) in recorded, f"{run.system_code}: {line} ran without a step record"
            assert int(attempt) <= last_attempt[step], f"{run.system_code}: {step} ran again after it completed"


def committed_event_ids(database_url: str) -> set[str]:
    """Every migration event the migration service committed to its outbox."""
    query = sa.text("SELECT event_id FROM outbox WHERE topic = :topic")
    with create_engine(database_url).connect() as connection:
        return set(connection.scalars(query, {"topic": MIGRATION_EVENTS}))


def folded_event_ids(monitoring_database_url: str) -> set[str]:
    """The migration events monitoring has folded into its read model (its inbox)."""
    query = sa.text("SELECT event_id FROM processed_event WHERE consumer = :consumer")
    with create_engine(monitoring_database_url).connect() as connection:
        return set(connection.scalars(query, {"consumer": MIGRATIONS_CONSUMER}))


def database_url(stack: Stack, service: str) -> str:
    return stack.environment()[f"{service.upper()}_DATABASE_URL"]


def assert_every_event_published_and_folded_once(fire: WaveUnderFire) -> None:
    """What the orchestrator committed reached the topic, each step of each system completed once there, and
    monitoring folded every event and counts each step once."""
    stack, codes = fire.stack, fire.codes
    committed = committed_event_ids(database_url(stack, "migration"))
    records = read_topic(
        stack.broker.bootstrap,
        MIGRATION_EVENTS,
        lambda rs: committed <= {dict(r.headers)["ce_id"].decode() for r in rs},
        "every committed migration event on the topic",
    )
    completions: collections.Counter[tuple[str, str]] = collections.Counter()
    for event in {e.id: e for e in (decode_event(r.value, r.headers) for r in records)}.values():
        if event.type == STEP_COMPLETED:
            completions[(event.payload.system_code, event.payload.step)] += 1  # type: ignore[attr-defined]
    assert completions == {(code, step): 1 for code in codes for step in STEPS}

    monitoring_db = database_url(stack, "monitoring")
    eventually(lambda: folded_event_ids(monitoring_db) >= committed, "monitoring to fold every migration event", 60)
    assert folded_event_ids(monitoring_db) == committed
    metrics = metrics_text(f"{stack.services['monitoring'].http_url}/metrics")
    for step in STEPS:
        counted = sample(metrics, "zhongyuan_migration_steps_total", step=step, result="completed")
        assert counted == len(codes), f"monitoring counts {counted} completed {step} steps"
        assert sample(metrics, "zhongyuan_migration_steps_total", step=step, result="failed") in (None, 0.0)
    assert sample(metrics, "zhongyuan_migrations", department=DEPARTMENT, state="completed") == len(codes)
