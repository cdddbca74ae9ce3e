"""How ready a system is to move: a score out of 100, the blockers that lower it in words, and a recommended strategy
with the reason. Pure: the caller gathers the system, its hosts, its databases, its dependencies and its target zone."""

from collections.abc import Sequence
from dataclasses import dataclass

from services.inventory.domain.model import Database, Strategy, System, SystemStatus, Zone

PENALTY_NO_HOSTS = 30
PENALTY_PER_DEPENDENCY = 15
MAX_DEPENDENCY_PENALTY = 45
PENALTY_NO_CRYPTOGRAPHY = 40
PENALTY_NO_TARGET_ZONE = 20
PENALTY_NO_ROLLBACK_CONTACT = 15
PENALTY_PER_UNAUTOMATED_DATABASE = 30
MLPS_NEEDING_CRYPTOGRAPHY = 3
LEGACY_STACKS = ("powerbuilder", "delphi", "vb6", "visual basic", "foxpro", "cobol")
VENDOR_STACKS = ("weblogic", "websphere", "aix", "hp-ux", "solaris", "oracle")
LARGE_DATA_GB = 5000


@dataclass(frozen=True)
class Assessment:
    score: int
    blockers: list[str]
    recommended_strategy: Strategy
    reason: str


def assess(
    system: System,
    host_count: int,
    dependencies: list[System],
    zone: Zone | None,
    earlier_wave_codes: frozenset[str] = frozenset(),
    unnamed: frozenset[str] = frozenset(),
    databases: Sequence[Database] = (),
) -> Assessment:
    """`unnamed`: the codes of dependencies the asker may not read, whose names the blockers leave out."""
    penalties = [
        *_host_blockers(host_count),
        *_database_blockers(databases),
        *_dependency_blockers(dependencies, earlier_wave_codes, unnamed),
        *_zone_blockers(system, zone),
        *_rollback_blockers(system),
    ]
    score = max(0, 100 - sum(points for points, _ in penalties))
    strategy, reason = recommend_strategy(system)
    return Assessment(score, [words for _, words in penalties], strategy, reason)


def _host_blockers(host_count: int) -> list[tuple[int, str]]:
    return [] if host_count else [(PENALTY_NO_HOSTS, "no hosts are registered, so nothing can be moved")]


def _database_blockers(databases: Sequence[Database]) -> list[tuple[int, str]]:
    """A database whose engine has no automated path here moves by a vendor tool or by hand, never as copied files."""
    return [
        (PENALTY_PER_UNAUTOMATED_DATABASE, no_automated_path(database.name, database.engine.value))
        for database in sorted(databases, key=lambda d: d.name)
        if not database.automated
    ]


def no_automated_path(name: str, engine: str) -> str:
    return f"{name} ({engine}) needs a vendor tool or a manual runbook: no automated path"


def _dependency_blockers(
    dependencies: list[System], earlier_wave: frozenset[str], unnamed: frozenset[str]
) -> list[tuple[int, str]]:
    pending = [d for d in dependencies if d.status is not SystemStatus.MIGRATED and d.code not in earlier_wave]
    blockers = [
        (
            PENALTY_PER_DEPENDENCY,
            f"depends on {d.code} ({_name_for_asker(d, unnamed)}), which is neither migrated nor in an earlier wave",
        )
        for d in sorted(pending, key=lambda d: d.code)
    ]
    spent, capped = 0, []
    for points, words in blockers:
        points = min(points, MAX_DEPENDENCY_PENALTY - spent)
        spent += points
        capped.append((points, words))
    return capped


def _name_for_asker(system: System, unnamed: frozenset[str]) -> str:
    return "a system of another organisation" if system.code in unnamed else system.name


def _zone_blockers(system: System, zone: Zone | None) -> list[tuple[int, str]]:
    if zone is None:
        return [(PENALTY_NO_TARGET_ZONE, "no target zone on 中原云 is chosen")]
    if system.mlps_level >= MLPS_NEEDING_CRYPTOGRAPHY and not zone.provides_cryptography:
        return [
            (
                PENALTY_NO_CRYPTOGRAPHY,
                f"等保 level {system.mlps_level} needs cryptography, but zone {zone.code} "
                f"({zone.name}) does not provide transport and storage cryptography",
            )
        ]
    return []


def _rollback_blockers(system: System) -> list[tuple[int, str]]:
    if system.rollback_contact.strip():
        return []
    return [(PENALTY_NO_ROLLBACK_CONTACT, "no rollback contact (回切负责人) is named")]


def recommend_strategy(system: System) -> tuple[Strategy, str]:
    stack = system.tech_stack.lower()
    if system.retired:
        return Strategy.RETIRE, "the system is retired: decommission it instead of moving it"
    legacy = next((word for word in LEGACY_STACKS if word in stack), None)
    if legacy:
        return Strategy.REFACTOR, f"its {legacy} stack has no supported runtime on 中原云: rebuild it"
    vendor = next((word for word in VENDOR_STACKS if word in stack), None)
    if vendor:
        return Strategy.REPLATFORM, f"move it onto 中原云's managed middleware and databases instead of {vendor}"
    if system.data_volume_gb >= LARGE_DATA_GB:
        return Strategy.REHOST, f"{system.data_volume_gb:g} GB of data: move it as it is first, optimise later"
    return Strategy.REHOST, "a standard stack: lift and shift it onto 中原云 virtual machines"
