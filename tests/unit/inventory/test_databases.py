"""A system's databases in the catalogue: validated like hosts, announced with the system, given back by the export,
named by readiness when no automated path moves them; a credential is a reference, never a password."""

import pytest
import sqlalchemy as sa

from services.common.auth import OPERATOR, Principal
from services.common.errors import InvalidArgument, NotFound
from services.common.events import INVENTORY_EVENTS, SYSTEM_REGISTERED, SYSTEM_RETIRED, SYSTEM_UPDATED
from services.inventory import handlers, queries
from services.inventory.adapters import messages as m
from services.inventory.domain.catalog import Known, rows_from_csv, rows_from_yaml, validate
from services.inventory.domain.model import Database, Engine
from services.inventory.domain.schema import Kind
from services.inventory.handlers import Format, ImportCatalog
from services.pb.zhongyuan.inventory.v1 import events_pb2

OPERATOR_PRINCIPAL = Principal(frozenset([OPERATOR]))
KNOWN = Known(zones={"ZY-A"}, organisations={"HA-WJW", "HA-RST"}, systems={"HA-WJW-JKK", "HA-RST-JB2"})
CATALOGUE = """
organisations:
  - {code: HA-WJW, name: 河南省卫生和计划生育委员会, admin_level: province}
  - {code: HA-RST, name: 河南省人力资源和社会保障厅, admin_level: province}
zones:
  - {code: ZY-A, name: 政务外网A区, transport_crypto: true, storage_crypto: true}
systems:
  - code: HA-WJW-JKK
    name: 居民健康卡
    organisation: HA-WJW
    admin_level: province
    mlps_level: 3
    target_zone: ZY-A
    rollback_contact: 张伟
    hosts: [{name: jkk-src, address: 10.1.0.5, role: source}]
    databases:
      - {name: jkk-db, engine: mariadb, source_host: 10.1.0.21, source_database: jkk, target_host: 10.9.0.21,
         target_port: 13307, credential: HA-WJW-JKK/app}
  - code: HA-RST-JB2
    name: 金保工程二期
    organisation: HA-RST
    admin_level: province
    mlps_level: 3
    target_zone: ZY-A
    rollback_contact: 赵丽娟
    hosts: [{name: jb2-src, address: 10.41.3.5, role: source}]
    databases:
      - {name: jb2-db, engine: oracle, source_host: 10.41.3.20, source_database: JB2, target_host: 10.200.12.20,
         credential: HA-RST-JB2/app}
      - {name: jb2-report, engine: postgresql, source_host: jb2-report.rst.ha.gov.cn, source_port: 5433,
         source_database: report, target_host: 10.200.12.21, target_database: jb2_report, credential: HA-RST-JB2/report}
"""
CSV_HEADER = (
    "record,name,system,engine,source_host,source_port,source_database,target_host,target_port,target_database,"
    "credential\n"
)
SECRET = "Hunter2"


def import_yaml(uow, text: str) -> handlers.Applied:  # type: ignore[no-untyped-def]
    return handlers.import_catalog(ImportCatalog(Format.YAML, text.encode()), uow)


def outbox(uow) -> list[tuple[str, bytes]]:  # type: ignore[no-untyped-def]
    with uow:
        return list(uow.session.execute(sa.text("SELECT ce_type, payload FROM outbox ORDER BY id")).tuples())


def violations(data: bytes, reader=rows_from_csv, known: Known = KNOWN) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as raised:
        validate(reader(data), known)
    return {v.field: v.reason for v in raised.value.violations}


def test_yaml_nests_databases_under_their_system_and_csv_has_database_records() -> None:
    from_yaml = validate(rows_from_yaml(CATALOGUE.encode()), Known()).of(Kind.DATABASE)
    csv = CSV_HEADER + "database,jkk-db,HA-WJW-JKK,MariaDB,10.1.0.21,,jkk,10.9.0.21,13307,,HA-WJW-JKK/app\n"
    from_csv = validate(rows_from_csv(csv.encode()), KNOWN).of(Kind.DATABASE)

    assert (
        from_csv
        == [from_yaml[0]]
        == [
            {
                "name": "jkk-db",
                "system_code": "HA-WJW-JKK",
                "engine": Engine.MARIADB,
                "source_host": "10.1.0.21",
                "source_database": "jkk",
                "target_host": "10.9.0.21",
                "target_port": 13307,
                "credential": "HA-WJW-JKK/app",
            }
        ]
    )
    assert [row["name"] for row in from_yaml] == ["jkk-db", "jb2-db", "jb2-report"]


