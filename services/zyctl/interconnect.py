"""zyctl commands for the interconnect: platforms, link health, shared resources and the cutover gate."""

import enum
import json
import re
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2 as ic
from services.pb.zhongyuan.interconnect.v1 import interconnect_pb2_grpc as ic_grpc
from services.zyctl.client import Api
from services.zyctl.output import Level, Output, OutputOption, api, as_dict, call, console, henan_time, print_json

platforms_app = typer.Typer(help="City and county platforms of the e-government network.", no_args_is_help=True)
share_app = typer.Typer(help="Data resources the platforms exchange with the province.", no_args_is_help=True)


class Direction(enum.StrEnum):
    to_province = "to_province"
    from_province = "from_province"


LEVELS = {Level.province: ic.ADMIN_LEVEL_PROVINCE, Level.city: ic.ADMIN_LEVEL_CITY, Level.county: ic.ADMIN_LEVEL_COUNTY}
STATE_STYLES = {"up": "green", "degraded": "yellow", "down": "red", "unknown": "dim"}
UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
DURATION = re.compile(r"^(\d+)([smhdw]?)$")


def _level(level: int) -> str:
    return ic.AdminLevel.Name(level).removeprefix("ADMIN_LEVEL_").lower()


def _state(state: int) -> str:
    return ic.LinkState.Name(state).removeprefix("LINK_STATE_").lower()


def _styled_state(state: int) -> str:
    name = _state(state)
    return f"[{STATE_STYLES[name]}]{name}[/]"


def _time(stamp: object) -> str:
    return henan_time(stamp, "%Y-%m-%d %H:%M:%S")


def _every(seconds: int) -> str:
    unit = next(u for u, size in UNITS.items() if seconds % size == 0)
    return f"{seconds // UNITS[unit]}{unit}"


def _stub(client: Api):  # type: ignore[no-untyped-def]
    return client.stub("interconnect", ic_grpc.InterconnectServiceStub)


@platforms_app.command("list")
def platforms_list(
    level: Annotated[Level | None, typer.Option(help="Only platforms of this level")] = None,
    output: OutputOption = Output.table,
) -> None:
    """List platforms with their link state, all pages."""
    client = api()
    platforms: list[ic.Platform] = []
    token = ""
    with _stub(client) as stub:
        while True:
            request = ic.ListPlatformsRequest(
                admin_level=LEVELS[level] if level else ic.ADMIN_LEVEL_UNSPECIFIED, page_size=500, page_token=token
            )
            page = call(client, stub.ListPlatforms, request)
            platforms.extend(page.platforms)
            if not (token := page.next_page_token):
                break
    if output is Output.json:
        print_json([as_dict(p) for p in platforms])
        return
    table = Table("code", "name", "level", "parent", "endpoint", "network", "link")
    for p in platforms:
        cells = (p.code, p.name, _level(p.admin_level), p.parent, p.endpoint, p.network_segment)
        table.add_row(*(escape(c) for c in cells), _styled_state(p.link.state))
    console.print(table)


@platforms_app.command("show")
def platforms_show(code: str, output: OutputOption = Output.table) -> None:
    """One platform, its link and the link's recent history."""
    client = api()
    with _stub(client) as stub:
        platform = call(client, stub.GetPlatform, ic.GetPlatformRequest(code=code))
        history = call(client, stub.GetLinkHistory, ic.GetLinkHistoryRequest(platform_code=code, limit=10))
    if output is Output.json:
        print_json({**as_dict(platform), "history": [as_dict(c) for c in history.changes]})
        return
    link = platform.link
    console.print(
        escape(f"{platform.code} {platform.name} ({_level(platform.admin_level)}, parent {platform.parent or '—'})")
    )
    network, contact = platform.network_segment or "—", platform.contact or "—"
    console.print(escape(f"  endpoint {platform.endpoint}  network {network}  contact {contact}"))
    console.print(
        f"  link {_styled_state(link.state)} since {_time(link.since)}, last probe {_time(link.last_probe_at)}"
    )
    if link.last_error:
        console.print(escape(f"  last error: {link.last_error}"))
    for change in history.changes:
        moved = f"{_state(change.previous_state)} → {_state(change.state)}"
        console.print(escape(f"  {_time(change.at)}  {moved:<20} {change.reason} {change.error}"))


@platforms_app.command("import")
def platforms_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML with platforms and shared_resources")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and count, change nothing")] = False,
    output: OutputOption = Output.table,
) -> None:
    """Import platforms and shared resources: all or nothing; every bad entry is reported."""
    client = api()
    with _stub(client) as stub:
        reply = call(
            client, stub.ImportPlatforms, ic.ImportPlatformsRequest(content=file.read_bytes(), dry_run=dry_run)
        )
    if output is Output.json:
        print_json(as_dict(reply))
        return
    table = Table("kind", "created", "updated", "unchanged", title="dry run: nothing changed" if dry_run else None)
    for count in reply.counts:
        table.add_row(count.kind, str(count.created), str(count.updated), str(count.unchanged))
    console.print(table)


