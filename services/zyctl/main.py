"""zyctl — the operators' command line for the 中原云 migration suite (talks gRPC to the services)."""

import json
import os
import sys
import urllib.request
from typing import Annotated

import grpc
import typer
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.table import Table

from services.common.auth import TokenStore
from services.common.engines import create_engine
from services.common.errors import InvalidArgument
from services.common.schema_upgrades import AUTH_VERSIONS, upgrade
from services.zyctl import audit, interconnect, inventory, migration, monitoring
from services.zyctl.client import Api
from services.zyctl.output import Output, OutputOption, api, console, fail, print_json
from services.zyctl.settings import LOCAL_AUTH_DATABASE

app = typer.Typer(help="Operate the 中原云 migration suite.", no_args_is_help=True)
auth_app = typer.Typer(help="API tokens (run where the auth database is).", no_args_is_help=True)
app.add_typer(inventory.systems_app, name="systems")
app.add_typer(inventory.catalog_app, name="catalog")
app.add_typer(inventory.deps_app, name="deps")
app.add_typer(migration.wave_app, name="wave")
app.add_typer(migration.migrate_app, name="migrate")
app.add_typer(auth_app, name="auth")
app.command("assess")(inventory.assess)
app.add_typer(interconnect.platforms_app, name="platforms")
app.add_typer(interconnect.share_app, name="share")
app.command("links")(interconnect.links)
app.command("gate")(interconnect.gate)
app.add_typer(monitoring.report_app, name="report")
app.command("progress")(monitoring.progress)
app.add_typer(audit.audit_app, name="audit")


@app.callback()
def transport_security(
    tls_ca: Annotated[
        str, typer.Option(envvar="ZYCTL_TLS_CA", help="CA certificate (PEM) of the services: talk TLS to them")
    ] = "",
    tls_cert: Annotated[
        str, typer.Option(envvar="ZYCTL_TLS_CERT", help="Client certificate (PEM) for mutual TLS, with --tls-key")
    ] = "",
    tls_key: Annotated[str, typer.Option(envvar="ZYCTL_TLS_KEY", help="Private key (PEM) of --tls-cert")] = "",
) -> None:
    # The options are their environment variables, which load_settings() reads wherever a command needs them.
    for name, value in (("CA", tls_ca), ("CERT", tls_cert), ("KEY", tls_key)):
        if value:
            os.environ[f"ZYCTL_TLS_{name}"] = value


@app.command()
def status(output: OutputOption = Output.table) -> None:
    """Health of the four services (gRPC health check and /healthz)."""
    client = api()
    rows = [_service_health(client, name) for name in client.settings.targets]
    if output is Output.json:
        print_json(rows)
    else:
        table = Table("service", "gRPC", "grpc health", "HTTP", "/healthz")
        for row in rows:
            table.add_row(row["service"], row["grpc_target"], row["grpc"], row["http_url"], row["http"])
        console.print(table)
    if any(row["grpc"] != "SERVING" or row["http"] != "ok" for row in rows):
        raise typer.Exit(1)


def _service_health(client: Api, name: str) -> dict[str, str]:
    return {
        "service": name,
        "grpc_target": client.settings.targets[name],
        "grpc": _grpc_health(client, name),
        "http_url": client.settings.http[name],
        "http": _http_health(client.settings.http[name]),
    }


def _grpc_health(client: Api, name: str) -> str:
    try:
        with client.channel(name) as channel:
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


@auth_app.command("create-token")
def create_token(
    role: Annotated[list[str], typer.Option(help="operator, sre or department:<code>; repeat for several")],
    description: Annotated[str, typer.Option(help="Who or what the token is for")] = "",
    database_url: Annotated[
        str, typer.Option(envvar="AUTH_DATABASE_URL", help="The auth database")
    ] = LOCAL_AUTH_DATABASE,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    engine = create_engine(database_url)
    upgrade(engine, AUTH_VERSIONS)
    try:
        token = TokenStore(engine).create_token(role, description)
    except InvalidArgument as error:
        fail(str(error), 2)
    sys.stdout.write(token + "\n")
