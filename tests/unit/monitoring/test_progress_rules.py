from datetime import UTC, date, datetime, timedelta

import pytest

from services.monitoring.domain.progress import city_of, is_stale, migrated_share, parse_quarter


def test_a_quarter_is_parsed_into_its_first_and_next_first_day() -> None:
    quarter = parse_quarter("2016q2")

    assert (quarter.first_day, quarter.next_first_day, str(quarter)) == (date(2016, 4, 1), date(2016, 7, 1), "2016Q2")
    assert parse_quarter("2016Q4").next_first_day == date(2017, 1, 1)


@pytest.mark.parametrize("text", ["2016Q5", "2016-Q2", "Q2", "", "9999Q4", "0000Q1", "1999Q4", "2101Q1"])
def test_anything_but_a_quarter_of_a_sane_year_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a quarter"):
        parse_quarter(text)


def test_the_first_and_last_years_a_report_may_ask_for_are_quarters() -> None:
    assert (str(parse_quarter("2000Q1")), str(parse_quarter("2100Q4"))) == ("2000Q1", "2100Q4")


def test_only_city_and_county_systems_carry_a_city_the_one_their_organisation_is_part_of() -> None:
    assert (city_of("HA-ZZ", 2), city_of("HA-LK", 3), city_of("HA-WJW", 1)) == ("HA-ZZ", "HA-LK", "")
    assert (city_of("HA-ZZ-WJW", 2), city_of("HA-ZZ-ZMX", 3)) == ("HA-ZZ", "HA-ZZ")  # a city's bureau, its county


def test_the_migrated_share_of_nothing_is_zero() -> None:
    assert (migrated_share(0, 0), migrated_share(1, 4)) == (0.0, 0.25)


def test_only_a_running_migration_unheard_of_for_long_is_stale() -> None:
    now = datetime(2016, 5, 1, tzinfo=UTC)
    long_ago = now - timedelta(hours=1)

    assert is_stale(long_ago, "sync", now)
    assert not is_stale(long_ago, "completed", now)
    assert not is_stale(long_ago, "awaiting_approval", now)
    assert not is_stale(now - timedelta(seconds=10), "sync", now)
