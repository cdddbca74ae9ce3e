import pytest

from services.inventory.domain.model import Dependency
from services.inventory.domain.ordering import DependencyCycle, migration_layers


def deps(*pairs: str) -> list[Dependency]:
    return [Dependency(*pair.split(">")) for pair in pairs]


def test_independent_systems_form_one_layer() -> None:
    assert migration_layers(["B", "A", "C"], []) == [["A", "B", "C"]]


def test_a_chain_gives_one_layer_per_link() -> None:
    assert migration_layers(["A", "B", "C"], deps("C>B", "B>A")) == [["A"], ["B"], ["C"]]


def test_a_diamond_puts_both_middles_together() -> None:
    layers = migration_layers(
        ["TOP", "LEFT", "RIGHT", "BASE"], deps("TOP>LEFT", "TOP>RIGHT", "LEFT>BASE", "RIGHT>BASE")
    )

    assert layers == [["BASE"], ["LEFT", "RIGHT"], ["TOP"]]


def test_dependencies_on_systems_outside_the_set_are_ignored() -> None:
    # retired systems and systems of other waves are left out by the caller
    assert migration_layers(["A", "B"], deps("A>RETIRED", "B>A")) == [["A"], ["B"]]


def test_a_cycle_is_refused_naming_the_systems_in_it() -> None:
    with pytest.raises(DependencyCycle) as raised:
        migration_layers(["A", "B", "C", "D"], deps("A>B", "B>C", "C>A", "D>A"))

    assert raised.value.cycles == [["A", "B", "C"]]
    assert "A → B → C → A" in str(raised.value)


def test_a_self_dependency_is_a_cycle() -> None:
    with pytest.raises(DependencyCycle) as raised:
        migration_layers(["A", "B"], deps("A>A"))

    assert raised.value.cycles == [["A"]]


def test_two_separate_cycles_are_both_named() -> None:
    with pytest.raises(DependencyCycle) as raised:
        migration_layers(["A", "B", "X", "Y", "OK"], deps("A>B", "B>A", "X>Y", "Y>X"))

    assert raised.value.cycles == [["A", "B"], ["X", "Y"]]
