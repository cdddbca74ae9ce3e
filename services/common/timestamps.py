"""Between datetimes and google.protobuf.Timestamp, the one way every service converts them."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from services.common.errors import InvalidArgument

# Dates the plan sets (a data resource's opening date) are Henan's dates. China keeps UTC+8 all year, so no time-zone
# database is needed; the services themselves run in UTC.
PROVINCE_TIME = timezone(timedelta(hours=8), "CST")


def utc_now() -> datetime:
    """Now, in UTC: what the services store and compare."""
    return datetime.now(UTC)


def province_today(now: datetime | None = None) -> date:
    """The date in Henan now (or at `now`): between 00:00 and 08:00 there it is still yesterday in UTC."""
    return in_province(now or datetime.now(UTC)).date()


def in_province(moment: datetime) -> datetime:
    """`moment` as Henan's clocks show it: what a person there reads on a page."""
    return moment.astimezone(PROVINCE_TIME)


def timestamp(moment: datetime | None) -> Timestamp | None:
    """A Timestamp for `moment`; None (the field stays unset) for None."""
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def moment_of(message: Any, field: str) -> datetime | None:
    """The UTC datetime in `message.field`, or None when the field is unset; INVALID_ARGUMENT naming the field for
    a Timestamp outside 0001-01-01..9999-12-31 or with nanos outside 0..999999999."""
    if not message.HasField(field):
        return None
    try:
        return getattr(message, field).ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as error:
        raise InvalidArgument.field(field, str(error)) from None
