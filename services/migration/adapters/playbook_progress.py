"""How far a step's playbook has got and what stopped it, from ansible-runner's events: a percentage of the tasks
begun, the task now running, and a failure in words."""

import math
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ansible_runner
import yaml

from services.migration.domain.model import Step
from services.migration.ports import StepJob

PLAYBOOKS = Path(__file__).resolve().parents[3] / "playbooks"
FAILURE_EVENTS = {"runner_on_failed", "runner_on_unreachable"}
PROGRESS_REPORT_SECONDS = 2.0
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A failure's words travel in the step-failed and state-changed events: a task's whole output (tar naming thousands of
# unreadable files) could outgrow the broker's 1 MiB record limit, and the outbox would retry that event for ever.
MAX_FAILURE_CHARS = 4000


def count_tasks(step: Step) -> int:
    """Tasks in the step's playbook (plays' own tasks plus their roles' task lists), for progress percentages."""
    total = 0
    for play in yaml.safe_load((PLAYBOOKS / f"{step.value}.yml").read_text()):
        total += _tasks_in(play.get("tasks", []))
        for role in play.get("roles", []):
            name = role["role"] if isinstance(role, dict) else role
            total += _tasks_in(yaml.safe_load((PLAYBOOKS / "roles" / name / "tasks" / "main.yml").read_text()) or [])
    return max(total, 1)


def _tasks_in(entries: list[dict[str, Any]]) -> int:
    """Tasks in a task list, counting into blocks; a block's rescue is left out, as it runs only on a failure."""
    return sum(_tasks_in(e["block"] + e.get("always", [])) if "block" in e else 1 for e in entries)


class ProgressTracker:
    """Turns ansible-runner events into a percentage, the task now running and the first failure in words.

    Progress goes out at most once per `every` seconds: each report is a transaction, an event and a fold in
    monitoring, and quick tasks start several times a second (a system's migration made 36 progress events out of
    53). A report held back goes out at the next event or tick of the runner's loop (`flush`) once its time has come,
    so the task shown is never more than `every` behind, even while one task runs for hours."""

    def __init__(
        self,
        step: Step,
        report: Callable[[int, str], None],
        every: float = PROGRESS_REPORT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._total = count_tasks(step)
        self._started = 0
        self._report = report
        self._every = every
        self._clock = clock
        self._held: tuple[int, str] | None = None
        self._reported_at = -math.inf
        self.failure = ""

    def __call__(self, event: dict[str, Any]) -> bool:
        kind, data = event.get("event", ""), event.get("event_data", {})
        if kind == "playbook_on_task_start":
            self._started += 1
            self._held = (min(99, (self._started - 1) * 100 // self._total), f"task: {data.get('task', '')}")
        elif kind in FAILURE_EVENTS and not data.get("ignore_errors") and not self.failure:
            self.failure = _failure_text(kind, data)
        self.flush()
        return True

    def flush(self) -> None:
        """Report the newest progress held back, unless the last report went out less than `every` ago."""
        if self._held is None or self._clock() - self._reported_at < self._every:
            return
        (percent, message), self._held = self._held, None
        self._reported_at = self._clock()
        self._report(percent, message)


def _failure_text(kind: str, data: dict[str, Any]) -> str:
    result = data.get("res", {}) or {}
    said = [str(result.get(key, "")).strip() for key in ("msg", "stdout", "stderr")]
    reason = "; ".join(part for part in said if part) or "no message"
    verb = "could not reach" if kind == "runner_on_unreachable" else "failed on"
    return f"task '{data.get('task', '?')}' {verb} {data.get('host', '?')}: {clipped(reason)}"


def unexplained_failure(job: StepJob, runner: Any) -> str:
    try:
        with runner.stdout as stdout:
            output = stdout.read()
    except (OSError, ansible_runner.AnsibleRunnerException):
        output = ""
    return failure_without_task(job.step, runner.status, runner.rc, output)


def failure_without_task(step: Step, status: str, rc: int | None, output: str) -> str:
    """Words for a playbook that ended badly with no task failing: ansible-playbook's own error (a worker that died,
    a broken connection plugin, an unreadable file) is only in its output, so its last lines name the cause."""
    lines = [line.strip() for line in ANSI_ESCAPE.sub("", output).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("ERROR", "[ERROR]", "fatal:", "FAILED"))]
    said = "; ".join((errors or lines)[-3:]) or "no output"
    return f"{step.value} {status} (ansible-playbook exit code {rc}) without a failing task: {clipped(said)}"


def clipped(text: str, limit: int = MAX_FAILURE_CHARS) -> str:
    """`text` within `limit` characters: its beginning and its end, which name what failed and how it ended."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} … [{len(text) - 2 * half} characters left out] … {text[-half:]}"
