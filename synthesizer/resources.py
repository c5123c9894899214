"""Resources to tables: columns from response records, request bodies and filters, with the constraints the
document states (types, enums, ranges, lengths, formats, patterns, read-only fields, examples); keys and
references from path parameters and `<entity>_id` fields; labels and the kind of value of each column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from autoforge.servers import Column, Table
from autoforge.servers.constraints import FORMATS

from .batches import item_properties
from .naming import identifier, normal, singular, snake, split_words, table_name
from .semantics import column_kind, is_clock_time, is_status_column, label_rank
from .shapes import ACTION_TARGETS, SEARCH_ARGS, SWITCHES, Shape, id_entity, lookup_column
from .sources.schemas import DOC_KEY, merged_properties, nested, schema_type, structure_of
from .values import documented_prefix, key_shaped

__all__ = [
    "LIMIT_ARGS",
    "SEARCH_ARGS",
    "Col",
    "Resource",
    "argument_column",
    "column_for",
    "ignorable",
    "labels_of",
    "range_of",
    "resources_of",
    "semantic_of",
    "tables_of",
]

LIMIT_ARGS = frozenset({"limit", "perpage", "pagesize", "maxresults", "top", "first", "size", "count", "max"})
_RANGE_PREFIX = (("min", "min"), ("from", "min"), ("after", "min"), ("since", "min"), ("start", "min"),
                 ("max", "max"), ("to", "max"), ("before", "max"), ("until", "max"), ("end", "max"))  # fmt: skip
_SPANS = frozenset({"hours", "days", "minutes", "weeks", "months", "period", "window", "lookback", "interval",
                    "granularity", "resolution"})  # fmt: skip
"""Last words of a listing's argument with a default that set the span it covers or its buckets, not a field."""
_DISPLAY_FLAGS = frozenset({"show", "include", "with", "hide", "exclude"})
_REQUEST_OPTIONS = frozenset({"page", "offset", "skip", "cursor", "select", "sort", "sortby", "order", "orderby",
                              "fields", "include", "expand", "passthrough", "raw", "format", "filter", "pagetoken",
                              "nextpagetoken", "startingafter", "endingbefore", "updatemask", "fieldmask",
                              "validateonly", "requestid", "allowmissing", "idempotencykey", "sendupdates",
                              "sendnotifications", "detailed", "lean", "verbose", "includeraw", "pretty",
                              "compact", "sortorder", "sortdirection"})  # fmt: skip
"""Arguments (`normal` spelling) that shape a request or its answer (paging, sorting, field masks), not a record."""
MAX_COLUMNS = 48
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass
class Col:
    """A column as the documents describe it, its constraints merged over every schema that mentions it."""

    name: str
    json_type: str | None
    enum: tuple[str, ...] | None = None
    fmt: str | None = None
    description: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    read_only: bool = False
    examples: list[Any] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    """What its descriptions quote as examples ("such as '8JX2WO'"): read for the shape of keys only (as values,
    one quoted seat or phone number would fill half the rows)."""
    structure: dict[str, Any] | None = None
    """The shape of an object or list it holds (a booking's flights), as the first schema giving one says."""

    def merge(self, schema: dict[str, Any]) -> None:
        """Add what another schema of the same field says: the tighter bound wins, examples add up."""
        notes = {**_prose_notes(str(schema.get("description") or "")), **(schema.get(DOC_KEY) or {})}
        if nested(schema):  # what a list's description says ('YYYY-MM-DD') is of its items, not the column's text
            notes = {}
        self.minimum = _tighter(self.minimum, schema.get("minimum"), max)
        self.maximum = _tighter(self.maximum, schema.get("maximum"), min)
        self.min_length = _tighter(self.min_length, schema.get("minLength"), max)
        self.max_length = _tighter(self.max_length, schema.get("maxLength", notes.get("maxLength")), min)
        self.fmt = self.fmt or schema.get("format") or notes.get("format")
        self.pattern = self.pattern or notes.get("pattern")
        self.read_only = self.read_only or schema.get("readOnly") is True
        self.structure = self.structure or structure_of(schema)
        default = schema.get("default")
        extra = [*notes.get("examples", ()), *([default] if isinstance(default, (str, int, float)) else [])]
        self.examples += [e for e in extra if e not in self.examples and not isinstance(e, bool)]
        self.quoted += [e for e in _quoted(str(schema.get("description") or "")) if e not in self.quoted]
        if not self.description and schema.get("description"):
            self.description = str(schema["description"])[:200]


