"""Status page and report use cases on the real read model: what a caller asking for them gets."""

import re
from datetime import UTC, datetime

import pytest

from services.common.auth import OPERATOR, Principal
from services.common.errors import InvalidArgument
from services.monitoring import queries
from services.monitoring.adapters import html
from tests.fixtures.migration_events import Run, system_registered

OPERATOR_PRINCIPAL = Principal(roles=frozenset({OPERATOR}))


@pytest.mark.parametrize("quarter", ["2026Q5", "9999Q4", "0000Q1"])
def test_a_report_of_no_real_quarter_is_an_invalid_quarter(read_model, quarter: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        queries.report_of("HA-WJW", quarter, read_model(), OPERATOR_PRINCIPAL)

    assert [violation.field for violation in refused.value.violations] == ["quarter"]


def test_pages_show_times_and_dates_as_henan_reads_them(read_model, fold) -> None:
    # The window ends at midnight of 3 May in Henan (its start a week before), the run began at 07:30 on 1 May there:
    # in UTC those are still 2 May and 30 April.
    run = Run("HA-WJW", "HA-WJW-JKK", window_end=datetime(2026, 5, 2, 16, tzinfo=UTC))
    fold(system_registered(run), run.state("pending", "sync", at=datetime(2026, 4, 30, 23, 30, tzinfo=UTC)))

    organisation = html.organisation_page(queries.organisation_progress("HA-WJW", read_model(), OPERATOR_PRINCIPAL))
    wave = html.wave_page(queries.wave_progress(run.wave_name, read_model(), OPERATOR_PRINCIPAL))

    assert "<td>2026-05-01 07:30</td>" in organisation
    assert "计划 2026-04-26 至 2026-05-03" in organisation
    assert "计划窗口 2026-04-26 至 2026-05-03" in wave
    assert re.search(r"生成于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 北京时间", organisation)
