"""Catalogue writes: one validated path for imports and single requests, announced through the outbox."""

import pytest
import sqlalchemy as sa

from services.common.auth import OPERATOR, Principal
from services.common.errors import AlreadyExists, InvalidArgument, NotFound
from services.common.events import (
    DATA_RESOURCE_OPENED,
    DATA_RESOURCE_RETIRED,
    DATA_RESOURCE_SCHEDULED,
    DEPENDENCY_CHANGED,
    HOST_CHANGED,
    INVENTORY_EVENTS,
    SYSTEM_REGISTERED,
    SYSTEM_RETIRED,
    SYSTEM_UPDATED,
)
from services.common.writes import Mode
from services.inventory import handlers, queries
from services.inventory.domain.model import DataResource, System
from services.inventory.domain.schema import Kind
from services.inventory.handlers import Format, ImportCatalog

OPERATOR_PRINCIPAL = Principal(frozenset([OPERATOR]))


def outbox_types(uow) -> list[str]:  # type: ignore[no-untyped-def]
    with uow:
        return list(uow.session.scalars(sa.text("SELECT ce_type FROM outbox ORDER BY id")))


def import_yaml(uow, text: str, dry_run: bool = False) -> handlers.Applied:  # type: ignore[no-untyped-def]
    return handlers.import_catalog(ImportCatalog(Format.YAML, text.encode(), dry_run), uow)


BASE = """
organisations:
  - {code: HA-WJW, name: 河南省卫生和计划生育委员会, admin_level: province}
zones:
  - {code: ZY-A, name: 政务外网A区, transport_crypto: true, storage_crypto: true}
systems:
  - {code: HA-WJW-JKK, name: 居民健康卡, organisation: HA-WJW, admin_level: province, mlps_level: 3,
     target_zone: ZY-A, hosts: [{name: jkk-src, address: 10.1.0.5, role: source}]}
"""
RESOURCE = """
data_resources:
  - {code: DR-JKK, name: 居民健康档案, organisation: HA-WJW, system: HA-WJW-JKK, base_library: population,
     sharing_type: conditional, opening_type: conditional, planned_opening_date: 2016-12-31}
"""


def test_the_demo_catalogue_imports_and_every_system_is_announced(uow, demo_catalog) -> None:  # type: ignore[no-untyped-def]
    applied = handlers.import_catalog(ImportCatalog(Format.YAML, demo_catalog), uow)

    systems = applied.tallies[Kind.SYSTEM].created
    assert systems >= 40 and applied.tallies[Kind.ORGANISATION].created >= 15
    assert applied.tallies[Kind.DATA_RESOURCE].created >= 20
    assert outbox_types(uow).count(SYSTEM_REGISTERED) == systems


def test_a_dry_run_counts_but_keeps_nothing(uow) -> None:  # type: ignore[no-untyped-def]
    applied = import_yaml(uow, BASE, dry_run=True)

    assert applied.tallies[Kind.SYSTEM].created == 1
    with uow:
        assert uow.catalog.known().systems == set()
    assert outbox_types(uow) == []


def test_reimporting_changes_nothing_and_announces_nothing(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, BASE)
    before = outbox_types(uow)

    applied = import_yaml(uow, BASE)

    assert applied.tallies[Kind.SYSTEM].unchanged == 1 and applied.tallies[Kind.HOST].unchanged == 1
    assert outbox_types(uow) == before


def test_changing_a_system_announces_the_changed_fields(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, BASE)

    import_yaml(uow, BASE.replace("mlps_level: 3", "mlps_level: 4"))

    assert outbox_types(uow)[-1] == SYSTEM_UPDATED
    with uow:
        payload = uow.session.scalars(sa.text("SELECT payload FROM outbox ORDER BY id DESC")).first()
    assert b"mlps_level" in payload


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(uow) -> None:  # type: ignore[no-untyped-def]
    bad = (
        BASE
        + """
  - {code: HA-WJW-BAD, name: 坏系统, organisation: HA-NOPE, admin_level: city, mlps_level: 9}
  - {code: HA-WJW-JKK, name: 重复, organisation: HA-WJW, admin_level: province, mlps_level: 2, target_zone: ZY-X}
"""
    )
    with pytest.raises(InvalidArgument) as raised:
        import_yaml(uow, bad)

    assert {(v.field, v.reason) for v in raised.value.violations} == {
        ("systems[2].organisation", "unknown organisation HA-NOPE"),
        ("systems[2].mlps_level", "must be 1 to 5, not 9"),
        ("systems[3].code", "duplicate system HA-WJW-JKK (first at systems[1])"),
        ("systems[3].target_zone", "unknown zone ZY-X"),
    }
    assert outbox_types(uow) == []