_PROSE_LENGTH = re.compile(r"\b(?:up to|at most|max(?:imum)?(?: of)?|no more than)\s+(\d+)\s+char", re.IGNORECASE)
_PROSE_FORMATS = (
    (re.compile(r"YYYY-MM-DD[T ]HH:MM(:SS)?"), "date-time"),
    (re.compile(r"\bYYYY-MM-DD\b"), "date"),
    (re.compile(r"\b(ISO[- ]?8601 )?date and time\b", re.IGNORECASE), "date-time"),
    (re.compile(r"^\W*(?:the\s+)?(?:[\w'\u2019]+\s+){0,2}e-?mail address\b(?!es)(?! or\b)", re.IGNORECASE), "email"),
)

_PROSE_EXAMPLE = re.compile(
    r"\b(?:such as|e\.g\.,?|for (?:example|instance),?|like|example:)\s*(?:'([^'\s][^']{0,59})'|\"([^\"\s][^\"]{0,59})\"|`([^`\s][^`]{0,59})`)",
    re.IGNORECASE,
)


def _quoted(text: str) -> list[str]:
    """The examples a description quotes: "The reservation id, such as '8JX2WO'." -> ['8JX2WO']."""
    return ["".join(groups) for groups in _PROSE_EXAMPLE.findall(text)]


def _prose_notes(text: str) -> dict[str, Any]:
    """Constraints a field's description states in words: 'Up to 40 characters.', 'Date, YYYY-MM-DD.'."""
    notes: dict[str, Any] = {}
    length = _PROSE_LENGTH.search(text)
    if length:
        notes["maxLength"] = int(length.group(1))
    for pattern, fmt in _PROSE_FORMATS:
        if pattern.search(text):
            notes["format"] = fmt
            break
    return notes


def _tighter(current: Any, new: Any, pick: Any) -> Any:
    if not isinstance(new, (int, float)) or isinstance(new, bool):
        return current
    return new if current is None else pick(current, new)


@dataclass
class Resource:
    name: str
    columns: dict[str, Col] = field(default_factory=dict)
    key: str | None = None
    key_type: str = "string"
    parents: dict[str, str] = field(default_factory=dict)  # column -> parent table (from paths and arguments)
    refs: dict[str, str] = field(default_factory=dict)  # column -> table it names by id (from field names)
    created: bool = False
    client_key: bool = False
    singleton: bool = False
    given: list[set[str]] = field(default_factory=list)  # the columns each create of the resource sets


# ---- resources and tables ----------------------------------------------------------------------


