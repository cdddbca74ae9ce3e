"""Parsers for the fields of what services are given to store (a catalogue, a platform register, a gRPC request):
each turns a raw value into a typed one, or raises ValueError with the reason in words."""

import contextlib
import enum
import ipaddress
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

CODE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DNS_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
MAX_DNS_NAME = 253
DNS_NAME = re.compile(rf"^{DNS_LABEL}(\.{DNS_LABEL})*$")
LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# POSIX's portable file name characters: what a host's directories and interpreters are named with. Anything more
# (spaces, quotes, `$`, `{{`) would reach a shell or Ansible's templating on the host's way into a playbook.
PORTABLE_PATH = re.compile(r"^[A-Za-z0-9._/-]+$")
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


def matching(pattern: re.Pattern[str], what: str) -> Parser:
    """Text that `pattern` matches whole; else the error says it is not `what`."""

    def parse(value: Any) -> str:
        text = str(value).strip()
        if not pattern.match(text):
            raise ValueError(f"{text!r} is not {what}")
        return text

    return parse


host_name = matching(HOST_NAME, "a host name: lower-case letters, digits and dashes, at most 63")
login_name = matching(LOGIN_NAME, "a login name: lower-case letters, digits, _ and -, at most 32")


def network_address(value: Any) -> str:
    """A DNS name or an IPv4/IPv6 address, as a machine is reached."""
    text = str(value).strip()
    if len(text) > MAX_DNS_NAME:
        raise ValueError(f"is longer than {MAX_DNS_NAME} characters")
    if "%" in text:  # an IPv6 zone names an interface of the machine that reads it, not of the host
        raise ValueError(f"{text!r} carries an interface zone (%…): give the host's address without it")
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(text))
    if not DNS_NAME.match(text):
        raise ValueError(f"{text!r} is not a DNS name or an IP address")
    return text


def file_path(limit: int) -> Parser:
    """A path on a host, in portable file name characters; no `..` part."""

    def parse(value: Any) -> str:
        text = str(value).strip()
        if len(text) > limit:
            raise ValueError(f"is longer than {limit} characters")
        if not PORTABLE_PATH.match(text):
            raise ValueError(f"{text!r} is not a path of letters, digits, '.', '_', '-' and '/'")
        if ".." in text.split("/"):
            raise ValueError(f"{text!r} climbs out of its directory with '..'")
        return text

    return parse


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
    if number < 0 or not math.isfinite(number):
        raise ValueError(f"must be a finite number not below 0, got {value}")
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
