"""季度报送: what a lead organisation files at a quarter's end, built from read-model rows without I/O."""

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from services.monitoring.domain.progress import ACTIVE_STATES, BLOCKED_STATES, MIGRATED_STATE, Quarter
from services.monitoring.domain.status_page import STATE_LABELS

# The write freeze of a warm migration's cutover, in seconds: a column of the report's CSV and page.
DOWNTIME_COLUMN = "停写时长/downtime (s)"
# Characters that start emphasis, code, a link or HTML anywhere in a Markdown line.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>~])")


@dataclass(frozen=True)
class QuarterlyReport:
    organisation_code: str
    quarter: str
    migrated: list[str] = field(default_factory=list)  # system codes completed within the quarter
    # of those, the warm migrations: how long their cutover kept the system from taking writes (seconds)
    downtime_seconds: dict[str, float] = field(default_factory=dict)
    in_progress: list[tuple[str, str]] = field(default_factory=list)  # (system code, state)
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (system code, reason)
    resources_planned: int = 0  # data resources planned to open within the quarter
    resources_opened: int = 0  # of those, opened by the quarter's end


def quarterly_report(
    organisation_code: str, quarter: Quarter, runs: list[dict[str, Any]], resources: list[dict[str, str]]
) -> QuarterlyReport:
    start, end = quarter.starts(), quarter.ends()
    # The read model keeps each system's latest run: one begun after the quarter is none of the quarter's business.
    begun = [r for r in runs if r["started_at"] < end]
    migrated = [
        r for r in runs if r["state"] == MIGRATED_STATE and r["completed_at"] and start <= r["completed_at"] < end
    ]
    planned = [
        r for r in resources if str(quarter.first_day) <= r["planned_opening_date"] < str(quarter.next_first_day)
    ]
    return QuarterlyReport(
        organisation_code=organisation_code,
        quarter=str(quarter),
        migrated=[r["system_code"] for r in migrated],
        downtime_seconds={
            r["system_code"]: r["downtime_seconds"] for r in migrated if r.get("downtime_seconds") is not None
        },
        in_progress=[(r["system_code"], r["state"]) for r in begun if r["state"] in ACTIVE_STATES],
        blocked=[
            (r["system_code"], r["reason"] or STATE_LABELS[r["state"]]) for r in begun if r["state"] in BLOCKED_STATES
        ],
        resources_planned=len(planned),
        resources_opened=sum(
            1 for r in planned if r["actual_opening_date"] and r["actual_opening_date"] < str(quarter.next_first_day)
        ),
    )


def as_markdown(report: QuarterlyReport) -> str:
    lines = [f"# {report.organisation_code} {report.quarter} 季度报送", ""]
    lines.append(f"- 本季度完成迁移上云：{len(report.migrated)} 个 {'、'.join(report.migrated)}".rstrip())
    lines += [
        f"  - {code} {DOWNTIME_COLUMN}：{downtime_cell(report, code)}"
        for code in report.migrated
        if code in report.downtime_seconds
    ]
    lines.append(f"- 迁移中：{len(report.in_progress)} 个")
    lines += [f"  - {code}（{STATE_LABELS.get(state, state)}）" for code, state in report.in_progress]
    lines.append(f"- 受阻：{len(report.blocked)} 个")
    lines += [f"  - {code}：{_one_line(reason)}" for code, reason in report.blocked]
    lines.append(f"- 数据资源开放：计划 {report.resources_planned} 项，已开放 {report.resources_opened} 项")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    """Free text (a failure's reason with Ansible's output) as it reads within one Markdown line: whitespace and
    line breaks collapsed to single spaces, Markdown's inline characters escaped."""
    return _MARKDOWN_INLINE.sub(r"\\\1", " ".join(text.split()))


def as_csv(report: QuarterlyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["organisation", "quarter", "category", "system", "detail", DOWNTIME_COLUMN])
    rows = [("migrated", code, "", downtime_cell(report, code)) for code in report.migrated]
    rows += [("in_progress", code, state, "") for code, state in report.in_progress]
    rows += [("blocked", code, reason, "") for code, reason in report.blocked]
    rows += [("data_resources_planned", "", str(report.resources_planned), "")]
    rows += [("data_resources_opened", "", str(report.resources_opened), "")]
    writer.writerows((report.organisation_code, report.quarter, *row) for row in rows)
    return out.getvalue()


def downtime_cell(report: QuarterlyReport, system_code: str) -> str:
    """A migrated system's cutover downtime in seconds as the report shows it; empty for a migration without a write
    freeze (no databases: a cold migration)."""
    seconds = report.downtime_seconds.get(system_code)
    return "" if seconds is None else f"{seconds:.1f}"
