"""Progress of the province, an organisation and a wave over gRPC, and WatchProgress following a run as it moves."""

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import grpc
import pytest
from eventlet import tpool

from services.common.events import STEP_COMPLETED, STEP_FAILED, STEP_PROGRESS
from services.monitoring.service import MonitoringService
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from tests.fixtures.inventory_events import unique_department
from tests.fixtures.metrics_page import metrics_text, sample
from tests.fixtures.migration_events import Run, hours_ago, system_registered
from tests.fixtures.services import CATCH_UP_SECONDS, bearer, eventually, produce, refused_code, stream, unary


@pytest.fixture
def monitoring(database_url, container_factory, service_config):  # type: ignore[no-untyped-def]
    config = service_config(database_url)
    container_factory(MonitoringService, config).start()
    return config


@pytest.fixture
def stub(monitoring, channel_to) -> pb_grpc.MonitoringServiceStub:  # type: ignore[no-untyped-def]
    return pb_grpc.MonitoringServiceStub(channel_to(monitoring["GRPC_BIND_ADDRESS"]))


def zyctl(monitoring: dict, token: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """zyctl in a process of its own: a blocking gRPC call in this green test process would freeze the server."""
    config = tmp_path / "zyctl.json"
    config.write_text(json.dumps({"token": token, "targets": {"monitoring": monitoring["GRPC_BIND_ADDRESS"]}}))
    command = [str(Path(sys.executable).with_name("zyctl")), *args]
    environment = {**os.environ, "ZYCTL_CONFIG": str(config)}
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=environment)


