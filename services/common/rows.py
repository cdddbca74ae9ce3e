"""Rows by primary key for a unit of work that folds a batch: read in one query, changed in memory, written back at
commit with one executemany per table."""

import functools
import json
import operator
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

WRITE_BEHIND = "rows_written_at_commit"  # the session.info entry listing its RowsByKey


class Row:
    """One table row as a plain record: its columns are attributes."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__ = values  # the record is the dict, not a copy of it

    if TYPE_CHECKING:  # columns differ per table

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


class RowsByKey:
    """One table's rows by primary key, as a unit of work sees them: for folding a batch of events without a query,
    an ORM object and a statement per event.

    `load(keys)` fetches the rows a batch will touch in one query; `get` then answers from memory, rows `add`ed in this
    unit of work included, and queries only for keys it was not given. Rows are plain records changed in place; the
    unit of work writes them back when it commits, with one INSERT for the new rows and one UPDATE for the changed
    ones (each an executemany)."""

    def __init__(self, session: Session, model: type[Any]):
        self._session = session
        self._table: sa.Table = model.__table__
        self._key_columns = [column.key for column in self._table.primary_key.columns]
        self._key = operator.itemgetter(*self._key_columns)  # a row's key: a value, or a tuple for a composite key
        self._defaults = {column.key: _scalar_default(column) for column in self._table.columns}
        self._callable_defaults = {
            column.key: default for column in self._table.columns if (default := _callable_default(column))
        }
        self._rows: dict[Any, Row] = {}
        self._loaded: dict[Any, dict[str, Any]] = {}  # each fetched row's values as they were read
        self._known: set[Any] = set()  # keys whose row (or its absence) is in _rows
        session.info.setdefault(WRITE_BEHIND, []).append(self)

    def load(self, keys: Iterable[Any]) -> None:
        wanted = set(keys) - self._known
        if not wanted:
            return
        for found in self._session.execute(sa.select(self._table).where(*self._matching(wanted))).mappings():
            key = self._key(found)
            if key in wanted:
                self._rows[key] = Row(dict(found))
                self._loaded[key] = dict(found)
        self._known |= wanted

    def _matching(self, keys: set[Any]) -> list[sa.ColumnElement[bool]]:
        """Rows with these keys, and for a composite key possibly a few more: PostgreSQL plans `(a, b) IN (...)` with
        thousands of pairs as a scan, but `a IN (...) AND b IN (...)` with the index."""
        if len(self._key_columns) == 1:
            return [self._among(self._table.c[self._key_columns[0]], keys)]
        return [self._among(self._table.c[name], {key[i] for key in keys}) for i, name in enumerate(self._key_columns)]

    def _among(self, column: sa.Column[Any], values: set[Any]) -> sa.ColumnElement[bool]:
        """`column IN values` with all the values in one bound parameter: for a plain IN SQLAlchemy renders and
        processes a parameter per value, which cost more than the query itself for a batch's thousands of keys."""
        if len(values) < 8 or not all(isinstance(value, str) for value in values):
            return column.in_(values)
        if self._session.get_bind().dialect.name == "postgresql":
            return column == sa.any_(sa.bindparam(None, list(values), type_=ARRAY(sa.String)))
        return column.in_(sa.select(sa.column("value")).select_from(sa.func.json_each(json.dumps(list(values)))))

    def get(self, key: Any) -> Row | None:
        if key not in self._known:
            self.load([key])
        return self._rows.get(key)

    def add(self, **values: Any) -> Row:
        """A new row; columns not given take their default (a callable one is called now), or None until set."""
        row = Row(self._defaults | values)
        for name, default in self._callable_defaults.items():
            if name not in values:
                setattr(row, name, default(None))
        key = self._key(vars(row))
        self._rows[key] = row
        self._known.add(key)
        return row

    def write(self) -> None:
        """Send this unit of work's new and changed rows to the database."""
        new, changed = [], []
        for key, row in self._rows.items():
            values = vars(row)
            loaded = self._loaded.get(key)
            if loaded is None:
                new.append(values)
            elif values != loaded:
                changed.append(values)
            else:
                continue
            self._loaded[key] = dict(values)
        if new or changed:
            connection = self._session.connection()
            _table_writes(self._table, connection.dialect).write(connection, new, changed)


@functools.cache
def _table_writes(table: sa.Table, dialect: sa.Dialect) -> "_TableWrites":
    return _TableWrites(table, dialect)


class _TableWrites:
    """A table's INSERT and UPDATE by primary key, compiled once for a dialect and run on the driver with rows
    converted here: SQLAlchemy compiles and converts each row of an executemany anew, which for a fold's thousands of
    rows cost several times the database's own work."""

    def __init__(self, table: sa.Table, dialect: sa.Dialect):
        columns = [column.key for column in table.columns]
        keys = [column.key for column in table.primary_key.columns]
        where = [table.c[name] == sa.bindparam(f"key_{name}") for name in keys]
        self._insert = _DriverStatement(sa.insert(table), dialect, columns, {})
        self._update = _DriverStatement(
            sa.update(table).where(*where),
            dialect,
            [name for name in columns if name not in keys],
            {f"key_{name}": name for name in keys},
        )

    def write(self, connection: sa.Connection, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
        if new:
            self._insert.execute(connection, new)
        if changed:
            self._update.execute(connection, changed)


class _DriverStatement:
    """A compiled statement and how to turn a row (a dict by column) into the driver's parameters for it."""

    def __init__(self, statement: Any, dialect: sa.Dialect, columns: list[str], renamed: dict[str, str]):
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        self._sql = compiled.string
        self._positional = compiled.positional
        self._names = list(compiled.positiontup if compiled.positional else compiled.binds)  # type: ignore[arg-type]
        self._values = operator.itemgetter(*[renamed.get(name, name) for name in self._names])
        conversions = [compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self._names]
        self._conversions = [(i, convert) for i, convert in enumerate(conversions) if convert is not None]

    def execute(self, connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
        connection.exec_driver_sql(self._sql, [self._parameters(row) for row in rows])  # type: ignore[arg-type]

    def _parameters(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = self._values(row)
        if len(self._names) == 1:
            values = (values,)
        if self._conversions:
            values = list(values)
            for i, convert in self._conversions:
                values[i] = convert(values[i])
        return tuple(values) if self._positional else dict(zip(self._names, values, strict=True))


def _scalar_default(column: sa.Column[Any]) -> Any:
    default = column.default
    return default.arg if isinstance(default, sa.ColumnDefault) and default.is_scalar else None


def _callable_default(column: sa.Column[Any]) -> Any:
    default = column.default
    return default.arg if isinstance(default, sa.ColumnDefault) and default.is_callable else None


def write_behind(session: Session) -> None:
    """Write the rows every RowsByKey of this session holds (before a commit)."""
    for rows in session.info.get(WRITE_BEHIND, ()):
        rows.write()
