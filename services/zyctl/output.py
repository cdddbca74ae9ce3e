"""How zyctl calls the services and shows answers: rich tables by default, JSON with --output json."""

import enum
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import grpc
import typer
from google.protobuf.json_format import MessageToDict
from rich.console import Console

from services.common.runtime.tls import TransportSecurityError
from services.zyctl.client import TIMEOUT_SECONDS, Api, describe_error
from services.zyctl.settings import load_settings

console = Console()
T = TypeVar("T")


class Output(enum.StrEnum):
    table = "table"
    json = "json"


OutputOption = Annotated[Output, typer.Option("--output", "-o", help="table or json")]


class Level(enum.StrEnum):
    """Administrative level of an organisation, a system or a platform."""

    province = "province"
    city = "city"
    county = "county"


def api() -> Api:
    try:
        return Api(load_settings())
    except TransportSecurityError as error:
        console.print(f"TLS settings: {error}", style="red", highlight=False, markup=False)
        raise typer.Exit(2) from error


def call(client: Api, method: Callable[..., T], request: Any) -> T:
    """Run a unary gRPC call; on failure print the status and the invalid fields, exit 1."""
    try:
        return method(request, metadata=client.metadata, timeout=TIMEOUT_SECONDS)
    except grpc.RpcError as error:
        console.print(describe_error(error), style="red", highlight=False, markup=False)
        raise typer.Exit(1) from error


def as_dict(message: Any) -> dict:
    return MessageToDict(message, preserving_proto_field_name=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
