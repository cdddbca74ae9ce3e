"""Warm migrations in the read model: the replication lag while a system replicates and the downtime of its cutover, on
/metrics, the status page and the quarterly report."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.common.auth import OPERATOR, Principal
from services.common.events import STEP_COMPLETED, STEP_STARTED, Event
from services.monitoring import queries
from services.monitoring.adapters import html
from services.monitoring.domain.progress import parse_quarter
from services.monitoring.domain.report import as_csv, as_markdown, quarterly_report
from services.pb.zhongyuan.migration.v1 import events_pb2
from tests.fixtures.migration_events import Run, hours_ago, system_registered

OPERATOR_PRINCIPAL = Principal(roles=frozenset({OPERATOR}))
LAG = "zhongyuan_migration_replication_lag_seconds"
DOWNTIME = "zhongyuan_migration_cutover_downtime_seconds"


def replicated(run: Run, seconds: float, *, transactions: int | None = None, wal: int | None = None) -> Event:
    """The run's replicate step completed, having measured this lag."""
    event = run.step(STEP_COMPLETED, "replicate", seconds=40.0)
    event.payload.replication_lag.CopyFrom(
        events_pb2.ReplicationLag(seconds=seconds, transactions=transactions, bytes=wal)
    )  # type: ignore[attr-defined]
    return event


def cut_over(run: Run, downtime: float | None) -> Event:
    """The run's cutover completed; a warm one froze writes for `downtime` seconds."""
    event = run.step(STEP_COMPLETED, "cutover", seconds=20.0)
    if downtime is not None:
        event.payload.downtime_seconds = downtime  # type: ignore[attr-defined]
    return event


def replicating(fold, run: Run, seconds: float, at: datetime | None = None, **behind: int) -> None:  # type: ignore[no-untyped-def]
    """The run replicates, and its first replicate step measured this lag (at `at`, or now)."""
    events = system_registered(run), run.state("deploy", "replicating"), replicated(run, seconds, **behind)
    fold(*(replace(event, time=at or event.time) for event in events))


def test_an_organisation_lags_by_its_worst_replicating_system_and_a_run_past_replicating_lags_no_more(
    fold, metrics
) -> None:  # type: ignore[no-untyped-def]
    slow, fast, cut = Run("HA-WJW", "HA-WJW-JKK"), Run("HA-WJW", "HA-WJW-SBK"), Run("HA-WJW", "HA-WJW-YB")
    other = Run("HA-RST", "HA-RST-SBK")
    replicating(fold, slow, 42.5, transactions=120)
    replicating(fold, fast, 1.5, wal=4096)
    replicating(fold, cut, 900.0, transactions=9000)
    replicating(fold, other, 3.0)

    fold(cut.state("replicating", "cutover", "cutover approved"))

    assert metrics.get_sample_value(LAG, {"organisation": "HA-WJW"}) == 42.5
    assert metrics.get_sample_value(LAG, {"organisation": "HA-RST"}) == 3.0
    fold(slow.state("replicating", "cancelled"), fast.state("replicating", "rolling_back"))
    fold(other.state("replicating", "cutover"))
    assert metrics.get_sample_value(LAG, {"organisation": "HA-WJW"}) is None
    assert metrics.get_sample_value(LAG, {"organisation": "HA-RST"}) is None


def test_the_newest_measurement_of_the_lag_wins_and_one_delivered_late_changes_nothing(fold, metrics) -> None:  # type: ignore[no-untyped-def]
    run = Run("HA-GAT", "HA-GAT-RKK")
    earlier, later = replicated(run, 30.0), replicated(run, 12.0)
    fold(system_registered(run), run.state("deploy", "replicating", at=hours_ago(3)))

    fold(replace(later, time=hours_ago(1)))
    fold(replace(earlier, time=hours_ago(2)))

    assert metrics.get_sample_value(LAG, {"organisation": "HA-GAT"}) == 12.0


def test_each_completed_warm_cutover_is_observed_once_however_often_it_is_delivered(fold, metrics) -> None:  # type: ignore[no-untyped-def]
    first, second, cold = Run("HA-WJW", "HA-WJW-JKK"), Run("HA-WJW", "HA-WJW-SBK"), Run("HA-WJW", "HA-WJW-OA")
    first_cutover = cut_over(first, 4.2)
    fold(first_cutover, cut_over(second, 75.0), cut_over(cold, None))
    fold(first_cutover)  # a redelivery
    again = Run("HA-WJW", "HA-WJW-JKK", system_id=first.system_id)  # the same system's next run cuts over again
    fold(again.state("pending", "precheck"), cut_over(again, 3.0))

    def observed(bound: str) -> float | None:
        return metrics.get_sample_value(f"{DOWNTIME}_bucket", {"organisation": "HA-WJW", "le": bound})

    assert [observed(bound) for bound in ("2.0", "5.0", "60.0", "120.0", "600.0", "+Inf")] == [0, 2, 2, 3, 3, 3]
    assert metrics.get_sample_value(f"{DOWNTIME}_count", {"organisation": "HA-WJW"}) == 3
    assert metrics.get_sample_value(f"{DOWNTIME}_sum", {"organisation": "HA-WJW"}) == pytest.approx(82.2)
    assert metrics.get_sample_value("zhongyuan_migration_steps_total", {"step": "cutover", "result": "completed"}) == 4


