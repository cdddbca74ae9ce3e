"""A system's databases through real gRPC on SQLite and PostgreSQL: imported from YAML and CSV, answered by GetSystem,
changed one at a time, named by readiness; a credential that looks like a password is refused, naming the row and
field, and reaches no table, event, audit record or answer."""

import grpc
import pytest
import sqlalchemy as sa

from services.common.engines import create_engine
from services.common.events import INVENTORY_EVENTS
from services.pb.zhongyuan.inventory.v1 import events_pb2
from services.pb.zhongyuan.inventory.v1 import inventory_pb2 as pb
from tests.fixtures.bad_requests import field_violations
from tests.fixtures.services import unary
from tests.integration.inventory.catalogue import seed

SECRET = "Zy2016hunter2"
SYSTEMS = """
systems:
  - code: HA-WJW-JKK
    name: 居民健康卡管理系统
    organisation: HA-WJW
    admin_level: province
    mlps_level: 3
    target_zone: ZY-ZWWW-A
    rollback_contact: 张伟
    hosts: [{name: wjw-jkk-src, address: 10.41.1.5, role: source}]
    databases:
      - {name: wjw-jkk-db, engine: mariadb, source_host: 10.41.1.21, source_database: jkk, target_host: 10.200.1.21,
         target_port: 13307, credential: HA-WJW-JKK/app}
  - code: HA-RST-JB2
    name: 金保工程二期核心业务系统
    organisation: HA-RST
    admin_level: province
    mlps_level: 3
    target_zone: ZY-ZWWW-A
    rollback_contact: 赵丽娟
    hosts: [{name: rst-jb2-src, address: 10.41.3.5, role: source}]
    databases:
      - {name: rst-jb2-db, engine: oracle, source_host: 10.41.3.20, source_database: JB2, target_host: 10.200.12.20,
         credential: HA-RST-JB2/app}
"""
CSV = (
    "record,code,name,organisation,admin_level,mlps_level,system,engine,source_host,source_port,source_database,"
    "target_host,target_database,credential\n"
    "system,HA-RST-SBK,社会保障卡管理系统,HA-RST,province,3,,,,,,,,\n"
    "database,,rst-sbk-db,,,,HA-RST-SBK,postgresql,sbk-db.rst.ha.gov.cn,5433,sbk,10.200.12.30,sbk_cloud,"
    "HA-RST-SBK/app\n"
)


def get_system(stub, token: str, code: str) -> pb.System:  # type: ignore[no-untyped-def]
    return unary(stub.GetSystem, pb.GetSystemRequest(code=code), token)


def stored(database_url: str) -> dict[str, list[tuple]]:
    """Every text the inventory keeps: its tables' rows, its outbox (its events, and the audit trail's) and its audit
    records."""
    with create_engine(database_url).connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(sa.text(f"SELECT * FROM {table}"))]
            for table in ("system", "host", "system_database", "outbox", "audit_record")
        }


