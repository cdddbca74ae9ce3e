"""Opaque page tokens for keyset pagination: the token carries the last key of the previous page."""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.common.errors import InvalidArgument

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument.field("page_size", f"must not be negative, got {requested}")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, and the token that asks for the next ("" on the last page)."""

    items: list[T]
    next_page_token: str


def page_of(rows: list[T], limit: int, key: Callable[[T], str]) -> Page[T]:
    """The first `limit` of `rows`, read as limit + 1 so that the one more row tells whether a next page exists."""
    page, rest = rows[:limit], rows[limit:]
    return Page(page, encode_token(key(page[-1])) if rest else "")


def encode_token(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode()).decode()


def decode_token(token: str) -> str | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from error
