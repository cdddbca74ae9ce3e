"""How zyctl shows times: as Henan's clocks do, the zone in the headings."""

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from services.zyctl.output import henan_time


def stamp(moment: datetime) -> Timestamp:
    result = Timestamp()
    result.FromDatetime(moment)
    return result


def test_a_time_is_shown_as_henan_reads_it() -> None:
    begun = stamp(datetime(2026, 4, 30, 23, 30, 15, tzinfo=UTC))

    assert henan_time(begun) == "2026-05-01 07:30"
    assert henan_time(begun, "%Y-%m-%d") == "2026-05-01"
    assert henan_time(begun, "%Y-%m-%d %H:%M:%S") == "2026-05-01 07:30:15"


def test_an_unset_time_is_a_dash() -> None:
    assert henan_time(Timestamp()) == "—"
