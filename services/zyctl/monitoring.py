"""zyctl commands for monitoring: the quarterly report (季度报送) of a lead organisation."""

import enum
import sys
from typing import Annotated

import typer

from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from services.zyctl.output import api, as_dict, call, print_json

report_app = typer.Typer(help="Reports the province's leading-group office receives.", no_args_is_help=True)


class ReportFormat(enum.StrEnum):
    md = "md"
    csv = "csv"
    json = "json"


@report_app.command()
def quarterly(
    org: Annotated[str, typer.Option("--org", help="organisation code, e.g. HA-WJW")],
    quarter: Annotated[str, typer.Option("--quarter", help="e.g. 2016Q2")],
    output_format: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.md,
) -> None:
    """季度报送: migrated this quarter, in progress, blocked with reasons, data resources opened versus planned."""
    client = api()
    with client.stub("monitoring", pb_grpc.MonitoringServiceStub) as stub:
        request = pb.QuarterlyReportRequest(organisation_code=org, quarter=quarter)
        report = call(client, stub.GetQuarterlyReport, request)
    if output_format is ReportFormat.json:
        print_json({k: v for k, v in as_dict(report).items() if k not in ("markdown", "csv")})
    else:
        sys.stdout.write(report.markdown if output_format is ReportFormat.md else report.csv)