def catalogue(database_url: str) -> dict[str, list[tuple]]:
    """The catalogue's rows and its events (not the audit trail's: that records refused calls too)."""
    with create_engine(database_url).connect() as connection:
        rows = {
            table: [tuple(row) for row in connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in ("system", "host", "system_database")
        }
        events = sa.text("SELECT id, payload FROM outbox WHERE topic = :topic ORDER BY id")
        return rows | {"events": [tuple(row) for row in connection.execute(events, {"topic": INVENTORY_EVENTS})]}


def test_databases_imported_from_yaml_and_csv_are_answered_with_their_system(inventory, operator_token) -> None:
    seed(inventory, operator_token, SYSTEMS)
    unary(
        inventory.ImportCatalog,
        pb.ImportCatalogRequest(format=pb.CATALOG_FORMAT_CSV, content=CSV.encode()),
        operator_token,
    )

    jkk, sbk = (get_system(inventory, operator_token, code) for code in ("HA-WJW-JKK", "HA-RST-SBK"))

    [mariadb] = jkk.databases
    assert (mariadb.name, mariadb.system, mariadb.engine, mariadb.credential) == (
        "wjw-jkk-db",
        "HA-WJW-JKK",
        "mariadb",
        "HA-WJW-JKK/app",
    )
    # what the catalogue left out is answered as it is reached: the engine's port, the source's database name
    assert (mariadb.source_host, mariadb.source_port, mariadb.source_database) == ("10.41.1.21", 3306, "jkk")
    assert (mariadb.target_host, mariadb.target_port, mariadb.target_database) == ("10.200.1.21", 13307, "jkk")
    [postgres] = sbk.databases
    assert (postgres.engine, postgres.source_host, postgres.source_port, postgres.target_database) == (
        "postgresql",
        "sbk-db.rst.ha.gov.cn",
        5433,
        "sbk_cloud",
    )
    assert postgres.target_port == 5432 and postgres.id


def test_a_credential_that_looks_like_a_password_is_refused_naming_row_and_field_and_kept_nowhere(
    inventory, operator_token, database_url
) -> None:
    before = catalogue(database_url)
    bad_yaml = SYSTEMS.replace("credential: HA-RST-JB2/app", f'credential: "app:{SECRET}"')
    bad_csv = CSV.replace("HA-RST-SBK/app", f"password={SECRET}")

    for format_, content, field in (
        (pb.CATALOG_FORMAT_YAML, bad_yaml, "systems[2].databases[1].credential"),
        (pb.CATALOG_FORMAT_CSV, bad_csv, "row 3.credential"),
    ):
        with pytest.raises(grpc.RpcError) as raised:
            unary(
                inventory.ImportCatalog,
                pb.ImportCatalogRequest(format=format_, content=content.encode()),
                operator_token,
            )

        assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        found = field_violations(raised.value)
        assert list(found) == [field] and found[field].startswith("looks like an inline secret")
        assert SECRET not in raised.value.details()

    assert catalogue(database_url) == before
    everything = stored(database_url)
    assert len(everything["audit_record"]) == 3  # the seeding and both refusals are on record
    assert SECRET not in repr(everything)


def test_a_password_column_is_refused_as_no_field_of_a_database(inventory, operator_token, database_url) -> None:
    content = CSV.replace(",credential\n", ",credential,password\n").replace(
        "HA-RST-SBK/app\n", f"HA-RST-SBK/app,{SECRET}\n"
    )

    with pytest.raises(grpc.RpcError) as raised:
        unary(
            inventory.ImportCatalog,
            pb.ImportCatalogRequest(format=pb.CATALOG_FORMAT_CSV, content=content.encode()),
            operator_token,
        )

    found = field_violations(raised.value)
    assert list(found) == ["row 3.password"] and found["row 3.password"].startswith("is not a field of a database row")
    assert SECRET not in repr(stored(database_url))


def test_a_database_is_added_changed_and_removed_and_its_system_is_announced_each_time(
    inventory, operator_token, database_url
) -> None:
    seed(inventory, operator_token, SYSTEMS)
    archive = pb.Database(
        name="wjw-jkk-archive",
        system="HA-WJW-JKK",
        engine="mysql",
        source_host="10.41.1.22",
        source_database="archive",
        target_host="10.200.1.22",
        credential="HA-WJW-JKK/archive",
    )

    added = unary(inventory.AddDatabase, archive, operator_token)
    archive.target_database = "archive_2016"
    changed = unary(inventory.UpdateDatabase, archive, operator_token)
    listed = [d.name for d in get_system(inventory, operator_token, "HA-WJW-JKK").databases]
    removed = unary(inventory.RemoveDatabase, pb.GetDatabaseRequest(name="wjw-jkk-archive"), operator_token)

    assert (added.source_port, added.target_database, changed.target_database) == (3306, "archive", "archive_2016")
    assert listed == ["wjw-jkk-archive", "wjw-jkk-db"] and removed.id == added.id
    assert [d.name for d in get_system(inventory, operator_token, "HA-WJW-JKK").databases] == ["wjw-jkk-db"]
    query = sa.text("SELECT payload FROM outbox WHERE ce_type = 'zhongyuan.inventory.system.updated.v1' ORDER BY id")
    with create_engine(database_url).connect() as connection:
        updates = [events_pb2.SystemUpdated.FromString(p) for p in connection.scalars(query)]
    assert [[d.name for d in u.system.databases] for u in updates if u.system.code == "HA-WJW-JKK"][-3:] == [
        ["wjw-jkk-archive", "wjw-jkk-db"],
        ["wjw-jkk-archive", "wjw-jkk-db"],
        ["wjw-jkk-db"],
    ]
    with pytest.raises(grpc.RpcError) as moved:
        unary(
            inventory.AddDatabase,
            pb.Database(**{**_fields(archive), "name": "wjw-jkk-db", "system": "HA-RST-JB2"}),
            operator_token,
        )
    assert moved.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(moved.value) == {
        "name": "database wjw-jkk-db belongs to HA-WJW-JKK; remove it there before adding it here"
    }


def _fields(message: pb.Database) -> dict:
    return {field.name: value for field, value in message.ListFields()}


def test_readiness_names_the_database_without_an_automated_path(inventory, operator_token) -> None:
    seed(inventory, operator_token, SYSTEMS)

    jb2 = unary(inventory.AssessReadiness, pb.AssessReadinessRequest(code="HA-RST-JB2"), operator_token)
    jkk = unary(inventory.AssessReadiness, pb.AssessReadinessRequest(code="HA-WJW-JKK"), operator_token)

    assert list(jb2.blockers) == ["rst-jb2-db (oracle) needs a vendor tool or a manual runbook: no automated path"]
    assert (jkk.score, list(jkk.blockers)) == (100, [])
