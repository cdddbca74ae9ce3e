"""zyctl commands for monitoring: progress of the province, an organisation or a wave; the quarterly report."""

import enum
import json
import sys
from collections.abc import Iterable
from typing import Annotated

import grpc
import typer
from rich.markup import escape
from rich.table import Table

from services.common.events import MIGRATION_STEPS
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from services.zyctl.client import Api, describe_error
from services.zyctl.output import Output, OutputOption, api, as_dict, call, console, fail, henan_time, print_json

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


def progress(
    org: Annotated[str, typer.Option("--org", help="one organisation's systems, e.g. HA-WJW")] = "",
    wave: Annotated[str, typer.Option("--wave", help="one wave's systems and window")] = "",
    watch: Annotated[bool, typer.Option("--watch", help="Keep showing it as it changes (Ctrl-C stops)")] = False,
    output: OutputOption = Output.table,
) -> None:
    """Progress of the province (no option), an organisation (--org) or a wave (--wave)."""
    if org and wave:
        fail("give --org or --wave, not both", 2)
    client = api()
    with client.stub("monitoring", pb_grpc.MonitoringServiceStub) as stub:
        if not watch:
            _show_progress(_snapshot(client, stub, org, wave), output)
            return
        scope = {"organisation_code": org} if org else ({"wave_name": wave} if wave else {})
        updates = stub.WatchProgress(pb.WatchProgressRequest(**scope), metadata=client.metadata)
        try:
            for update in updates:
                _show_progress(update, output, watching=True)
        except grpc.RpcError as error:
            fail(describe_error(error))


def _snapshot(client: Api, stub: pb_grpc.MonitoringServiceStub, org: str, wave: str) -> pb.ProgressUpdate:
    if org:
        request = pb.GetOrganisationProgressRequest(organisation_code=org)
        return pb.ProgressUpdate(organisation=call(client, stub.GetOrganisationProgress, request))
    if wave:
        return pb.ProgressUpdate(wave=call(client, stub.GetWaveProgress, pb.GetWaveProgressRequest(wave_name=wave)))
    return pb.ProgressUpdate(province=call(client, stub.GetProvinceProgress, pb.GetProvinceProgressRequest()))


def _show_progress(update: pb.ProgressUpdate, output: Output, watching: bool = False) -> None:
    scope = update.WhichOneof("progress")
    if output is Output.json:
        data = as_dict(getattr(update, scope))
        if watching:  # one line per change, so a reader can take each state as it comes
            typer.echo(json.dumps(data, ensure_ascii=False))
        else:
            print_json(data)
        return
    if watching:
        console.clear()
    if scope == "province":
        console.print(_province_table(update.province))
        return
    systems = update.organisation.systems if scope == "organisation" else update.wave.systems_progress
    if scope == "wave":
        w = update.wave
        ends = henan_time(w.window_end, "%Y-%m-%d")
        behind = " — behind its window" if w.behind_window else ""
        console.print(
            f"wave {w.wave_name}: {w.migrated}/{w.systems} migrated, window ends {ends}{behind}", markup=False
        )
    else:
        s = update.organisation.summary
        console.print(
            f"{s.organisation_code}: {s.migrated}/{s.systems} migrated ({s.migrated_ratio:.0%})", markup=False
        )
    console.print(_systems_table(systems))


def _province_table(province: pb.ProvinceProgress) -> Table:
    table = Table("organisation", "systems", "migrated", "上云率", "active", "blocked", title="全省")
    for o in province.organisations:
        table.add_row(
            o.organisation_code,
            str(o.systems),
            str(o.migrated),
            f"{o.migrated_ratio:.0%}",
            str(o.active),
            str(o.blocked),
        )
    ratio = f"{province.migrated_ratio:.0%}"
    table.add_row("total", str(province.systems), str(province.migrated), ratio, "", "", style="bold")
    return table


def _systems_table(systems: Iterable[pb.SystemProgress]) -> Table:
    table = Table("system", "state", "wave", *MIGRATION_STEPS, "blocker")
    for system in systems:
        percent = {step.step: f"{step.percent}%" if step.status else "" for step in system.steps}
        state = f"{system.state} (stale)" if system.stale else system.state
        table.add_row(
            escape(system.system_code),
            state,
            escape(system.wave_name),
            *(percent.get(s, "") for s in MIGRATION_STEPS),
            escape(system.blocker),
        )
    return table
