"""Progress of a step's playbook: a percentage and the task now running, reported at most every few seconds."""

from services.migration.adapters.playbook_progress import (
    MAX_FAILURE_CHARS,
    ProgressTracker,
    count_tasks,
    failure_without_task,
)
from services.migration.domain.model import Step
from tests.unit.fakes import FakeClock


def task_start(name: str) -> dict:
    return {"event": "playbook_on_task_start", "event_data": {"task": name}}


def tracker_and_reports() -> tuple[ProgressTracker, FakeClock, list[tuple[int, str]]]:
    clock, reports = FakeClock(), []
    tracker = ProgressTracker(Step.SYNC, lambda percent, message: reports.append((percent, message)), 2.0, clock)
    return tracker, clock, reports


def test_the_first_task_is_reported_at_once_and_quick_ones_after_it_are_folded_into_the_newest() -> None:
    tracker, clock, reports = tracker_and_reports()
    tasks = count_tasks(Step.SYNC)

    tracker(task_start("检查磁盘"))
    clock.now += 0.3
    tracker(task_start("建立目录"))
    clock.now += 0.3
    tracker(task_start("rsync 数据"))
    held = list(reports)
    clock.now += 1.5
    tracker({"event": "runner_on_ok", "event_data": {}})

    assert held == [(0, "task: 检查磁盘")]
    assert reports == [(0, "task: 检查磁盘"), (2 * 100 // tasks, "task: rsync 数据")]


def test_a_held_report_goes_out_on_a_tick_while_a_long_task_runs_and_only_once() -> None:
    tracker, clock, reports = tracker_and_reports()
    tracker(task_start("检查磁盘"))
    clock.now += 0.5
    tracker(task_start("rsync 数据"))  # runs for an hour: no further events

    tracker.flush()
    clock.now += 1.5
    tracker.flush()
    clock.now += 3600
    tracker.flush()

    assert [message for _, message in reports] == ["task: 检查磁盘", "task: rsync 数据"]


def test_the_first_failure_is_kept_in_words_whatever_the_reporting_pace() -> None:
    tracker, _, reports = tracker_and_reports()
    failed = {"task": "检查磁盘", "host": "jkk-dst", "res": {"msg": "目标主机磁盘空间不足"}}

    tracker({"event": "runner_on_failed", "event_data": failed})
    tracker({"event": "runner_on_failed", "event_data": {**failed, "task": "later"}})

    assert tracker.failure == "task '检查磁盘' failed on jkk-dst: 目标主机磁盘空间不足"
    assert reports == []


def test_a_failing_tasks_whole_output_is_clipped_to_its_beginning_and_end_so_its_events_stay_small() -> None:
    tracker, _, _ = tracker_and_reports()
    unreadable = "".join(f"tar: ./档案/{n:06d}.pdf: Cannot open: Permission denied\n" for n in range(50_000))
    failed = {"task": "打包数据", "host": "jkk-src", "res": {"msg": "non-zero return code", "stderr": unreadable}}

    tracker({"event": "runner_on_failed", "event_data": failed})

    assert len(tracker.failure) < MAX_FAILURE_CHARS + 200
    assert tracker.failure.startswith("task '打包数据' failed on jkk-src: non-zero return code; tar: ./档案/000000.pdf")
    assert tracker.failure.endswith("049999.pdf: Cannot open: Permission denied")
    said = "non-zero return code; " + unreadable.strip()
    assert f"[{len(said) - MAX_FAILURE_CHARS} characters left out]" in tracker.failure


def test_a_playbook_that_fails_with_no_failing_task_is_explained_by_ansibles_own_error_lines() -> None:
    output = (
        "\x1b[0;32mok: [czt-src]\x1b[0m\n\n"
        "ERROR! A worker was found in a dead state\n"
        "PLAY RECAP *********\nczt-src : ok=3 changed=0 unreachable=0 failed=0\n"
    )

    message = failure_without_task(Step.PRECHECK, "failed", 1, output)

    assert message == (
        "precheck failed (ansible-playbook exit code 1) without a failing task: "
        "ERROR! A worker was found in a dead state"
    )


def test_without_an_error_line_the_last_lines_of_output_are_given_and_silence_is_said() -> None:
    assert failure_without_task(Step.SYNC, "failed", 2, "one\n\ntwo\nthree\nfour\n").endswith(": two; three; four")
    assert failure_without_task(Step.SYNC, "failed", None, "").endswith(
        "(ansible-playbook exit code None) without a failing task: no output"
    )
