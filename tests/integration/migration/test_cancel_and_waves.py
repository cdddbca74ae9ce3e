"""Cancelling or rolling back a running playbook leaves no process behind; waves honour their cap and dependency
order."""

import grpc
import psutil
import pytest

from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from tests.fixtures.services import STEP_DEADLINE_SECONDS, WAVE_DEADLINE_SECONDS, eventually, unary
from tests.integration.migration.conftest import moment


def processes_mentioning(marker: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if any(marker in part for part in p.info["cmdline"] or [])]


def throttled_copies() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "600"]]


@pytest.mark.parametrize("landscape", [{"MIGRATION_SYNC_THROTTLE_SECONDS": 600}], indirect=True)
def test_cancel_stops_the_running_playbook_and_every_process_it_started(landscape, tmp_path) -> None:  # type: ignore[no-untyped-def]
    landscape.system("HA-WJW-JKK")
    run = landscape.start("HA-WJW-JKK")
    run_dir = str(tmp_path / "runs" / run.id)
    eventually(throttled_copies, "the throttled sync task to be running", STEP_DEADLINE_SECONDS)

    unary(landscape.migration.CancelMigration, pb.GetMigrationRequest(id=run.id), landscape.token)
    cancelled = landscape.wait_for_state(run.id, "cancelled", timeout=STEP_DEADLINE_SECONDS)

    assert [(s.name, s.state) for s in cancelled.steps] == [("precheck", "completed"), ("sync", "cancelled")]
    assert processes_mentioning(run_dir) == []
    assert throttled_copies() == []
    with pytest.raises(grpc.RpcError) as again:
        unary(landscape.migration.CancelMigration, pb.GetMigrationRequest(id=run.id), landscape.token)
    assert again.value.code() is grpc.StatusCode.FAILED_PRECONDITION


@pytest.mark.parametrize("landscape", [{"MIGRATION_SYNC_THROTTLE_SECONDS": 600}], indirect=True)
def test_a_rollback_during_a_long_sync_stops_its_playbook_and_rolls_back_at_once(landscape, tmp_path) -> None:  # type: ignore[no-untyped-def]
    landscape.system("HA-WJW-JKK")
    run = landscape.start("HA-WJW-JKK")
    eventually(throttled_copies, "the throttled sync task to be running", STEP_DEADLINE_SECONDS)

    unary(landscape.migration.RollbackMigration, pb.GetMigrationRequest(id=run.id), landscape.token)
    rolled_back = landscape.wait_for_state(run.id, "rolled_back", timeout=STEP_DEADLINE_SECONDS)

    assert [(s.name, s.state) for s in rolled_back.steps] == [
        ("precheck", "completed"),
        ("sync", "cancelled"),
        ("rollback", "completed"),
    ]
    assert throttled_copies() == []


def test_a_wave_refuses_a_system_whose_dependency_is_not_migrated_nor_in_an_earlier_wave(landscape) -> None:  # type: ignore[no-untyped-def]
    landscape.system("HA-WJW-RKK")
    landscape.system("HA-WJW-JKK", depends_on=("HA-WJW-RKK",))
    request = pb.CreateWaveRequest(
        name="第一批", systems=["HA-WJW-JKK"], concurrency=2, window_start=moment(0), window_end=moment(48)
    )

    with pytest.raises(grpc.RpcError) as refused:
        unary(landscape.migration.CreateWave, request, landscape.token)

    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "HA-WJW-JKK depends on HA-WJW-RKK, which is neither migrated nor in an earlier wave" in (
        refused.value.details()
    )


def test_a_wave_runs_its_systems_in_dependency_order_within_its_cap(landscape) -> None:  # type: ignore[no-untyped-def]
    landscape.system("HA-WJW-RKK")
    landscape.system("HA-WJW-XNH")
    landscape.system("HA-WJW-JKK", depends_on=("HA-WJW-RKK",))
    create = pb.CreateWaveRequest(
        name="试点批次",
        systems=["HA-WJW-JKK", "HA-WJW-RKK", "HA-WJW-XNH"],
        concurrency=2,
        window_start=moment(0),
        window_end=moment(48),
        auto_approve=True,
    )
    wave = unary(landscape.migration.CreateWave, create, landscape.token)
    assert {(s.code, s.layer) for s in wave.systems} == {("HA-WJW-RKK", 0), ("HA-WJW-XNH", 0), ("HA-WJW-JKK", 1)}

    unary(landscape.migration.StartWave, pb.GetWaveRequest(id="试点批次"), landscape.token)
    finished = eventually(
        lambda: (
            (w := unary(landscape.migration.GetWave, pb.GetWaveRequest(id=wave.id), landscape.token)).state
            == "finished"
            and w
        ),
        "the wave to finish",
        timeout=WAVE_DEADLINE_SECONDS,
    )

    spans = {
        r.system_code: (r.steps[0].started_at.ToDatetime(), r.steps[-1].finished_at.ToDatetime()) for r in finished.runs
    }
    assert all(r.state == "completed" for r in finished.runs), [(r.system_code, r.error) for r in finished.runs]
    assert spans["HA-WJW-JKK"][0] >= spans["HA-WJW-RKK"][1], "JKK started before the system it depends on finished"
    moments = sorted({t for span in spans.values() for t in span})
    busiest = max(sum(1 for start, end in spans.values() if start <= t < end) for t in moments)
    assert busiest <= 2
