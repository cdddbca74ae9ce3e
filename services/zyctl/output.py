"""How zyctl calls the services and shows answers: rich tables by default, JSON with --output json."""

import enum
import json
import sys
from collections.abc import Callable
from datetime import UTC
from typing import Annotated, Any, NoReturn, TypeVar

import grpc
import typer
from google.protobuf.json_format import MessageToDict
from rich.console import Console

from services.common.runtime.tls import TransportSecurityError
from services.common.timestamps import in_province
from services.zyctl.client import TIMEOUT_SECONDS, Api, describe_error
from services.zyctl.settings import SettingsError, load_settings

console = Console()
# Errors go to stderr: `zyctl catalog export --format csv > out.csv` must not write them into the file.
errors = Console(stderr=True, soft_wrap=True)
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
    except SettingsError as error:
        fail(str(error), 2)
    except TransportSecurityError as error:
        fail(f"TLS settings: {error}", 2)


def fail(message: str, exit_code: int = 1) -> NoReturn:
    """Say what is wrong on stderr and exit: 1 for a failed call, 2 for a command given wrongly."""
    errors.print(message, style="red", highlight=False, markup=False)
    raise typer.Exit(exit_code)


def call(client: Api, method: Callable[..., T], request: Any) -> T:
    """Run a unary gRPC call; on failure print the status and the invalid fields, exit 1."""
    try:
        return method(request, metadata=client.metadata, timeout=TIMEOUT_SECONDS)
    except grpc.RpcError as error:
        fail(describe_error(error))


def henan_time(stamp: Any, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A protobuf Timestamp as Henan's clocks show it (UTC+8, what the tables' headings say); "—" when unset."""
    if not stamp.seconds and not stamp.nanos:
        return "—"
    return f"{in_province(stamp.ToDatetime(UTC)):{pattern}}"


def as_dict(message: Any) -> dict:
    return MessageToDict(message, preserving_proto_field_name=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
