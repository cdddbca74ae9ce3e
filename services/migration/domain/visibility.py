"""What of a wave a caller may see. Pure.

`department` is the caller's organisation code, or None for operators and SREs, who see everything. A department
sees a wave only if one of its own systems is a member, and then only its own members and runs.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from services.migration.domain.model import MigrationRun, StepRecord, Wave, WaveSystem


@dataclass(frozen=True)
class RunView:
    run: MigrationRun
    steps: list[StepRecord]


@dataclass(frozen=True)
class WaveView:
    """A wave with the members the caller may see, and their runs when the caller asked for one wave."""

    wave: Wave
    members: list[WaveSystem]
    runs: list[RunView] = field(default_factory=list)


def members_seen_by(department: str | None, members: Iterable[WaveSystem]) -> list[WaveSystem]:
    return [m for m in members if department is None or m.organisation_code == department]


def runs_seen_by(department: str | None, runs: Iterable[MigrationRun]) -> list[MigrationRun]:
    return [r for r in runs if department is None or r.organisation_code == department]


def wave_seen_by(department: str | None, members: Iterable[WaveSystem]) -> bool:
    """Whether the caller may see the wave at all: staff always, a department if one of its systems is a member."""
    return department is None or any(m.organisation_code == department for m in members)