def test_sql_and_html_in_text_are_stored_verbatim(uow) -> None:  # type: ignore[no-untyped-def]
    sneaky = "<script>alert(1)</script>'; DROP TABLE system; --"
    import_yaml(uow, BASE.replace("name: 居民健康卡", f'name: "{sneaky}"'))

    detail = queries.get_system(system_id="", code="HA-WJW-JKK", uow=uow, principal=OPERATOR_PRINCIPAL)

    assert detail.system.name == sneaky


def test_create_refuses_an_existing_code_and_update_a_missing_one(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, BASE)
    values = {
        "code": "HA-WJW-JKK",
        "name": "居民健康卡",
        "organisation": "HA-WJW",
        "admin_level": "province",
        "mlps_level": 3,
    }

    with pytest.raises(AlreadyExists, match="system HA-WJW-JKK already exists"):
        handlers.save(Kind.SYSTEM, values, uow, Mode.CREATE)
    with pytest.raises(NotFound, match="no system HA-WJW-NEW"):
        handlers.save(Kind.SYSTEM, {**values, "code": "HA-WJW-NEW"}, uow, Mode.UPDATE)


def test_retiring_a_system_is_announced_once(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, BASE)

    handlers.retire_system(system_id="", code="HA-WJW-JKK", uow=uow)
    handlers.retire_system(system_id="", code="HA-WJW-JKK", uow=uow)

    assert outbox_types(uow).count(SYSTEM_RETIRED) == 1


def test_recording_an_opening_date_announces_the_opening(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, BASE + RESOURCE)

    import_yaml(uow, BASE + RESOURCE.replace("2016-12-31}", "2016-12-31, actual_opening_date: 2017-02-01}"))

    assert outbox_types(uow)[-1] == DATA_RESOURCE_OPENED


def test_retiring_or_renaming_a_data_resource_by_import_is_announced(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, BASE + RESOURCE)

    import_yaml(uow, BASE + RESOURCE.replace("居民健康档案", "居民电子健康档案"))
    assert outbox_types(uow)[-1] == DATA_RESOURCE_SCHEDULED

    import_yaml(uow, BASE + RESOURCE.replace("2016-12-31}", "2016-12-31, retired: true}"))
    assert outbox_types(uow)[-1] == DATA_RESOURCE_RETIRED
    assert outbox_types(uow).count(DATA_RESOURCE_RETIRED) == 1


def test_a_department_asking_the_order_of_another_organisations_system_is_told_it_does_not_exist(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, BASE)
    department = Principal(frozenset(["department:HA-RST"]))

    with pytest.raises(NotFound, match="no system HA-WJW-JKK"):
        queries.dependency_order(["HA-WJW-JKK"], uow, department)
    with pytest.raises(NotFound, match="no system HA-WJW-NOPE"):
        queries.dependency_order(["HA-WJW-NOPE"], uow, department)
    assert queries.dependency_order(["HA-WJW-JKK"], uow, OPERATOR_PRINCIPAL) == [["HA-WJW-JKK"]]


def test_each_event_goes_to_the_inventory_topic_keyed_by_the_system_or_data_resource_it_is_about(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, BASE + RESOURCE)
    import_yaml(uow, BASE.replace("HA-WJW-JKK", "HA-WJW-YBJS").replace("jkk-src", "ybjs-src"))
    handlers.save(Kind.DEPENDENCY, {"system": "HA-WJW-YBJS", "depends_on": "HA-WJW-JKK"}, uow, Mode.CREATE)
    handlers.remove_dependency("HA-WJW-YBJS", "HA-WJW-JKK", uow)
    handlers.remove_host("jkk-src", uow)
    handlers.retire_data_resource("DR-JKK", uow)
    handlers.retire_system(system_id="", code="HA-WJW-JKK", uow=uow)

    with uow:
        jkk, ybjs = (uow.catalog.get(System, code).id for code in ("HA-WJW-JKK", "HA-WJW-YBJS"))  # type: ignore[union-attr]
        resource = uow.catalog.get(DataResource, "DR-JKK").id  # type: ignore[union-attr]
        rows = uow.session.execute(sa.text("SELECT topic, key, ce_subject, ce_type FROM outbox ORDER BY id")).all()
    assert all(topic == INVENTORY_EVENTS and key == subject for topic, key, subject, _ in rows)
    assert [(ce_type, key) for _, key, _, ce_type in rows] == [
        (SYSTEM_REGISTERED, jkk),
        (HOST_CHANGED, jkk),
        (DATA_RESOURCE_SCHEDULED, resource),
        (SYSTEM_REGISTERED, ybjs),
        (HOST_CHANGED, ybjs),
        (DEPENDENCY_CHANGED, ybjs),
        (DEPENDENCY_CHANGED, ybjs),
        (HOST_CHANGED, jkk),
        (DATA_RESOURCE_RETIRED, resource),
        (SYSTEM_RETIRED, jkk),
    ]
