import pytest

from services.common import paging
from services.common.errors import InvalidArgument


def test_a_token_gives_back_the_key_it_was_made_from() -> None:
    assert paging.decode_token(paging.encode_token("HA-RST-SBK")) == "HA-RST-SBK"


def test_no_token_means_the_first_page() -> None:
    assert paging.decode_token("") is None


def test_a_forged_token_is_an_invalid_page_token() -> None:
    with pytest.raises(InvalidArgument, match="page_token"):
        paging.decode_token("%%%not-base64")


@pytest.mark.parametrize(
    ("requested", "size"), [(0, paging.DEFAULT_PAGE_SIZE), (10, 10), (10_000, paging.MAX_PAGE_SIZE)]
)
def test_page_size_defaults_and_caps(requested: int, size: int) -> None:
    assert paging.page_size(requested) == size


def test_a_negative_page_size_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="page_size"):
        paging.page_size(-1)


def test_one_row_more_than_the_page_holds_means_a_token_for_the_page_after_the_last_row_shown() -> None:
    page = paging.page_of(["HA-RST", "HA-WJW", "HA-ZZ"], 2, key=str.lower)

    assert page.items == ["HA-RST", "HA-WJW"]
    assert paging.decode_token(page.next_page_token) == "ha-wjw"


def test_no_row_beyond_the_page_means_the_last_page() -> None:
    assert paging.page_of(["HA-RST", "HA-WJW"], 2, key=str.lower) == paging.Page(["HA-RST", "HA-WJW"], "")