def resources_of(shapes: list[Shape], http: bool) -> dict[str, Resource]:
    resources: dict[str, Resource] = {}

    def resource(name: str) -> Resource:
        table = table_name(name)
        return resources.setdefault(table, Resource(table))

    names = {table_name(s.resource) for s in shapes} | {table_name(p) for s in shapes for _, p in s.parents}
    for shape in shapes:
        shape.parents = [(arg, resource(parent).name) for arg, parent in shape.parents]
        if shape.parents:  # /orders/{id}/items is the same resource as /order-items/{id}
            nested = table_name(f"{singular(shape.parents[-1][1])}_{singular(snake(shape.resource))}")
            if nested in names and nested != table_name(shape.resource):
                shape.resource = nested
        shape.resource = resource(shape.resource).name
    keyed = {s.resource for s in shapes if s.key}
    if not http:
        _merge_by_key(shapes)
        for name in [n for n in resources if n not in {s.resource for s in shapes}]:
            del resources[name]
    for shape in shapes:
        res = resources[shape.resource]
        record = shape.op.output_schema
        if record and shape.kind in ("get", "list", "create", "update", "action"):
            properties, _ = merged_properties(record)
            for name, sub in properties.items():
                _add_column(res, name, sub)
    for shape in shapes:
        res = resources[shape.resource]
        properties = shape.op.input_schema.get("properties", {})
        required = set(shape.op.input_schema.get("required", []))
        if shape.many and shape.kind == "create":  # a batch: each item is a row
            properties, required = item_properties(shape.op, shape.many), set()
        elif shape.many:
            properties = {}
        arguments = {a for a, _ in shape.parents} | {a for a in (shape.key, shape.lookup) if a}
        if shape.lookup and not lookup_column(shape.lookup, singular(res.name), res.columns):
            _add_column(res, shape.lookup, properties.get(shape.lookup))
        if shape.kind in ("create", "update", "action") or (not http and shape.kind in ("list", "count", "get")):
            for name, sub in properties.items():
                if name in arguments or ignorable(name) or (shape.kind in ("list", "count") and range_of(name, res)):
                    continue
                bounded = _bound_column(name) if shape.kind in ("list", "count") else None
                if bounded:  # `max_price` on a tool list: the records have a price
                    _add_column(res, bounded, sub)
                    continue
                if shape.kind in ("list", "count", "get") and normal(name) in SEARCH_ARGS:
                    continue
                if shape.kind in ("list", "count") and split_words(name)[0] in _DISPLAY_FLAGS:
                    continue  # `show_hidden`, `include_archived`: which rows a listing shows, not a field of them
                if shape.kind == "get" and isinstance(sub, dict) and "default" in sub:
                    continue  # `tail(file_name, lines=10)`: how much of the one record to show, not a field of it
                spans = (split_words(name) or [""])[-1] in _SPANS
                if shape.kind in ("list", "count") and spans and isinstance(sub, dict) and "default" in sub:
                    continue  # `get_history(entity_id, hours=24)`: how far back to look, not a field of a row
                _add_column(res, name, sub, required=shape.kind == "create" and name in required)
        if shape.kind == "create":
            res.created = True
        linked = dict(shape.parents).get(shape.key or "") if shape.toggle else None
        if shape.key and res.key is None and linked is not None:  # a follow is keyed by the account it follows
            res.key = _parent_column(res, shape.key, linked)
            res.client_key = True
        elif shape.key and res.key is None:
            res.key = _key_column(res, shape.key, properties.get(shape.key, {}))
            res.key_type = schema_type(properties.get(shape.key, {}))[0] or "string"
        given = {_parent_column(res, argument, parent): parent for argument, parent in shape.parents}
        for column, parent in given.items():
            res.parents.setdefault(column, parent)
        if shape.kind == "create":  # the columns it sets: its fields and the parents its path names
            res.given.append({c for a in properties if (c := column_for(res, a))} | set(given))
    named_keys = _named_keys(resources)
    for res in list(resources.values()):
        for column in res.columns:
            entity = id_entity(column)
            target = table_name(entity) if entity else named_keys.get(column)
            if target and target != res.name and target in resources and column not in res.parents:
                res.refs[column] = target
    for res in resources.values():
        _add_states(res, [s for s in shapes if s.resource == res.name and s.kind == "action"])
    for res in resources.values():
        res.singleton = (
            res.name not in keyed
            and any(s.kind in ("update", "action", "get") and s.key is None and s.resource == res.name for s in shapes)
            and not any(s.kind == "list" and s.resource == res.name for s in shapes)
        )
        if res.key is None:
            own = column_for(res, f"{singular(res.name)}_id")
            res.key = column_for(res, "id") or own or _natural_key(res) or "id"  # `ID` is SQLite's `id`
        if res.key in res.columns:
            res.key_type = (
                res.columns[res.key].json_type if res.columns[res.key].json_type in ("integer", "string") else "string"
            )
        for shape in shapes:
            if shape.resource == res.name and shape.kind == "create":
                keys = shape.op.input_schema.get("properties", {})
                res.client_key = res.client_key or any(column_for(res, a) == res.key for a in keys)
    return resources


