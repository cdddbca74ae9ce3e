"""A create or update request's fields as the values of an import entry: every service reads a request the way it
reads a row of its import file, so both are checked by the same domain rules."""

from collections.abc import Mapping
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from services.common.errors import InvalidArgument


def request_values(
    message: Message,
    *,
    enums: Mapping[str, Mapping[Any, str]],  # a protobuf enum number types as its enum, not int
    entry_names: Mapping[str, str],
    drop: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The request's fields as entry values. Unset fields (empty, 0, false) are absent, as in an import file. An enum
    field holds the name `enums` gives its number (an unknown number as its digits, for the entry's check to name).
    `entry_names` renames the request fields an entry names differently ({entry name: request field})."""
    inputs = type(message)()
    inputs.CopyFrom(message)
    for name in drop:  # before converting: an output field may hold what JSON cannot show (an invalid Timestamp)
        inputs.ClearField(name)
    values = MessageToDict(inputs, preserving_proto_field_name=True, use_integers_for_enums=True)
    for field, names in enums.items():
        if field in values:
            values[field] = names.get(values[field], str(values[field]))
    for entry_name, field in entry_names.items():
        if field in values:
            values[entry_name] = values.pop(field)
    return values


def enum_choice(field: str, number: int, choices: Mapping[Any, Any], unset: Any = None) -> Any:
    """What a request's enum field chooses: `unset` for 0 (a filter left out), else its entry in `choices`; a number
    the service does not know is refused naming the field, rather than read as no choice."""
    if number == 0:
        return unset
    if number not in choices:
        raise InvalidArgument.field(field, f"{number} is not one of {sorted(choices)}")
    return choices[number]
