"""The relational mapping of a tau2 database: nested records to SQLite rows and back, losslessly.

A tau2 domain database is a dict of collections, each a map of records keyed by id. A `Many`
describes one collection and becomes one table; inside a record, an `Obj` (an address, a name)
becomes columns of the same row, a nested `Many` (a user's payment methods, an order's items)
becomes a child table whose rows carry their parent's key, and a `Col(json=True)` (a list or map
of plain values: options, tracking ids) is stored as JSON text. Every table has a `position`
column, so the order of dicts and lists survives the round trip; child rows are keyed
`"<parent key>/<map key or position>"`. `flatten` and `unflatten` are exact inverses on data that
fits the layout, which is what lets our final state be compared with tau2's, record by record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from autoforge.servers import Column, Table

__all__ = ["Col", "Many", "Member", "Obj", "Rows", "flatten", "tables", "unflatten"]

Rows = dict[str, list[dict[str, Any]]]
"""Rows by table name, each row a dict of column values."""

POSITION = "position"
CHILD_KEY = "key"


@dataclass(frozen=True)
class Col:
    """A plain attribute of a record, stored in one column."""

    name: str
    type: Literal["TEXT", "INTEGER", "REAL"] = "TEXT"
    nullable: bool = False
    omit_null: bool = False
    """Absent from the record when NULL: a field only some variants of a union have."""
    json: bool = False
    """A list or map of plain values, stored as JSON text."""
    boolean: bool = False
    enum: tuple[str, ...] | None = None
    description: str = ""


@dataclass(frozen=True)
class Obj:
    """A nested object stored as columns of its parent's row (its attribute names must not clash)."""

    name: str
    members: tuple[Col, ...]


@dataclass(frozen=True)
class Many:
    """A map or list of records, stored as a table."""

    name: str
    table: str
    shape: Literal["map", "list"]
    members: tuple[Member, ...]
    map_key: str = ""
    """Maps: the column holding the dict key (a record attribute of that name must equal it)."""
    description: str = ""


Member = Col | Obj | Many


def tables(layout: tuple[Many, ...]) -> list[Table]:
    """The spec's tables for a layout, parents before children."""
    return [table for collection in layout for table in _tables(collection, None)]


def _tables(many: Many, parent: tuple[str, str] | None) -> Iterator[Table]:
    key = _key_column(many, parent)
    columns = [Column(name=key, type="TEXT", primary_key=True, description=_key_description(many, parent))]
    if parent is not None:
        parent_table, parent_key = parent
        columns.append(
            Column(name=_link(parent_key), type="TEXT", nullable=False, references=f"{parent_table}.{parent_key}")
        )
        if many.shape == "map" and not any(c.name == many.map_key for c in _columns(many)):
            columns.append(Column(name=many.map_key, type="TEXT", nullable=False, description="The key of this entry."))
    columns.append(
        Column(name=POSITION, type="INTEGER", nullable=False, description="Order within the collection (0 first).")
    )
    for col in _columns(many):
        if col.name == key:
            continue
        columns.append(
            Column(
                name=col.name,
                type=col.type,
                nullable=col.nullable or col.omit_null,
                enum=col.enum,
                description=col.description or ("JSON text." if col.json else ""),
            )
        )
    yield Table(name=many.table, description=many.description, columns=tuple(columns))
    for child in _children(many):
        yield from _tables(child, (many.table, key))


def _key_column(many: Many, parent: object) -> str:
    return many.map_key if parent is None else CHILD_KEY


def _link(parent_key: str) -> str:
    """The column of a child row naming its parent: the parent's key column, or parent_key under a child."""
    return "parent_key" if parent_key == CHILD_KEY else parent_key


def _key_description(many: Many, parent: tuple[str, str] | None) -> str:
    if parent is None:
        return ""
    part = many.map_key if many.shape == "map" else POSITION
    return f"'<{parent[1]}>/<{part}>'."


def _columns(many: Many) -> Iterator[Col]:
    for member in many.members:
        if isinstance(member, Col):
            yield member
        elif isinstance(member, Obj):
            yield from member.members


def _children(many: Many) -> Iterator[Many]:
    return (m for m in many.members if isinstance(m, Many))


def flatten(layout: tuple[Many, ...], database: Mapping[str, Any]) -> Rows:
    """The rows of every table for a tau2 database dict; raises ValueError naming what does not fit."""
    unknown = sorted(set(database) - {m.name for m in layout})
    if unknown:
        raise ValueError(f"the database has collections this importer does not know: {', '.join(unknown)}")
    rows: Rows = defaultdict(list)
    for many in layout:
        if many.name not in database:
            raise ValueError(f"the database lacks its {many.name!r} collection")
        _flatten(many, database[many.name], None, rows, many.name)
    return dict(rows)


