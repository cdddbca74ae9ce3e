"""Parsers for the fields of what services are given to store (a catalogue, a platform register, a gRPC request):
each turns a raw value into a typed one, or raises ValueError with the reason in words."""

import enum
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# Tabs and line breaks may stay; other control characters are never meant, and PostgreSQL refuses NUL in text.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_CODE = 64
TRUE_WORDS = {"true", "yes", "1", "是"}
FALSE_WORDS = {"false", "no", "0", "否", ""}

Parser = Callable[[Any], Any]


def code(value: Any) -> str:
    text = str(value).strip()
    if len(text) > MAX_CODE or not CODE.match(text):
        raise ValueError(
            f"{text!r} is not a code: upper-case letters and digits in dash-separated parts, "
            f"at most {MAX_CODE} characters (e.g. HA-WJW-JKK)"
        )
    return text


def host_name(value: Any) -> str:
    text = str(value).strip()
    if not HOST_NAME.match(text):
        raise ValueError(f"{text!r} is not a host name: lower-case letters, digits and dashes, at most 63")
    return text


def text(limit: int, required: bool = False) -> Parser:
    def parse(value: Any) -> str:
        result = str(value).strip()
        if required and not result:
            raise ValueError("must not be empty")
        if len(result) > limit:
            raise ValueError(f"is longer than {limit} characters")
        if CONTROL_CHARACTER.search(result):
            raise ValueError("contains a control character")
        return result

    return parse


def one_of(choices: type[enum.StrEnum]) -> Parser:
    def parse(value: Any) -> enum.StrEnum:
        try:
            return choices(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(c.value for c in choices)
            raise ValueError(f"{value!r} is not one of {allowed}") from None

    return parse


def integer(low: int, high: int) -> Parser:
    def parse(value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise ValueError(f"must be {low} to {high}, not {number}")
        return number

    return parse


def non_negative(value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if number < 0 or number != number:
        raise ValueError(f"must not be negative, got {value}")
    return number


def a_date(value: Any) -> date:
    if isinstance(value, datetime):  # YAML reads `2016-06-30 08:00` as a datetime
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{value!r} is not true or false")
