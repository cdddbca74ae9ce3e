"""The order systems can migrate in: layers whose members depend only on earlier layers. Pure."""

from collections.abc import Iterable

from services.common.errors import FailedPrecondition
from services.inventory.domain.model import Dependency


class DependencyCycle(FailedPrecondition):
    def __init__(self, cycles: list[list[str]]):
        self.cycles = cycles
        described = "; ".join(" → ".join([*cycle, cycle[0]]) for cycle in cycles)
        super().__init__(f"the dependencies form a cycle, so no order exists: {described}")


def migration_layers(systems: Iterable[str], dependencies: Iterable[Dependency]) -> list[list[str]]:
    """Layers of system codes (each sorted); dependencies on systems outside `systems` are ignored."""
    members = set(systems)
    needs: dict[str, set[str]] = {code: set() for code in members}
    for dependency in dependencies:
        if dependency.system_code in members and dependency.depends_on_code in members:
            needs[dependency.system_code].add(dependency.depends_on_code)
    layers: list[list[str]] = []
    placed: set[str] = set()
    while len(placed) < len(members):
        layer = sorted(code for code in members - placed if needs[code] <= placed)
        if not layer:
            raise DependencyCycle(find_cycles({c: needs[c] for c in members - placed}))
        layers.append(layer)
        placed.update(layer)
    return layers


def find_cycles(needs: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group that is a cycle (Tarjan), each as a path starting at its smallest code."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(code: str) -> None:
        index[code] = low[code] = len(index)
        stack.append(code)
        on_stack.add(code)
        for other in sorted(needs.get(code, ())):
            if other not in index:
                visit(other)
                low[code] = min(low[code], low[other])
            elif other in on_stack:
                low[code] = min(low[code], index[other])
        if low[code] == index[code]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == code:
                    break
            if len(group) > 1 or code in needs.get(code, ()):
                cycles.append(_as_path(group, needs))

    for code in sorted(needs):
        if code not in index:
            visit(code)
    return sorted(cycles)


def _as_path(group: list[str], needs: dict[str, set[str]]) -> list[str]:
    """Follow the group's edges from its smallest code; a group that is no simple loop is listed in code order."""
    members, path = set(group), [min(group)]
    while len(path) < len(group):
        following = sorted(n for n in needs[path[-1]] if n in members and n not in path)
        if not following:
            return sorted(group)
        path.append(following[0])
    return path
