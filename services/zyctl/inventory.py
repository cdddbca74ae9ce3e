"""zyctl commands for the inventory: systems, the catalogue file, readiness and dependency order."""

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.zyctl.output import Level, Output, OutputOption, api, as_dict, call, console, print_json

systems_app = typer.Typer(help="The systems in the inventory.", no_args_is_help=True)
catalog_app = typer.Typer(help="Import and export the whole catalogue (CSV or YAML).", no_args_is_help=True)
deps_app = typer.Typer(help="Dependencies between systems.", no_args_is_help=True)


class FileFormat(enum.StrEnum):
    yaml = "yaml"
    csv = "csv"


LEVELS = {
    Level.province: inv.ADMIN_LEVEL_PROVINCE,
    Level.city: inv.ADMIN_LEVEL_CITY,
    Level.county: inv.ADMIN_LEVEL_COUNTY,
}
FORMATS = {FileFormat.yaml: inv.CATALOG_FORMAT_YAML, FileFormat.csv: inv.CATALOG_FORMAT_CSV}


def _level_name(level: int) -> str:
    return inv.AdminLevel.Name(level).removeprefix("ADMIN_LEVEL_").lower()


def _systems_table(systems: list[inv.System]) -> Table:
    table = Table("code", "name", "organisation", "level", "等保", "strategy", "status", "target zone")
    for s in systems:
        table.add_row(
            *(
                escape(str(v))
                for v in (
                    s.code,
                    s.name,
                    s.organisation_code,
                    _level_name(s.admin_level),
                    s.mlps_level,
                    s.strategy,
                    s.status,
                    s.target_zone,
                )
            )
        )
    return table


def _show_systems(systems: list[inv.System], output: Output) -> None:
    if output is Output.json:
        print_json([as_dict(s) for s in systems])
    else:
        console.print(_systems_table(systems))


@systems_app.command("register")
def systems_register(
    code: Annotated[str, typer.Option(help="System code, e.g. HA-WJW-JKK")],
    name: Annotated[str, typer.Option(help="System name, e.g. 居民健康卡")],
    org: Annotated[str, typer.Option(help="Owning organisation code, e.g. HA-WJW")],
    level: Annotated[Level, typer.Option(help="Administrative level")] = Level.province,
    mlps: Annotated[int, typer.Option(help="等保 (MLPS) level 1–5")] = 2,
    zone: Annotated[str, typer.Option(help="Target zone on 中原云")] = "",
    output: OutputOption = Output.table,
) -> None:
    """Register a system in the inventory."""
    client = api()
    request = inv.RegisterSystemRequest(
        code=code, name=name, organisation_code=org, admin_level=LEVELS[level], mlps_level=mlps, target_zone=zone
    )
    with client.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        _show_systems([call(client, stub.RegisterSystem, request)], output)


@systems_app.command("show")
def systems_show(code_or_id: str, output: OutputOption = Output.table) -> None:
    """One system with its hosts and dependencies, by code or id."""
    client = api()
    by_id = len(code_or_id) == 36 and code_or_id.count("-") == 4
    request = inv.GetSystemRequest(id=code_or_id) if by_id else inv.GetSystemRequest(code=code_or_id)
    with client.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        system = call(client, stub.GetSystem, request)
    if output is Output.json:
        print_json(as_dict(system))
        return
    console.print(_systems_table([system]))
    for host in system.hosts:
        console.print(escape(f"  host {host.name} ({host.role}) {host.connection}://{host.user}@{host.address}"))
    if system.depends_on:
        console.print(escape(f"  depends on {', '.join(system.depends_on)}"))


systems_app.command("get", help="Same as show.")(systems_show)


@systems_app.command("list")
def systems_list(
    org: Annotated[str, typer.Option(help="Only this organisation's systems")] = "",
    status: Annotated[str, typer.Option(help="Only systems in this status")] = "",
    strategy: Annotated[str, typer.Option(help="Only systems with this strategy")] = "",
    output: OutputOption = Output.table,
) -> None:
    """List systems, all pages."""
    client = api()
    systems: list[inv.System] = []
    token = ""
    with client.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        while True:
            request = inv.ListSystemsRequest(
                organisation_code=org, status=status, strategy=strategy, page_size=500, page_token=token
            )
            page = call(client, stub.ListSystems, request)
            systems.extend(page.systems)
            if not (token := page.next_page_token):
                break
    _show_systems(systems, output)


@catalog_app.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .yaml/.yml or .csv catalogue")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and count, change nothing")] = False,
    output: OutputOption = Output.table,
) -> None:
    """Import a catalogue: all or nothing; every bad row is reported."""
    client = api()
    format_ = FileFormat.csv if file.suffix.lower() == ".csv" else FileFormat.yaml
    request = inv.ImportCatalogRequest(format=FORMATS[format_], content=file.read_bytes(), dry_run=dry_run)
    with client.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        reply = call(client, stub.ImportCatalog, request)
    if output is Output.json:
        print_json(as_dict(reply))
        return
    table = Table("kind", "created", "updated", "unchanged", title="dry run: nothing changed" if dry_run else None)
    for count in reply.counts:
        table.add_row(count.kind, str(count.created), str(count.updated), str(count.unchanged))
    console.print(table)


@catalog_app.command("export")
def catalog_export(format_: Annotated[FileFormat, typer.Option("--format")] = FileFormat.yaml) -> None:
    """Write the whole catalogue to standard output; the file imports back to the same catalogue."""
    client = api()
    with client.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        reply = call(client, stub.ExportCatalog, inv.ExportCatalogRequest(format=FORMATS[format_]))
    typer.echo(reply.content.decode(), nl=False)


def assess(code: str, output: OutputOption = Output.table) -> None:
    """Readiness of a system: score, blockers and the recommended strategy."""
    client = api()
    with client.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        readiness = call(client, stub.AssessReadiness, inv.AssessReadinessRequest(code=code))
    if output is Output.json:
        print_json(as_dict(readiness))
        return
    console.print(escape(f"{code}: readiness {readiness.score}/100"))
    for blocker in readiness.blockers:
        console.print(escape(f"  ✗ {blocker}"))
    console.print(escape(f"  recommended: {readiness.recommended_strategy} — {readiness.reason}"))


@deps_app.command("order")
def deps_order(
    systems: Annotated[list[str] | None, typer.Argument(help="System codes; none means every active system")] = None,
    output: OutputOption = Output.table,
) -> None:
    """Systems in layers that can migrate together (each layer depends only on earlier ones)."""
    client = api()
    with client.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        reply = call(client, stub.DependencyOrder, inv.DependencyOrderRequest(systems=systems or []))
    if output is Output.json:
        print_json([list(layer.systems) for layer in reply.layers])
        return
    for number, layer in enumerate(reply.layers, start=1):
        console.print(escape(f"layer {number}: {' '.join(layer.systems)}"))
