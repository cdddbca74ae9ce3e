"""The cutover gate: may a city- or county-level system cut over now? Only if its platform's link has been up for
the whole window and every exchange with the province is fresh. No I/O."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.interconnect.domain.links import Link, LinkState
from services.interconnect.domain.model import Platform, SharedResource


@dataclass(frozen=True)
class GatePolicy:
    """How long a link must have been up, and how long ago it may last have been probed for its state to count: a
    state no probe has confirmed lately (the probes stalled) lets nothing through."""

    window: timedelta
    probe_stale_after: timedelta


@dataclass(frozen=True)
class GateDecision:
    ready: bool
    reasons: tuple[str, ...]
    platform_code: str = ""
    link_state: LinkState = LinkState.UNKNOWN
    link_since: datetime | None = None


def province_level(system_code: str) -> GateDecision:
    return GateDecision(True, (f"{system_code} is a province-level system: no city or county link is involved",))


def no_platform(system_code: str, organisation_code: str) -> GateDecision:
    return GateDecision(
        False, (f"no city or county platform is registered for {organisation_code}, the owner of {system_code}",)
    )


def decide(
    platform: Platform, link: Link, resources: list[SharedResource], policy: GatePolicy, now: datetime
) -> GateDecision:
    """Ready when the link has been up for the policy's window, probed lately, and no shared resource is overdue;
    otherwise every reason."""
    blockers = [*_link_blockers(platform.code, link, policy, now), *_exchange_blockers(resources, now)]
    reasons = blockers or [_all_clear(platform.code, link, len(resources), now)]
    return GateDecision(not blockers, tuple(reasons), platform.code, link.state, link.since)


def _link_blockers(code: str, link: Link, policy: GatePolicy, now: datetime) -> list[str]:
    if link.state is LinkState.UNKNOWN:
        return [f"link {code} has not been probed enough yet to know its state"]
    if link.last_probe_at is None or now - link.last_probe_at > policy.probe_stale_after:
        last = _when(link.last_probe_at) if link.last_probe_at else "never"
        return [f"link {code} was last probed {last}: its state now is not known (are the probes running?)"]
    if link.state is LinkState.DOWN:
        return [f"link {code} is down since {_when(link.since)} ({link.last_error or 'no answer'})"]
    if link.state is LinkState.DEGRADED:
        return [f"link {code} is degraded since {_when(link.since)} (latency {link.latency_ms:.0f} ms)"]
    up_for, window = link.up_for(now), policy.window.total_seconds()
    if up_for < window:
        return [f"link {code} has been up for {up_for:.0f} s of the {window:.0f} s window"]
    return []


def _exchange_blockers(resources: list[SharedResource], now: datetime) -> list[str]:
    return [
        f"exchange {r.code} ({r.name}) is overdue: {_last_exchange(r)}, due by {_when(r.due_by)}"
        for r in resources
        if r.overdue(now)
    ]


def _last_exchange(resource: SharedResource) -> str:
    if resource.last_exchange_at is None:
        return "never exchanged"
    return f"last exchanged {_when(resource.last_exchange_at)}"


def _all_clear(code: str, link: Link, resources: int, now: datetime) -> str:
    return f"link {code} up for {link.up_for(now):.0f} s and its {resources} shared resource(s) exchanged on time"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
