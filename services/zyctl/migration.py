"""zyctl commands for waves and migrations, with live progress bars while watching."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

import grpc
import typer
from google.protobuf.timestamp_pb2 import Timestamp
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from services.common.events import MIGRATION_STEPS
from services.pb.zhongyuan.migration.v1 import events_pb2
from services.pb.zhongyuan.migration.v1 import migration_pb2 as pb
from services.pb.zhongyuan.migration.v1 import migration_pb2_grpc as pb_grpc
from services.zyctl.client import Api, describe_error
from services.zyctl.output import Output, OutputOption, api, as_dict, call, console, fail, henan_time, print_json

wave_app = typer.Typer(help="Waves: systems that migrate together within a window.", no_args_is_help=True)
migrate_app = typer.Typer(help="Per-system migrations.", no_args_is_help=True)
WATCH_SECONDS = 24 * 3600
REPLICATING = "replicating"  # a warm migration's target follows its source until the cutover is approved
_CUTOVER = MIGRATION_STEPS.index("cutover")
# The steps a watch shows a bar for, in the order a run performs them; a warm migration replicates before its cutover.
WATCHED_STEPS = (*MIGRATION_STEPS[:_CUTOVER], "replicate", *MIGRATION_STEPS[_CUTOVER:], "rollback")
WARM_ONLY_STEPS = ("replicate",)  # a bar only once the run performs it


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _runs_table(runs: list[pb.MigrationRun]) -> Table:
    table = Table("system", "state", "step", "progress", "error")
    for run in runs:
        step = run.steps[-1] if run.steps else None
        table.add_row(
            escape(run.system_code),
            run.state,
            step.name if step else "",
            f"{step.percent}%" if step else "",
            escape(run.error),
        )
    return table


@wave_app.command("create")
def wave_create(
    name: str,
    system: Annotated[list[str], typer.Option(help="A system code; repeat for each system")],
    concurrency: Annotated[int, typer.Option(help="At most this many systems at once")] = 3,
    hours: Annotated[int, typer.Option(help="Length of the planned window from now")] = 48,
    auto_approve: Annotated[bool, typer.Option(help="Rehearsal: cutover needs no approval")] = False,
    output: OutputOption = Output.table,
) -> None:
    """Plan a wave; refused if a system depends on one neither migrated nor in an earlier wave."""
    client = api()
    start = datetime.now(UTC)
    request = pb.CreateWaveRequest(
        name=name,
        systems=system,
        concurrency=concurrency,
        auto_approve=auto_approve,
        window_start=_stamp(start),
        window_end=_stamp(start + timedelta(hours=hours)),
    )
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub:
        _show_wave(call(client, stub.CreateWave, request), output)


def _show_wave(wave: pb.Wave, output: Output) -> None:
    if output is Output.json:
        print_json(as_dict(wave))
        return
    console.print(
        escape(
            f"wave {wave.name} ({wave.state}), at most {wave.concurrency} at once, "
            f"window {henan_time(wave.window_start)} – {henan_time(wave.window_end)} (UTC+8)"
        )
    )
    for member in wave.systems:
        console.print(escape(f"  layer {member.layer}: {member.code}"))
    if wave.runs:
        console.print(_runs_table(list(wave.runs)))


@wave_app.command("list")
def wave_list(output: OutputOption = Output.table) -> None:
    """Every wave you may see (a department: the waves holding its systems, with only those systems)."""
    client = api()
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub:
        waves = call(client, stub.ListWaves, pb.ListWavesRequest()).waves
    if output is Output.json:
        print_json([as_dict(w) for w in waves])
        return
    table = Table("name", "state", "systems", "concurrency", "window end (UTC+8)")
    for wave in waves:
        table.add_row(
            escape(wave.name),
            wave.state,
            str(len(wave.systems)),
            str(wave.concurrency),
            henan_time(wave.window_end),
        )
    console.print(table)


@wave_app.command("show")
def wave_show(name_or_id: str, output: OutputOption = Output.table) -> None:
    """A wave, its systems by dependency layer and their runs."""
    client = api()
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub:
        _show_wave(call(client, stub.GetWave, pb.GetWaveRequest(id=name_or_id)), output)


@wave_app.command("start")
def wave_start(name_or_id: str, output: OutputOption = Output.table) -> None:
    """Start a wave: its systems migrate in dependency order within its cap."""
    client = api()
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub:
        _show_wave(call(client, stub.StartWave, pb.GetWaveRequest(id=name_or_id)), output)


def lag_text(lag: events_pb2.ReplicationLag) -> str:
    """'3.2 s (12 transactions)': how far the target's databases were behind their sources when last measured."""
    behind = [f"{lag.transactions} transactions"] if lag.HasField("transactions") else []
    behind += [f"{lag.bytes} bytes"] if lag.HasField("bytes") else []
    return f"{lag.seconds:.1f} s" + (f" ({' | '.join(behind)})" if behind else "")


def measurements(run: pb.MigrationRun) -> list[str]:
    """What a warm migration measured, as the run shows it: the lag while replicating, the cutover's downtime (the
    write freeze) once it is done."""
    shown = []
    if run.state == REPLICATING and run.HasField("replication_lag"):
        shown.append(f"replication lag: {lag_text(run.replication_lag)}")
    if run.HasField("downtime_seconds"):
        shown.append(f"cutover downtime: {run.downtime_seconds:.1f} s")
    return shown


