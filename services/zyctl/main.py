"""zyctl — the operators' command line for the 中原云 migration suite (talks gRPC to the services)."""

import enum
import json
import sys
import urllib.request
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import grpc
import typer
from google.protobuf.json_format import MessageToDict
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.console import Console
from rich.table import Table

from services.common.auth import TokenStore
from services.common.db import AUTH_VERSIONS, create_engine, upgrade
from services.common.errors import InvalidArgument
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as inv
from services.pb.zhongyuan.inventory.v1 import inventory_pb2_grpc as inv_grpc
from services.zyctl.client import TIMEOUT_SECONDS, Api, describe_error
from services.zyctl.settings import load_settings

app = typer.Typer(help="Operate the 中原云 migration suite.", no_args_is_help=True)
systems_app = typer.Typer(help="The systems in the inventory.", no_args_is_help=True)
auth_app = typer.Typer(help="API tokens (run where the auth database is).", no_args_is_help=True)
app.add_typer(systems_app, name="systems")
app.add_typer(auth_app, name="auth")
console = Console()
T = TypeVar("T")


class Output(enum.StrEnum):
    table = "table"
    json = "json"


class Level(enum.StrEnum):
    province = "province"
    city = "city"
    county = "county"


LEVELS = {
    Level.province: inv.ADMIN_LEVEL_PROVINCE,
    Level.city: inv.ADMIN_LEVEL_CITY,
    Level.county: inv.ADMIN_LEVEL_COUNTY,
}
OutputOption = Annotated[Output, typer.Option("--output", "-o", help="table or json")]


def _api() -> Api:
    return Api(load_settings())


def _call(api: Api, method: Callable[..., T], request: Any) -> T:
    """Run a unary gRPC call; on failure print the status and the invalid fields, exit 1."""
    try:
        return method(request, metadata=api.metadata, timeout=TIMEOUT_SECONDS)
    except grpc.RpcError as error:
        console.print(f"[red]{describe_error(error)}[/red]", highlight=False)
        raise typer.Exit(1) from error


def _as_dict(message: Any) -> dict:
    return MessageToDict(message, preserving_proto_field_name=True)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _systems_table(systems: list[inv.System]) -> Table:
    table = Table("code", "name", "organisation", "level", "等保", "status", "id")
    for s in systems:
        level = inv.AdminLevel.Name(s.admin_level).removeprefix("ADMIN_LEVEL_").lower()
        table.add_row(s.code, s.name, s.organisation_code, level, str(s.mlps_level), s.status, s.id)
    return table


@app.command()
def status(output: OutputOption = Output.table) -> None:
    """Health of the four services (gRPC health check and /healthz)."""
    settings = load_settings()
    rows = [_service_health(name, settings.targets[name], settings.http[name]) for name in settings.targets]
    if output is Output.json:
        _print_json(rows)
    else:
        table = Table("service", "gRPC", "grpc health", "HTTP", "/healthz")
        for row in rows:
            table.add_row(row["service"], row["grpc_target"], row["grpc"], row["http_url"], row["http"])
        console.print(table)
    if any(row["grpc"] != "SERVING" or row["http"] != "ok" for row in rows):
        raise typer.Exit(1)


def _service_health(name: str, target: str, http_url: str) -> dict[str, str]:
    return {
        "service": name,
        "grpc_target": target,
        "grpc": _grpc_health(target),
        "http_url": http_url,
        "http": _http_health(http_url),
    }


def _grpc_health(target: str) -> str:
    try:
        with grpc.insecure_channel(target) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    except grpc.RpcError as error:
        return f"unreachable ({error.code().name})"  # type: ignore[attr-defined]


def _http_health(url: str) -> str:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=3) as response:
            return json.load(response).get("status", "?")
    except OSError as error:
        return f"unreachable ({error})"


@systems_app.command("register")
def systems_register(
    code: Annotated[str, typer.Option(help="System code, e.g. HA-WJW-JKK")],
    name: Annotated[str, typer.Option(help="System name, e.g. 居民健康卡")],
    org: Annotated[str, typer.Option(help="Owning organisation code, e.g. HA-WJW")],
    level: Annotated[Level, typer.Option(help="Administrative level")] = Level.province,
    mlps: Annotated[int, typer.Option(help="等保 (MLPS) level 1–5")] = 2,
    output: OutputOption = Output.table,
) -> None:
    """Register a system in the inventory."""
    api = _api()
    request = inv.RegisterSystemRequest(
        code=code, name=name, organisation_code=org, admin_level=LEVELS[level], mlps_level=mlps
    )
    with api.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        system = _call(api, stub.RegisterSystem, request)
    _show_systems([system], output)


@systems_app.command("get")
def systems_get(code_or_id: str, output: OutputOption = Output.table) -> None:
    """Show one system, by code or id."""
    api = _api()
    request = inv.GetSystemRequest(id=code_or_id) if len(code_or_id) == 36 else inv.GetSystemRequest(code=code_or_id)
    with api.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        system = _call(api, stub.GetSystem, request)
    _show_systems([system], output)


@systems_app.command("list")
def systems_list(
    org: Annotated[str, typer.Option(help="Only this organisation's systems")] = "",
    output: OutputOption = Output.table,
) -> None:
    """List systems, all pages."""
    api = _api()
    systems: list[inv.System] = []
    token = ""
    with api.stub("inventory", inv_grpc.InventoryServiceStub) as stub:
        while True:
            request = inv.ListSystemsRequest(organisation_code=org, page_size=200, page_token=token)
            page = _call(api, stub.ListSystems, request)
            systems.extend(page.systems)
            if not (token := page.next_page_token):
                break
    _show_systems(systems, output)


def _show_systems(systems: list[inv.System], output: Output) -> None:
    if output is Output.json:
        _print_json([_as_dict(s) for s in systems])
    else:
        console.print(_systems_table(systems))


@auth_app.command("create-token")
def create_token(
    role: Annotated[list[str], typer.Option(help="operator, sre or department:<code>; repeat for several")],
    description: Annotated[str, typer.Option(help="Who or what the token is for")] = "",
    database_url: Annotated[
        str, typer.Option(envvar="AUTH_DATABASE_URL", help="The auth database")
    ] = "sqlite:///var/auth.db",
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    engine = create_engine(database_url)
    upgrade(engine, AUTH_VERSIONS)
    try:
        token = TokenStore(engine).create_token(role, description)
    except InvalidArgument as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    sys.stdout.write(token + "\n")