def _named_keys(resources: dict[str, Resource]) -> dict[str, str]:
    """Key columns named for their record (`service_code` of services, `order_number` of orders) -> the table: a
    column of that name elsewhere (a request's `service_code`) refers to that record."""
    named: dict[str, str] = {}
    for res in resources.values():
        words = split_words(res.key or "")
        if len(words) > 1 and singular(res.name).split("_")[-1] in words and id_entity(res.key or "") is None:
            named[res.key or ""] = res.name
    return named


def _add_states(res: Resource, actions: list[Shape]) -> None:
    """A lifecycle for a resource whose actions (`/orders/{id}/cancel`) move it between states the document never
    lists: a `status` column, 'active' first, then each action's target state. A documented status is kept."""
    targets = [ACTION_TARGETS[s.verb[0]][0] for s in actions if s.verb and s.verb[0] in ACTION_TARGETS]
    status = next((c for c in res.columns.values() if is_status_column(c.name)), None)
    if not targets or (status is not None and status.enum):
        return
    switched = set(targets) <= set(SWITCHES)  # a device turned on and off has no 'active' state
    states = tuple(dict.fromkeys([*(SWITCHES if switched else ["active"]), *targets]))
    if status is not None and status.json_type in ("string", None):
        status.enum, status.json_type = states, "string"
    elif status is None and len(res.columns) < MAX_COLUMNS:
        res.columns["status"] = Col("status", "string", states, description="The state its actions move it to.")


def _merge_by_key(shapes: list[Shape]) -> None:
    """Tools naming their record by the same natural key (`filepath`) work on one table: the one that is listed."""
    by_key: dict[str, set[str]] = {}
    for shape in shapes:
        if shape.key and id_entity(shape.key) is None and normal(shape.key) != "id":
            by_key.setdefault(normal(shape.key), set()).add(shape.resource)
    for shape in shapes:
        arguments = shape.op.input_schema.get("properties", {})
        for key, tables in by_key.items():
            if len(tables) > 1 and any(normal(a) == key for a in arguments):
                listed = sorted(t for t in tables if any(_lists(s, t, key) for s in shapes)) or sorted(tables)
                if shape.resource in tables:
                    shape.resource = listed[0]
                    if shape.key is None and shape.kind in ("list", "get"):
                        shape.key = next(a for a in arguments if normal(a) == key) if shape.kind == "get" else None


def _lists(shape: Shape, table: str, key: str) -> bool:
    """Whether a shape lists a table's records, not only those a list of their keys names (`filepaths`)."""
    arguments = shape.op.input_schema.get("properties", {})
    return shape.resource == table and shape.kind == "list" and not any(normal(a) == f"{key}s" for a in arguments)


def _natural_key(res: Resource) -> str | None:
    return next((c for c in res.columns if normal(c) in ("slug", "code", "key", "uuid", "path", "filepath")), None)


_BRACKETED = re.compile(r"^([A-Za-z_]+)\[([^\[\]]+)\](?:\[[^\[\]]*\])*$")


def bracketed(name: str) -> tuple[str, str] | None:
    """('filter', 'name') for the query-string style `filter[name]` (JSON:API, Rails); None for other names."""
    match = _BRACKETED.match(name)
    return (match.group(1).lower(), match.group(2)) if match else None


def ignorable(name: str) -> bool:
    parts = bracketed(name)
    if parts is not None:  # `fields[cart]`, `page[size]` shape the answer; `filter[name]` selects rows
        return parts[0] != "filter" and ignorable(parts[0])
    key = normal(name)
    return key in LIMIT_ARGS or key in _REQUEST_OPTIONS or not name.strip()


