"""MariaDB's warm path through the real step playbooks (sync, replicate, cutover, verify, rollback), run by
ansible-runner between two private MariaDB servers while a writer keeps writing to the source through the ordinary
application account: what each step leaves on the servers and on the controller (roles/db_mysql)."""

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pymysql
import pytest

from services.migration.adapters import ansible as adapter
from services.migration.adapters.ansible import run_step
from services.migration.adapters.database_steps import measured_lag
from services.migration.adapters.secrets import SecretsDirectory
from services.migration.domain.model import ReplicationLag, Step
from services.migration.ports import DatabaseInfo, StepJob
from tests.fixtures.mariadb_servers import ADMIN, APP, MariaDbPair, Writer
from tools.stack import free_port, wait_for

RUN = "5e6f7a8b-0000-4000-8000-000000000002"
NAME = "ha-wjw-jkk-orders"
CREDENTIAL = "HA-WJW-JKK/orders-admin"
SOURCE_DATABASE = "shop"
TARGET_DATABASE = "shop_cloud"  # renamed on the way
ROWS = 20_000
ODD_TEXTS = ["NULL", "tab\there", "line\nbreak", "back\\slash", "引号'和\"", ""]
SCHEMA = [
    f"CREATE DATABASE {SOURCE_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    f"USE {SOURCE_DATABASE}",
    "CREATE TABLE items (id BIGINT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL, note VARCHAR(64) NOT NULL)",
    "CREATE TABLE `item tags` (tag VARCHAR(32) NOT NULL, item_id BIGINT NOT NULL, label TEXT NULL, "
    "photo VARBINARY(16) NULL, weight DOUBLE NULL, PRIMARY KEY (tag, item_id))",
    f"INSERT INTO items (n, note) SELECT seq, MD5(seq) FROM seq_1_to_{ROWS}",
    "CREATE VIEW heavy_items AS SELECT id, n FROM items WHERE n > 100",
]


def odd_rows() -> list[tuple[Any, ...]]:
    """Values a row's text could confuse: NULL and 'NULL', tabs, line feeds, backslashes, quotes, bytes, floats."""
    return [
        (tag, item, text if item % 2 else None, bytes([item % 256, 0, 9, 10]), item / 7)
        for item, text in enumerate(ODD_TEXTS, start=1)
        for tag in ("Zebra", "apple", "Äpfel", "_x")
    ]


@dataclass
class Ran:
    ok: bool
    message: str
    changed: int  # tasks that changed something
    results: dict[str, Any]  # the JSON files the playbook left in the step's staging directory, by name
    lag: ReplicationLag | None
    downtime: float | None


@dataclass
class Migration:
    """One system's databases between the pair, each step run by the migration service's own adapter (run_step): the
    credential staged from a secrets directory, the playbook run by ansible-runner, what it measured read back."""

    pair: MariaDbPair
    work: Path
    monkeypatch: pytest.MonkeyPatch
    names: tuple[tuple[str, str, str], ...] = ((NAME, SOURCE_DATABASE, TARGET_DATABASE),)
    password: str | None = None  # the credential in the secrets directory; the admin's by default
    target_port: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def databases(self) -> list[DatabaseInfo]:
        source, target = ("127.0.0.1", self.pair.source.port), ("127.0.0.1", self.target_port or self.pair.target.port)
        return [DatabaseInfo(name, "mariadb", *source, old, *target, new, CREDENTIAL) for name, old, new in self.names]

    def run(self, step: Step, **extra: Any) -> Ran:
        attempt = len(self.seconds) + 1
        secrets = self.work / "secrets"
        self.pair.credential(secrets, CREDENTIAL, self.password)
        results: dict[str, Any] = {}

        def keeping_results(staging: Path) -> ReplicationLag | None:  # run_step reads the lag, then empties staging
            results.update((path.name, json.loads(path.read_text())) for path in staging.glob("databases/*.json"))
            return measured_lag(staging)

        self.monkeypatch.setattr(adapter, "measured_lag", keeping_results)
        job = StepJob(RUN, step, attempt, "HA-WJW-JKK", 2, "ZY-A", True, [], self.work, extra, self.databases())
        began = time.monotonic()
        result = run_step(job, lambda percent, message: None, lambda: False, SecretsDirectory(secrets))
        self.seconds[f"{attempt:02d}-{step.value}"] = round(time.monotonic() - began, 2)
        stats = [
            json.loads(path.read_text())["event_data"]
            for path in (job.private_data_dir / "artifacts" / job.ident / "job_events").glob("*.json")
            if '"playbook_on_stats"' in path.read_text()
        ]
        changed = sum(stats[0]["changed"].values()) if stats else 0
        return Ran(result.ok, result.message, changed, results, result.lag, result.downtime_seconds)

    def left_on_the_controller(self) -> str:
        """All the runs wrote but the secrets directory: ansible-runner's artifacts, events, output, environment and
        variables."""
        runs = self.work / RUN
        return "\n".join(path.read_text(errors="replace") for path in runs.rglob("*") if path.is_file())