def links(
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep showing the links as they change (Ctrl-C stops)")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between reads with --watch")] = 2.0,
    output: OutputOption = Output.table,
) -> None:
    """Link health of every platform: state, since when, latency, last error."""
    client = api()
    shown = None
    with _stub(client) as stub:
        while True:
            found = list(call(client, stub.ListLinks, ic.ListLinksRequest()).links)
            if found != shown:
                _show_links(found, output, watch)
                shown = found
            if not watch:
                return
            time.sleep(interval)


def _show_links(found: list[ic.Link], output: Output, watch: bool) -> None:
    if output is Output.json:
        rows = [as_dict(link) for link in found]
        if watch:  # one line per change, so a reader can take each state as it comes
            typer.echo(json.dumps(rows, ensure_ascii=False))
        else:
            print_json(rows)
        return
    table = Table("platform", "name", "level", "state", "since", "latency", "last error")
    for link in found:
        cells = (link.platform_code, link.platform_name, _level(link.admin_level))
        latency = f"{link.latency_ms:.0f} ms" if link.last_probe_at.seconds and not link.last_error else "—"
        table.add_row(
            *(escape(c) for c in cells), _styled_state(link.state), _time(link.since), latency, escape(link.last_error)
        )
    if watch:
        console.clear()
    console.print(table)


@share_app.command("list")
def share_list(
    platform: Annotated[str, typer.Option(help="Only this platform's resources")] = "",
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue exchanges")] = False,
    output: OutputOption = Output.table,
) -> None:
    """Shared resources, their schedule and last exchange."""
    client = api()
    with _stub(client) as stub:
        reply = call(
            client, stub.ListSharedResources, ic.ListSharedResourcesRequest(platform=platform, overdue_only=overdue)
        )
    if output is Output.json:
        print_json([as_dict(r) for r in reply.resources])
        return
    table = Table("code", "name", "platform", "direction", "every", "last exchange", "rows", "due by", "overdue")
    for r in reply.resources:
        cells = (r.code, r.name, r.platform, r.direction, _every(r.schedule_seconds), _time(r.last_exchange_at))
        table.add_row(
            *(escape(c) for c in cells), str(r.last_rows), _time(r.due_by), "[red]yes[/]" if r.overdue else "no"
        )
    console.print(table)


@share_app.command("add")
def share_add(
    code: Annotated[str, typer.Option(help="Resource code, e.g. HA-ZZ-RK")],
    name: Annotated[str, typer.Option(help="Resource name, e.g. 郑州市人口基础信息")],
    platform: Annotated[str, typer.Option(help="The platform that shares it, e.g. HA-ZZ")],
    direction: Annotated[Direction, typer.Option(help="Which way it travels")] = Direction.to_province,
    every: Annotated[str, typer.Option(help="Exchange schedule: seconds or 30m, 6h, 1d, 1w")] = "1d",
    output: OutputOption = Output.table,
) -> None:
    """Register a data resource a platform exchanges with the province."""
    client = api()
    request = ic.SharedResource(
        code=code, name=name, platform=platform, direction=direction.value, schedule_seconds=_seconds(every)
    )
    with _stub(client) as stub:
        resource = call(client, stub.ShareResource, request)
    if output is Output.json:
        print_json(as_dict(resource))
        return
    schedule = _every(resource.schedule_seconds)
    console.print(escape(f"{resource.code} shared by {resource.platform} {resource.direction}, every {schedule}"))


def _seconds(every: str) -> int:
    match = DURATION.match(every.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{every!r} is not seconds or a duration such as 30m, 6h, 1d", param_hint="--every")
    return int(match.group(1)) * UNITS[match.group(2) or "s"]


def gate(code: str, output: OutputOption = Output.table) -> None:
    """May a system (or a platform's systems) cut over now? Exit status 1 when not."""
    client = api()
    with _stub(client) as stub:
        readiness = call(client, stub.CheckCutoverReadiness, ic.CheckCutoverReadinessRequest(code=code))
    if output is Output.json:
        print_json(as_dict(readiness) | {"ready": readiness.ready})
    else:
        verdict = "[green]ready[/]" if readiness.ready else "[red]not ready[/]"
        via = (
            f" (platform {escape(readiness.platform_code)}, link {_state(readiness.link_state)})"
            if readiness.platform_code
            else ""
        )
        console.print(f"{escape(code)}: {verdict}{via}")
        for reason in readiness.reasons:
            console.print(escape(f"  {'✓' if readiness.ready else '✗'} {reason}"))
    if not readiness.ready:
        raise typer.Exit(1)
