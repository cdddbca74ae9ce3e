"""Department status pages: server-rendered, Chinese, self-refreshing, only the department's own systems."""

import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from services.common.events import STEP_COMPLETED, STEP_FAILED, STEP_PROGRESS, SYSTEM_RETIRED
from services.common.timestamps import in_province
from services.monitoring.service import MonitoringService
from tests.fixtures.inventory_events import system_event, unique_department
from tests.fixtures.migration_events import Run, hours_ago, system_registered
from tests.fixtures.services import CATCH_UP_SECONDS, eventually, produce
from tests.integration.monitoring.browser import open_page

WINDOW_END = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
# as the pages show it: in Henan's dates
WINDOW = f"{in_province(WINDOW_END - timedelta(days=7)):%Y-%m-%d} 至 {in_province(WINDOW_END):%Y-%m-%d}"


@pytest.fixture
def pages(database_url, container_factory, service_config) -> str:  # type: ignore[no-untyped-def]
    config = service_config(database_url)
    container_factory(MonitoringService, config).start()
    return f"http://{config['WEB_SERVER_ADDRESS']}"


@pytest.fixture
def estate(producer):  # type: ignore[no-untyped-def]
    """Two departments: a syncing, a failed, a stale and an approval-waiting system of `mine`, one of `theirs`."""
    mine, theirs = unique_department(), unique_department()
    syncing = Run(mine, f"{mine}-JKK", window_end=WINDOW_END)
    failing, stale, waiting = Run(mine, f"{mine}-SBK"), Run(mine, f"{mine}-OLD"), Run(mine, f"{mine}-SP")
    other = Run(theirs, f"{theirs}-SECRET", wave_name=syncing.wave_name)
    produce(
        producer,
        *(system_registered(run) for run in (syncing, failing, stale, waiting, other)),
        syncing.state("pending", "precheck"),
        syncing.step(STEP_COMPLETED, "precheck", seconds=5),
        syncing.state("precheck", "sync"),
        syncing.step(STEP_PROGRESS, "sync", percent=40, message="rsync 数据"),
        failing.state("pending", "precheck"),
        failing.step(STEP_FAILED, "precheck", seconds=2, message="目标主机磁盘空间不足"),
        failing.state("precheck", "failed", "预检失败：目标主机磁盘空间不足"),
        stale.state("pending", "deploy", at=hours_ago(2)),
        waiting.state("deploy", "awaiting_approval", at=hours_ago(2)),  # waits on people: not stale
        other.state("pending", "sync"),
    )
    return mine, theirs, (syncing, failing, stale, waiting, other)


