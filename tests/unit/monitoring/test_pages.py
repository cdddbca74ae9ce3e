"""Status page and report use cases on the real read model: what a caller asking for them gets."""

import pytest

from services.common.auth import OPERATOR, Principal
from services.common.errors import InvalidArgument
from services.monitoring import pages

OPERATOR_PRINCIPAL = Principal(roles=frozenset({OPERATOR}))


@pytest.mark.parametrize("quarter", ["2026Q5", "9999Q4", "0000Q1"])
def test_a_report_of_no_real_quarter_is_an_invalid_quarter(read_model, quarter: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        pages.report_of("HA-WJW", quarter, read_model(), OPERATOR_PRINCIPAL)

    assert [violation.field for violation in refused.value.violations] == ["quarter"]
