"""Catalogue files broken in one place, many ways: the importer refuses each and names the row and field."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.errors import InvalidArgument
from services.inventory.domain.catalog import Known, rows_from_csv, rows_from_yaml, validate
from tests.fixtures.bad_catalogues import Broken, broken_catalogues, unreadable_files, valid_catalogue

READERS = {"csv": rows_from_csv, "yaml": rows_from_yaml}
FORMATS = st.sampled_from(sorted(READERS))
FAST = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
# a handful of kinds of unreadable file, one of them slow to parse (YAML nested thousands deep)
FEW = settings(FAST, max_examples=30)


def refusal(broken: Broken, format_: str) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as raised:
        validate(READERS[format_](broken.content(format_)), Known())
    return {violation.field: violation.reason for violation in raised.value.violations}


@pytest.mark.parametrize("format_", sorted(READERS))
def test_the_catalogue_the_breakers_start_from_is_valid(format_: str) -> None:
    catalogue = valid_catalogue()
    content = catalogue.to_csv() if format_ == "csv" else catalogue.to_yaml()

    change = validate(READERS[format_](content), Known())

    assert change.counts() == {
        "zone": 2,
        "organisation": 3,
        "system": 3,
        "host": 3,
        "database": 2,
        "dependency": 2,
        "data_resource": 2,
    }


@FAST
@given(broken=broken_catalogues(), format_=FORMATS)
def test_a_catalogue_broken_in_one_place_is_refused_naming_that_row_and_field(broken: Broken, format_: str) -> None:
    found = refusal(broken, format_)

    assert broken.expected_field(format_) in found, found


@FEW
@given(data=st.data(), format_=FORMATS)
def test_an_unreadable_file_is_refused_as_content(data: st.DataObject, format_: str) -> None:
    broken = data.draw(unreadable_files(format_))

    with pytest.raises(InvalidArgument) as raised:
        READERS[format_](broken.content(format_))

    assert [v.field for v in raised.value.violations] == ["content"]


def test_a_csv_header_naming_a_column_twice_is_refused_naming_it() -> None:
    content = "record,code,name,name\nzone,ZY-A,政务外网A区,互联网区\n".encode()

    with pytest.raises(InvalidArgument) as raised:
        rows_from_csv(content)

    assert [(v.field, v.reason) for v in raised.value.violations] == [("content", "the CSV header names 'name' twice")]
