import pytest

from services.common.events import SYSTEM_REGISTERED, MalformedEvent, decode_event, new_event
from services.pb.zhongyuan.inventory.v1 import events_pb2, inventory_pb2


def registered() -> events_pb2.SystemRegistered:
    return events_pb2.SystemRegistered(system=inventory_pb2.System(id="s-1", code="HA-RST-SBK", name="社会保障卡"))


def test_an_event_survives_the_trip_through_headers_and_value() -> None:
    event = new_event(SYSTEM_REGISTERED, "/zhongyuan/inventory", "s-1", registered())

    decoded = decode_event(event.payload.SerializeToString(), event.headers())

    assert decoded == event


def test_headers_carry_the_cloudevents_attributes() -> None:
    event = new_event(SYSTEM_REGISTERED, "/zhongyuan/inventory", "s-1", registered())

    headers = dict(event.headers())

    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"zhongyuan.inventory.system.registered.v1"
    assert headers["ce_subject"] == b"s-1"
    assert headers["ce_id"] == event.id.encode()


def test_a_payload_of_the_wrong_message_type_is_refused() -> None:
    with pytest.raises(TypeError, match="carries SystemRegistered"):
        new_event(SYSTEM_REGISTERED, "/zhongyuan/inventory", "s-1", inventory_pb2.System())


@pytest.mark.parametrize(
    ("headers", "value", "reason"),
    [
        ([], b"", "missing CloudEvents header ce_id"),
        (
            [
                ("ce_id", b"1"),
                ("ce_type", b"nope.v1"),
                ("ce_source", b"/x"),
                ("ce_time", b"2016-06-30T00:00:00+00:00"),
            ],
            b"",
            "unknown event type 'nope.v1'",
        ),
        (
            [
                ("ce_id", b"1"),
                ("ce_type", SYSTEM_REGISTERED.encode()),
                ("ce_source", b"/x"),
                ("ce_time", b"yesterday"),
            ],
            b"",
            "ce_time 'yesterday' is not an RFC 3339 time",
        ),
        (
            [
                ("ce_id", b"1"),
                ("ce_type", SYSTEM_REGISTERED.encode()),
                ("ce_source", b"/x"),
                ("ce_time", b"2016-06-30T00:00:00+00:00"),
            ],
            b"\xff\xff\xff",
            "payload is not a valid SystemRegistered",
        ),
        ([("ce_id", b"\xff")], b"", "header is not UTF-8"),
    ],
)
def test_a_malformed_record_is_named(headers, value, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MalformedEvent, match=reason):
        decode_event(value, headers)