@pytest.mark.parametrize(
    "credential",
    [
        f"app:{SECRET}",
        f"password={SECRET}",
        f"app {SECRET}",
        f"mysql://app:{SECRET}@10.1.0.21/jkk",
        f"app@{SECRET}",
        f"HA-WJW-JKK/{SECRET}\nx",
    ],
)
def test_a_credential_that_looks_like_a_secret_is_refused_naming_the_field_and_not_repeating_it(
    credential: str,
) -> None:
    csv = CSV_HEADER + f'database,jkk-db,HA-WJW-JKK,mariadb,10.1.0.21,,jkk,10.9.0.21,,,"{credential}"\n'

    found = violations(csv.encode())

    assert list(found) == ["row 2.credential"]
    assert found["row 2.credential"].startswith("looks like an inline secret")
    assert SECRET not in found["row 2.credential"]


@pytest.mark.parametrize(
    "credential", ["../../etc/shadow", "/etc/shadow", "HA-WJW-JKK//app", "HA-WJW-JKK/", ".hidden", "a/$(id)", "库"]
)
def test_a_credential_reference_stays_inside_the_secrets_directory(credential: str) -> None:
    csv = CSV_HEADER + f"database,jkk-db,HA-WJW-JKK,mariadb,10.1.0.21,,jkk,10.9.0.21,,,{credential}\n"

    assert violations(csv.encode())["row 2.credential"].startswith("is not a credential reference")


def test_a_credential_reference_is_bounded() -> None:
    csv = CSV_HEADER + f"database,jkk-db,HA-WJW-JKK,mariadb,10.1.0.21,,jkk,10.9.0.21,,,{'a' * 201}\n"

    assert violations(csv.encode()) == {"row 2.credential": "is longer than 200 characters"}


def test_a_password_column_is_no_field_of_a_database_and_its_value_is_not_repeated() -> None:
    csv = (
        "record,name,system,engine,source_host,source_database,target_host,credential,password,secret\n"
        f"database,jkk-db,HA-WJW-JKK,mariadb,10.1.0.21,jkk,10.9.0.21,HA-WJW-JKK/app,{SECRET},{SECRET}\n"
    )

    found = violations(csv.encode())

    assert set(found) == {"row 2.password", "row 2.secret"}
    assert all(reason.startswith("is not a field of a database row") for reason in found.values())
    assert SECRET not in str(found)


def test_a_database_that_is_not_a_mapping_is_refused_without_repeating_it() -> None:
    data = CATALOGUE.replace(
        "      - {name: jkk-db, engine: mariadb,",
        f"      - mysql://app:{SECRET}@10.1.0.21/jkk\n      - {{name: jkk-db, engine: mariadb,",
    )

    found = violations(data.encode(), rows_from_yaml, Known())

    assert "systems[1].databases[1].database" in found and "systems[1].databases[1].engine" in found
    assert SECRET not in str(found)


def test_engines_endpoints_and_names_are_checked_like_a_hosts() -> None:
    csv = CSV_HEADER + "database,JKK_DB,HA-WJW-NOPE,mongodb,10.1.0.21; id,0,jkk db,,70000,$(id),HA-WJW-JKK/app\n"

    assert violations(csv.encode()) == {
        "row 2.name": "'JKK_DB' is not a database entry's name: lower-case letters, digits and dashes, at most 63",
        "row 2.system": "unknown system HA-WJW-NOPE",
        "row 2.engine": "'mongodb' is not one of mariadb, mysql, postgresql, oracle, sqlserver, dm, kingbase",
        "row 2.source_host": "'10.1.0.21; id' is not a DNS name or an IP address",
        "row 2.source_port": "must be 1 to 65535, not 0",
        "row 2.source_database": "'jkk db' is not a database name: letters, digits, '_', '.' and '-', at most 64",
        "row 2.target_host": "is required",
        "row 2.target_port": "must be 1 to 65535, not 70000",
        "row 2.target_database": "'$(id)' is not a database name: letters, digits, '_', '.' and '-', at most 64",
    }


def test_a_database_name_is_unique_in_the_catalogue_and_stays_with_its_system() -> None:
    known = Known(**{**KNOWN.__dict__, "databases": {"jkk-db": "HA-WJW-JKK"}})
    row = "database,jkk-db,{system},mariadb,10.1.0.21,,jkk,10.9.0.21,,,HA-WJW-JKK/app\n"

    moved = violations((CSV_HEADER + row.format(system="HA-RST-JB2")).encode(), known=known)
    twice = violations((CSV_HEADER + row.format(system="HA-WJW-JKK") * 2).encode())

    assert moved == {"row 2.name": "database jkk-db belongs to HA-WJW-JKK; remove it there before adding it here"}
    assert twice == {"row 3.name": "duplicate database jkk-db (first at row 2)"}


