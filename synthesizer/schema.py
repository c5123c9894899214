"""State schema inference (offline): resources, tables, keys and relations from the operations, and a plan per tool.

An HTTP operation's path says which resource it touches (`/customers/{id}/orders` lists orders of one
customer); a tool list's names and arguments say it (`cancel_order(order_id)`). Each resource becomes
a table whose columns come from response records, request bodies and filters; a path parameter or an
`<entity>_id` argument becomes a key or a foreign key. Operations whose effect cannot be told are left
out, each with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from autoforge.servers import Column, Table

from .models import Blueprint, Operation, ParamPlan, Skip, SourceDoc, ToolPlan
from .naming import identifier, normal, plural, singular, snake, split_words, table_name
from .rules import describe
from .semantics import column_kind, is_status_column, label_rank
from .sources.openapi import common_prefix
from .sources.schemas import merged_properties, schema_type

__all__ = ["ACTION_TARGETS", "infer_blueprint", "tool_schema"]

ACTION_TARGETS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancelled", "canceled"), "close": ("closed",), "reopen": ("open", "reopened"),
    "approve": ("approved",), "reject": ("rejected", "declined"), "complete": ("completed", "complete", "done"),
    "finish": ("finished", "completed", "done"), "archive": ("archived",), "unarchive": ("active", "open"),
    "resolve": ("resolved", "closed"), "confirm": ("confirmed",), "ship": ("shipped",), "refund": ("refunded",),
    "revert": ("reverted",), "activate": ("active", "activated", "enabled"), "deactivate": ("inactive", "deactivated"),
    "enable": ("enabled", "active"), "disable": ("disabled", "inactive"), "suspend": ("suspended",),
    "publish": ("published",), "unpublish": ("draft", "unpublished"), "lock": ("locked",), "unlock": ("unlocked",),
    "pause": ("paused",), "resume": ("active", "resumed", "running"), "escalate": ("escalated",),
    "void": ("void", "voided"), "accept": ("accepted",), "decline": ("declined", "rejected"),
    "fulfill": ("fulfilled",), "start": ("started", "in_progress", "active"), "stop": ("stopped",),
    "block": ("blocked",), "unblock": ("active", "unblocked"), "restore": ("active", "restored"),
    "verify": ("verified",), "expire": ("expired",), "hold": ("on_hold", "held"), "checkin": ("checked_in",),
    "deliver": ("delivered",), "dispatch": ("dispatched",), "pay": ("paid",), "freeze": ("frozen",),
    "unfreeze": ("active",), "terminate": ("terminated",), "renew": ("active", "renewed"), "submit": ("submitted",),
    "dispute": ("disputed",),
}  # fmt: skip
_VERBS: dict[str, str] = {
    **{v: "list" for v in ["list", "search", "find", "query", "browse", "filter", "lookup", "all", "index"]},
    **{v: "get" for v in ["get", "fetch", "read", "retrieve", "show", "describe", "view", "one", "info", "details", "detail", "check"]},
    "count": "count",
    **{v: "create" for v in ["create", "add", "new", "insert", "post", "make", "register", "place", "book", "schedule", "reserve", "issue", "log", "record", "open", "buy", "purchase", "file", "request", "send", "invite", "enroll", "upload"]},
    **{v: "update" for v in ["update", "edit", "modify", "change", "set", "rename", "patch", "put", "move", "reschedule", "replace", "adjust", "upsert", "assign", "transfer"]},
    **{v: "delete" for v in ["delete", "remove", "destroy", "drop", "purge", "erase", "clear", "unsubscribe"]},
    **{v: "action" for v in ACTION_TARGETS if v not in ("open",)},
    "mark": "action",
}  # fmt: skip
_METHOD_KINDS = {
    "GET": "get",
    "HEAD": "count",
    "POST": "update",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}
_QUALIFIERS = frozenset({"by", "for", "from", "in", "of", "to", "with", "on", "at", "as"})
_FILLER = frozenset(
    {"a", "an", "the", "id", "ids", "details", "detail", "info", "all", "one", "new", "my", "item", "record"}
)
_FORMAT_WORDS = frozenset({"kml", "csv", "gpx", "xlsx", "pdf", "xml", "json", "export", "download"})
_LIMIT_ARGS = frozenset({"limit", "perpage", "pagesize", "maxresults", "top", "first", "size", "count", "max"})
_SEARCH_ARGS = frozenset({"q", "query", "search", "keyword", "keywords", "term", "text", "searchterm", "querystring"})
_RANGE_PREFIX = (("min", "min"), ("from", "min"), ("after", "min"), ("since", "min"), ("start", "min"),
                 ("max", "max"), ("to", "max"), ("before", "max"), ("until", "max"), ("end", "max"))  # fmt: skip
MAX_COLUMNS = 48
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass
class _Shape:
    """How one operation touches the state, before tables exist."""

    op: Operation
    resource: str
    kind: str
    key: str | None = None
    parents: list[tuple[str, str]] = field(default_factory=list)  # (argument, parent resource)
    verb: tuple[str, ...] = ()


@dataclass
class _Col:
    name: str
    json_type: str | None
    enum: tuple[str, ...] | None = None
    fmt: str | None = None
    description: str = ""
    required: bool = False


@dataclass
class _Resource:
    name: str
    columns: dict[str, _Col] = field(default_factory=dict)
    key: str | None = None
    key_type: str = "string"
    parents: dict[str, str] = field(default_factory=dict)  # column -> parent table (from paths and arguments)
    refs: dict[str, str] = field(default_factory=dict)  # column -> table it names by id (from field names)
    created: bool = False
    client_key: bool = False
    singleton: bool = False


def infer_blueprint(source: SourceDoc) -> Blueprint:
    """Tables and tool plans for `source`; operations whose effect cannot be told are skipped with a reason."""
    skipped: list[Skip] = list(source.skipped)
    shapes: list[_Shape] = []
    http = any(op.path for op in source.operations)
    items = _item_segments(source.operations) if http else set()
    skip = common_prefix([op.path for op in source.operations if op.path])
    entities = _entities(source) if not http else set()
    prefix = _vendor_prefix(source.operations) if not http else ()
    for op in source.operations:
        shape = _http_shape(op, items, skip) if op.path else _name_shape(op, entities, prefix, source.title)
        if isinstance(shape, str):
            skipped.append(Skip(name=op.name, reason=shape))
        else:
            shapes.append(shape)
    resources = _resources(shapes, http)
    tables = _tables(resources)
    blueprint = Blueprint(tables=tables, plans=(), skipped=())
    plans: list[ToolPlan] = []
    for shape in shapes:
        plan = _plan(shape, resources, blueprint)
        if isinstance(plan, str):
            skipped.append(Skip(name=shape.op.name, reason=plan))
        else:
            plans.append(plan)
    labels = {t.name: _labels(t) for t in tables}
    semantics = {f"{t.name}.{c.name}": _semantic(t, c, resources[t.name]) for t in tables for c in t.columns}
    blueprint = Blueprint(
        tables=tables,
        plans=(),
        labels={k: v for k, v in labels.items() if v},
        semantics=semantics,
        singletons=tuple(r.name for r in resources.values() if r.singleton),
        skipped=tuple(skipped),
    )
    described = tuple(p.model_copy(update={"description": describe(p, blueprint, p.description)}) for p in plans)
    return blueprint.model_copy(update={"plans": described})


# ---- reading shapes from HTTP paths ---------------------------------------------------------------


def _item_segments(operations: tuple[Operation, ...]) -> set[str]:
    """Static path segments followed by a parameter somewhere: resources addressable by key."""
    found: set[str] = set()
    for op in operations:
        parts = [p for p in (op.path or "").split("/") if p]
        for before, after in pairwise(parts):
            if not before.startswith("{") and after.startswith("{"):
                found.add(before)
    return found


def _tokens(path: str) -> list[tuple[str, bool]]:
    return [(p[1:-1], True) if p.startswith("{") and p.endswith("}") else (p, False) for p in path.split("/") if p]


def _first_word(segment: str) -> str:
    words = split_words(segment)
    return words[0] if words else ""


def _http_shape(op: Operation, items: set[str], skip: int) -> _Shape | str:
    tokens = _tokens(op.path or "")[skip:]
    method = (op.method or "GET").upper()
    if not tokens:
        return "the root path names no resource"
    refs: list[tuple[str | None, str]] = []
    for index, (token, is_param) in enumerate(tokens):
        if is_param:
            before = tokens[index - 1] if index else None
            refs.append((before[0] if before and not before[1] else None, token))
    last, last_is_param = tokens[-1]
    if last_is_param:
        segment, key = refs[-1]
        resource = segment or key
        kind = {"GET": "get", "HEAD": "get"}.get(method, _METHOD_KINDS[method])
        return _Shape(op, resource, kind, key, _parent_refs(refs[:-1]))
    owner = tokens[-2] if len(tokens) >= 2 else None
    if owner is not None and owner[1]:  # .../{id}/word
        segment, key = refs[-1]
        owner_resource = segment or key
        verb = _first_word(last)
        if method != "GET" and _VERBS.get(verb) == "action":
            return _Shape(op, owner_resource, "action", key, _parent_refs(refs[:-1]), tuple(split_words(last)))
        if last in items or singular(snake(last)) != snake(last):
            kind = {"GET": "list", "POST": "create", "HEAD": "count"}.get(method)
            if kind is None:
                return f"{method} on the collection {last!r} would change every {singular(snake(last))} at once"
            return _Shape(op, last, kind, None, _parent_refs(refs))
        if method in ("GET", "HEAD"):
            return _Shape(op, owner_resource, "get", key, _parent_refs(refs[:-1]))
        if method == "DELETE":
            return f"cannot tell what deleting {last!r} of a {singular(snake(owner_resource))} removes"
        return _Shape(op, owner_resource, "update", key, _parent_refs(refs[:-1]), tuple(split_words(last)))
    verb = _first_word(last)
    previous = tokens[-2][0] if owner is not None else None
    if previous is not None and (last in _FORMAT_WORDS or _VERBS.get(verb) in ("list", "count")):
        return _Shape(
            op,
            previous,
            "count" if _VERBS.get(verb) == "count" or method == "HEAD" else "list",
            None,
            _parent_refs(refs),
        )
    verbal = verb in _VERBS or _singular_word(last)
    if previous is not None and verbal and previous not in items and last not in items:
        if method == "GET":
            return _Shape(op, previous, "get", None, _parent_refs(refs))
        kind = "action" if _VERBS.get(verb) == "action" else "update"
        return _Shape(op, previous, kind, None, _parent_refs(refs), tuple(split_words(last)))
    if previous is not None and verb in _VERBS and last not in items:
        return f"{method} {op.path} acts on every {singular(snake(previous))} at once; only single-record operations are supported"
    if method == "GET":
        return _Shape(
            op, last, "get" if last not in items and _singular_word(last) else "list", None, _parent_refs(refs)
        )
    if method == "HEAD":
        return _Shape(op, last, "count", None, _parent_refs(refs))
    if method == "POST":
        return _Shape(op, last, "create", None, _parent_refs(refs))
    if method in ("PUT", "PATCH") and last not in items:
        return _Shape(op, last, "update", None, _parent_refs(refs))
    return f"{method} on the whole collection {last!r} names no single record"


def _singular_word(segment: str) -> bool:
    word = snake(segment)
    return singular(word) == word and plural(word) != word


def _parent_refs(refs: list[tuple[str | None, str]]) -> list[tuple[str, str]]:
    return [(param, segment or param) for segment, param in refs]


# ---- reading shapes from tool names -------------------------------------------------------------


def _vendor_prefix(operations: tuple[Operation, ...]) -> tuple[str, ...]:
    """Leading words every tool name shares (`obsidian_`), which say nothing about the tool."""
    names = [split_words(op.name) for op in operations]
    if len(names) < 2:
        return ()
    prefix: list[str] = []
    for words in zip(*names):
        if len(set(words)) != 1 or words[0] in _VERBS:
            break
        prefix.append(words[0])
    return tuple(prefix)


def _split_name(op: Operation, prefix: tuple[str, ...]) -> tuple[str | None, list[str], list[str]]:
    """(verb, noun words, qualifier words) of a tool name."""
    words = split_words(op.name)[len(prefix) :]
    if not words:
        return None, [], []
    if words[0] in _VERBS:
        verb, rest = words[0], words[1:]
    elif words[-1] in _VERBS:
        verb, rest = words[-1], words[:-1]
    else:
        return None, words, []
    cut = next((i for i, w in enumerate(rest) if w in _QUALIFIERS), len(rest))
    noun = [w for w in rest[:cut] if w not in _FILLER]
    return verb, noun, rest[cut + 1 :]


def _entities(source: SourceDoc) -> set[str]:
    """Resource names a tool list talks about: nouns of tool names."""
    prefix = _vendor_prefix(source.operations)
    found: set[str] = set()
    for op in source.operations:
        verb, noun, _ = _split_name(op, prefix)
        if verb is not None and noun:
            found.add(singular(snake("_".join(noun))))
    return found


def _id_entity(argument: str) -> str | None:
    """'customer_id', 'customerId' -> 'customer'; None when the argument is no reference."""
    words = split_words(argument)
    if len(words) >= 2 and words[-1] in ("id", "ids", "key", "uuid"):
        return singular("_".join(words[:-1]))
    return None


def _name_shape(op: Operation, entities: set[str], prefix: tuple[str, ...], title: str) -> _Shape | str:
    verb, noun, _ = _split_name(op, prefix)
    properties: dict[str, Any] = op.input_schema.get("properties", {})
    if any(normal(p) in ("operation", "action", "op", "command") and isinstance(s, dict) and s.get("enum")
           for p, s in properties.items()):  # fmt: skip
        return "it multiplexes several actions through an `operation` argument"
    if verb is None:
        return f"cannot tell what {op.name!r} does from its name (no verb such as get, list, create, update, cancel)"
    kind = _VERBS[verb]
    noun_words = noun or split_words(title)[-1:] or ["record"]
    entity = singular(snake("_".join(noun_words)))
    plural_noun = bool(noun) and plural(noun[-1]) == noun[-1] and singular(noun[-1]) != noun[-1]
    references = {p: _id_entity(p) for p in properties}
    key = next((p for p, e in references.items() if e == entity or normal(p) == "id"), None)
    parents = [(p, e) for p, e in references.items() if e and e != entity and e in entities and p != key]
    required = op.input_schema.get("required", [])
    if key is None and kind in ("get", "update", "delete", "action"):
        natural = [
            p
            for p in required
            if column_kind(entity, p, schema_type(properties[p])[0], None, False) in ("path", "code", "email", "url")
        ]
        if len(natural) == 1 and not parents:
            key = natural[0]
        elif kind == "get":
            kind = "list"
        elif kind == "delete" or (kind in ("update", "action") and not parents):
            return f"cannot tell which {entity.replace('_', ' ')} {op.name!r} changes: it takes no id"
    if kind == "get" and plural_noun and key is None:
        kind = "list"
    if kind in ("list", "count", "create") and key is not None and key in required and kind != "create":
        kind = "get"
    return _Shape(op, entity, kind, key if kind not in ("list", "count", "create") else None, parents, (verb, *noun))


# ---- resources and tables ----------------------------------------------------------------------


def _resources(shapes: list[_Shape], http: bool) -> dict[str, _Resource]:
    resources: dict[str, _Resource] = {}

    def resource(name: str) -> _Resource:
        table = table_name(name)
        return resources.setdefault(table, _Resource(table))

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
        arguments = {a for a, _ in shape.parents} | ({shape.key} if shape.key else set())
        if shape.kind in ("create", "update", "action") or (not http and shape.kind in ("list", "count", "get")):
            for name, sub in properties.items():
                if name in arguments or _ignorable(name) or (shape.kind in ("list", "count") and _range(name, res)):
                    continue
                bounded = _bound_column(name) if shape.kind in ("list", "count") else None
                if bounded:  # `max_price` on a tool list: the records have a price
                    _add_column(res, bounded, sub)
                    continue
                if shape.kind in ("list", "count", "get") and normal(name) in _SEARCH_ARGS:
                    continue
                _add_column(res, name, sub, required=shape.kind == "create" and name in required)
        if shape.kind == "create":
            res.created = True
        if shape.key and res.key is None:
            res.key = _key_column(res, shape.key, properties.get(shape.key, {}))
            res.key_type = schema_type(properties.get(shape.key, {}))[0] or "string"
        for argument, parent in shape.parents:
            column = _parent_column(res, argument, parent)
            res.parents.setdefault(column, parent)
    for res in list(resources.values()):
        for column in res.columns:
            entity = _id_entity(column)
            target = table_name(entity) if entity else None
            if target and target != res.name and target in resources and column not in res.parents:
                res.refs[column] = target
    for res in resources.values():
        res.singleton = (
            res.name not in keyed
            and any(s.kind in ("update", "action", "get") and s.key is None and s.resource == res.name for s in shapes)
            and not any(s.kind == "list" and s.resource == res.name for s in shapes)
        )
        if res.key is None:
            own = _column_for(res, f"{singular(res.name)}_id")
            res.key = "id" if "id" in res.columns else own or _natural_key(res) or "id"
        if res.key in res.columns:
            res.key_type = (
                res.columns[res.key].json_type if res.columns[res.key].json_type in ("integer", "string") else "string"
            )
        for shape in shapes:
            if shape.resource == res.name and shape.kind == "create":
                keys = shape.op.input_schema.get("properties", {})
                res.client_key = res.client_key or any(_column_for(res, a) == res.key for a in keys)
    return resources


def _merge_by_key(shapes: list[_Shape]) -> None:
    """Tools naming their record by the same natural key (`filepath`) work on one table: the one that is listed."""
    by_key: dict[str, set[str]] = {}
    for shape in shapes:
        if shape.key and _id_entity(shape.key) is None and normal(shape.key) != "id":
            by_key.setdefault(normal(shape.key), set()).add(shape.resource)
    for shape in shapes:
        arguments = shape.op.input_schema.get("properties", {})
        for key, tables in by_key.items():
            if len(tables) > 1 and any(normal(a) == key for a in arguments):
                listed = sorted(
                    t for t in tables if any(s.resource == t and s.kind == "list" for s in shapes)
                ) or sorted(tables)
                if shape.resource in tables:
                    shape.resource = listed[0]
                    if shape.key is None and shape.kind in ("list", "get"):
                        shape.key = next(a for a in arguments if normal(a) == key) if shape.kind == "get" else None


def _natural_key(res: _Resource) -> str | None:
    return next((c for c in res.columns if normal(c) in ("slug", "code", "key", "uuid", "path", "filepath")), None)


def _ignorable(name: str) -> bool:
    key = normal(name)
    return key in _LIMIT_ARGS or key in ("page", "offset", "cursor", "sort", "sortby", "order", "orderby", "fields",
                                         "include", "expand", "passthrough", "raw", "format", "filter", "pagetoken",
                                         "nextpagetoken", "startingafter", "endingbefore") or not name.strip()  # fmt: skip


def _range(name: str, res: _Resource) -> tuple[str, str] | None:
    """('price', 'min') for `min_price` when the table has such a column."""
    words = split_words(name)
    for word, bound in _RANGE_PREFIX:
        for rest in (words[1:] if words[:1] == [word] else None, words[:-1] if words[-1:] == [word] else None):
            if rest:
                column = _column_for(res, "_".join(rest))
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


def _add_column(res: _Resource, name: str, schema: Any, required: bool = False) -> None:
    column = name if _COLUMN.fullmatch(name) else identifier(name, "field")
    existing = _column_for(res, name)
    if existing:
        res.columns[existing].required = res.columns[existing].required or required
        return
    if len(res.columns) >= MAX_COLUMNS:
        return
    kind, _ = schema_type(schema)
    values = schema.get("enum") if isinstance(schema, dict) else None
    enum = tuple(str(v) for v in values if v is not None) if kind == "string" and values else None
    description = schema.get("description", "") if isinstance(schema, dict) else ""
    fmt = schema.get("format") if isinstance(schema, dict) else None
    res.columns[column] = _Col(column, kind, enum or None, fmt, str(description)[:200], required)


def _column_for(res: _Resource, argument: str) -> str | None:
    """The column an argument names: same name, or the same words spelled differently."""
    if argument in res.columns:
        return argument
    wanted = normal(argument)
    return next((c for c in res.columns if normal(c) == wanted), None)


def _key_column(res: _Resource, argument: str, schema: Any) -> str:
    found = _column_for(res, argument)
    if found:
        return found
    entity = _id_entity(argument)
    if "id" in res.columns and (
        entity is None or singular(res.name).endswith(entity) or entity.endswith(singular(res.name))
    ):
        return "id"
    column = argument if _COLUMN.fullmatch(argument) else identifier(argument, "id")
    res.columns = {column: _Col(column, schema_type(schema)[0] or "string"), **res.columns}
    return column


def _parent_column(res: _Resource, argument: str, parent: str) -> str:
    found = _column_for(res, argument) if normal(argument) != "id" else None
    if found and found != res.key:
        return found
    guess = f"{singular(parent)}_id"
    found = _column_for(res, guess)
    if found and found != res.key:
        return found
    res.columns[guess] = _Col(guess, "string")
    return guess


def _tables(resources: dict[str, _Resource]) -> tuple[Table, ...]:
    # Parents referenced but never described get a small table of their own (a tenant such as a ledger).
    for res in list(resources.values()):
        for parent in res.parents.values():
            if parent not in resources:
                resources[parent] = _Resource(parent, {"name": _Col("name", "string")}, key="name")
    tables: list[Table] = []
    for res in resources.values():
        key = res.key or "id"
        if key not in res.columns:
            res.columns = {key: _Col(key, res.key_type), **res.columns}
        links = {**res.refs, **res.parents}
        keys = {c: resources[p].key or "id" for c, p in links.items()}
        columns: list[Column] = []
        ordered = [
            key,
            *[c for c in res.parents if c != key],
            *[c for c in res.columns if c != key and c not in res.parents],
        ]
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
                    nullable=name != key and not col.required and name not in res.parents,
                    references=f"{parent}.{keys[name]}" if parent else None,
                    generated=name == key and res.created and not res.client_key,
                    enum=col.enum if sql == "TEXT" and not parent and name != key else None,
                    description=col.description,
                )
            )
        tables.append(
            Table(
                name=res.name,
                description=f"{singular(res.name).replace('_', ' ').capitalize()} records.",
                columns=tuple(columns),
            )
        )
    return tuple(tables)


def _key_sql_type(res: _Resource) -> str:
    return "INTEGER" if res.key_type == "integer" else "TEXT"


def _sql_type(json_type: str | None) -> str:
    return {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}.get(json_type or "", "TEXT")


def _semantic(table: Table, column: Column, res: _Resource) -> str:
    if column.primary_key:
        natural = column.name != "id" and not column.generated and normal(column.name) not in ("uuid", "key")
        kind = column_kind(table.name, column.name, "string", None, False) if natural else "id"
        return kind if kind in ("code", "email", "path", "name", "username", "url", "title") else "id"
    if column.references:
        return "id"
    col = res.columns.get(column.name)
    kind = column_kind(
        table.name, column.name, col.json_type if col else "string", col.fmt if col else None, bool(column.enum)
    )
    if kind == "text" and _id_entity(column.name):
        return "ref"
    return kind


def _labels(table: Table) -> tuple[str, ...]:
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


# ---- plans ---------------------------------------------------------------------------------------


def _plan(shape: _Shape, resources: dict[str, _Resource], blueprint: Blueprint) -> ToolPlan | str:
    res = resources[shape.resource]
    table = blueprint.table(res.name)
    properties: dict[str, Any] = shape.op.input_schema.get("properties", {})
    parents = dict(shape.parents)
    params: list[ParamPlan] = []
    for name in properties:
        params.append(_param(name, shape, res, table, parents))
    kind = shape.kind
    target: dict[str, Any] = {}
    if kind == "action":
        found = _action_target(shape.verb, table)
        if found is None:
            if any(p.role == "field" for p in params):
                kind = "update"
            else:
                return f"cannot tell what {' '.join(shape.verb) or shape.op.name!r} changes: no status field with a matching value"
        else:
            target = found
    if kind == "update" and not any(p.role == "field" for p in params):
        return f"{shape.op.name!r} updates a {singular(res.name).replace('_', ' ')} but names no field to change"
    if kind in ("get", "update", "delete", "action") and not any(p.role == "key" for p in params) and not res.singleton:
        return f"{shape.op.name!r} names no single {singular(res.name).replace('_', ' ')} (no key argument)"
    if kind == "create" and res.singleton:
        return f"{shape.op.name!r} creates the one {singular(res.name).replace('_', ' ')} of a session; the twin keeps it seeded"
    return ToolPlan(
        name=shape.op.name,
        kind=kind,
        table=res.name,
        params=tuple(params),
        target=target,
        description=shape.op.description,
    )  # type: ignore[arg-type]


def _param(name: str, shape: _Shape, res: _Resource, table: Table, parents: dict[str, str]) -> ParamPlan:
    if name == shape.key:
        return ParamPlan(name=name, role="key", column=res.key, table=res.name)
    if name in parents and not (shape.kind in ("update", "action") and shape.op.locations.get(name) != "path"):
        parent = parents[name]
        column = next((c for c, p in res.parents.items() if p == parent), None)
        return ParamPlan(name=name, role="parent", column=column, table=parent)
    column = _column_for(res, name)
    key = normal(name)
    if shape.kind in ("list", "count"):
        if key in _LIMIT_ARGS:
            return ParamPlan(name=name, role="limit")
        if key in _SEARCH_ARGS:
            return ParamPlan(name=name, role="search")
        bounded = _range(name, res)
        if bounded and not column:
            return ParamPlan(name=name, role="filter", column=bounded[0], match=bounded[1])  # type: ignore[arg-type]
        if column and res.columns[column].json_type in ("string", "integer", "number", "boolean"):
            return ParamPlan(name=name, role="filter", column=column)
        return ParamPlan(name=name, role="ignored")
    if shape.kind in ("create", "update", "action") and column and column != res.key and not _ignorable(name):
        referenced = res.parents.get(column) or res.refs.get(column)
        if referenced and shape.kind == "create":
            return ParamPlan(name=name, role="parent", column=column, table=referenced)
        return ParamPlan(name=name, role="field", column=column)
    if shape.kind == "create" and column == res.key and res.client_key:
        return ParamPlan(name=name, role="field", column=column)
    return ParamPlan(name=name, role="ignored")


def _action_target(verb: tuple[str, ...], table: Table) -> dict[str, Any] | None:
    if not verb:
        return None
    wanted = ACTION_TARGETS.get(verb[0], ())
    if verb[0] == "mark":
        wanted = tuple("_".join(verb[i:]) for i in range(1, len(verb)))
    status = next((c for c in table.columns if c.enum and is_status_column(c.name)), None)
    if status is not None and status.enum:
        by_normal = {normal(v): v for v in status.enum}
        for candidate in wanted:
            if normal(candidate) in by_normal:
                return {status.name: by_normal[normal(candidate)]}
    for column in table.columns:
        if column.type != "INTEGER" or column.primary_key or column.references:
            continue
        words = [w for w in split_words(column.name) if w not in ("is", "has")]
        if len(words) == 1 and words[0] in wanted:
            return {column.name: True}
        base = verb[0][2:] if verb[0].startswith("un") else None
        if base and len(words) == 1 and words[0] in ACTION_TARGETS.get(base, ()):
            return {column.name: False}
    return None


def tool_schema(op: Operation, plan: ToolPlan, blueprint: Blueprint) -> tuple[dict[str, Any], list[str]]:
    """The tool's input schema, with key and reference arguments typed like the keys they hold.

    Real documents disagree with themselves (an id that is a string in the record and an integer in the
    path); the twin follows the record, and says so.
    """
    schema = dict(op.input_schema)
    properties = dict(schema.get("properties", {}))
    notes: list[str] = []
    for param in plan.params:
        target = _key_target(param, plan, blueprint)
        if target is None or param.name not in properties:
            continue
        wanted = "integer" if target.type == "INTEGER" else "string"
        current = properties[param.name] if isinstance(properties[param.name], dict) else {}
        declared, nullable = schema_type(current)
        if declared != wanted:
            fixed = {k: v for k, v in current.items() if k in ("description",)}
            fixed["type"] = [wanted, "null"] if nullable else wanted
            properties[param.name] = fixed
            notes.append(
                f"{op.name}.{param.name}: documented as {declared or 'untyped'}, typed {wanted} like {target.name}"
            )
    schema["properties"] = properties
    return schema, notes


def _key_target(param: ParamPlan, plan: ToolPlan, blueprint: Blueprint) -> Column | None:
    """The key column an argument holds a value of (its own table's key, or a referenced one)."""
    table = blueprint.table(plan.table)
    if param.role == "key":
        return table.column(table.primary_key)
    column = table.column(param.column) if param.column else None
    if column is None or not column.references or param.role not in ("parent", "filter", "field"):
        return None
    ref_table, ref_column = column.references.split(".")
    return blueprint.table(ref_table).column(ref_column)
