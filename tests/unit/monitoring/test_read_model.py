"""Folding events into the real read model (SQLite): what its rows keep."""

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from services.common.events import EXCHANGE_OVERDUE, EXCHANGE_RECORDED, STEP_FAILED, SYSTEM_UPDATED, Event, new_event
from services.pb.zhongyuan.interconnect.v1 import events_pb2 as interconnect_events
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2
from tests.fixtures.inventory_events import system_event
from tests.fixtures.migration_events import Run, system_registered

# What the orchestrator sends as a failed step's reason: Ansible's message with its whole output, unbounded.
LONG_OUTPUT = "task 'copy data' failed on src-1: " + "rsync: [sender] write error: Broken pipe (32)\n" * 20


def test_free_text_longer_than_its_column_is_kept_cut_to_the_column(read_model, fold) -> None:
    run = Run("HA-WJW", "HA-WJW-JKK")

    fold(
        system_registered(run, name="居民健康卡" * 50),
        run.step(STEP_FAILED, "sync", message=LONG_OUTPUT),
        run.state("sync", "failed", reason=LONG_OUTPUT),
    )

    with read_model() as uow:
        (system,) = uow.progress.systems_of(organisation_code="HA-WJW")
    assert system["run"]["state"] == "failed"
    assert system["run"]["reason"] == LONG_OUTPUT[:500]
    assert system["steps"][0]["message"] == LONG_OUTPUT[:500]
    assert system["name"] == ("居民健康卡" * 50)[:200]


def exchange(event_type: str, overdue: bool, last_exchange: datetime) -> Event:
    stamp = Timestamp()
    stamp.FromDatetime(last_exchange)
    resource = interconnect_pb2.SharedResource(
        code="HA-ZZ-RK", platform="HA-ZZ", last_exchange_at=stamp, overdue=overdue
    )
    payload = (
        interconnect_events.ExchangeOverdue(resource=resource)
        if event_type == EXCHANGE_OVERDUE
        else interconnect_events.ExchangeRecorded(
            resource=resource, run=interconnect_pb2.ExchangeRun(resource="HA-ZZ-RK")
        )
    )
    return new_event(event_type, "/zhongyuan/interconnect", "HA-ZZ-RK", payload)


def test_an_old_exchange_recorded_late_leaves_an_overdue_resource_overdue_and_a_fresh_one_ends_it(
    fold, metrics
) -> None:  # type: ignore[no-untyped-def]
    last = datetime.now(UTC) - timedelta(days=3)
    overdue = ("zhongyuan_exchange_overdue_resources", {"city": "HA-ZZ"})

    fold(exchange(EXCHANGE_OVERDUE, True, last))
    fold(exchange(EXCHANGE_RECORDED, True, last))  # a back-filled run from before the last one
    still = metrics.get_sample_value(*overdue)
    fold(exchange(EXCHANGE_RECORDED, False, datetime.now(UTC)))

    assert (still, metrics.get_sample_value(*overdue)) == (1.0, 0.0)


def test_a_system_that_moved_to_another_organisation_counts_its_ended_run_there(fold, read_model, metrics) -> None:  # type: ignore[no-untyped-def]
    run = Run("HA-WJW", "HA-WJW-YBJS")
    fold(system_registered(run), run.state("sync", "failed", reason="target disk full"))

    fold(system_event(run.system_code, "HA-RST", system_id=run.system_id, status="registered", type_=SYSTEM_UPDATED))

    with read_model() as uow:
        runs = {organisation: uow.progress.runs_of(organisation) for organisation in ("HA-WJW", "HA-RST")}
    assert {organisation: [r["reason"] for r in found] for organisation, found in runs.items()} == {
        "HA-WJW": [],
        "HA-RST": ["target disk full"],
    }
    failed = [metrics.get_sample_value("zhongyuan_migrations", {"department": d, "state": "failed"}) for d in runs]
    assert failed == [None, 1.0]
