"""A wave of two departments' systems, read over gRPC by each department, a department with none, and an operator."""

import json
import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from tests.fixtures.services import WAVE_DEADLINE_SECONDS, eventually, stream, unary
from tests.integration.migration.conftest import moment

WJW, RST, GAT = "HA-WJW", "HA-RST", "HA-GAT"
WJW_SYSTEM, RST_SYSTEM = "HA-WJW-JKK", "HA-RST-SBK"
WAVE = "联合批次"
ZYCTL = str(Path(sys.executable).parent / "zyctl")


@pytest.fixture
def planned_wave(landscape) -> pb.Wave:  # type: ignore[no-untyped-def]
    """A rehearsal wave of one 卫健委 and one 人社厅 system."""
    landscape.seed(f"organisations: [{{code: {RST}, name: 河南省人力资源和社会保障厅, admin_level: province}}]")
    landscape.system(WJW_SYSTEM, organisation=WJW)
    landscape.system(RST_SYSTEM, organisation=RST)
    create = pb.CreateWaveRequest(
        name=WAVE,
        systems=[WJW_SYSTEM, RST_SYSTEM],
        concurrency=2,
        window_start=moment(0),
        window_end=moment(48),
        auto_approve=True,
    )
    return unary(landscape.migration.CreateWave, create, landscape.token)


@pytest.fixture
def finished_wave(landscape, planned_wave) -> pb.Wave:  # type: ignore[no-untyped-def]
    """The wave, started and run to its end: it then has a run of each system."""
    unary(landscape.migration.StartWave, pb.GetWaveRequest(id=WAVE), landscape.token)
    return eventually(
        lambda: (
            (w := unary(landscape.migration.GetWave, pb.GetWaveRequest(id=WAVE), landscape.token)).state == "finished"
            and w
        ),
        "the wave to finish",
        timeout=WAVE_DEADLINE_SECONDS,
    )


def members_and_runs(wave: pb.Wave) -> tuple[list[str], list[tuple[str, str]]]:
    return sorted(s.code for s in wave.systems), sorted((r.system_code, r.organisation_code) for r in wave.runs)


def test_each_department_sees_only_its_own_members_and_runs_and_an_operator_sees_all(  # type: ignore[no-untyped-def]
    landscape, tokens, finished_wave
) -> None:
    for organisation, own_system in ((WJW, WJW_SYSTEM), (RST, RST_SYSTEM)):
        token = tokens.create_token([f"department:{organisation}"])

        shown = unary(landscape.migration.GetWave, pb.GetWaveRequest(id=WAVE), token)
        listed = unary(landscape.migration.ListWaves, pb.ListWavesRequest(), token).waves
        watched = stream(landscape.migration.WatchWave, pb.GetWaveRequest(id=finished_wave.id), token, count=1)[0]

        assert members_and_runs(shown) == ([own_system], [(own_system, organisation)])
        assert [(w.name, [s.code for s in w.systems]) for w in listed] == [(WAVE, [own_system])]
        assert members_and_runs(watched) == members_and_runs(shown)
    listed_to_operator = unary(landscape.migration.ListWaves, pb.ListWavesRequest(), landscape.token).waves
    both = (sorted([WJW_SYSTEM, RST_SYSTEM]), sorted([(WJW_SYSTEM, WJW), (RST_SYSTEM, RST)]))
    assert members_and_runs(finished_wave) == both
    assert [(w.name, members_and_runs(w)[0]) for w in listed_to_operator] == [(WAVE, both[0])]


def test_a_department_without_a_member_is_told_the_wave_does_not_exist(landscape, tokens, planned_wave) -> None:  # type: ignore[no-untyped-def]
    outsider = tokens.create_token([f"department:{GAT}"])

    assert list(unary(landscape.migration.ListWaves, pb.ListWavesRequest(), outsider).waves) == []
    for ref in (WAVE, planned_wave.id):
        with pytest.raises(grpc.RpcError) as hidden:
            unary(landscape.migration.GetWave, pb.GetWaveRequest(id=ref), outsider)
        assert hidden.value.code() is grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as watched:
        stream(landscape.migration.WatchWave, pb.GetWaveRequest(id=WAVE), outsider, count=1)
    assert watched.value.code() is grpc.StatusCode.NOT_FOUND
    assert len(unary(landscape.migration.GetWave, pb.GetWaveRequest(id=WAVE), landscape.token).systems) == 2


def test_a_system_moved_to_another_department_leaves_the_wave_to_that_department(landscape, tokens) -> None:  # type: ignore[no-untyped-def]
    moving = "HA-RST-YLBX"  # a system of its own: the inventory topic is the whole session's, other tests' moves too
    landscape.seed(
        f"organisations: [{{code: {RST}, name: 河南省人力资源和社会保障厅, admin_level: province}}, "
        f"{{code: {GAT}, name: 河南省公安厅, admin_level: province}}]"
    )
    landscape.system(moving, organisation=RST)
    create = pb.CreateWaveRequest(
        name="医保批次", systems=[moving], concurrency=1, window_start=moment(0), window_end=moment(48)
    )
    unary(landscape.migration.CreateWave, create, landscape.token)
    before, after = tokens.create_token([f"department:{RST}"]), tokens.create_token([f"department:{GAT}"])

    landscape.update_system(moving, organisation_code=GAT)

    def waves_seen_by(token: str) -> list[tuple[str, list[str]]]:
        listed = unary(landscape.migration.ListWaves, pb.ListWavesRequest(), token).waves
        return [(w.name, [s.code for s in w.systems]) for w in listed]

    eventually(lambda: waves_seen_by(after) == [("医保批次", [moving])], "the new department to see its system's wave")
    assert waves_seen_by(before) == []


def zyctl(landscape, tmp_path: Path, token: str, *args: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    config = tmp_path / "zyctl.json"
    config.write_text(
        json.dumps({"token": token, "targets": {"migration": landscape.migration_config["GRPC_BIND_ADDRESS"]}})
    )
    env = dict(os.environ, ZYCTL_CONFIG=str(config), COLUMNS="200")
    return subprocess.run([ZYCTL, *args], env=env, capture_output=True, text=True, timeout=60)


def test_zyctl_wave_commands_show_a_department_what_the_service_lets_it_see(  # type: ignore[no-untyped-def]
    landscape, tokens, planned_wave, tmp_path
) -> None:
    own = tokens.create_token([f"department:{RST}"])
    outsider = tokens.create_token([f"department:{GAT}"])

    listed = zyctl(landscape, tmp_path, own, "wave", "list", "-o", "json")
    shown = zyctl(landscape, tmp_path, own, "wave", "show", WAVE)
    hidden = zyctl(landscape, tmp_path, outsider, "wave", "show", WAVE)

    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert [[s["code"] for s in w["systems"]] for w in json.loads(listed.stdout)] == [[RST_SYSTEM]]
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert RST_SYSTEM in shown.stdout and WJW_SYSTEM not in shown.stdout
    assert hidden.returncode == 1
    assert "NOT_FOUND" in hidden.stderr