def _flatten(many: Many, value: Any, parent: tuple[str, str] | None, rows: Rows, where: str) -> None:
    if many.shape == "map":
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a map of records, got {type(value).__name__}")
        entries: list[tuple[str, Any]] = [(str(k), v) for k, v in value.items()]
    else:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list of records, got {type(value).__name__}")
        entries = [(str(i), v) for i, v in enumerate(value)]
    for position, (entry_key, record) in enumerate(entries):
        here = f"{where}[{entry_key!r}]" if many.shape == "map" else f"{where}[{entry_key}]"
        if not isinstance(record, dict):
            raise ValueError(f"{here}: expected a record, got {type(record).__name__}")  # noqa: TRY004 - bad data
        row: dict[str, Any] = {}
        if parent is None:
            key = entry_key
            row[many.map_key] = key
        else:
            key = f"{parent[1]}/{entry_key}"
            row[CHILD_KEY] = key
            row[parent[0]] = parent[1]  # (link column, parent key)
            if many.shape == "map":
                row[many.map_key] = entry_key
        row[POSITION] = position
        known = {m.name for m in many.members}
        extra = sorted(set(record) - known)
        if extra:
            raise ValueError(f"{here}: unknown field(s) {', '.join(extra)}")
        for member in many.members:
            if isinstance(member, Many):
                link = (_link(_key_column(many, parent)), key)
                _flatten(
                    member,
                    record.get(member.name, [] if member.shape == "list" else {}),
                    link,
                    rows,
                    f"{here}.{member.name}",
                )
            elif isinstance(member, Obj):
                inner = record.get(member.name)
                if not isinstance(inner, dict):
                    raise ValueError(f"{here}.{member.name}: expected an object")  # noqa: TRY004 - bad data
                surplus = sorted(set(inner) - {c.name for c in member.members})
                if surplus:
                    raise ValueError(f"{here}.{member.name}: unknown field(s) {', '.join(surplus)}")
                for col in member.members:
                    row[col.name] = _to_column(col, inner, f"{here}.{member.name}")
            else:
                stored = _to_column(member, record, here)
                if member.name in row and row[member.name] != stored:
                    raise ValueError(f"{here}: its {member.name} {stored!r} differs from its key {row[member.name]!r}")
                row[member.name] = stored
        rows[many.table].append(row)


def _to_column(col: Col, record: Mapping[str, Any], where: str) -> Any:
    value = record.get(col.name)
    if value is None:
        if col.nullable or col.omit_null:
            return None
        raise ValueError(f"{where}: missing {col.name}")
    if col.json:
        return json.dumps(value)
    if col.boolean:
        if not isinstance(value, bool):
            raise ValueError(f"{where}.{col.name}: expected true or false, got {value!r}")
        return int(value)
    if col.enum is not None and value not in col.enum:
        raise ValueError(f"{where}.{col.name}: {value!r} is not one of {', '.join(col.enum)}")
    if col.type == "REAL" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if col.type == "INTEGER" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if col.type == "TEXT" and isinstance(value, str):
        return value
    raise ValueError(f"{where}.{col.name}: expected {col.type.lower()}, got {value!r}")


def unflatten(layout: tuple[Many, ...], rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """The tau2 database dict for a set of rows (the inverse of `flatten`)."""
    children: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for child, link in _links(layout):
        for row in rows.get(child.table, []):
            children[(child.table, str(row[link]))].append(row)
    database: dict[str, Any] = {}
    for many in layout:
        ordered = sorted(rows.get(many.table, []), key=lambda r: r[POSITION])
        database[many.name] = {row[many.map_key]: _record(many, row, None, children) for row in ordered}
    return database


def _links(layout: tuple[Many, ...]) -> Iterator[tuple[Many, str]]:
    """Every child collection with the column that links its rows to their parent."""
    pending: list[tuple[Many, str]] = [(many, many.map_key) for many in layout]
    while pending:
        many, key = pending.pop()
        for child in _children(many):
            yield child, _link(key)
            pending.append((child, CHILD_KEY))


def _record(
    many: Many, row: Mapping[str, Any], parent: str | None, children: Mapping[tuple[str, str], list[Mapping[str, Any]]]
) -> dict[str, Any]:
    key = str(row[many.map_key] if parent is None else row[CHILD_KEY])
    record: dict[str, Any] = {}
    for member in many.members:
        if isinstance(member, Many):
            mine = sorted(children.get((member.table, key), []), key=lambda r: r[POSITION])
            if member.shape == "map":
                record[member.name] = {r[member.map_key]: _record(member, r, key, children) for r in mine}
            else:
                record[member.name] = [_record(member, r, key, children) for r in mine]
        elif isinstance(member, Obj):
            inner: dict[str, Any] = {}
            for col in member.members:
                _put(inner, col, row[col.name])
            record[member.name] = inner
        else:
            _put(record, member, row[member.name])
    return record


def _put(record: dict[str, Any], col: Col, value: Any) -> None:
    if value is None:
        if not col.omit_null:
            record[col.name] = None
        return
    if col.json:
        record[col.name] = json.loads(value)
    elif col.boolean:
        record[col.name] = bool(value)
    else:
        record[col.name] = value