def test_organisation_wave_and_province_progress_show_only_what_the_caller_may_see(
    monitoring, stub, producer, operator_token, tokens, tmp_path
) -> None:
    mine, theirs = unique_department(), unique_department()
    wave = f"批次-{mine}"
    late = hours_ago(1)  # the wave's window ended an hour ago
    done, failing = Run(mine, f"{mine}-JKK", wave, late), Run(mine, f"{mine}-SBK", wave, late)
    other = Run(theirs, f"{theirs}-GJJ", wave, late)
    produce(
        producer,
        *(system_registered(run) for run in (done, failing, other)),
        done.step(STEP_COMPLETED, "precheck", seconds=3),
        done.state("verify", "completed"),
        failing.step(STEP_FAILED, "sync", seconds=9, message="源库连接超时"),
        failing.state("sync", "failed", "数据同步失败：源库连接超时"),
        other.state("pending", "deploy"),
    )
    department = tokens.create_token([f"department:{mine}"])
    request = pb.GetOrganisationProgressRequest(organisation_code=mine)

    def folded() -> pb.OrganisationProgress | None:
        answer = unary(stub.GetOrganisationProgress, request, department)
        return answer if answer.summary.blocked == 1 and answer.summary.migrated == 1 else None

    organisation = eventually(folded, "both runs of the department in its progress", timeout=CATCH_UP_SECONDS)
    assert organisation.summary.systems == 2 and organisation.summary.migrated_ratio == pytest.approx(0.5)
    by_code = {system.system_code: system for system in organisation.systems}
    assert set(by_code) == {done.system_code, failing.system_code}
    assert by_code[failing.system_code].blocker == "数据同步失败：源库连接超时"
    assert [(s.step, s.status) for s in by_code[done.system_code].steps][:1] == [("precheck", "completed")]

    assert (
        refused_code(
            stub.GetOrganisationProgress, pb.GetOrganisationProgressRequest(organisation_code=theirs), department
        )
        is grpc.StatusCode.PERMISSION_DENIED
    )
    assert refused_code(stub.GetProvinceProgress, pb.GetProvinceProgressRequest(), department) is (
        grpc.StatusCode.PERMISSION_DENIED
    )

    own_view = unary(stub.GetWaveProgress, pb.GetWaveProgressRequest(wave_name=wave), department)
    assert {s.system_code for s in own_view.systems_progress} == {done.system_code, failing.system_code}
    assert own_view.behind_window and (own_view.systems, own_view.migrated) == (2, 1)
    assert own_view.window_end.ToDatetime().replace(microsecond=0) == late.replace(tzinfo=None, microsecond=0)

    def whole_wave() -> pb.WaveProgress | None:
        # The other department's events travel on another partition: they may be folded a little later.
        answer = unary(stub.GetWaveProgress, pb.GetWaveProgressRequest(wave_name=wave), operator_token)
        return answer if answer.systems == 3 else None

    operator_view = eventually(whole_wave, "all three systems of the wave for an operator")
    assert other.system_code in {s.system_code for s in operator_view.systems_progress}

    province = unary(stub.GetProvinceProgress, pb.GetProvinceProgressRequest(), operator_token)
    assert {o.organisation_code for o in province.organisations} >= {mine, theirs}
    assert province.systems >= 3 and province.migrated >= 1

    page_url = f"http://{monitoring['WEB_SERVER_ADDRESS']}/status/wave/{urllib.parse.quote(wave)}?token={department}"
    with urllib.request.urlopen(page_url, timeout=5) as response:
        page = response.read().decode()
    assert "已超出计划窗口" in page and failing.system_code in page and other.system_code not in page

    as_json = zyctl(monitoring, department, tmp_path, "progress", "--org", mine, "--output", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert {s["system_code"] for s in json.loads(as_json.stdout)["systems"]} == {done.system_code, failing.system_code}
    refused = zyctl(monitoring, department, tmp_path, "progress", "--org", theirs)
    assert refused.returncode == 1 and "PERMISSION_DENIED" in refused.stderr

    metrics = metrics_text(f"http://{monitoring['WEB_SERVER_ADDRESS']}/metrics")
    assert sample(metrics, "zhongyuan_wave_unfinished_systems", wave=wave) == 2
    window_end = sample(metrics, "zhongyuan_wave_window_end_timestamp_seconds", wave=wave)
    assert window_end == pytest.approx(late.timestamp(), abs=1)


def test_watch_progress_sends_the_organisation_again_when_a_step_moves(stub, producer, tokens) -> None:
    org = unique_department()
    run = Run(org, f"{org}-JKK")
    produce(producer, system_registered(run), run.state("pending", "sync"), run.step(STEP_PROGRESS, "sync", percent=10))
    token = tokens.create_token([f"department:{org}"])

    def sync_percent(update: pb.ProgressUpdate) -> int:
        systems = update.organisation.systems
        return next((s.percent for s in systems[0].steps if s.step == "sync"), -1) if systems else -1

    request = pb.WatchProgressRequest(organisation_code=org)
    updates = stub.WatchProgress(request, metadata=bearer(token), timeout=CATCH_UP_SECONDS)
    try:
        update = tpool.execute(next, updates)
        while sync_percent(update) != 10:
            update = tpool.execute(next, updates)
        produce(producer, run.step(STEP_PROGRESS, "sync", percent=70, message="rsync 数据"))
        update = tpool.execute(next, updates)
        assert update.WhichOneof("progress") == "organisation"
        assert sync_percent(update) == 70
        assert update.organisation.systems[0].state == "sync"
    finally:
        updates.cancel()


@pytest.mark.parametrize(
    ("method", "request_", "field"),
    [
        ("GetOrganisationProgress", pb.GetOrganisationProgressRequest(), "organisation_code"),
        ("GetWaveProgress", pb.GetWaveProgressRequest(), "wave_name"),
        ("GetQuarterlyReport", pb.QuarterlyReportRequest(quarter="2016Q2"), "organisation_code"),
        ("GetQuarterlyReport", pb.QuarterlyReportRequest(organisation_code="HA-WJW", quarter="2016Q5"), "quarter"),
    ],
    ids=["organisation", "wave", "report-organisation", "report-quarter"],
)
def test_a_missing_or_malformed_field_is_named_before_anything_is_read(stub, tokens, method, request_, field) -> None:  # type: ignore[no-untyped-def]
    department = tokens.create_token(["department:HA-WJW"])  # a field's fault comes before whose data it would be

    with pytest.raises(grpc.RpcError) as raised:
        unary(getattr(stub, method), request_, department)

    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert field in raised.value.details()


@pytest.mark.parametrize(
    "request_",
    [pb.WatchProgressRequest(organisation_code="HA-GAT"), pb.WatchProgressRequest()],
    ids=["another-organisation", "the-province"],
)
def test_a_department_may_not_watch_what_it_may_not_read(stub, tokens, request_) -> None:  # type: ignore[no-untyped-def]
    department = tokens.create_token(["department:HA-WJW"])

    with pytest.raises(grpc.RpcError) as raised:
        stream(stub.WatchProgress, request_, department, count=1)

    assert raised.value.code() is grpc.StatusCode.PERMISSION_DENIED
