"""zyctl commands for the audit trail: every mutating call of every service, as monitoring keeps it."""

from datetime import datetime
from typing import Annotated

import typer
from google.protobuf.timestamp_pb2 import Timestamp
from rich.markup import escape
from rich.table import Table

from services.common.timestamps import PROVINCE_TIME
from services.pb.zhongyuan.audit.v1 import audit_pb2
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2 as pb
from services.pb.zhongyuan.monitoring.v1 import monitoring_pb2_grpc as pb_grpc
from services.zyctl.output import Output, OutputOption, api, as_dict, call, console, fail, henan_time, print_json

audit_app = typer.Typer(help="Who changed what, when, and how it ended (operators and SREs).", no_args_is_help=True)
PAGE_SIZE = 500


@audit_app.command("list")
def audit_list(
    service: Annotated[str, typer.Option(help="Only this service's calls, e.g. inventory")] = "",
    actor: Annotated[str, typer.Option(help="Only calls with this token (its description or token id)")] = "",
    method: Annotated[str, typer.Option(help="Only this method, e.g. ImportCatalog")] = "",
    since: Annotated[
        str, typer.Option(help="Only calls at or after this ISO time (UTC+8 unless it has an offset)")
    ] = "",
    outcome: Annotated[str, typer.Option(help="OK, ERROR (any failure) or a status code name")] = "",
    limit: Annotated[int, typer.Option(min=1, help="At most this many records, newest first")] = 200,
    output: OutputOption = Output.table,
) -> None:
    """The audit trail, newest first."""
    request = pb.ListAuditRecordsRequest(service=service, actor=actor, method=method, outcome=outcome.upper())
    if since:
        request.since.CopyFrom(_timestamp(since))
    records = _records(request, limit)
    if output is Output.json:
        print_json([as_dict(record) for record in records])
        return
    table = Table("at (UTC+8)", "service", "method", "actor", "target", "outcome", "peer")
    for r in records:
        when = henan_time(r.at, "%Y-%m-%d %H:%M:%S")
        result = "OK" if r.outcome == "OK" else f"[red]{escape(r.outcome)}[/] {escape(r.error)}"
        table.add_row(when, r.service, r.method, escape(_actor(r.actor)), escape(r.target), result, escape(r.peer))
    console.print(table)


def _records(request: pb.ListAuditRecordsRequest, limit: int) -> list[audit_pb2.AuditRecord]:
    client = api()
    records: list[audit_pb2.AuditRecord] = []
    with client.stub("monitoring", pb_grpc.MonitoringServiceStub) as stub:
        while len(records) < limit:
            request.page_size = min(PAGE_SIZE, limit - len(records))
            page = call(client, stub.ListAuditRecords, request)
            records.extend(page.records)
            if not page.next_page_token:
                break
            request.page_token = page.next_page_token
    return records


def _timestamp(text: str) -> Timestamp:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--since: {text} is not an ISO time such as 2016-06-30T08:00", 2)
    stamp = Timestamp()
    stamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=PROVINCE_TIME))
    return stamp


def _actor(actor: audit_pb2.Actor) -> str:
    if not actor.token_id:
        return "(no valid token)"
    return f"{actor.name or '—'} ({actor.token_id}; {', '.join(actor.roles)})"