def waits_for_approval(run: pb.MigrationRun) -> bool:
    """The run waits for the cutover's approval: awaiting it, or replicating after a replicate step (a warm migration
    keeps replicating, once per precopy interval, until someone approves; an approved one moves on to the cutover)."""
    if run.state != REPLICATING:
        return run.state == "awaiting_approval"
    last = run.steps[-1] if run.steps else None
    return last is not None and last.name == "replicate" and last.state == "completed"


def _shown_steps(run: pb.MigrationRun) -> list[pb.Step]:
    """Every step attempt, but of the replicate step (one per precopy interval) only the latest."""
    latest = max((i for i, step in enumerate(run.steps) if step.name == "replicate"), default=-1)
    return [step for i, step in enumerate(run.steps) if step.name != "replicate" or i == latest]


def _show_run(run: pb.MigrationRun, output: Output) -> None:
    if output is Output.json:
        print_json(as_dict(run))
        return
    console.print(escape(f"{run.system_code}: {run.state}" + (f" — {run.error}" if run.error else "")))
    for step in _shown_steps(run):
        console.print(
            escape(f"  {step.name:<9} {step.state:<11} {step.percent:>3}%  attempt {step.attempt}  {step.message}")
        )
    for measured in measurements(run):
        console.print(escape(f"  {measured}"))


@migrate_app.command("start")
def migrate_start(
    system: str,
    auto_approve: Annotated[bool, typer.Option(help="Rehearsal: cutover needs no approval")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="Follow the run with progress bars")] = False,
    output: OutputOption = Output.table,
) -> None:
    """Start migrating one system."""
    client = api()
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub:
        run = call(client, stub.StartMigration, pb.StartMigrationRequest(system_code=system, auto_approve=auto_approve))
    _show_run(run, output)
    if watch:
        migrate_watch(run.id)


@migrate_app.command("watch")
def migrate_watch(run: str) -> None:
    """Follow a run (id or system code) with a progress bar per step until it ends or waits for approval (a warm
    migration: replicating, with the lag its last replicate step measured)."""
    client = api()
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub, _progress() as bars:
        tasks = {
            step: bars.add_task(step, total=100, state="", visible=step not in WARM_ONLY_STEPS)
            for step in WATCHED_STEPS
        }
        last = None
        try:
            for last in stub.WatchMigration(
                pb.GetMigrationRequest(id=run), metadata=client.metadata, timeout=WATCH_SECONDS
            ):
                for step in last.steps:
                    if step.name in tasks:
                        bars.update(tasks[step.name], completed=step.percent, state=_bar_text(last, step), visible=True)
                if waits_for_approval(last):
                    break
        except grpc.RpcError as error:
            fail(describe_error(error))
    if last is not None:
        _show_run(last, Output.table)
        if last.state in ("failed", "rolled_back", "cancelled"):
            raise typer.Exit(1)


def _bar_text(run: pb.MigrationRun, step: pb.Step) -> str:
    """A bar's text: the step's state and message; the lag on a replicate bar, the downtime on a finished cutover's."""
    text = f"{step.state} {step.message}"
    if step.name == "replicate" and run.HasField("replication_lag"):
        text = f"{step.state} · lag {lag_text(run.replication_lag)}"
    elif step.name == "cutover" and step.state == "completed" and run.HasField("downtime_seconds"):
        text = f"{step.state} · downtime {run.downtime_seconds:.1f} s"
    return text[:60]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<9}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[state]}"),
        console=console,
    )


def _act(method_name: str, run: str, output: Output) -> None:
    client: Api = api()
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub:
        _show_run(call(client, getattr(stub, method_name), pb.GetMigrationRequest(id=run)), output)


@migrate_app.command("cancel")
def migrate_cancel(run: str, output: OutputOption = Output.table) -> None:
    """Cancel a run: the running playbook and everything it started are stopped."""
    _act("CancelMigration", run, output)


@migrate_app.command("retry")
def migrate_retry(run: str, output: OutputOption = Output.table) -> None:
    """Retry a failed run from the step that failed."""
    _act("RetryMigration", run, output)


@migrate_app.command("rollback")
def migrate_rollback(run: str, output: OutputOption = Output.table) -> None:
    """Roll a run back: traffic returns to the source, which was never changed."""
    _act("RollbackMigration", run, output)


@migrate_app.command("approve")
def migrate_approve(
    run: str,
    by: Annotated[str, typer.Option("--by", help="The named decision-maker for cutover")],
    plan: Annotated[str, typer.Option("--plan", help="The rollback plan (回切方案)")],
    output: OutputOption = Output.table,
) -> None:
    """Approve the cutover of a run that waits for it."""
    client = api()
    request = pb.ApproveCutoverRequest(id=run, decided_by=by, rollback_plan=plan)
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub:
        _show_run(call(client, stub.ApproveCutover, request), output)


@migrate_app.command("status")
def migrate_status(run: str, output: OutputOption = Output.table) -> None:
    """One run: its state and every step attempt."""
    client = api()
    with client.stub("migration", pb_grpc.MigrationServiceStub) as stub:
        _show_run(call(client, stub.GetMigration, pb.GetMigrationRequest(id=run)), output)
