"""zy_mysql_table_sums: every table of a database counted and checksummed on the source and on the target.

Runs on the controller with the servers' own client (`mariadb`, logging in with the staged option file). The source's
base tables are listed with their columns and primary keys; a table without a primary key fails the module, named
(its rows have no order to checksum in). Each table's rows are then read on both sides at once, in primary-key order,
one client per side (`--quick`: row by row, nothing held in memory), and their bytes hashed with SHA-256 as they come.

The rows' text is made unambiguous before it is hashed: `--batch --skip-column-names` writes a tab between columns and
a line feed after each row, and escapes tabs, line feeds, NULs and backslashes inside values (unlike `--raw`, where a
tab inside a value looks like the next column); each column goes through QUOTE(), so NULL (written NULL) differs from
the text 'NULL' (written 'NULL'). `--xml` is unambiguous too, but repeats every column's name on every row, which
would triple what is read and hashed. A row is a line, so the line count is the row count.

Returns `tables` (each one's counts and checksums) and `differing`: a sentence for every table whose counts or checksums
differ, that a side could not read, or that only the target has.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import threading
from typing import Any

from ansible.module_utils.basic import AnsibleModule

CHUNK = 1 << 20
BATCH_ESCAPES = {"0": "\0", "t": "\t", "n": "\n", "\\": "\\"}
TABLES = (
    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = {schema} "
    "AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME"
)
COLUMNS = (
    "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {schema} "
    "ORDER BY TABLE_NAME, ORDINAL_POSITION"
)
PRIMARY_KEYS = (
    "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = {schema} "
    "AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_NAME, SEQ_IN_INDEX"
)


class ClientError(Exception):
    pass


def name(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def text(value: str) -> str:
    encoded = value.encode("utf-8")
    return f"_utf8mb4 X'{encoded.hex()}'" if encoded else "''"


def unescaped(field: str) -> str:
    return re.sub(r"\\(.)", lambda match: BATCH_ESCAPES.get(match.group(1), match.group(1)), field)


def rows(client: list[str], sql: str, side: str) -> list[list[str]]:
    done = subprocess.run([*client, "--execute", sql], capture_output=True, timeout=600, check=False)
    if done.returncode != 0:
        raise ClientError(f"the {side} did not list its tables: {done.stderr.decode('utf-8', 'replace').strip()}")
    lines = done.stdout.decode("utf-8").split("\n")
    return [[unescaped(field) for field in line.split("\t")] for line in lines if line]


def columns_by_table(client: list[str], schema: str, sql: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for table, column in rows(client, sql.format(schema=text(schema)), "source"):
        found.setdefault(table, []).append(column)
    return found


class Digest(threading.Thread):
    """One side's rows of one table, hashed and counted as the client writes them."""

    def __init__(self, client: list[str], sql: str):
        super().__init__(daemon=True)
        self.client, self.sql = client, sql
        self.rows = 0
        self.sha256 = ""
        self.error = ""

    def run(self) -> None:
        digest, lines = hashlib.sha256(), 0
        with subprocess.Popen(
            [*self.client, "--quick", "--execute", self.sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            while chunk := process.stdout.read(CHUNK):
                digest.update(chunk)
                lines += chunk.count(b"\n")
            error = process.stderr.read().decode("utf-8", "replace").strip()
        if process.returncode != 0:
            self.error = error or f"the client ended with exit code {process.returncode}"
        else:
            self.rows, self.sha256 = lines, digest.hexdigest()


def compare(params: dict[str, Any]) -> dict[str, Any]:
    tables = [row[0] for row in rows(params["source"], TABLES.format(schema=text(params["source_database"])), "source")]
    columns = columns_by_table(params["source"], params["source_database"], COLUMNS)
    keys = columns_by_table(params["source"], params["source_database"], PRIMARY_KEYS)
    keyless = [table for table in tables if table not in keys]
    if keyless:
        return {"keyless": keyless}
    target_tables = rows(params["target"], TABLES.format(schema=text(params["target_database"])), "target")
    target_only = sorted({row[0] for row in target_tables} - set(tables))
    source = [*params["source"], f"--database={params['source_database']}"]
    target = [*params["target"], f"--database={params['target_database']}"]
    compared, differing = [], []
    for table in tables:
        sql = (
            f"SELECT {', '.join(f'QUOTE({name(column)})' for column in columns[table])} FROM {name(table)} "
            f"ORDER BY {', '.join(name(column) for column in keys[table])}"
        )
        source_side, target_side = Digest(source, sql), Digest(target, sql)
        for side in (source_side, target_side):
            side.start()
        for side in (source_side, target_side):
            side.join()
        compared.append(
            {
                "table": table,
                "source_rows": source_side.rows,
                "target_rows": target_side.rows,
                "source_sha256": source_side.sha256,
                "target_sha256": target_side.sha256,
            }
        )
        sides = (("source", source_side), ("target", target_side))
        if errors := [f"{where}: {side.error}" for where, side in sides if side.error]:
            differing.append(f"table {table} could not be read: {'; '.join(errors)}")
        elif (source_side.rows, source_side.sha256) != (target_side.rows, target_side.sha256):
            differing.append(
                f"table {table} differs: {source_side.rows} rows on the source, {target_side.rows} on the target"
                + ("" if source_side.rows != target_side.rows else " (the same count, other rows)")
            )
    differing += [f"table {table} is on the target only" for table in target_only]
    return {"tables": compared, "differing": differing}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "source": {"type": "list", "elements": "str", "required": True},
            "target": {"type": "list", "elements": "str", "required": True},
            "source_database": {"type": "str", "required": True},
            "target_database": {"type": "str", "required": True},
        },
        supports_check_mode=True,
    )
    try:
        result = compare(module.params)
    except ClientError as error:
        module.fail_json(msg=str(error))
    except (OSError, subprocess.SubprocessError) as error:
        module.fail_json(msg=f"the client could not be run: {error}")
    if "keyless" in result:
        module.fail_json(
            msg="tables without a primary key (their rows have no order to checksum in): "
            + ", ".join(result["keyless"]),
            keyless=result["keyless"],
        )
    module.exit_json(changed=False, tables=result["tables"], differing=result["differing"])


if __name__ == "__main__":
    main()
