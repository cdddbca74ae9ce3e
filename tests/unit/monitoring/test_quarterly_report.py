import csv
import io
from datetime import UTC, datetime, timedelta

from services.monitoring.domain.progress import parse_quarter
from services.monitoring.domain.report import as_csv, as_markdown, quarterly_report


def run(
    code: str, state: str, completed: datetime | None = None, reason: str = "", started: datetime | None = None
) -> dict:
    started = started or datetime(2016, 4, 11, 9, tzinfo=UTC)
    return {"system_code": code, "state": state, "started_at": started, "completed_at": completed, "reason": reason}


JULY = datetime(2016, 7, 4, 9, tzinfo=UTC)
RUNS = [
    run("HA-WJW-JKK", "completed", datetime(2016, 5, 3, tzinfo=UTC)),
    # 23:00 on 31 March in Henan: the first quarter's
    run("HA-WJW-OLD", "completed", datetime(2016, 3, 31, 15, tzinfo=UTC), started=datetime(2016, 3, 30, tzinfo=UTC)),
    run("HA-WJW-YB", "sync"),
    run("HA-WJW-FY", "failed", reason="预检失败：磁盘空间不足"),
    run("HA-WJW-Q3", "deploy", started=JULY),  # begun after the quarter: not the quarter's
    run("HA-WJW-Q3F", "failed", reason="同步失败", started=JULY),
]
RESOURCES = [
    {"planned_opening_date": "2016-04-30", "actual_opening_date": "2016-04-28"},
    {"planned_opening_date": "2016-06-30", "actual_opening_date": ""},
    {"planned_opening_date": "2016-06-30", "actual_opening_date": "2016-07-02"},  # opened late: not this quarter
    {"planned_opening_date": "2016-09-30", "actual_opening_date": "2016-05-01"},  # planned next quarter
]


def test_the_report_counts_only_what_falls_in_the_quarter() -> None:
    report = quarterly_report("HA-WJW", parse_quarter("2016Q2"), RUNS, RESOURCES)

    assert report.migrated == ["HA-WJW-JKK"]
    assert report.in_progress == [("HA-WJW-YB", "sync")]
    assert report.blocked == [("HA-WJW-FY", "预检失败：磁盘空间不足")]
    assert (report.resources_planned, report.resources_opened) == (3, 1)


def test_a_quarter_begins_and_ends_at_midnight_in_henan() -> None:
    new_year_in_henan = datetime(2025, 12, 31, 19, tzinfo=UTC)  # 2026-01-01 03:00 there
    runs = [run("HA-WJW-JKK", "completed", new_year_in_henan, started=new_year_in_henan - timedelta(days=2))]

    assert quarterly_report("HA-WJW", parse_quarter("2026Q1"), runs, []).migrated == ["HA-WJW-JKK"]
    assert quarterly_report("HA-WJW", parse_quarter("2025Q4"), runs, []).migrated == []


def test_the_report_reads_as_markdown_and_csv() -> None:
    report = quarterly_report("HA-WJW", parse_quarter("2016Q2"), RUNS, RESOURCES)

    markdown = as_markdown(report)
    assert markdown.startswith("# HA-WJW 2016Q2 季度报送")
    assert "- 受阻：1 个\n  - HA-WJW-FY：预检失败：磁盘空间不足" in markdown
    assert "计划 3 项，已开放 1 项" in markdown
    lines = as_csv(report).splitlines()
    assert lines[0] == "organisation,quarter,category,system,detail,停写时长/downtime (s)"
    assert "HA-WJW,2016Q2,migrated,HA-WJW-JKK,," in lines
    assert "HA-WJW,2016Q2,data_resources_opened,,1," in lines


def test_a_reason_of_many_lines_stays_one_markdown_line_and_whole_in_csv() -> None:
    reason = "task 'sync' failed on src-1: rsync error\n# fatal: disk *full*\n\n- retry <later>  "
    report = quarterly_report("HA-WJW", parse_quarter("2016Q2"), [run("HA-WJW-FY", "failed", reason=reason)], [])

    markdown = as_markdown(report).splitlines()
    assert markdown[4:6] == [
        "- 受阻：1 个",
        r"  - HA-WJW-FY：task 'sync' failed on src-1: rsync error # fatal: disk \*full\* - retry \<later\>",
    ]
    assert markdown[6].startswith("- 数据资源开放") and len(markdown) == 7
    assert list(csv.reader(io.StringIO(as_csv(report))))[1][4] == reason
