"""The status pages' entrypoints as nameko's worker_factory builds them, on the real read model (in-memory SQLite) with
the page access replaced: which answer each refusal gets, and what every page sends along with it."""

import pytest
from nameko.testing.services import worker_factory
from werkzeug.wrappers import Request

from services.common.auth import OPERATOR, Principal
from services.common.errors import Unauthenticated
from services.monitoring.dependencies import TOKEN_COOKIE, page_token
from services.monitoring.service import PAGE_HEADERS, MonitoringService

TOKENS = {"zy_operator": Principal(frozenset([OPERATOR])), "zy_wjw": Principal(frozenset(["department:HA-WJW"]))}


class KnownTokens:
    """Page access that knows two tokens, read from a request as the service's PageAccess reads them."""

    def principal(self, request: Request) -> Principal:
        token = page_token(request)
        if token not in TOKENS:
            raise Unauthenticated("an unknown token" if token else "no token")
        return TOKENS[token]


@pytest.fixture
def service(read_model) -> MonitoringService:  # type: ignore[no-untyped-def]
    return worker_factory(MonitoringService, uow=read_model(), access=KnownTokens())


def asking(path: str, headers: dict[str, str] | None = None, **query: str) -> Request:
    return Request.from_values(path=path, query_string=query, headers=headers)


@pytest.mark.parametrize(
    ("token", "status", "said"),
    [
        ("", 401, "未登录：no token"),
        ("zy_stolen", 401, "未登录：an unknown token"),
        ("zy_wjw", 403, "无权查看：the province overview is for operators and SREs"),
    ],
)
def test_a_refused_page_says_why_in_plain_text_with_its_status(service, token: str, status: int, said: str) -> None:  # type: ignore[no-untyped-def]
    answer = service.overview_page(asking("/status", token=token) if token else asking("/status"))

    assert (answer.status_code, answer.mimetype, answer.get_data(as_text=True)) == (status, "text/plain", said)
    assert "Set-Cookie" not in answer.headers


def test_a_report_of_a_quarter_that_is_none_is_a_bad_request_naming_it(service) -> None:  # type: ignore[no-untyped-def]
    answer = service.report_page(asking("/status/report/HA-WJW/2026Q5", token="zy_wjw"), "HA-WJW", "2026Q5")

    assert (answer.status_code, answer.mimetype) == (400, "text/plain")
    assert answer.get_data(as_text=True).startswith("参数有误：") and "quarter" in answer.get_data(as_text=True)


def test_a_page_is_neither_cached_nor_framed_and_keeps_a_token_from_its_address_in_a_strict_cookie(service) -> None:  # type: ignore[no-untyped-def]
    answer = service.organisation_page(asking("/status/org/HA-WJW", token="zy_wjw"), "HA-WJW")

    assert (answer.status_code, answer.mimetype) == (200, "text/html")
    assert {name: answer.headers[name] for name in PAGE_HEADERS} == PAGE_HEADERS
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{TOKEN_COOKIE}=zy_wjw;") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # asked over plain HTTP


def test_behind_the_tls_ingress_the_cookie_travels_over_tls_only(service) -> None:  # type: ignore[no-untyped-def]
    behind_tls = asking("/status/org/HA-WJW", {"X-Forwarded-Proto": "https"}, token="zy_wjw")

    assert "Secure" in service.organisation_page(behind_tls, "HA-WJW").headers["Set-Cookie"]


def test_a_token_sent_in_a_header_sets_no_cookie(service) -> None:  # type: ignore[no-untyped-def]
    answer = service.wave_page(asking("/status/wave/第一批", {"Authorization": "Bearer zy_operator"}), "第一批")

    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
