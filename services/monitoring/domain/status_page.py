"""What a status page shows, decided without I/O: Chinese labels, step bars, blockers, ages and stale rows."""

from datetime import datetime
from typing import Any

from services.common.events import MIGRATION_STEPS
from services.common.timestamps import in_province
from services.monitoring.domain.progress import (
    ACTIVE_STATES,
    BLOCKED_STATES,
    MIGRATED_STATE,
    REPLICATING_STATE,
    WAVE_DONE_STATES,
    ReplicationLag,
    is_stale,
    migrated_share,
)

STATE_LABELS = {
    "": "未开始",
    "pending": "待开始",
    "precheck": "预检",
    "sync": "数据同步",
    "deploy": "部署",
    "replicating": "增量复制中",
    "awaiting_approval": "待割接审批",
    "cutover": "割接",
    "verify": "验证",
    "completed": "已上云",
    "failed": "失败",
    "cancelled": "已取消",
    "rolling_back": "回滚中",
    "rolled_back": "已回滚",
}
STEP_LABELS = {
    "precheck": "预检",
    "sync": "数据同步",
    "deploy": "部署",
    "replicate": "增量复制",
    "cutover": "割接",
    "verify": "验证",
}
# A warm migration's replicate step, between deploy and cutover: a bar only for the runs that perform it.
_CUTOVER = MIGRATION_STEPS.index("cutover")
WARM_STEPS = (*MIGRATION_STEPS[:_CUTOVER], "replicate", *MIGRATION_STEPS[_CUTOVER:])
REFRESH_SECONDS = 15


def age_text(seconds: float) -> str:
    """'N 秒前' / 'N 分钟前' / 'N 小时前' for an 'updated … ago' cell."""
    if seconds < 120:
        return f"{max(0, int(seconds))} 秒前"
    if seconds < 7200:
        return f"{int(seconds // 60)} 分钟前"
    return f"{int(seconds // 3600)} 小时前"


def step_bars(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One bar per step in run order; steps not reached yet show 0 %. The replicate step has a bar once the run
    performed it (a warm migration)."""
    known = {step["step"]: step for step in steps}
    order = WARM_STEPS if "replicate" in known else MIGRATION_STEPS
    return [_bar(name, known.get(name)) for name in order]


def lag_text(lag: ReplicationLag) -> str:
    """'复制延迟 / replication lag: 3.2 s (12 transactions)': how far the target was behind when last measured."""
    behind = [f"{lag.transactions} transactions"] if lag.transactions is not None else []
    behind += [f"{lag.bytes} bytes"] if lag.bytes is not None else []
    return f"复制延迟 / replication lag: {_seconds(lag.seconds)}" + (f" ({' | '.join(behind)})" if behind else "")


def downtime_text(seconds: float) -> str:
    """'停写时长 / cutover downtime: 4.2 s': how long the cutover kept the system from taking writes."""
    return f"停写时长 / cutover downtime: {_seconds(seconds)}"


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s"


def _bar(name: str, step: dict[str, Any] | None) -> dict[str, Any]:
    percent = 0 if step is None else max(0, min(100, int(step["percent"])))
    status = "" if step is None else step["status"]
    return {"name": name, "label": STEP_LABELS[name], "percent": percent, "status": status}


def blocker(run: dict[str, Any] | None, steps: list[dict[str, Any]]) -> str:
    """Why a system is not moving: the failure reason, the failed task, or the approval it waits for."""
    if run is None:
        return ""
    if run["state"] == "awaiting_approval":
        return "等待割接审批"
    if run["state"] not in BLOCKED_STATES:
        return ""
    failed = [step["message"] for step in steps if step["status"] == "failed" and step["message"]]
    return run["reason"] or (failed[0] if failed else STATE_LABELS[run["state"]])


def window_text(start: datetime | None, end: datetime | None) -> str:
    """A wave window as 'YYYY-MM-DD 至 YYYY-MM-DD' in Henan's dates (an unplanned end shows as 未定), or '' without
    one."""
    if not (start or end):
        return ""
    return f"{_province_date(start)} 至 {_province_date(end)}"


def _province_date(moment: datetime | None) -> str:
    return in_province(moment).strftime("%Y-%m-%d") if moment else "未定"


def system_row(system: dict[str, Any], now: datetime) -> dict[str, Any]:
    run = system["run"]
    state = run["state"] if run else ("completed" if system["status"] == "migrated" else "")
    last = run["last_progress_at"] if run else None
    return {
        "code": system["code"],
        "name": system["name"],
        "organisation_code": system["organisation_code"],
        "state": state,
        "state_label": STATE_LABELS.get(state, state),
        "wave": run["wave_name"] if run else "",
        "wave_window": window_text(run["wave_window_start"], run["wave_window_end"]) if run else "",
        "last_progress_at": last,
        "started": in_province(run["started_at"]).strftime("%Y-%m-%d %H:%M") if run else "",
        "bars": step_bars(system["steps"]),
        "blocker": blocker(run, system["steps"]),
        "updated": age_text((now - last).total_seconds()) if last else "",
        "stale": is_stale(last, state, now),
        "active": state in ACTIVE_STATES,
        **_warm(run, state),
    }


def _warm(run: dict[str, Any] | None, state: str) -> dict[str, Any]:
    """A warm migration's figures as the page shows them: the lag while replicating (and when it was measured), the
    cutover's downtime once it is done; empty text for anything else."""
    lag = run.get("lag") if run and state == REPLICATING_STATE else None
    downtime = run.get("downtime_seconds") if run else None
    return {
        "lag": lag_text(lag) if lag else "",
        "lag_measured": in_province(lag.measured_at).strftime("%Y-%m-%d %H:%M:%S") if lag else "",
        "downtime": downtime_text(downtime) if downtime is not None else "",
    }


def overview_row(summary: dict[str, Any], now: datetime) -> dict[str, Any]:
    last = summary["last_progress_at"]
    ratio = migrated_share(summary["migrated"], summary["systems"])
    updated = age_text((now - last).total_seconds()) if last else ""
    return {**summary, "ratio": ratio, "share": f"{ratio:.0%}", "updated": updated}


def province_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    systems = sum(row["systems"] for row in rows)
    migrated = sum(row["migrated"] for row in rows)
    return {"systems": systems, "migrated": migrated, "ratio": migrated_share(migrated, systems)}


def wave_summary(name: str, systems: list[dict[str, Any]], rows: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """A wave's window and how far it is; behind its window once the window has ended with runs it still waits for.

    `systems` are the read-model rows of the wave's systems, `rows` the same as shown (system_row)."""
    runs = [system["run"] for system in systems if system["run"]]
    starts = [run["wave_window_start"] for run in runs if run["wave_window_start"]]
    ends = [run["wave_window_end"] for run in runs if run["wave_window_end"]]
    migrated = sum(1 for row in rows if row["state"] == MIGRATED_STATE)
    waiting = any(row["state"] not in WAVE_DONE_STATES for row in rows)
    window_start, window_end = min(starts) if starts else None, max(ends) if ends else None
    return {
        "name": name,
        "window_start": window_start,
        "window_end": window_end,
        "window": window_text(window_start, window_end),
        "systems": len(rows),
        "migrated": migrated,
        "behind_window": window_end is not None and now > window_end and waiting,
    }
