"""A scrape of a 10,000-system read model with runs and step outcomes: every department's figures, summed right."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest

from services.common.engines import create_engine
from services.common.schema_upgrades import KERNEL_VERSIONS, upgrade
from services.common.sql_unit_of_work import session_factory
from services.monitoring.adapters.collectors import ProgressCollector, SystemsCollector
from services.monitoring.adapters.orm import MigrationView, StepOutcome, SystemView
from services.monitoring.adapters.unit_of_work import VERSIONS, SqlMonitoringUnitOfWork

SYSTEMS = 10_000
STATES = ("completed", "sync", "failed", "awaiting_approval")


def fill(engine: sa.Engine) -> None:
    now = datetime.now(UTC)
    ids = [str(uuid.uuid4()) for _ in range(SYSTEMS)]
    systems = [
        {"system_id": s, "code": f"S{i:05d}", "name": f"系统{i}", "organisation_code": f"HA-B{i % 20:02d}",
         "status": "registered", "updated_at": now, "city": f"HA-C{i % 18:02d}" if i % 2 else ""}
        for i, s in enumerate(ids)
    ]  # fmt: skip
    runs = [
        {"system_id": s, "run_id": str(uuid.uuid4()), "system_code": f"S{i}", "organisation_code": f"HA-B{i % 20:02d}",
         "wave_name": f"第{i % 10}批", "state": STATES[i % 4], "step": "sync", "reason": "", "started_at": now,
         "last_progress_at": now, "completed_at": None}
        for i, s in enumerate(ids)
    ]  # fmt: skip
    outcomes = [
        {"event_id": str(uuid.uuid4()), "step": ("precheck", "sync", "deploy")[i % 3], "result": "completed",
         "duration_seconds": float(i % 5000), "organisation_code": f"HA-B{i % 20:02d}", "at": now}
        for i in range(3 * SYSTEMS)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(sa.insert(SystemView), systems)
        connection.execute(sa.insert(MigrationView), runs)
        connection.execute(sa.insert(StepOutcome), outcomes)


# How fast such a scrape is, `make bench` measures (metrics_scrape_p99_ms); here, what it holds.
def test_a_scrape_of_ten_thousand_systems_sums_every_departments_figures(database_url: str) -> None:
    engine = create_engine(database_url)
    upgrade(engine, KERNEL_VERSIONS, VERSIONS)
    fill(engine)
    sessions = session_factory(engine)
    registry = CollectorRegistry()
    registry.register(SystemsCollector(lambda: SqlMonitoringUnitOfWork(sessions)))
    registry.register(ProgressCollector(lambda: SqlMonitoringUnitOfWork(sessions)))

    text = generate_latest(registry).decode()

    assert 'zhongyuan_migrations{department="HA-B07",state="awaiting_approval"} 500.0' in text
    assert 'zhongyuan_migration_steps_total{result="completed",step="sync"} 10000.0' in text
    assert 'zhongyuan_inventory_systems{department="HA-B07"} 500.0' in text