def test_an_import_stores_databases_and_announces_each_system_with_them_once(uow) -> None:  # type: ignore[no-untyped-def]
    applied = import_yaml(uow, CATALOGUE)

    assert applied.tallies[Kind.DATABASE].created == 3
    detail = queries.get_system(system_id="", code="HA-RST-JB2", uow=uow, principal=OPERATOR_PRINCIPAL)
    assert [(d.name, d.engine, d.source_port, d.target_database) for d in detail.databases] == [
        ("jb2-db", Engine.ORACLE, 0, ""),
        ("jb2-report", Engine.POSTGRESQL, 5433, "jb2_report"),
    ]
    events = outbox(uow)
    assert [t for t, _ in events].count(SYSTEM_REGISTERED) == 2
    updates = [events_pb2.SystemUpdated.FromString(payload) for t, payload in events if t == SYSTEM_UPDATED]
    assert [(u.system.code, list(u.changed_fields), [d.name for d in u.system.databases]) for u in updates] == [
        ("HA-WJW-JKK", ["databases"], ["jkk-db"]),
        ("HA-RST-JB2", ["databases"], ["jb2-db", "jb2-report"]),
    ]


def test_reimporting_changes_nothing_and_a_changed_database_is_announced_with_its_system(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, CATALOGUE)
    before = outbox(uow)

    again = import_yaml(uow, CATALOGUE)
    assert again.tallies[Kind.DATABASE].unchanged == 3 and outbox(uow) == before

    changed = import_yaml(uow, CATALOGUE.replace("target_port: 13307", "target_port: 13308"))
    assert changed.tallies[Kind.DATABASE].updated == 1
    [(kind, payload)] = outbox(uow)[len(before) :]
    update = events_pb2.SystemUpdated.FromString(payload)
    assert (kind, update.system.code, update.system.databases[0].target_port) == (SYSTEM_UPDATED, "HA-WJW-JKK", 13308)


def test_system_events_carry_its_databases_and_never_more_than_the_reference(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, CATALOGUE)
    import_yaml(uow, CATALOGUE.replace("rollback_contact: 张伟", "rollback_contact: 王芳"))
    handlers.retire_system(system_id="", code="HA-WJW-JKK", uow=uow)

    events = outbox(uow)
    kinds = [t for t, _ in events]
    assert kinds[-2:] == [SYSTEM_UPDATED, SYSTEM_RETIRED]
    update = events_pb2.SystemUpdated.FromString(events[len(kinds) - 2][1])  # the rollback contact's, before retiring
    retired = events_pb2.SystemRetired.FromString(events[kinds.index(SYSTEM_RETIRED)][1])
    assert list(update.changed_fields) == ["rollback_contact"]
    assert [d.credential for d in update.system.databases] == ["HA-WJW-JKK/app"]
    assert [d.name for d in retired.system.databases] == ["jkk-db"]


def test_removing_a_database_announces_its_system_without_it(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, CATALOGUE)

    removed = handlers.remove_database("jb2-report", uow)

    [(kind, payload)] = outbox(uow)[-1:]
    update = events_pb2.SystemUpdated.FromString(payload)
    assert (removed.name, kind, list(update.changed_fields)) == ("jb2-report", SYSTEM_UPDATED, ["databases"])
    assert [d.name for d in update.system.databases] == ["jb2-db"]
    with pytest.raises(NotFound, match="no database jb2-report"):
        handlers.remove_database("jb2-report", uow)
    with pytest.raises(InvalidArgument):
        handlers.remove_database(" ", uow)


def test_export_gives_databases_back_and_imports_to_the_same_catalogue(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, CATALOGUE)
    before = outbox(uow)

    for format_ in (Format.YAML, Format.CSV):
        exported = queries.export_catalog(format_, uow)
        assert b"jb2-report" in exported and b"HA-RST-JB2/report" in exported
        applied = handlers.import_catalog(ImportCatalog(format_, exported), uow)
        assert applied.tallies[Kind.DATABASE].unchanged == 3
        assert all(t.created == t.updated == 0 for t in applied.tallies.values())
    assert outbox(uow) == before


def test_the_answer_fills_in_the_engines_port_and_the_targets_database_name() -> None:
    database = Database("jb2-db", "HA-RST-JB2", Engine.ORACLE, "10.41.3.20", "JB2", "10.200.12.20", "HA-RST-JB2/app")

    answer = m.database_to_proto(database)

    assert (answer.source_port, answer.target_port, answer.target_database) == (1521, 1521, "JB2")
    assert (
        m.database_to_proto(Database("k", "S", Engine.KINGBASE, "h", "d", "t", "c", target_port=6000)).target_port
        == 6000
    )


def test_readiness_of_a_stored_system_counts_its_databases(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, CATALOGUE)

    jb2 = queries.assess_readiness("HA-RST-JB2", frozenset(), uow, OPERATOR_PRINCIPAL)
    jkk = queries.assess_readiness("HA-WJW-JKK", frozenset(), uow, OPERATOR_PRINCIPAL)

    assert jb2.blockers == ["jb2-db (oracle) needs a vendor tool or a manual runbook: no automated path"]
    assert (jkk.score, jkk.blockers) == (100, [])


def test_the_inventory_topic_is_where_database_changes_go(uow) -> None:  # type: ignore[no-untyped-def]
    import_yaml(uow, CATALOGUE)

    with uow:
        topics = set(uow.session.scalars(sa.text("SELECT DISTINCT topic FROM outbox")))
    assert topics == {INVENTORY_EVENTS}