def range_of(name: str, res: Resource) -> tuple[str, str] | None:
    """('price', 'min') for `min_price` when the table has such a column."""
    words = split_words(name)
    for word, bound in _RANGE_PREFIX:
        for rest in (words[1:] if words[:1] == [word] else None, words[:-1] if words[-1:] == [word] else None):
            if rest:
                column = column_for(res, "_".join(rest))
                if column:
                    return column, bound
    return None


def _bound_column(name: str) -> str | None:
    """'price' for `max_price` or `price_min`: the column a range argument bounds."""
    words = split_words(name)
    for word, _ in _RANGE_PREFIX:
        if len(words) > 1 and words[0] == word:
            return "_".join(words[1:])
        if len(words) > 1 and words[-1] == word:
            return "_".join(words[:-1])
    return None


def _add_column(res: Resource, name: str, schema: Any, required: bool = False) -> None:
    column = name if _COLUMN.fullmatch(name) else identifier(name, "field")
    existing = column_for(res, name)
    schema = _labelled_value(schema) if isinstance(schema, dict) else {}
    if existing:
        col = res.columns[existing]
        col.required = col.required or required
        kind, _ = schema_type(schema)
        if col.json_type in (None, "object") and kind not in (None, "object", "array"):  # a plain value documented
            col.json_type, col.enum = kind, _string_enum(kind, schema)
        col.merge(schema)
        return
    if len(res.columns) >= MAX_COLUMNS:
        return
    res.columns[column] = _col(column, schema, required)


_LABELLED = frozenset({"label", "value", "type", "universal_id", "unit", "format", "name"})
"""Keys of an object that wraps one field's value with its label (`{"label": "Hire date", "value": "2014-11-09",
"type": "date"}`)."""


