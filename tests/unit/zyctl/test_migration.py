"""How zyctl shows a warm migration: the lag while it replicates, the cutover's downtime once done, and when a watch
has shown all it will until someone approves the cutover."""

import json

import pytest

from services.pb.zhongyuan.migration.v1 import events_pb2
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from services.zyctl.migration import _show_run, lag_text, measurements, waits_for_approval
from services.zyctl.output import Output


def run(state: str, *steps: tuple[str, str], **figures: object) -> pb.MigrationRun:
    """A run of HA-WJW-JKK in `state` with step attempts (name, state), oldest first."""
    attempts = [pb.Step(name=name, state=done, percent=100, attempt=1) for name, done in steps]
    return pb.MigrationRun(id="r-1", system_code="HA-WJW-JKK", state=state, steps=attempts, **figures)  # type: ignore[arg-type]


BEFORE = ("precheck", "completed"), ("sync", "completed"), ("deploy", "completed")


def test_the_lag_names_what_the_engine_counts() -> None:
    assert lag_text(events_pb2.ReplicationLag(seconds=3.24, transactions=12)) == "3.2 s (12 transactions)"
    assert lag_text(events_pb2.ReplicationLag(seconds=0.0, bytes=4096)) == "0.0 s (4096 bytes)"
    assert lag_text(events_pb2.ReplicationLag(seconds=7.0)) == "7.0 s"


def test_the_lag_is_shown_while_replicating_and_the_downtime_once_cut_over() -> None:
    lag = events_pb2.ReplicationLag(seconds=2.5, transactions=3)
    replicating = run("replicating", *BEFORE, ("replicate", "completed"), replication_lag=lag)
    verifying = run("verify", *BEFORE, ("cutover", "completed"), replication_lag=lag, downtime_seconds=0.0)

    assert measurements(replicating) == ["replication lag: 2.5 s (3 transactions)"]
    assert measurements(verifying) == ["cutover downtime: 0.0 s"]
    assert measurements(run("completed", *BEFORE)) == []


@pytest.mark.parametrize(
    ("state", "steps", "waits"),
    [
        ("awaiting_approval", BEFORE, True),
        ("replicating", BEFORE, False),  # its first replicate step is about to begin
        ("replicating", (*BEFORE, ("replicate", "running")), False),
        ("replicating", (*BEFORE, ("replicate", "completed")), True),  # until approved, the next precopy in an hour
        ("replicating", (*BEFORE, ("replicate", "failed"), ("replicate", "completed")), True),
        ("cutover", (*BEFORE, ("replicate", "completed")), False),
    ],
)
def test_a_watch_stops_where_the_run_waits_for_the_cutover_approval(state: str, steps: tuple, waits: bool) -> None:
    assert waits_for_approval(run(state, *steps)) is waits


def test_status_shows_the_latest_precopy_and_the_lag_and_json_carries_both(capsys: pytest.CaptureFixture) -> None:
    lag = events_pb2.ReplicationLag(seconds=1.5, bytes=2048)
    replicating = run("replicating", *BEFORE, *[("replicate", "completed")] * 30, replication_lag=lag)
    replicating.steps[-1].attempt = 30

    _show_run(replicating, Output.table)
    table = capsys.readouterr().out
    _show_run(run("completed", *BEFORE, ("cutover", "completed"), downtime_seconds=4.0), Output.json)
    answer = json.loads(capsys.readouterr().out)

    assert table.count("replicate") == 1 and "attempt 30" in table
    assert "replication lag: 1.5 s (2048 bytes)" in table
    _show_run(replicating, Output.json)
    assert json.loads(capsys.readouterr().out)["replication_lag"] == {"seconds": 1.5, "bytes": "2048"}
    assert answer["downtime_seconds"] == 4.0 and "replication_lag" not in answer
