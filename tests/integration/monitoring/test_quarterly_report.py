"""季度报送 over gRPC, through `zyctl report quarterly` and as a page, from events folded into the read model."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import pytest

from services.common.timestamps import province_today
from services.monitoring.service import MonitoringService
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from tests.fixtures.inventory_events import data_resource, unique_department
from tests.fixtures.migration_events import Run, system_registered
from tests.fixtures.services import CATCH_UP_SECONDS, eventually, produce, unary


@pytest.fixture
def monitoring(database_url, container_factory, service_config):  # type: ignore[no-untyped-def]
    config = service_config(database_url)
    container_factory(MonitoringService, config).start()
    return config


def test_the_quarterly_report_over_grpc_cli_and_page(
    monitoring, producer, channel_to, operator_token, tokens, tmp_path
) -> None:
    org = unique_department()
    done, failed = Run(org, f"{org}-JKK"), Run(org, f"{org}-SBK")
    produce(
        producer,
        system_registered(done),
        system_registered(failed),
        done.state("verify", "completed"),
        failed.state("sync", "failed", "数据同步失败：源库连接超时"),
        data_resource(org, f"{org}-RK", planned=f"{province_today():%Y-%m}-01"),  # due this quarter
    )
    stub = pb_grpc.MonitoringServiceStub(channel_to(monitoring["GRPC_BIND_ADDRESS"]))
    today = province_today()  # quarters are Henan's
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    request = pb.QuarterlyReportRequest(organisation_code=org, quarter=quarter)

    def folded() -> pb.QuarterlyReport | None:
        report = unary(stub.GetQuarterlyReport, request, operator_token)
        return report if report.migrated and report.blocked and report.data_resources_planned else None

    report = eventually(folded, "the report to show the runs", timeout=CATCH_UP_SECONDS)
    assert list(report.migrated) == [done.system_code]
    assert [(b.system_code, b.reason) for b in report.blocked] == [(failed.system_code, "数据同步失败：源库连接超时")]
    assert (report.data_resources_planned, report.data_resources_opened) == (1, 0)

    config = tmp_path / "zyctl.json"
    config.write_text(json.dumps({"token": operator_token, "targets": {"monitoring": monitoring["GRPC_BIND_ADDRESS"]}}))

    def zyctl(*args: str) -> subprocess.CompletedProcess[str]:
        # A process of its own: a blocking gRPC call in this green test process would freeze the in-process server.
        command = [str(Path(sys.executable).with_name("zyctl")), "report", "quarterly", "--org", org, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, env=environment)

    environment = {**os.environ, "ZYCTL_CONFIG": str(config)}
    as_csv = zyctl("--quarter", quarter, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert f"{org},{quarter},blocked,{failed.system_code},数据同步失败：源库连接超时," in as_csv.stdout.splitlines()
    assert zyctl("--quarter", quarter).stdout.startswith(f"# {org} {quarter} 季度报送")
    wrong = zyctl("--quarter", "2016Q9")
    assert wrong.returncode == 1 and "INVALID_ARGUMENT" in wrong.stderr

    page_url = f"http://{monitoring['WEB_SERVER_ADDRESS']}/status/report/{org}/{quarter}?token={operator_token}"
    with urllib.request.urlopen(page_url, timeout=5) as response:
        page = response.read().decode()
    assert f"{org} {quarter} 季度报送" in page and "数据同步失败：源库连接超时" in page

    other = tokens.create_token([f"department:{unique_department()}"])
    with pytest.raises(grpc.RpcError) as denied:
        unary(stub.GetQuarterlyReport, request, other)
    assert denied.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(page_url.replace(operator_token, other), timeout=5)
    body = refused.value.read().decode()
    assert refused.value.code == 403 and failed.system_code not in body and "季度报送" not in body
