"""What of a wave a caller may see. Pure.

`department` is the caller's organisation code, or None for operators and SREs, who see everything. A department
sees a wave only if one of its own systems is a member, and then only its own members and runs.
"""

from collections.abc import Iterable

from services.migration.domain.model import MigrationRun, WaveSystem


def members_seen_by(department: str | None, members: Iterable[WaveSystem]) -> list[WaveSystem]:
    return [m for m in members if department is None or m.organisation_code == department]


def runs_seen_by(department: str | None, runs: Iterable[MigrationRun]) -> list[MigrationRun]:
    return [r for r in runs if department is None or r.organisation_code == department]


def wave_seen_by(department: str | None, members: Iterable[WaveSystem]) -> bool:
    """Whether the caller may see the wave at all: staff always, a department if one of its systems is a member."""
    return department is None or any(m.organisation_code == department for m in members)