def _labelled_value(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a field's value where the document wraps each field with its label, else `schema`."""
    properties = schema.get("properties")
    if (
        isinstance(properties, dict)
        and "value" in properties
        and "label" in properties
        and set(properties) <= _LABELLED
        and isinstance(properties["value"], dict)
    ):
        return properties["value"]
    return schema


def _string_enum(kind: str | None, schema: dict[str, Any]) -> tuple[str, ...] | None:
    """The values a text field's schema lists, if it lists any."""
    values = schema.get("enum")
    if kind != "string" or not values:
        return None
    return tuple(str(v) for v in values if v is not None) or None


def _col(name: str, schema: dict[str, Any], required: bool = False) -> Col:
    """A column as one schema describes it: its type, its string enum, its constraints."""
    kind, _ = schema_type(schema)
    col = Col(name, kind, _string_enum(kind, schema), required=required)
    col.merge(schema)
    return col


def column_for(res: Resource, argument: str) -> str | None:
    """The column an argument names: same name, or the same words spelled differently."""
    if argument in res.columns:
        return argument
    parts = bracketed(argument)
    if parts is not None and parts[0] == "filter":
        return column_for(res, parts[1])
    wanted = normal(argument)
    found = next((c for c in res.columns if normal(c) == wanted), None)
    words = split_words(argument)
    if found is None and len(words) > 1 and words[0] in ("new", "updated", "destination", "target"):  # `new_name`
        return column_for(res, "_".join(words[1:]))
    if found is None and words in (["name"], ["title"]):  # `find(name)` on files searches their `file_name`
        owned = normal(f"{singular(res.name)}_{words[0]}")
        found = next((c for c in res.columns if normal(c) == owned), None)
    return found


def _key_column(res: Resource, argument: str, schema: Any) -> str:
    """The column a key argument names, made when the resource has none; it takes what the argument's schema says
    of the key (its examples: what the resource's keys look like)."""
    entity = id_entity(argument)
    own = column_for(res, "id")
    column = column_for(res, argument) or (
        own if own and (entity is None or singular(res.name).endswith(entity) or entity.endswith(singular(res.name)))
        else None
    )  # fmt: skip
    if column is None:
        column = argument if _COLUMN.fullmatch(argument) else identifier(argument, "id")
        res.columns = {column: Col(column, schema_type(schema)[0] or "string"), **res.columns}
    if isinstance(schema, dict):
        res.columns[column].merge(schema)
    return column


def _parent_column(res: Resource, argument: str, parent: str) -> str:
    found = column_for(res, argument) if normal(argument) != "id" else None
    if found and found != res.key:
        return found
    guess = f"{singular(parent)}_id"
    found = column_for(res, guess)
    if found and found != res.key:
        return found
    res.columns[guess] = Col(guess, "string")
    return guess


def tables_of(resources: dict[str, Resource]) -> tuple[Table, ...]:
    # Parents referenced but never described get a small table of their own (a tenant such as a ledger).
    for res in list(resources.values()):
        for parent in res.parents.values():
            if parent not in resources:
                resources[parent] = Resource(parent, {"name": Col("name", "string")}, key="name")
    tables: list[Table] = []
    for res in resources.values():
        key = res.key or "id"
        if key not in res.columns:
            res.columns = {key: Col(key, res.key_type), **res.columns}
        links = {**res.refs, **res.parents}
        keys = {c: resources[p].key or "id" for c, p in links.items()}
        columns: list[Column] = []
        ordered = [
            key,
            *[c for c in res.parents if c != key],
            *[c for c in res.columns if c != key and c not in res.parents],
        ]
        unique: dict[str, str] = {}
        for name in ordered:  # SQLite names ignore case: the first of `ID` and `id` stays, in its place
            unique.setdefault(name.lower(), name)
        ordered = list(unique.values())
        for name in ordered:
            col = res.columns[name]
            sql = _sql_type(col.json_type) if name != key else ("INTEGER" if res.key_type == "integer" else "TEXT")
            parent = links.get(name)
            parent_key_type = _key_sql_type(resources[parent]) if parent else None
            columns.append(
                Column(
                    name=name,
                    type=parent_key_type or sql,
                    primary_key=name == key,
                    nullable=name != key and not col.required and (name not in res.parents or _loose(res, name)),
                    references=f"{parent}.{keys[name]}" if parent else None,
                    generated=name == key and res.created and not res.client_key and not parent,
                    enum=col.enum if sql == "TEXT" and not parent and name != key else None,
                    description=col.description,
                    **_constraints(
                        col,
                        sql if not parent else "KEY",
                        name == key or name in res.parents,
                        own_key=name == key and not parent and not res.client_key,
                    ),
                )
            )
        tables.append(
            Table(
                name=res.name,
                description=f"{singular(res.name).replace('_', ' ').capitalize()} records.",
                columns=tuple(columns),
            )
        )
    return _without_required_cycles(tables)


def _loose(res: Resource, column: str) -> bool:
    """Whether a parent column may stay empty: some create of the resource takes no argument that sets it (`POST
    /tags` makes a tag that a list under `/bookmarks/{id}/tags` shows by bookmark)."""
    return any(column not in given for given in res.given)


def _without_required_cycles(tables: list[Table]) -> tuple[Table, ...]:
    """The tables with each cycle of required references opened at one of them, which becomes optional: a
    relation documented from both sides (`/bookmarks/{id}/tags`, `/tags/{id}/bookmarks`) otherwise leaves no
    order in which rows can be made."""
    by_name = {t.name: t for t in tables}
    graph = nx.MultiDiGraph()
    for table in tables:
        for column in table.columns:
            target = column.references.split(".")[0] if column.references else None
            if target and target != table.name and not column.nullable and not column.primary_key:
                graph.add_edge(table.name, target, key=column.name)
    while True:
        try:
            child, parent, loose = nx.find_cycle(graph)[-1][:3]
        except nx.NetworkXNoCycle:
            break
        table = by_name[child]
        columns = tuple(c.model_copy(update={"nullable": True}) if c.name == loose else c for c in table.columns)
        by_name[child] = table.model_copy(update={"columns": columns})
        graph.remove_edge(child, parent, key=loose)
    return tuple(by_name[t.name] for t in tables)


def _constraints(col: Col, sql: str, key: bool, own_key: bool = False) -> dict[str, Any]:
    """The Column fields a document's constraints give (ranges for numbers, lengths, formats and patterns for text);
    a key, or a reference to the record a path nests it under, is never read-only (the path gives it). A table's own
    key keeps one documented example of what its keys look like ('8JX2WO'), for making them; never one to reuse."""
    found: dict[str, Any] = {"read_only": col.read_only and not key}
    if sql in ("INTEGER", "REAL") and col.json_type != "boolean":
        found.update(minimum=col.minimum, maximum=col.maximum)
    if sql == "TEXT":
        found.update(min_length=col.min_length, max_length=col.max_length, pattern=col.pattern)
        if col.fmt in FORMATS:
            found["format"] = col.fmt
    if sql != "KEY" and not key:
        found["examples"] = tuple(e for e in col.examples if _fits(e, sql))[:12]
    elif own_key and sql == "TEXT":
        found["examples"] = tuple(e for e in [*col.examples, *col.quoted] if key_shaped(e) or documented_prefix(e))[:1]
    if found.get("minimum") is not None and found.get("maximum") is not None and found["minimum"] > found["maximum"]:
        found.update(minimum=None, maximum=None)  # the document contradicts itself; keep neither bound
    return found


def argument_column(name: str, schema: dict[str, Any]) -> tuple[Column, str]:
    """A column standing for an argument that names none (the location a read of nearby products needs), with
    its kind, so that a value the user states can be drawn for it."""
    col = _col(name, schema)
    sql = _sql_type(col.json_type)
    column = Column(name=identifier(name, "value"), type=sql, enum=col.enum, description=col.description,
                    **_constraints(col, sql, False))  # fmt: skip
    return column, column_kind("", column.name, col.json_type, col.fmt, bool(col.enum))


def _fits(value: Any, sql: str) -> bool:
    if sql == "TEXT":
        return isinstance(value, str)
    if sql == "INTEGER":
        return isinstance(value, int)
    return isinstance(value, (int, float))


def _key_sql_type(res: Resource) -> str:
    return "INTEGER" if res.key_type == "integer" else "TEXT"


def _sql_type(json_type: str | None) -> str:
    return {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}.get(json_type or "", "TEXT")


def structure_in(column: Column, res: Resource) -> dict[str, Any] | None:
    """The shape of the object or list a column holds, where the document gives one."""
    col = res.columns.get(column.name)
    return col.structure if col is not None and not column.primary_key and not column.references else None


def semantic_of(table: Table, column: Column, res: Resource) -> str:
    if column.primary_key:
        if column.format == "uuid":  # the document says its ids are UUIDs
            return "uuid"
        natural = column.name != "id" and not column.generated and normal(column.name) not in ("uuid", "key")
        kind = column_kind(table.name, column.name, "string", None, False) if natural else "id"
        return kind if kind in ("code", "email", "path", "name", "username", "url", "title") else "id"
    if column.references:
        return "id"
    col = res.columns.get(column.name)
    kind = column_kind(
        table.name, column.name, col.json_type if col else "string", col.fmt if col else None, bool(column.enum)
    )
    if kind in ("text", "quantity", "number") and id_entity(column.name):  # `tag_id`: a number, but no amount
        return "ref"
    if kind in ("text", "quantity", "number") and normal(column.name) == "id":  # another system's id for it
        return "code" if kind == "text" else "ref"
    if kind in ("datetime", "text") and col is not None and col.fmt is None and is_clock_time(column.name, res.columns):
        return "clock"
    return kind


def labels_of(table: Table) -> tuple[str, ...]:
    ranked: list[tuple[int, int, str]] = []
    for position, column in enumerate(table.columns):
        if column.type != "TEXT" or column.references or column.enum:
            continue
        if column.primary_key and (column.generated or column.name == "id"):
            continue
        kind = column_kind(table.name, column.name, "string", None, False)
        rank = label_rank(table.name, column.name, kind)
        if rank is not None:
            ranked.append((rank, position, column.name))
    return tuple(name for _, _, name in sorted(ranked)[:2])
