"""Filters for the db_mysql role: SQL quoting, the replication account's password hash, and the lag arithmetic.

- `name | zy_mysql_name`: a backquoted identifier (a database or table name may hold any character).
- `text | zy_mysql_text`: a string literal as a hex literal with a character set introducer (`_utf8mb4 X'..'`), which
  means the same whatever the session's sql_mode (NO_BACKSLASH_ESCAPES changes what a quoted literal means).
- `password | zy_mysql_native_hash`: the mysql_native_password hash (`*` + SHA1(SHA1(password)) in upper-case hex), so
  that `CREATE USER ... IDENTIFIED BY PASSWORD '<hash>'` puts the hash, never the password, in the source's binary log
  (MariaDB logs `IDENTIFIED BY '<password>'` as it was written).
- `filter_list | zy_mysql_list_with(entry)`, `filter_list | zy_mysql_list_without(entry)`: a replication filter's
  comma-separated list with `entry` added (at the end, once) or taken out; an empty entry changes nothing.
- `binary_logs | zy_mysql_binlog_gap(file, position)`: bytes of the source's binary logs (`SHOW BINARY LOGS` in batch
  mode, without column names) after `file`:`position`, or None when `file` is no longer among them.
- `stdout | zy_mysql_record(n)`: the client's batch output with column names, of statements that each return one row
  (`SELECT ...`, `SHOW SLAVE '<name>' STATUS`): the row of the n-th statement (from 0) as a dict of column names to
  values (unescaped), or an empty dict when there is none.
- `source_gtid_pos | zy_mysql_gtid_gap(target_gtid_pos)`: transactions the source logged that the target has not
  applied, per replication domain (`domain-server-sequence`, comma-separated), or None when the target has applied
  none of a domain's transactions yet (its sequence there is unknown).
"""

import hashlib
import re
from typing import Any

BATCH_ESCAPES = {"0": "\0", "t": "\t", "n": "\n", "\\": "\\"}


def mysql_name(value: Any) -> str:
    return "`" + str(value).replace("`", "``") + "`"


def mysql_text(value: Any) -> str:
    encoded = str(value).encode("utf-8")
    return f"_utf8mb4 X'{encoded.hex()}'" if encoded else "''"


def mysql_native_hash(password: Any) -> str:
    return "*" + hashlib.sha1(hashlib.sha1(str(password).encode("utf-8")).digest()).hexdigest().upper()


def _unescaped(field: str) -> str:
    return re.sub(r"\\(.)", lambda match: BATCH_ESCAPES.get(match.group(1), match.group(1)), field)


def record(stdout: Any, index: int = 0) -> dict[str, str]:
    lines = str(stdout).split("\n")
    if len(lines) < 2 * index + 2:
        return {}
    head, row = lines[2 * index].split("\t"), lines[2 * index + 1].split("\t")
    return dict(zip(head, map(_unescaped, row), strict=True))


def _entries(filter_list: Any) -> list[str]:
    return [entry for entry in str(filter_list).split(",") if entry]


def list_with(filter_list: Any, entry: Any) -> str:
    entries = _entries(filter_list)
    return ",".join(entries + [str(entry)] if entry and str(entry) not in entries else entries)


def list_without(filter_list: Any, entry: Any) -> str:
    return ",".join(item for item in _entries(filter_list) if item != str(entry))


def binlog_gap(binary_logs: Any, file: Any, position: Any) -> int | None:
    sizes = []
    for line in str(binary_logs).splitlines():
        name, size = line.split("\t")[:2]
        sizes.append((name, int(size)))
    if str(file) not in {name for name, _ in sizes}:
        return None
    # The logs' names are a base name and a zero-padded number: in order, as text.
    return max(0, sum(size for name, size in sizes if name >= str(file)) - int(position))


def _sequences(gtid_pos: Any) -> dict[str, int]:
    sequences = {}
    for gtid in str(gtid_pos).replace("\n", ",").split(","):
        if gtid.strip():
            domain, _server, sequence = gtid.strip().split("-")
            sequences[domain] = int(sequence)
    return sequences


def gtid_gap(source_gtid_pos: Any, target_gtid_pos: Any) -> int | None:
    source, target = _sequences(source_gtid_pos), _sequences(target_gtid_pos)
    if any(domain not in target for domain in source):
        return None
    return sum(max(0, sequence - target[domain]) for domain, sequence in source.items())


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "zy_mysql_name": mysql_name,
            "zy_mysql_text": mysql_text,
            "zy_mysql_native_hash": mysql_native_hash,
            "zy_mysql_record": record,
            "zy_mysql_list_with": list_with,
            "zy_mysql_list_without": list_without,
            "zy_mysql_binlog_gap": binlog_gap,
            "zy_mysql_gtid_gap": gtid_gap,
        }