@pytest.fixture
def migration(mariadb_pair: MariaDbPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Migration:
    with mariadb_pair.source.as_root() as session, session.cursor() as cursor:
        for statement in SCHEMA:
            cursor.execute(statement)
        cursor.executemany("INSERT INTO `item tags` VALUES (%s, %s, %s, %s, %s)", odd_rows())
    mariadb_pair.prepare(SOURCE_DATABASE, TARGET_DATABASE)
    return Migration(mariadb_pair, tmp_path / "runs", monkeypatch)


def on_source(migration: Migration, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    return migration.pair.source.query(sql.replace("{db}", SOURCE_DATABASE), params)


def on_target(migration: Migration, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    return migration.pair.target.query(sql.replace("{db}", TARGET_DATABASE), params)


def app_inserts(migration: Migration, side: str) -> int | None:
    """The id of a row the application account inserted, or None when the server refused it."""
    server, database = (
        (migration.pair.source, SOURCE_DATABASE) if side == "source" else (migration.pair.target, TARGET_DATABASE)
    )
    try:
        with server.connect(APP, migration.pair.app_password, database) as session, session.cursor() as cursor:
            cursor.execute("INSERT INTO items (n, note) VALUES (-1, 'the app can write')")
            session.commit()
            return int(cursor.lastrowid)
    except pymysql.MySQLError:
        return None


def replication_left(migration: Migration) -> dict[str, Any]:
    """What the migration's replication leaves behind, on either server: the target's connections and their files
    (relay logs, master-<connection>.info with the password), the replication accounts, the source's freeze."""
    target = migration.pair.target
    return {
        "connections": target.query("SHOW ALL SLAVES STATUS"),
        "files": sorted(path.name for path in target.data.glob("*") if "relay" in path.name or "master-" in path.name),
        "accounts": on_source(migration, "SELECT User FROM mysql.user WHERE User LIKE 'zyr\\_%%'"),
        "source read-only": on_source(migration, "SELECT @@read_only") != [(0,)],
    }


NOTHING_LEFT = {"connections": [], "files": [], "accounts": [], "source read-only": False}


def replicas_reading(migration: Migration) -> int:
    """The source's sessions that send its binary log to a replica."""
    sessions = on_source(migration, "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog%%'")
    return len(sessions)


def replication_account(migration: Migration) -> list[tuple[Any, ...]]:
    return on_source(migration, "SELECT User, authentication_string FROM mysql.user WHERE User LIKE 'zyr\\_%%'")


def connection_name(migration: Migration) -> str:
    (row,) = migration.pair.target.query("SHOW ALL SLAVES STATUS")
    return str(row[0])


def connection_status(migration: Migration) -> dict[str, Any]:
    """SHOW SLAVE STATUS of the target's one replication connection, by column."""
    with migration.pair.target.as_root() as session, session.cursor(pymysql.cursors.DictCursor) as cursor:
        cursor.execute("SHOW ALL SLAVES STATUS")
        (status,) = cursor.fetchall()
    return dict(status)


def applied_up_to(migration: Migration) -> tuple[str, int]:
    """Where in the source's binary log the target's replication has applied everything."""
    status = connection_status(migration)
    return status["Relay_Master_Log_File"], int(status["Exec_Master_Log_Pos"])


def replication_password(migration: Migration) -> str:
    """The replication account's password, where it must be: the target's replica configuration."""
    (info,) = migration.pair.target.data.glob("master-zy_*.info")
    return info.read_text().splitlines()[5]


def at(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


def test_a_database_moves_while_written_to_and_cleanup_leaves_nothing(migration: Migration) -> None:
    app = Writer(lambda: migration.pair.source.connect(APP, migration.pair.app_password, SOURCE_DATABASE))
    with app:
        app.wait_for_commits(20)

        synced = migration.run(Step.SYNC)
        assert synced.ok, synced.message
        assert on_target(migration, "SELECT COUNT(*) FROM {db}.`item tags`") == [(len(odd_rows()),)]
        secret = replication_password(migration)
        account = replication_account(migration)
        app.wait_for_commits(50)

        again = migration.run(Step.SYNC)
        assert again.ok and again.changed == 0, again
        assert replication_password(migration) == secret
        assert replication_account(migration) == account
        app.wait_for_commits(50)

        replicated = migration.run(Step.REPLICATE)
        assert replicated.ok, replicated.message
        lag = replicated.results[f"{NAME}.lag.json"]
        assert set(lag) == {"lag_seconds", "lag_transactions", "lag_bytes"}
        assert isinstance(lag["lag_seconds"], float) and 0 <= lag["lag_seconds"] < 30, lag
        assert isinstance(lag["lag_bytes"], int) and 0 <= lag["lag_bytes"] < 64 * 1024 * 1024, lag
        assert lag["lag_transactions"] is None or 0 <= lag["lag_transactions"] < 10_000, lag
        assert replicated.lag == ReplicationLag(lag["lag_seconds"], lag["lag_transactions"], lag["lag_bytes"])
        app.wait_for_commits(50)

        cutover = migration.run(Step.CUTOVER)
        assert cutover.ok, cutover.message
        switched = time.monotonic()

        def refused() -> list[str]:
            return [error for at, error in app.refusals if at >= switched]

        wait_for(lambda: len(refused()) >= 3, "the writer refused after the cutover", 30)
    times = cutover.results[f"{NAME}.cutover.json"]
    downtime = (at(times["writable_at"]) - at(times["frozen_at"])).total_seconds()
    assert 0 <= downtime < 5 and cutover.downtime == downtime, times
    assert [at for at in app.commits if at >= switched] == [], "the source took writes after the cutover"
    assert all("--read-only" in error for error in refused())
    rows = dict(on_target(migration, "SELECT id, n FROM {db}.items WHERE note = 'writer'"))
    assert {row: rows.get(row) for row in app.committed} == app.committed, "committed writes missing on the target"
    assert set(rows) - set(app.committed) <= app.doubtful
    assert app_inserts(migration, "target") is not None
    on_target(migration, "DELETE FROM {db}.items WHERE note = 'the app can write'")

    verified = migration.run(Step.VERIFY)

    assert verified.ok, verified.message
    tables = {row["table"]: row for row in verified.results[f"{NAME}.verify.json"]["tables"]}
    assert set(tables) == {"items", "item tags"}
    assert tables["items"]["source_rows"] == tables["items"]["target_rows"] >= ROWS + 100
    assert all(row["source_sha256"] == row["target_sha256"] != "" for row in tables.values())
    made = replication_left(migration)
    assert made | {"accounts": []} == NOTHING_LEFT | {"source read-only": True}, "the source stays frozen until cleanup"
    assert len(made["accounts"]) == 1

    for _ in range(2):
        rolled_back = migration.run(Step.ROLLBACK)
        assert rolled_back.ok, rolled_back.message
        assert replication_left(migration) == NOTHING_LEFT
    wait_for(lambda: replicas_reading(migration) == 0, "no session left sending the binary log", 30)
    assert app_inserts(migration, "source") is not None
    assert app_inserts(migration, "target") is not None, "the target took over: it stays writable"
    left = migration.left_on_the_controller()
    for password in (secret, migration.pair.admin_password, migration.pair.app_password):
        assert password not in left
    for server in (migration.pair.source, migration.pair.target):
        for path in server.data.rglob("*"):
            assert not path.is_file() or secret.encode() not in path.read_bytes(), path
    print(f"\nplaybook seconds: {migration.seconds}; downtime {downtime:.3f} s")


def test_verify_names_the_tables_that_differ_with_both_counts(migration: Migration) -> None:
    for step in (Step.SYNC, Step.CUTOVER):
        assert migration.run(step).ok
    on_target(migration, "DELETE FROM {db}.`item tags` WHERE tag = 'Äpfel' AND item_id = 3")
    on_target(migration, "UPDATE {db}.items SET note = 'changed on the target' WHERE id = 5")

    verified = migration.run(Step.VERIFY)

    assert not verified.ok
    tags = len(odd_rows())
    missing = f"database {NAME}: table item tags differs: {tags} rows on the source, {tags - 1} on the target"
    changed = f"table items differs: {ROWS} rows on the source, {ROWS} on the target (the same count, other rows)"
    assert missing in verified.message and changed in verified.message
    tables = {row["table"]: row for row in verified.results[f"{NAME}.verify.json"]["tables"]}
    assert (tables["item tags"]["source_rows"], tables["item tags"]["target_rows"]) == (tags, tags - 1)
    assert tables["items"]["source_sha256"] != tables["items"]["target_sha256"]


def test_a_table_without_a_primary_key_is_named_by_sync_and_by_verify(migration: Migration) -> None:
    on_source(migration, "CREATE TABLE {db}.audit_log (at DATETIME NOT NULL, what TEXT)")

    for step in (Step.SYNC, Step.VERIFY):  # sync refuses before it copies anything; verify too, had it got there
        refused = migration.run(step)
        assert not refused.ok and f"database {NAME}: tables without a primary key" in refused.message, step
        assert refused.message.endswith("): audit_log"), refused.message
    assert replication_left(migration) == NOTHING_LEFT, "sync created something before refusing"


def test_wrong_credentials_or_an_unreachable_target_fail_naming_the_database_never_the_password(
    migration: Migration,
) -> None:
    wrong_password, nothing_listens = 'not the "password" #7f3a', free_port()
    outcomes = []
    for password, target_port in ((wrong_password, None), (None, nothing_listens)):
        migration.password, migration.target_port = password, target_port
        outcomes.append(migration.run(Step.SYNC))
    wrong, unreachable = outcomes

    source, target = migration.pair.source.port, nothing_listens
    assert not wrong.ok and f"database {NAME}: the source 127.0.0.1:{source} did not answer" in wrong.message
    assert f"Access denied for user '{ADMIN}'" in wrong.message
    assert (
        not unreachable.ok and f"database {NAME}: the target 127.0.0.1:{target} did not answer" in unreachable.message
    )
    assert "Can't connect" in unreachable.message
    left = migration.left_on_the_controller()
    assert wrong_password not in left and migration.pair.admin_password not in left
    assert replication_left(migration) == NOTHING_LEFT


def test_cleanup_before_anything_then_a_copy_cut_off_half_way_is_made_again(migration: Migration) -> None:
    assert migration.run(Step.ROLLBACK).ok, "cleanup before anything was created"
    on_target(migration, "CREATE DATABASE {db}")
    on_target(migration, "CREATE TABLE {db}.keep_me (id INT PRIMARY KEY)")

    refused = migration.run(Step.SYNC)

    assert not refused.ok and f"database {NAME}: the target database {TARGET_DATABASE} already holds" in refused.message
    assert on_target(migration, "SHOW TABLES FROM {db}") == [("keep_me",)], "a database not ours was touched"
    on_target(migration, "DROP DATABASE {db}")
    assert migration.run(Step.SYNC).ok
    # An attempt cut off while loading: its connection set up but not running, part of the rows missing
    connection = connection_name(migration)
    on_target(migration, f"STOP SLAVE '{connection}'")
    on_target(migration, "DELETE FROM {db}.items WHERE id > 100")
    added = [app_inserts(migration, "source") for _ in range(10)]

    reloaded = migration.run(Step.SYNC)

    assert reloaded.ok, reloaded.message
    assert on_target(migration, "SELECT COUNT(*), MAX(id) FROM {db}.items") == [(ROWS + 10, max(added))]
    assert connection_name(migration) == connection
    for step in (Step.CUTOVER, Step.VERIFY, Step.ROLLBACK):
        ran = migration.run(step)
        assert ran.ok, ran.message
    assert replication_left(migration) == NOTHING_LEFT


def test_a_target_that_does_not_catch_up_unfreezes_the_source_and_a_cutover_cut_off_is_finished(
    migration: Migration,
) -> None:
    assert migration.run(Step.SYNC).ok
    with migration.pair.target.as_root() as blocker, blocker.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute(f"SELECT n FROM {TARGET_DATABASE}.items WHERE id = 9 FOR UPDATE")  # replication waits for it
        on_source(migration, "UPDATE {db}.items SET n = -9 WHERE id = 9")
        behind = migration.run(Step.REPLICATE)
        late = migration.run(Step.CUTOVER, zy_cutover_timeout_seconds=2)
        blocker.rollback()

    assert behind.ok, behind.message
    lag = behind.results[f"{NAME}.lag.json"]
    assert lag["lag_bytes"] > 0 and lag["lag_transactions"] >= 1, lag
    assert not late.ok
    assert (
        f"database {NAME}: the cutover failed: the target did not apply the source's binary log up to" in late.message
    )
    assert "within 2 s; the source is writable again" in late.message
    assert app_inserts(migration, "source") is not None

    # A cutover killed after it froze the source, recorded the time and stopped the caught-up replication
    connection = connection_name(migration)
    on_source(migration, "SET GLOBAL read_only = ON")
    frozen_at = "2026-12-01T08:00:00.000001Z"
    ((marker,),) = on_target(
        migration, f"SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{TARGET_DATABASE}'"
    )
    assert marker.startswith("zhongyuan migration copy ha_wjw_jkk_orders_") and " frozen " in marker, "the late one's"
    on_target(migration, f"ALTER DATABASE {{db}} COMMENT '{marker.split(' frozen ')[0]} frozen {frozen_at}'")
    (end,) = on_source(migration, "SHOW MASTER STATUS")
    wait_for(lambda: applied_up_to(migration) == end[:2], "the target to apply all the frozen source wrote", 30)
    on_target(migration, f"STOP SLAVE '{connection}'")

    finished = migration.run(Step.CUTOVER)
    found_finished = migration.run(Step.CUTOVER)

    assert finished.ok, finished.message
    times = finished.results[f"{NAME}.cutover.json"]
    assert times["frozen_at"] == frozen_at and at(times["writable_at"]) > at(frozen_at)
    assert found_finished.ok and found_finished.results == finished.results
    assert on_target(migration, "SELECT n FROM {db}.items WHERE id = 9") == [(-9,)]
    assert migration.pair.target.query("SHOW ALL SLAVES STATUS") == []
    assert app_inserts(migration, "source") is None, "the target took over: the source stays frozen"
    on_target(migration, "DELETE FROM {db}.items WHERE id = %s", (app_inserts(migration, "target"),))
    assert migration.run(Step.VERIFY).ok


def test_a_target_that_vanishes_fails_replicate_and_rollback_still_frees_the_source(migration: Migration) -> None:
    synced = migration.run(Step.SYNC)
    migration.pair.target.stop()  # the target's server goes away in the middle of the replication

    broken, rolled_back = (migration.run(step) for step in (Step.REPLICATE, Step.ROLLBACK))

    assert synced.ok and not broken.ok and not rolled_back.ok
    assert f"database {NAME}: the target 127.0.0.1:{migration.pair.target.port} did not answer" in broken.message
    assert f"database {NAME}: cleanup is not finished" in rolled_back.message
    assert "may still hold the replication connection zy_127_0_0_1_" in rolled_back.message
    assert replication_account(migration) == [] and on_source(migration, "SELECT @@read_only") == [(0,)]
    assert app_inserts(migration, "source") is not None

    migration.pair.target.start()  # it comes back, its replication stopped and its filter gone with the restart
    lost = migration.run(Step.REPLICATE)
    again = migration.run(Step.ROLLBACK)

    assert not lost.ok and "no longer carries this database" in lost.message and "run sync again" in lost.message
    assert again.ok, again.message
    assert replication_left(migration) == NOTHING_LEFT


def test_two_databases_of_one_server_move_side_by_side(migration: Migration) -> None:
    on_source(migration, "CREATE DATABASE crm CHARACTER SET utf8mb4")
    on_source(migration, "CREATE TABLE crm.contacts (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL)")
    on_source(migration, "INSERT INTO crm.contacts SELECT seq, CONCAT('联系人', seq) FROM crm.seq_1_to_500")
    migration.names += (("ha-wjw-jkk-crm", "crm", "crm"),)

    synced = migration.run(Step.SYNC)
    assert synced.ok, synced.message
    carrying = connection_status(migration)  # one connection from one source server
    assert (carrying["Replicate_Wild_Do_Table"], carrying["Replicate_Rewrite_DB"]) == (
        r"shop\_cloud.%,crm.%",
        "shop->shop_cloud",
    )
    assert len(replication_account(migration)) == 1
    both, migration.names = migration.names, migration.names[1:]  # one of them is rolled back on its own
    assert migration.run(Step.ROLLBACK).ok
    left = connection_status(migration)
    assert left["Replicate_Wild_Do_Table"] == r"shop\_cloud.%", left
    assert (left["Slave_IO_Running"], left["Slave_SQL_Running"]) == ("Yes", "Yes")
    assert len(replication_account(migration)) == 1, "the other database still replicates through it"
    app_inserts(migration, "source")
    on_source(migration, "INSERT INTO crm.contacts VALUES (501, '新联系人')")
    migration.names = both
    assert migration.run(Step.SYNC).ok  # it joins the running connection again, with what the other took since
    on_source(migration, "UPDATE crm.contacts SET name = '改名' WHERE id = 7")

    for step in (Step.REPLICATE, Step.CUTOVER, Step.VERIFY):
        ran = migration.run(step)
        assert ran.ok, ran.message
        assert len(ran.results) == 2, ran.results
    renamed_and_added = migration.pair.target.query("SELECT name FROM crm.contacts WHERE id IN (7, 501) ORDER BY id")
    assert renamed_and_added == [("改名",), ("新联系人",)]
    count = "SELECT COUNT(*) FROM {db}.items"
    assert on_target(migration, count) == on_source(migration, count)
    assert migration.run(Step.ROLLBACK).ok
    assert replication_left(migration) == NOTHING_LEFT
