"""Table-driven records: the list, count, get, create, update, act and delete behind synthesized tools.

A synthesized tools.py describes its tables once (`TABLES`: keys, nouns, references, states, rules; see
`TableRules`) and each tool is one call on a `Records` built from that description:

    records = Records(TABLES, list_limit=50)

    def cancelOrder(db, orderId):
        '''Cancel an order.'''
        return records.act(db, 'orders', orderId, {'status': 'cancelled'})

The rules come back as `ToolError`s an agent can act on, each naming the rule: a missing row or
reference names the tool that finds the right id; a value the document forbids (out of range, badly
formatted, read-only) is refused; a row in an ended state (cancelled, closed) can no longer change,
and neither can the lines of an ended parent; an action starts only from the states the document
allows, and only when the clock allows it (no check-in before the check-in date); a new row needs
parents that have not ended (or that are in the state it needs: a return needs a delivered order);
a row that others still refer to cannot be deleted. Derived values stay true after every call: a
total equals its lines, a line's price is copied from its product, stock moves with the rows that
take it. This is trusted library code on the sandbox's import allow-list.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from .constraints import as_stored, problem
from .errors import Problem, SpecError
from .table_rules import Line, TableRules
from .toolkit import Db, ToolError

__all__ = ["Condition", "Records", "TableRules"]

_Method = TypeVar("_Method", bound=Callable[..., Any])


def _on_database(method: _Method) -> _Method:
    """`method` refusing anything but the tool's `Db` as its database: tool code cannot hand it a `datetime` whose
    `now()` would pass for the environment's clock."""

    @functools.wraps(method)
    def checked(self: Records, db: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(db, Db):
            raise TypeError(f"Records.{method.__name__} takes the tool's db first, not {type(db).__name__}")
        return method(self, db, *args, **kwargs)

    return checked  # type: ignore[return-value]


Condition = tuple[str | None, str, Any]
"""`(column, match, value)`: match is 'eq', 'min', 'max' or 'search' (column None); a None value is no condition."""


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
            named = [
                *parsed.refs.values(),
                *(child for child, _ in parsed.children),
                *(line.table for total in parsed.totals.values() for line in total.lines),
            ]
            problems += [Problem(f"TABLES[{name!r}]", f"names unknown table {t!r}") for t in named if t not in tables]
        if problems:
            raise SpecError("the TABLES description of tools.py is malformed (fix it, or synthesize again)", problems)
        self._list_limit = list_limit
        self._lines: dict[str, list[tuple[str, str, Line]]] = {}
        for name, parsed in self._tables.items():
            for column, total in parsed.totals.items():
                for line in total.lines:
                    self._lines.setdefault(line.table, []).append((name, column, line))

    # ---- reads ---------------------------------------------------------------------------------

    @_on_database
    def select(
        self, db: Db, table: str, conditions: Iterable[Condition], limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The rows matching every condition, oldest first, at most `limit` (capped by the list limit)."""
        where, params = self._where(table, conditions)
        cap = self._list_limit if limit is None else max(0, min(int(limit), self._list_limit))
        rows = db.query(f'SELECT * FROM "{table}"{where} ORDER BY rowid LIMIT {cap}', *params)
        return [self._out(table, row) for row in rows]

    @_on_database
    def count(self, db: Db, table: str, conditions: Iterable[Condition]) -> dict[str, Any]:
        """`{"count": n}`: how many rows match every condition."""
        where, params = self._where(table, conditions)
        return {"count": db.value(f'SELECT COUNT(*) FROM "{table}"{where}', *params)}

    @_on_database
    def get(self, db: Db, table: str, key: Any, scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One row by key (`scope`: parent columns it must match, such as the order's customer)."""
        row = self._row(db, table, key)
        self._in_scope(table, row, scope or {})
        return self._out(table, row)

    @_on_database
    def lookup(self, db: Db, table: str, column: str, value: Any) -> Any:
        """The key of the one row whose `column` is `value` (case and spacing aside): a tool that finds its row
        by a name. No match and several matches are tool errors that say how to go on."""
        rules = self._tables[table]
        if value is None or str(value).strip() == "":
            raise ToolError(f"Give the {_words(column)} of the {rules.noun}.")
        wanted = " ".join(str(value).split()).lower()
        rows = db.query(
            f'SELECT "{rules.key}" AS key, "{column}" AS named FROM "{table}" WHERE 1 = 1{self._live_clause(table)}'
        )
        keys = [r["key"] for r in rows if " ".join(str(r["named"] or "").split()).lower() == wanted]
        finder = f" Call {rules.finder} to see them." if rules.finder else ""
        if not keys:
            raise ToolError(f"No {rules.noun} has the {_words(column)} {value!r}.{finder}")
        if len(keys) > 1:
            shown = ", ".join(repr(k) for k in keys[:5])
            raise ToolError(
                f"{len(keys)} {rules.nouns} have the {_words(column)} {value!r} ({shown}); this tool needs one that "
                f"is unique, so rename one of them first.{finder}"
            )
        return keys[0]

    def choose(self, argument: str, value: Any, needs: Mapping[str, Mapping[str, Any]]) -> None:
        """Check the action that `argument` of a tool multiplexing several actions selects: it is one of `needs`,
        and every argument that action needs (`needs[value]`, name -> value given) was given."""
        if value not in needs:
            raise ToolError(f"{argument} must be one of {', '.join(repr(v) for v in needs)}, not {value!r}.")
        missing = [name for name, given in needs[value].items() if given is None]
        if missing:
            raise ToolError(f"{argument} {value!r} needs {' and '.join(missing)}.")

    # ---- writes --------------------------------------------------------------------------------

    @_on_database
    def create(self, db: Db, table: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Insert a row from the given values, the table's defaults and a new key; returns it as stored."""
        rules = self._tables[table]
        given = self._given(table, values)
        self._check_values(table, given, creating=True)
        self._check_refs(db, table, given, creating=True)
        missing = [c for c in rules.required if given.get(c) is None and c not in rules.copies]
        if missing:
            raise ToolError(f"A new {rules.noun} needs {', '.join(missing)}.")
        row: dict[str, Any] = {}
        for column in rules.columns:
            default = rules.defaults.get(column)
            if column in given:
                row[column] = self._stored(table, column, given[column])
            elif default == "@clock":
                row[column] = db.now()
            elif default == "@date":
                row[column] = db.today()
            elif default is not None:
                row[column] = default
        row.update(self._copied(db, table, given))
        key = rules.key
        if row.get(key) is None:
            row[key] = db.new_id(table, rules.prefix)
        elif db.one(f'SELECT 1 FROM "{table}" WHERE "{key}" = ?', row[key]) is not None:
            raise ToolError(f"A {rules.noun} {row[key]!r} already exists.")
        self._check_row(db, table, row, set(row))
        self._check_unique(db, table, row, set(row))
        self._take(db, table, row)
        self._supersede(db, table, row)
        db.insert(table, row)
        self._derive(db, table, row, None)
        return self._out(table, self._find(db, table, row[key]))

    @_on_database
    def create_many(self, db: Db, table: str, items: Any, fields: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
        """Insert one row per item (`fields`: item field -> column), all or none: the first item refused refuses
        the call, and the runtime then keeps none of its rows. Returns `{"created": [rows]}`."""
        rules = self._tables[table]
        made = []
        for index, item in enumerate(self._batch(table, items, dict)):
            values = {column: item.get(field) for field, column in fields.items()}
            try:
                made.append(self.create(db, table, values))
            except ToolError as exc:
                raise ToolError(f"Item {index + 1}: {exc} No {rules.nouns} were created.") from None
        return {"created": made}

    @_on_database
    def delete_many(self, db: Db, table: str, keys: Any, by: str | None = None) -> dict[str, list[Any]]:
        """Remove the rows with these keys (or, with `by`, these values of that column, each naming one row), all
        or none (as `create_many`). Returns `{"deleted": [keys]}`."""
        rules = self._tables[table]
        gone = []
        for key in self._batch(table, keys, (str, int)):
            try:
                found = self.lookup(db, table, by, key) if by else key
                gone.append(self.delete(db, table, found)["deleted"])
            except ToolError as exc:
                raise ToolError(f"{exc} No {rules.nouns} were removed.") from None
        return {"deleted": gone}

    def _batch(self, table: str, given: Any, kind: type | tuple[type, ...]) -> list[Any]:
        """A batch argument checked: a non-empty list of items of `kind`."""
        nouns = self._tables[table].nouns
        if not isinstance(given, list) or not given or not all(isinstance(i, kind) for i in given):
            raise ToolError(f"Give the {nouns} as a non-empty list.")
        return given

    @_on_database
    def update(
        self, db: Db, table: str, key: Any, values: Mapping[str, Any], scope: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Change the given (not None) columns of one row; refused when the row is in an ended state."""
        row = self._row(db, table, key)
        self._in_scope(table, row, scope or {})
        self._guard(table, row)
        self._frozen(db, table, row)
        given = self._given(table, values)
        if not given:
            raise ToolError(f"Nothing to change: give at least one of {', '.join(values)}.")
        self._check_values(table, given, creating=False, row=row)
        self._check_refs(db, table, given, creating=False)
        return self._write(db, table, row, {c: self._stored(table, c, v) for c, v in given.items()})

    @_on_database
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

        Refused when the row already is in that state, when the document does not allow the move from
        the row's state, when the clock does not allow it yet, and, for a move into an ended state, when
        the row has ended already (a move out of one, such as reopen, may start there).
        """
        rules = self._tables[table]
        row = self._row(db, table, key)
        self._in_scope(table, row, scope or {})
        for column, value in target.items():
            if row[column] == self._stored(table, column, value):
                raise ToolError(f"{self._name(table, row)} is already {value}.")
        if rules.ended and all(v in rules.ended for v in target.values()):
            self._guard(table, row)
        self._frozen(db, table, row)
        for column, value in target.items():
            self._transition(db, table, row, column, value)
        given = self._given(table, values or {})
        self._check_values(table, given, creating=False, row=row)
        changes = {c: self._stored(table, c, v) for c, v in given.items()}
        for column, value in target.items():
            changes[column] = self._stored(table, column, value)
        return self._write(db, table, row, changes)

    @_on_database
    def delete(self, db: Db, table: str, key: Any, scope: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Remove one row; refused while other rows still refer to it. Returns `{"deleted": key}`."""
        rules = self._tables[table]
        row = self._row(db, table, key)
        self._in_scope(table, row, scope or {})
        self._frozen(db, table, row)
        for child, column in rules.children:
            count = db.value(f'SELECT COUNT(*) FROM "{child}" WHERE "{column}" = ?', row[rules.key])
            if count:
                nouns = self._tables[child].nouns
                raise ToolError(f"{self._name(table, row)} still has {count} {nouns}; remove or move them first.")
        self._give_back(db, table, row)
        db.execute(f'DELETE FROM "{table}" WHERE "{rules.key}" = ?', row[rules.key])
        self._derive(db, table, None, row)
        return {"deleted": row[rules.key]}

    # ---- finding and naming rows ---------------------------------------------------------------

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

    def _given(self, table: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values given (not None), a number sent as text ('37.00') read as the number its column holds."""
        checks = self._tables[table].checks
        return {c: as_stored(checks.get(c, {}), v) for c, v in values.items() if v is not None}

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
        if key is None and rules.current and rules.status:
            return self._current(db, table)
        return self._find(db, table, key)

    def _supersede(self, db: Db, table: str, row: Mapping[str, Any]) -> None:
        """A new current row ends the one before it: starting a timer stops the running one."""
        rules = self._tables[table]
        if rules.status and rules.superseded is not None and row.get(rules.status) in rules.current:
            db.execute(
                f'UPDATE "{table}" SET "{rules.status}" = ? WHERE {self._current_clause(table)}',
                self._stored(table, rules.status, rules.superseded),
                *rules.current,
            )

    def _current_clause(self, table: str) -> str:
        """'"status" IN (?, ?)' over a table's current states, which the caller passes as parameters."""
        rules = self._tables[table]
        return f'"{rules.status}" IN ({", ".join("?" for _ in rules.current)})'

    def _current(self, db: Db, table: str) -> dict[str, Any]:
        """The one row in a live state (the running timer), which a tool given no key acts on."""
        rules = self._tables[table]
        rows = db.query(f'SELECT * FROM "{table}" WHERE {self._current_clause(table)} LIMIT 2', *rules.current)
        states = " or ".join(str(s).replace("_", " ") for s in rules.current)
        if not rows:
            raise ToolError(f"No {rules.noun} is {states} now.")
        if len(rows) > 1:
            raise ToolError(f"More than one {rules.noun} is {states}; name the one you mean.")
        return rows[0]

    def _name(self, table: str, row: Mapping[str, Any]) -> str:
        rules = self._tables[table]
        return f"{rules.noun.capitalize()} {row[rules.key]!r}"

    def _in_scope(self, table: str, row: Mapping[str, Any], scope: Mapping[str, Any]) -> None:
        """Parent arguments (the customer of an order) must match the row's own references."""
        for column, value in scope.items():
            if value is not None and str(row.get(column)) != str(value):
                raise ToolError(f"{self._name(table, row)} does not belong to {value!r}.")

    # ---- rules on values -----------------------------------------------------------------------

    def _check_values(
        self, table: str, given: Mapping[str, Any], *, creating: bool, row: Mapping[str, Any] | None = None
    ) -> None:
        """Given values keep the document's constraints, and leave read-only and fixed columns alone."""
        rules = self._tables[table]
        for column, value in given.items():
            if column in rules.read_only or column in rules.totals:
                raise ToolError(f"{column} is set by the service; it cannot be given.")
            if not creating and column in rules.immutable and row is not None and row.get(column) != value:
                raise ToolError(f"{column} cannot change once the {rules.noun} exists.")
            if column in rules.checks:
                found = problem(column, rules.checks[column], value)
                if found:  # an argument's name is kept as it is spelled ('store_credit must be at most 500.')
                    raise ToolError(f"{found if found.startswith(column) else found[0].upper() + found[1:]}.")

    def _check_refs(self, db: Db, table: str, values: Mapping[str, Any], *, creating: bool) -> None:
        """Every referenced row must exist; a parent in an ended state takes no new children, and a
        parent a new row needs in a given state (a delivered order for a return) must be in it."""
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
            if not creating or not status:
                continue
            needed = rules.requires.get(column)
            if needed is not None:
                if parent[status] not in needed:
                    raise ToolError(
                        f"{self._name(target, parent)} is {_words(parent[status])}; {_a(rules.noun)} needs "
                        f"{_a(parent_rules.noun)} that is {_either(needed)}."
                    )
            elif column in rules.parents and parent[status] in parent_rules.ended:
                raise ToolError(
                    f"{self._name(target, parent)} is {parent[status]}; no {rules.noun} can be added to it."
                )

    def _check_row(self, db: Db, table: str, row: Mapping[str, Any], changed: set[str]) -> None:
        """Rules on a whole row as it will be: pairs in order, no past dates, capacity, no overlap."""
        rules = self._tables[table]
        for start, end in rules.pairs:
            if {start, end} & changed and not _ordered(row.get(start), row.get(end)):
                raise ToolError(f"{end} must be after {start} ({row[start]}).")
        for column in rules.upcoming:
            if column in changed and row.get(column) is not None and str(row[column])[:10] < db.today():
                raise ToolError(f"{column} cannot be in the past (today is {db.today()}).")
        for column, (ref, limit) in rules.capacity.items():
            if {column, ref} & changed and row.get(column) is not None and row.get(ref) is not None:
                parent = self._find(db, rules.refs[ref], row[ref])
                if parent.get(limit) is not None and row[column] > parent[limit]:
                    noun = self._tables[rules.refs[ref]].noun
                    raise ToolError(f"{column} is {row[column]}, more than the {noun}'s {limit} of {parent[limit]}.")
        if rules.overlap is not None and set(rules.overlap) & changed and not self._void(table, row):
            self._no_overlap(db, table, row)

    def _check_unique(self, db: Db, table: str, row: Mapping[str, Any], changed: set[str]) -> None:
        """No two rows share a unique column's value (case aside)."""
        rules = self._tables[table]
        for column in rules.unique:
            if column in changed and isinstance(row.get(column), str):
                clash = db.one(
                    f'SELECT 1 FROM "{table}" WHERE lower("{column}") = lower(?) AND "{rules.key}" IS NOT ? LIMIT 1',
                    row[column],
                    row.get(rules.key),
                )
                if clash is not None:
                    raise ToolError(f"Another {rules.noun} already has the {column} {row[column]!r}.")

    def _no_overlap(self, db: Db, table: str, row: Mapping[str, Any]) -> None:
        rules = self._tables[table]
        ref, start, end = rules.overlap  # type: ignore[misc]
        if any(row.get(c) is None for c in (ref, start, end)):
            return
        live = self._live_clause(table)
        clash = db.one(
            f'SELECT 1 FROM "{table}" WHERE "{ref}" = ? AND "{rules.key}" IS NOT ? AND "{start}" < ? AND ? < "{end}"'
            f"{live} LIMIT 1",
            row[ref],
            row.get(rules.key),
            row[end],
            row[start],
        )
        if clash is not None:
            noun = self._tables[rules.refs[ref]].noun
            raise ToolError(f"The {noun} {row[ref]!r} is already taken for part of {row[start]} to {row[end]}.")

    def _copied(self, db: Db, table: str, given: Mapping[str, Any]) -> dict[str, Any]:
        """Values a new row copies from the rows it refers to (a line's price from its product)."""
        rules = self._tables[table]
        copied: dict[str, Any] = {}
        for column, (ref, source) in rules.copies.items():
            if given.get(ref) is None:
                continue
            value = self._find(db, rules.refs[ref], given[ref]).get(source)
            if column in given and given[column] != value:
                noun = self._tables[rules.refs[ref]].noun
                raise ToolError(f"{column} comes from the {noun}: it is {value}.")
            copied[column] = value
        return copied

    # ---- lifecycle -----------------------------------------------------------------------------

    def _guard(self, table: str, row: Mapping[str, Any]) -> None:
        """Refuse a change to a row in an ended state."""
        rules = self._tables[table]
        if rules.status and row[rules.status] in rules.ended:
            raise ToolError(f"{self._name(table, row)} is {row[rules.status]}; it can no longer be changed.")

    def _frozen(self, db: Db, table: str, row: Mapping[str, Any]) -> None:
        """Refuse a change to a row whose parent has ended (the items of a cancelled order)."""
        rules = self._tables[table]
        for column in rules.parents:
            if column in rules.requires or row.get(column) is None:
                continue
            target = rules.refs[column]
            parent_rules = self._tables[target]
            if not parent_rules.status or not parent_rules.ended:
                continue
            parent = db.one(f'SELECT * FROM "{target}" WHERE "{parent_rules.key}" = ?', row[column])
            if parent is not None and parent[parent_rules.status] in parent_rules.ended:
                raise ToolError(
                    f"{self._name(target, parent)} is {parent[parent_rules.status]}; "
                    f"its {rules.nouns} can no longer change."
                )

    def _transition(self, db: Db, table: str, row: Mapping[str, Any], column: str, value: Any) -> None:
        """The document's lifecycle: the states a move may start from, and when the clock allows it."""
        rules = self._tables[table]
        if column != rules.status:
            return
        allowed = rules.transitions.get(str(value))
        if allowed is not None and row[column] not in allowed:
            raise ToolError(
                f"{self._name(table, row)} is {_words(row[column])}; only {_either(allowed)} {rules.nouns} can be "
                f"{_words(value)}."
            )
        schedule = rules.schedule
        if schedule is None or value not in (*schedule.ongoing, *schedule.past):
            return
        start = str(row.get(schedule.start) or "")[:10]
        if start and start > db.today():
            raise ToolError(f"{self._name(table, row)} starts on {start}; it cannot be {_words(value)} before then.")
        end = str(row.get(schedule.end) or "")[:10] if schedule.end else ""
        if value in schedule.ongoing and end and end < db.today():
            raise ToolError(f"{self._name(table, row)} ended on {end}; it can no longer be {_words(value)}.")

    def _void(self, table: str, row: Mapping[str, Any]) -> bool:
        rules = self._tables[table]
        return bool(rules.status and rules.void and row.get(rules.status) in rules.void)

    def _live_clause(self, table: str) -> str:
        """' AND status NOT IN (...)' for a table whose voided rows do not count, else ''."""
        rules = self._tables[table]
        if not rules.status or not rules.void:
            return ""
        states = ", ".join("'" + str(v).replace("'", "''") + "'" for v in rules.void)
        return f' AND "{rules.status}" NOT IN ({states})'

    # ---- derived values ------------------------------------------------------------------------

    def _write(self, db: Db, table: str, row: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
        """Apply `changes` to `row` with every rule and derived value kept; returns the row as stored."""
        rules = self._tables[table]
        after = {**row, **changes}
        changed = {c for c, v in changes.items() if row.get(c) != v}
        self._check_row(db, table, after, changed)
        self._check_unique(db, table, after, changed)
        if rules.stock is not None and {rules.stock.ref, rules.stock.quantity, rules.status} & changed:
            self._give_back(db, table, row)
            self._take(db, table, after)
        if self._void(table, after) and not self._void(table, row):
            for child, column in rules.children:
                if self._tables[child].stock is not None:
                    for line in db.query(f'SELECT * FROM "{child}" WHERE "{column}" = ?', row[rules.key]):
                        self._give_back(db, child, line)
        sets = ", ".join(f'"{c}" = ?' for c in changes)
        db.execute(f'UPDATE "{table}" SET {sets} WHERE "{rules.key}" = ?', *changes.values(), row[rules.key])
        self._derive(db, table, after, row)
        return self._out(table, self._find(db, table, row[rules.key]))

    def _take(self, db: Db, table: str, row: Mapping[str, Any]) -> None:
        """A live row takes its quantity from the stock of the row it refers to; refused beyond the stock."""
        stock = self._tables[table].stock
        if stock is None or row.get(stock.ref) is None or self._void(table, row):
            return
        target = self._tables[table].refs[stock.ref]
        source = self._find(db, target, row[stock.ref])
        wanted = row.get(stock.quantity) if stock.quantity else 1
        if source.get(stock.column) is None or not wanted:
            return
        if wanted > source[stock.column]:
            noun = self._tables[target].noun
            raise ToolError(f"Only {source[stock.column]} left of the {noun} {row[stock.ref]!r}; {wanted} asked for.")
        key = self._tables[target].key
        db.execute(
            f'UPDATE "{target}" SET "{stock.column}" = "{stock.column}" - ? WHERE "{key}" = ?', wanted, row[stock.ref]
        )

    def _give_back(self, db: Db, table: str, row: Mapping[str, Any]) -> None:
        """A live row that goes (deleted, voided, changed) returns what it took to the stock."""
        stock = self._tables[table].stock
        if stock is None or row.get(stock.ref) is None or self._void(table, row):
            return
        wanted = row.get(stock.quantity) if stock.quantity else 1
        target = self._tables[table].refs[stock.ref]
        key = self._tables[target].key
        db.execute(
            f'UPDATE "{target}" SET "{stock.column}" = "{stock.column}" + ? WHERE "{key}" = ? '
            f'AND "{stock.column}" IS NOT NULL',
            wanted or 0,
            row[stock.ref],
        )

    def _derive(self, db: Db, table: str, after: Mapping[str, Any] | None, before: Mapping[str, Any] | None) -> None:
        """Recompute the totals a write affects: the row's own, and those of the rows its lines add up into."""
        rules = self._tables[table]
        if after is not None and rules.totals:
            self._recompute(db, table, after[rules.key])
        for parent, _, line in self._lines.get(table, ()):
            owners = {r.get(line.via) for r in (after, before) if r is not None} - {None}
            for owner in owners:
                if db.one(f'SELECT 1 FROM "{parent}" WHERE "{self._tables[parent].key}" = ?', owner) is not None:
                    self._recompute(db, parent, owner)

    def _recompute(self, db: Db, table: str, key: Any) -> None:
        rules = self._tables[table]
        row = self._find(db, table, key)
        for column, total in rules.totals.items():
            value = 0.0
            nights = total.nights
            if nights is not None and row.get(nights.ref) is not None:
                rate = self._find(db, rules.refs[nights.ref], row[nights.ref]).get(nights.rate) or 0
                value += _nights(row.get(nights.start), row.get(nights.end)) * rate
            for line in total.lines:
                quantity = f'"{line.quantity}"' if line.quantity else "1"
                value += db.value(
                    f'SELECT COALESCE(SUM({quantity} * "{line.amount}"), 0) FROM "{line.table}" '
                    f'WHERE "{line.via}" = ?{self._live_clause(line.table)}',
                    key,
                )
            db.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE "{rules.key}" = ?', round(value, 2), key)


def _ordered(start: Any, end: Any) -> bool:
    """Whether `start` comes before `end` (either missing: nothing to compare)."""
    if start is None or end is None:
        return True
    if isinstance(start, str) or isinstance(end, str):
        return str(start) < str(end)
    return bool(start < end)


def _nights(start: Any, end: Any) -> int:
    """Whole days from `start` to `end` (ISO dates or date-times); 0 when either is missing."""
    if not start or not end:
        return 0
    days = (dt.date.fromisoformat(str(end)[:10]) - dt.date.fromisoformat(str(start)[:10])).days
    return max(days, 0)


def _words(value: Any) -> str:
    """A state as words: 'checked_in' -> 'checked in'."""
    return str(value).replace("_", " ")


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _either(values: Iterable[Any]) -> str:
    items = [_words(v) for v in values]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(whole entry)"
