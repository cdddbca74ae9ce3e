"""A system the inventory retired leaves every figure: pages, reports, metrics and waves agree."""

from datetime import UTC, datetime, timedelta

from services.common.auth import OPERATOR, Principal
from services.common.events import SYSTEM_RETIRED, Event
from services.monitoring import queries
from tests.fixtures.inventory_events import system_event
from tests.fixtures.migration_events import Run, system_registered

OPERATOR_PRINCIPAL = Principal(roles=frozenset({OPERATOR}))
IN_2026Q2 = datetime(2026, 5, 11, 9, tzinfo=UTC)
WINDOW_END = IN_2026Q2 + timedelta(days=3)


def retired(run: Run) -> Event:
    return system_event(
        run.system_code, run.organisation_code, system_id=run.system_id, status="retired", type_=SYSTEM_RETIRED
    )


def test_a_retired_system_counts_in_no_report_metric_or_wave(read_model, fold, metrics) -> None:
    kept = Run("HA-WJW", "HA-WJW-JKK", window_end=WINDOW_END)
    gone = Run("HA-WJW", "HA-WJW-OLD", window_end=WINDOW_END)
    fold(
        system_registered(kept),
        system_registered(gone),
        kept.state("precheck", "sync", at=IN_2026Q2),
        gone.state("sync", "failed", "源库无法连接", at=IN_2026Q2),
        retired(gone),
    )

    report = queries.report_of("HA-WJW", "2026Q2", read_model(), OPERATOR_PRINCIPAL)
    assert (report.in_progress, report.blocked) == ([("HA-WJW-JKK", "sync")], [])
    assert metrics.get_sample_value("zhongyuan_migrations", {"department": "HA-WJW", "state": "failed"}) is None
    assert metrics.get_sample_value("zhongyuan_migrations", {"department": "HA-WJW", "state": "sync"}) == 1
    assert metrics.get_sample_value("zhongyuan_wave_unfinished_systems", {"wave": kept.wave_name}) == 1
    assert metrics.get_sample_value("zhongyuan_inventory_systems", {"department": "HA-WJW"}) == 1
    assert queries.count_systems("HA-WJW", read_model(), OPERATOR_PRINCIPAL) == {"HA-WJW": 1}
    assert queries.wave_progress(kept.wave_name, read_model(), OPERATOR_PRINCIPAL).summary["systems"] == 1


def test_a_run_counts_before_the_inventory_has_told_of_its_system(fold, metrics) -> None:
    unheard_of = Run("HA-WJW", "HA-WJW-JKK", window_end=WINDOW_END)

    fold(unheard_of.state("precheck", "sync", at=IN_2026Q2))

    assert metrics.get_sample_value("zhongyuan_migrations", {"department": "HA-WJW", "state": "sync"}) == 1
    assert metrics.get_sample_value("zhongyuan_wave_unfinished_systems", {"wave": unheard_of.wave_name}) == 1