def test_the_replicate_step_is_counted_from_zero_and_puts_a_run_heard_of_first_by_it_in_replicating(
    fold, metrics
) -> None:  # type: ignore[no-untyped-def]
    replicates = {"step": "replicate", "result": "completed"}
    before = metrics.get_sample_value("zhongyuan_migration_steps_total", replicates)
    run = Run("HA-WJW", "HA-WJW-JKK")

    fold(system_registered(run), run.step(STEP_STARTED, "replicate"))

    assert before == 0
    assert metrics.get_sample_value("zhongyuan_migrations", {"department": "HA-WJW", "state": "replicating"}) == 1


def test_the_page_shows_the_lag_of_a_replicating_system_and_the_downtime_of_a_warm_migration_done(
    read_model, fold
) -> None:  # type: ignore[no-untyped-def]
    warm, done, cold = Run("HA-WJW", "HA-WJW-JKK"), Run("HA-WJW", "HA-WJW-SBK"), Run("HA-WJW", "HA-WJW-OA")
    replicating(fold, warm, 3.24, at=hours_ago(1), transactions=12)  # quiet for an hour until the next precopy
    fold(system_registered(done), cut_over(done, 4.2), done.state("verify", "completed"))
    fold(system_registered(cold), cold.step(STEP_COMPLETED, "sync"), cold.state("sync", "deploy"))

    organisation = queries.organisation_progress("HA-WJW", read_model(), OPERATOR_PRINCIPAL)
    rows = {row["code"]: row for row in organisation.systems}
    page = html.organisation_page(organisation)

    assert rows[warm.system_code]["lag"] == "复制延迟 / replication lag: 3.2 s (12 transactions)"
    assert '<small class="lag" title="测得于 ' in page and "replication lag: 3.2 s (12 transactions)</small>" in page
    assert rows[warm.system_code]["state_label"] == "增量复制中" and not rows[warm.system_code]["stale"]
    assert rows[done.system_code]["downtime"] == "停写时长 / cutover downtime: 4.2 s"
    assert '<small class="downtime">停写时长 / cutover downtime: 4.2 s</small>' in page
    assert [bar["name"] for bar in rows[warm.system_code]["bars"]][3:5] == ["replicate", "cutover"]
    assert "replicate" not in [bar["name"] for bar in rows[cold.system_code]["bars"]]
    assert rows[cold.system_code]["lag"] == rows[cold.system_code]["downtime"] == ""
    assert organisation.summary is not None and organisation.summary["active"] == 2


def test_a_lag_in_bytes_and_a_new_run_that_forgets_the_last_ones_figures(read_model, fold) -> None:  # type: ignore[no-untyped-def]
    run = Run("HA-RST", "HA-RST-SBK")
    replicating(fold, run, 0.0, wal=1048576)
    lag = queries.organisation_progress("HA-RST", read_model(), OPERATOR_PRINCIPAL).systems[0]["lag"]
    fold(cut_over(run, 2.0), run.state("verify", "rolled_back"))
    rerun = Run("HA-RST", "HA-RST-SBK", system_id=run.system_id)

    fold(rerun.state("pending", "precheck"))

    (row,) = queries.organisation_progress("HA-RST", read_model(), OPERATOR_PRINCIPAL).systems
    assert lag == "复制延迟 / replication lag: 0.0 s (1048576 bytes)"
    assert (row["state"], row["lag"], row["downtime"]) == ("precheck", "", "")


JUNE = datetime(2016, 6, 20, 8, tzinfo=UTC)


def test_the_quarterly_report_gives_each_warm_migration_its_cutover_downtime() -> None:
    def run(code: str) -> dict:
        started = JUNE - timedelta(days=9)
        return {"system_code": code, "state": "completed", "started_at": started, "completed_at": JUNE}

    runs = [{**run("HA-WJW-JKK"), "downtime_seconds": 4.24}, run("HA-WJW-OA")]
    report = quarterly_report("HA-WJW", parse_quarter("2016Q2"), runs, [])

    assert report.downtime_seconds == {"HA-WJW-JKK": 4.24}
    markdown = as_markdown(report).splitlines()
    assert markdown[2:4] == [
        "- 本季度完成迁移上云：2 个 HA-WJW-JKK、HA-WJW-OA",
        "  - HA-WJW-JKK 停写时长/downtime (s)：4.2",
    ]
    csv_lines = as_csv(report).splitlines()
    assert csv_lines[0] == "organisation,quarter,category,system,detail,停写时长/downtime (s)"
    assert csv_lines[1:3] == ["HA-WJW,2016Q2,migrated,HA-WJW-JKK,,4.2", "HA-WJW,2016Q2,migrated,HA-WJW-OA,,"]
    page = html.report_page(report)
    assert "<th>停写时长/downtime (s)</th>" in page and "<tr><td>HA-WJW-JKK</td><td>4.2</td></tr>" in page
    assert "HA-WJW-OA</td>" not in page
