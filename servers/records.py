"""Table-driven records: the list, count, get, create, update, act and delete behind synthesized tools.

A synthesized tools.py describes its tables once (`TABLES`: keys, nouns, references, the states that
end a row's life, defaults) and each tool is one call on a `Records` built from that description:

    records = Records(TABLES, list_limit=50)

    def cancelOrder(db, orderId):
        '''Cancel an order.'''
        return records.act(db, 'orders', orderId, {'status': 'cancelled'})

The rules come back as `ToolError`s an agent can act on: a missing row or reference names the tool
that finds the right id; a row in an ended state (cancelled, closed) can no longer change, unless an
action moves it out of that state; a new row needs parents that have not ended; a row that others
still refer to cannot be deleted. This is trusted library code on the sandbox's import allow-list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Problem, SpecError
from .toolkit import Db, ToolError

__all__ = ["Condition", "Records", "TableRules"]

Condition = tuple[str | None, str, Any]
"""`(column, match, value)`: match is 'eq', 'min', 'max' or 'search' (column None); a None value is no condition."""


class TableRules(BaseModel):
    """How the rows of one table are found, stored, described and guarded (one entry of `TABLES`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    key: str = Field(description="The primary-key column.")
    prefix: str = Field(description="Prefix of new text keys, such as 'ORD-'.")
    noun: str = Field(description="One row in words, such as 'order'.")
    nouns: str = Field(description="Several rows in words, such as 'orders'.")
    finder: str = Field(description="The tool that lists these rows, named when one is missing ('' for none).")
    single: bool = Field(
        description="The table holds one record (a profile, the settings) that tools take without a key."
    )
    columns: tuple[str, ...] = Field(description="Every column, in table order.")
    json_columns: tuple[str, ...] = Field(alias="json", description="Columns stored as JSON text, returned decoded.")
    bool_columns: tuple[str, ...] = Field(alias="bool", description="Columns stored as 0/1, returned as booleans.")
    search: tuple[str, ...] = Field(description="Text columns a free-text 'search' condition looks in.")
    status: str | None = Field(description="The column holding the row's state, if any.")
    ended: tuple[Any, ...] = Field(description="States after which a row can no longer change.")
    refs: dict[str, str] = Field(description="Reference column -> the table it refers to.")
    parents: tuple[str, ...] = Field(description="Reference columns a row cannot exist without.")
    required: tuple[str, ...] = Field(description="Columns a create must be given.")
    defaults: dict[str, Any] = Field(
        description="Values a create fills in when not given; '@clock' and '@date' take the environment's clock."
    )
    children: tuple[tuple[str, str], ...] = Field(description="(table, column) pairs that refer to this table.")


class Records:
    """The generic tools over the tables that `tables` (table name -> `TableRules` fields) describes."""

    def __init__(self, tables: Mapping[str, Mapping[str, Any]], list_limit: int) -> None:
        problems: list[Problem] = []
        self._tables: dict[str, TableRules] = {}
        for name, rules in tables.items():
            try:
                self._tables[name] = TableRules.model_validate(rules)
            except ValidationError as exc:
                problems += [Problem(f"TABLES[{name!r}]", f"{_path(e['loc'])}: {e['msg']}") for e in exc.errors()]
        for name, parsed in self._tables.items():
            named = [*parsed.refs.values(), *(child for child, _ in parsed.children)]
            problems += [Problem(f"TABLES[{name!r}]", f"names unknown table {t!r}") for t in named if t not in tables]
        if problems:
            raise SpecError("the TABLES description of tools.py is malformed (fix it, or synthesize again)", problems)
        self._list_limit = list_limit

    def select(
        self, db: Db, table: str, conditions: Iterable[Condition], limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The rows matching every condition, oldest first, at most `limit` (capped by the list limit)."""
        where, params = self._where(table, conditions)
        cap = self._list_limit if limit is None else max(0, min(int(limit), self._list_limit))
        rows = db.query(f'SELECT * FROM "{table}"{where} ORDER BY rowid LIMIT {cap}', *params)
        return [self._out(table, row) for row in rows]

    def count(self, db: Db, table: str, conditions: Iterable[Condition]) -> dict[str, Any]:
        """`{"count": n}`: how many rows match every condition."""
        where, params = self._where(table, conditions)
        return {"count": db.value(f'SELECT COUNT(*) FROM "{table}"{where}', *params)}

    def get(self, db: Db, table: str, key: Any, scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One row by key (`scope`: parent columns it must match, such as the order's customer)."""
        row = self._row(db, table, key)
        self._in_scope(table, row, scope or {})
        return self._out(table, row)

    def create(self, db: Db, table: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Insert a row from the given values, the table's defaults and a new key; returns it as stored."""
        rules = self._tables[table]
        self._check_refs(db, table, values)
        missing = [c for c in rules.required if values.get(c) is None]
        if missing:
            raise ToolError(f"A new {rules.noun} needs {', '.join(missing)}.")
        row: dict[str, Any] = {}
        for column in rules.columns:
            value = values.get(column)
            default = rules.defaults.get(column)
            if value is not None:
                row[column] = self._stored(table, column, value)
            elif default == "@clock":
                row[column] = db.now()
            elif default == "@date":
                row[column] = db.today()
            elif default is not None:
                row[column] = default
        key = rules.key
        if row.get(key) is None:
            row[key] = db.new_id(table, rules.prefix)
        elif db.one(f'SELECT 1 FROM "{table}" WHERE "{key}" = ?', row[key]) is not None:
            raise ToolError(f"A {rules.noun} {row[key]!r} already exists.")
        db.insert(table, row)
        return self._out(table, self._find(db, table, row[key]))

    def update(
        self, db: Db, table: str, key: Any, values: Mapping[str, Any], scope: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Change the given (not None) columns of one row; refused when the row is in an ended state."""
        row = self._row(db, table, key)
        self._in_scope(table, row, scope or {})
        self._guard(table, row)
        given = {c: v for c, v in values.items() if v is not None}
        if not given:
            raise ToolError(f"Nothing to change: give at least one of {', '.join(values)}.")
        self._check_refs(db, table, given)
        return self._write(db, table, row, {c: self._stored(table, c, v) for c, v in given.items()})

    def act(
        self,
        db: Db,
        table: str,
        key: Any,
        target: Mapping[str, Any],
        values: Mapping[str, Any] | None = None,
        scope: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Move one row to the `target` state (cancel, close, approve), setting any given `values` too.

        Refused when the row already is in that state, and, for a move into an ended state, when the row
        has ended already (a move out of one, such as reopen, may start there).
        """
        rules = self._tables[table]
        row = self._row(db, table, key)
        self._in_scope(table, row, scope or {})
        for column, value in target.items():
            if row[column] == self._stored(table, column, value):
                raise ToolError(f"{self._name(table, row)} is already {value}.")
        if rules.ended and all(v in rules.ended for v in target.values()):
            self._guard(table, row)
        changes = {c: self._stored(table, c, v) for c, v in (values or {}).items() if v is not None}
        for column, value in target.items():
            changes[column] = self._stored(table, column, value)
        return self._write(db, table, row, changes)

    def delete(self, db: Db, table: str, key: Any, scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Remove one row; refused while other rows still refer to it. Returns `{"deleted": key}`."""
        rules = self._tables[table]
        row = self._row(db, table, key)
        self._in_scope(table, row, scope or {})
        for child, column in rules.children:
            count = db.value(f'SELECT COUNT(*) FROM "{child}" WHERE "{column}" = ?', row[rules.key])
            if count:
                nouns = self._tables[child].nouns
                raise ToolError(f"{self._name(table, row)} still has {count} {nouns}; remove or move them first.")
        db.execute(f'DELETE FROM "{table}" WHERE "{rules.key}" = ?', row[rules.key])
        return {"deleted": row[rules.key]}

    def _where(self, table: str, conditions: Iterable[Condition]) -> tuple[str, list[Any]]:
        """The WHERE clause (or '') and its parameters for `conditions`."""
        rules = self._tables[table]
        clauses: list[str] = []
        params: list[Any] = []
        for column, match, value in conditions:
            if value is None:
                continue
            if match == "search":
                parts = [f'lower(CAST("{c}" AS TEXT)) LIKE ?' for c in rules.search]
                if parts:
                    clauses.append("(" + " OR ".join(parts) + ")")
                    params.extend([f"%{str(value).lower()}%" for _ in rules.search])
            elif match == "min":
                clauses.append(f'"{column}" >= ?')
                params.append(value)
            elif match == "max":
                clauses.append(f'"{column}" <= ?')
                params.append(value)
            elif isinstance(value, str):
                clauses.append(f'lower(CAST("{column}" AS TEXT)) = lower(?)')
                params.append(value)
            else:
                clauses.append(f'"{column}" = ?')
                params.append(self._stored(table, column or "", value))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def _out(self, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """A stored row as tools return it: JSON columns decoded, booleans as true or false."""
        rules = self._tables[table]
        result: dict[str, Any] = {}
        for name, value in row.items():
            if name in rules.json_columns and isinstance(value, str):
                result[name] = json.loads(value)
            elif name in rules.bool_columns and value is not None:
                result[name] = bool(value)
            else:
                result[name] = value
        return result

    def _stored(self, table: str, column: str, value: Any) -> Any:
        """An argument as the database stores it."""
        rules = self._tables[table]
        if value is None:
            return None
        if column in rules.json_columns:
            return json.dumps(value, sort_keys=True)
        if column in rules.bool_columns:
            return 1 if value else 0
        return value

    def _missing(self, table: str, key: Any) -> ToolError:
        rules = self._tables[table]
        hint = f" Use {rules.finder} to find the right one." if rules.finder else ""
        return ToolError(f"No {rules.noun} {key!r}.{hint}")

    def _find(self, db: Db, table: str, key: Any) -> dict[str, Any]:
        row = db.one(f'SELECT * FROM "{table}" WHERE "{self._tables[table].key}" = ?', key)
        if row is None:
            raise self._missing(table, key)
        return row

    def _row(self, db: Db, table: str, key: Any) -> dict[str, Any]:
        """The row a tool names: by key, or the only row of a single-record table."""
        rules = self._tables[table]
        if rules.single:
            row = db.one(f'SELECT * FROM "{table}" ORDER BY rowid LIMIT 1')
            if row is None:
                raise ToolError(f"There is no {rules.noun} yet.")
            return row
        return self._find(db, table, key)

    def _name(self, table: str, row: Mapping[str, Any]) -> str:
        rules = self._tables[table]
        return f"{rules.noun.capitalize()} {row[rules.key]!r}"

    def _in_scope(self, table: str, row: Mapping[str, Any], scope: Mapping[str, Any]) -> None:
        """Parent arguments (the customer of an order) must match the row's own references."""
        for column, value in scope.items():
            if value is not None and str(row.get(column)) != str(value):
                raise ToolError(f"{self._name(table, row)} does not belong to {value!r}.")

    def _check_refs(self, db: Db, table: str, values: Mapping[str, Any]) -> None:
        """Every referenced row must exist; a parent in an ended state takes no new children."""
        rules = self._tables[table]
        for column, target in rules.refs.items():
            value = values.get(column)
            if value is None:
                continue
            parent_rules = self._tables[target]
            parent = db.one(f'SELECT * FROM "{target}" WHERE "{parent_rules.key}" = ?', value)
            if parent is None:
                raise self._missing(target, value)
            status = parent_rules.status
            if column in rules.parents and status and parent[status] in parent_rules.ended:
                raise ToolError(
                    f"{self._name(target, parent)} is {parent[status]}; no {rules.noun} can be added to it."
                )

    def _guard(self, table: str, row: Mapping[str, Any]) -> None:
        """Refuse a change to a row in an ended state."""
        rules = self._tables[table]
        if rules.status and row[rules.status] in rules.ended:
            raise ToolError(f"{self._name(table, row)} is {row[rules.status]}; it can no longer be changed.")

    def _write(self, db: Db, table: str, row: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
        key = self._tables[table].key
        sets = ", ".join(f'"{c}" = ?' for c in changes)
        db.execute(f'UPDATE "{table}" SET {sets} WHERE "{key}" = ?', *changes.values(), row[key])
        return self._out(table, self._find(db, table, row[key]))


def _path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(whole entry)"
