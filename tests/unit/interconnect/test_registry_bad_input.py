"""Import files that parse into what a loader may not expect are refused naming the place, never crash."""

import pytest

from services.common.errors import InvalidArgument
from services.interconnect.domain.registry import check_platforms, entries_from_yaml


@pytest.mark.parametrize(
    "content",
    [
        b"platforms:\n  - {code: HA, name: X, opened: 2016-02-30}\n",  # YAML reads an impossible date
        b"platforms: " + b"[" * 2000 + b"]" * 2000,
        b"1: []\nservers: []\n",
    ],
    ids=["impossible-date", "nested-too-deeply", "sections-not-named-by-strings"],
)
def test_an_unreadable_import_is_refused_as_content(content: bytes) -> None:
    with pytest.raises(InvalidArgument) as raised:
        entries_from_yaml(content)

    assert [v.field for v in raised.value.violations] == ["content"]


def test_keys_that_are_not_strings_are_named_as_unknown_fields() -> None:
    platforms, _ = entries_from_yaml(b"platforms:\n  - {code: HA, name: X, 1: 2, colour: red}\n")

    with pytest.raises(InvalidArgument) as raised:
        check_platforms(platforms, set())

    found = {v.field: v.reason for v in raised.value.violations}
    assert found["platforms[0].1"] == "is not a field" and found["platforms[0].colour"] == "is not a field"


def test_a_control_character_in_a_text_field_is_named_not_stored() -> None:
    # PostgreSQL refuses NUL in text: let through, it would fail the whole import as an internal error
    platforms, _ = entries_from_yaml(
        'platforms:\n  - {code: HA, name: "河南\\0省", admin_level: province, endpoint: "https://ha.example:443", '
        'contact: "值班\\x07室"}\n'.encode()
    )

    with pytest.raises(InvalidArgument) as raised:
        check_platforms(platforms, set())

    found = {v.field: v.reason for v in raised.value.violations}
    assert found == {name: "contains a control character" for name in ("platforms[0].name", "platforms[0].contact")}


def test_a_control_character_in_an_endpoint_is_named() -> None:
    platforms, _ = entries_from_yaml(
        'platforms:\n  - {code: HA, name: 河南, admin_level: province, endpoint: "tcp://ha.example:443/\\0"}\n'.encode()
    )

    with pytest.raises(InvalidArgument) as raised:
        check_platforms(platforms, set())

    assert {v.field: v.reason for v in raised.value.violations} == {
        "platforms[0].endpoint": "contains a control character"
    }
