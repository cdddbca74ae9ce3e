"""The province's date: Henan's calendar day, whatever the zone the services run in."""

from datetime import UTC, date, datetime

from services.common.timestamps import province_today


def test_the_province_date_turns_at_midnight_in_henan_not_at_midnight_utc() -> None:
    assert province_today(datetime(2016, 6, 30, 15, 59, tzinfo=UTC)) == date(2016, 6, 30)
    assert province_today(datetime(2016, 6, 30, 16, 0, tzinfo=UTC)) == date(2016, 7, 1)