def status(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_department_sees_its_systems_steps_and_blockers_in_chromium(pages, estate, tokens, tmp_path) -> None:
    mine, theirs, (syncing, failing, stale, waiting, other) = estate
    token = tokens.create_token([f"department:{mine}"])
    page = f"{pages}/status/org/{mine}"
    eventually(
        lambda: all(text in status(page, token)[1] for text in ("40%", "预检失败", "状态过期", "等待割接审批")),
        "the runs folded",
        timeout=CATCH_UP_SECONDS,
    )

    shown = open_page(f"{page}?token={token}", f"status-page-{mine}", tmp_path / "profile")

    rows = {code: row["text"] for code, row in shown["rows"].items()}
    assert shown["status"] == 200
    assert shown["title"] == f"{mine} 系统迁移上云进度 · 中原云迁移进度"
    assert set(rows) == {run.system_code for run in (syncing, failing, stale, waiting)}
    assert "数据同步 40%" in rows[syncing.system_code] and "预检 100%" in rows[syncing.system_code]
    window = f"计划 {WINDOW}"
    assert window in rows[syncing.system_code] and re.search(r"\d+ (秒|分钟)前", rows[syncing.system_code])
    assert "预检失败：目标主机磁盘空间不足" in rows[failing.system_code]
    assert "状态过期" in rows[stale.system_code] and "stale" in shown["rows"][stale.system_code]["classes"]
    assert "状态过期" not in rows[syncing.system_code]
    assert "等待割接审批" in rows[waiting.system_code] and "状态过期" not in rows[waiting.system_code]
    assert "小时前" in rows[waiting.system_code] and "stale" not in shown["rows"][waiting.system_code]["classes"]
    assert other.system_code not in shown["html"] and theirs not in shown["html"]
    assert shown["refresh"] == "15" and shown["external"] == []
    assert shown["screenshot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shown["screenshot"].stat().st_size > 10_000


def test_an_operator_sees_the_province_and_a_department_its_part_of_a_wave_in_chromium(
    pages, estate, tokens, operator_token, tmp_path
) -> None:
    mine, theirs, runs = estate
    overview, summary = f"{pages}/status", "系统 4 个 · 已上云 0 个 · 上云率 0% · 迁移中 3 个 · 受阻 1 个"

    def folded() -> bool:
        mine_done = summary in status(f"{pages}/status/org/{mine}", operator_token)[1]
        return mine_done and f'data-code="{theirs}"' in status(overview, operator_token)[1]

    eventually(folded, "both departments' runs", timeout=CATCH_UP_SECONDS)

    province = open_page(f"{overview}?token={operator_token}", f"overview-{mine}", tmp_path / "overview")
    department = tokens.create_token([f"department:{mine}"])
    wave_url = f"{pages}/status/wave/{urllib.parse.quote(runs[0].wave_name)}?token={department}"
    wave = open_page(wave_url, f"wave-{mine}", tmp_path / "wave")

    assert province["status"] == 200 and province["refresh"] == "15" and province["external"] == []
    # code, systems, migrated, share, running, blocked: syncing, stale and waiting run, the failed one is blocked
    assert province["rows"][mine]["text"].split("\t")[:6] == [mine, "4", "0", "0%", "3", "1"]
    assert province["rows"][theirs]["text"].split("\t")[:2] == [theirs, "1"]
    assert wave["status"] == 200 and set(wave["rows"]) == {run.system_code for run in runs[:4]}
    assert theirs not in wave["html"]
    assert f"计划窗口 {WINDOW}" in wave["html"]
    assert wave["screenshot"].stat().st_size > 10_000 and province["screenshot"].stat().st_size > 10_000


def test_pages_need_the_right_token(pages, estate, tokens, operator_token) -> None:
    mine, theirs, (syncing, *_, other) = estate
    department = tokens.create_token([f"department:{mine}"])
    wave_page = f"{pages}/status/wave/{urllib.parse.quote(syncing.wave_name)}"
    both = lambda: all(run.system_code in status(wave_page, operator_token)[1] for run in (syncing, other))  # noqa: E731
    eventually(both, "both departments' runs", timeout=CATCH_UP_SECONDS)

    assert status(f"{pages}/status/org/{mine}")[0] == 401
    assert status(f"{pages}/status/org/{mine}", "zy_not-a-token")[0] == 401
    assert status(f"{pages}/status/org/{theirs}", department)[0] == 403
    assert status(f"{pages}/status", department)[0] == 403
    code, overview = status(f"{pages}/status", operator_token)
    assert code == 200 and f'data-code="{mine}"' in overview and f'data-code="{theirs}"' in overview
    code, wave = status(wave_page, department)
    assert code == 200 and syncing.system_code in wave and other.system_code not in wave


def test_a_retired_system_leaves_its_department_page(pages, producer, tokens) -> None:
    mine = unique_department()
    token = tokens.create_token([f"department:{mine}"])
    page = f"{pages}/status/org/{mine}"
    kept, retired = Run(mine, f"{mine}-KEEP"), Run(mine, f"{mine}-GONE")
    produce(producer, system_registered(kept), system_registered(retired))
    eventually(lambda: retired.system_code in status(page, token)[1], "both systems shown", timeout=CATCH_UP_SECONDS)

    produce(producer, system_event(retired.system_code, mine, system_id=retired.system_id, type_=SYSTEM_RETIRED))

    eventually(
        lambda: retired.system_code not in status(page, token)[1], "the retired system gone", timeout=CATCH_UP_SECONDS
    )
    code, html = status(page, token)
    assert code == 200 and kept.system_code in html and "系统 1 个" in html


def headers_of(url: str, **headers: str) -> dict[str, str]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as response:
        return {name.lower(): value for name, value in response.headers.items()}


def test_a_page_is_neither_cached_framed_nor_leaked_and_behind_tls_its_cookie_needs_tls(pages, tokens) -> None:
    department = unique_department()
    page = f"{pages}/status/org/{department}?token={tokens.create_token([f'department:{department}'])}"

    plain = headers_of(page)
    behind_the_ingress = headers_of(page, **{"X-Forwarded-Proto": "https"})

    assert plain["cache-control"] == "no-store" and plain["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in plain["content-security-policy"]
    assert plain["content-security-policy"].startswith("default-src 'none'")
    assert "HttpOnly" in plain["set-cookie"] and "Secure" not in plain["set-cookie"]
    assert "HttpOnly" in behind_the_ingress["set-cookie"] and "Secure" in behind_the_ingress["set-cookie"]
