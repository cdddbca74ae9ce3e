"""A request read as an import entry: what is unset stays out, enums by name, fields by the entry's names."""

import pytest

from services.common.errors import InvalidArgument
from services.common.request_values import enum_choice, request_values
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as pb

LEVELS = {pb.ADMIN_LEVEL_CITY: "city"}


def test_set_fields_become_entry_values_and_unset_ones_stay_out() -> None:
    platform = pb.Platform(code="HA-ZZ", name="郑州市平台", admin_level=pb.ADMIN_LEVEL_CITY)

    values = request_values(platform, enums={"admin_level": LEVELS}, entry_names={})

    assert values == {"code": "HA-ZZ", "name": "郑州市平台", "admin_level": "city"}


def test_an_enum_number_without_a_name_stays_as_its_digits_for_the_entry_check_to_name() -> None:
    values = request_values(pb.Platform(admin_level=7), enums={"admin_level": LEVELS}, entry_names={})  # type: ignore[arg-type]

    assert values == {"admin_level": "7"}


def test_a_field_the_entry_names_differently_is_renamed() -> None:
    resource = pb.SharedResource(code="ZZ-HJ", schedule_seconds=86400)

    values = request_values(resource, enums={}, entry_names={"schedule": "schedule_seconds"})

    assert values == {"code": "ZZ-HJ", "schedule": "86400"}  # an int64 reads as text, as in an import file


def test_dropped_output_fields_are_cleared_before_an_invalid_timestamp_could_fail_the_conversion() -> None:
    resource = pb.SharedResource(code="ZZ-HJ")
    resource.registered_at.seconds = 10**15  # past year 9999: JSON cannot show it

    values = request_values(resource, enums={}, entry_names={}, drop=("registered_at",))

    assert values == {"code": "ZZ-HJ"}


def test_an_enum_choice_is_its_entry_or_unset_for_zero_and_an_unknown_number_is_refused_naming_the_field() -> None:
    assert enum_choice("admin_level", pb.ADMIN_LEVEL_CITY, LEVELS) == "city"
    assert enum_choice("admin_level", 0, LEVELS) is None
    assert enum_choice("format", 0, LEVELS, unset="yaml") == "yaml"
    with pytest.raises(InvalidArgument) as raised:
        enum_choice("admin_level", 42, LEVELS)

    assert [(v.field, v.reason) for v in raised.value.violations] == [("admin_level", "42 is not one of [2]")]
