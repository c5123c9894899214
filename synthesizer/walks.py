"""Random walks on the tool graph, bound to real rows: from a goal back to what the user knows.

A walk starts at a goal (a write tool, or a fact the user wants) on a row chosen at random, and walks
the tool graph backwards: for each key the goal needs, it follows a random edge into a tool that
returns that key (a list scoped to a parent, a list filtered by something the user knows, a record
that refers to it), until every argument is something the user can say. Each step is run on the seed,
so a walk only takes steps that work, and when a list returns several rows it notes how the user would
single out theirs (by a name, a date, the most recent...).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
from autoforge.servers import Environment, Table

from .localtools import LocalTools
from .models import Blueprint, Edge, ToolPlan
from .moments import day_of
from .naming import singular
from .semantics import is_person_table, is_secret, named_by_url
from .structured import told_value
from .values import Values, names_someone

__all__ = [
    "RESOLVE_STEPS",
    "Entity",
    "FromRow",
    "Goal",
    "KeyOf",
    "Known",
    "Pick",
    "Resolution",
    "Resolver",
    "Result",
    "SeedMemo",
    "Walk",
]

MAX_DEPTH = 4
RESOLVE_STEPS = 600
"""Most steps one search for a key may take (a large API's graph offers more ways than are worth trying)."""
PICKABLE = frozenset(
    [
        "email",
        "username",
        "person",
        "name",
        "title",
        "code",
        "phone",
        "url",
        "path",
        "date",
        "datetime",
        "money",
        "city",
        "street",
        "first_name",
        "last_name",
        "seat",
        "airport",
    ]
)
NATURAL = frozenset(["email", "username", "person", "name", "title", "code", "phone", "url", "path", "city", "street",
                     "first_name", "last_name", "seat", "airport", "enum"])  # fmt: skip
"""Kinds of value a person names a row by ('my savings account', 'flight SW120', 'the Copper Kettle')."""
MONEY_NAMED = frozenset(["transaction", "charge", "payment", "fee", "expense", "refund", "purchase", "bill", "invoice"])
"""Rows people do name by their amount ('the 42.10 charge')."""
NUMERIC = frozenset({"money", "quantity", "number", "rating"})
PICKED = "pick:"
"""Marks a decision column that only singles out a row from a list (deleting another row cannot spoil it)."""
SETTABLE = frozenset(
    [
        "email",
        "phone",
        "person",
        "name",
        "title",
        "text",
        "url",
        "street",
        "city",
        "zip",
        "country",
        "region",
        "password",
        "currency",
        "date",
        "datetime",
        "money",
        "amount",
        "quantity",
        "numeral",
        "number",
        "rating",
        "enum",
        "bool",
        "color",
        "code",
        "username",
        "first_name",
        "last_name",
        "airport",
        "clock",
    ]
)


@dataclass
class SeedMemo:
    """Calls already made on the seed during one synthesis run (the seed never changes): read outputs, and the
    refusal (or None) of each write tried, by tool and arguments. Tool calls run in worker processes, so
    remembering them across batches saves most of the walk's time."""

    reads: dict[str, Any] = field(default_factory=dict)
    writes: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Entity:
    """One concrete row."""

    table: str
    key: Any


@dataclass(frozen=True)
class Known:
    """A value the user states (an email, a title, a new phone number)."""

    value: Any
    what: str
    bound: Literal["min", "max"] | None = None
    """Set for one end of a window the user gives (events from the start of March 3 to its end)."""


@dataclass(frozen=True)
class KeyOf:
    """The key of a row the agent has to find."""

    entity: Entity


@dataclass(frozen=True)
class Result:
    """What the task's reasoning step works out (a computed amount, the winner of a comparison)."""


@dataclass(frozen=True)
class FromRow:
    """A value the agent copies from a row a call showed (a required field that is not the user's to say)."""

    entity: Entity
    column: str


Source = Known | KeyOf | Result | FromRow
Args = tuple[tuple[str, Source], ...]


@dataclass(frozen=True)
class Pick:
    """How the user singles out their row among several: by a value (a date by its day), or as the largest /
    smallest."""

    column: str
    value: Any
    extreme: Literal["max", "min"] | None = None
    day: bool = False

    def matches(self, value: Any) -> bool:
        """Whether a row's `value` is the one the user means."""
        if self.day:
            return str(value)[:10] == str(self.value)[:10]
        return _norm(value) == _norm(self.value)


@dataclass(frozen=True)
class Resolution:
    """How the agent finds one row's key: a read call, then a pick or a reference to follow."""

    entity: Entity
    tool: str
    args: Args
    pick: Pick | None = None
    via: str | None = None
    listed: tuple[Any, ...] = ()
    shows_row: bool = True
    through: Entity | None = None
    told: bool = False


@dataclass(frozen=True)
class Goal:
    """One thing the user wants: a write, a fact, or a write or fact that needs reasoning first."""

    kind: Literal["update", "action", "delete", "create", "tell", "total", "compute", "compare", "branch", "refuse"]
    tool: str | None = None
    args: Args = ()
    entity: Entity | None = None
    column: str | None = None
    op: str | None = None
    amount: Any = None
    entities: tuple[Entity, ...] = ()
    listing: Resolution | None = None
    then: Goal | None = None
    otherwise: Goal | None = None

    def fields(self, plan: ToolPlan) -> set[str]:
        """The columns this goal's arguments give values to through `plan`'s fields (an action's targets aside)."""
        named = {name for name, _ in self.args}
        return {p.column for p in plan.roles("field") if p.column and p.name in named}

    @property
    def writes(self) -> bool:
        """Whether the goal changes the state (a refused request changes nothing)."""
        return self.kind in ("update", "action", "delete", "create", "compute", "compare") or (
            self.kind == "branch" and self.then is not None and self.then.writes
        )


@dataclass
class Walk:
    """A goal and how the agent finds every row it needs, entity by entity."""

    goal: Goal
    resolutions: dict[Entity, Resolution] = field(default_factory=dict)

    @property
    def arms(self) -> tuple[Goal, ...]:
        """The goals that may run: a branch's two arms (which one runs depends on the executed values), else the
        goal itself."""
        if self.goal.kind == "branch":
            return tuple(g for g in (self.goal.then, self.goal.otherwise) if g is not None)
        return (self.goal,)

    def entities(self) -> set[Entity]:
        """Every row the walk finds or acts on."""
        found = set(self.resolutions) | set(self.goal.entities)
        if self.goal.entity is not None:
            found.add(self.goal.entity)
        return found

    def writes(self, blueprint: Blueprint) -> dict[Entity, frozenset[str] | None]:
        """Rows the walk may change, with the columns it changes (None: the whole row goes); a comparison may change
        either row it weighs, as far as its user can tell ('cancel the later of A and B' may cancel A)."""
        found: dict[Entity, frozenset[str] | None] = {}
        for goal in self.arms:
            if goal.tool is None or goal.entity is None or goal.kind in ("create", "tell", "total"):
                continue
            plan = blueprint.plan(goal.tool)
            columns = frozenset(plan.target) | goal.fields(plan)
            for row in goal.entities if goal.kind == "compare" else (goal.entity,):
                before = found.get(row, frozenset())
                found[row] = None if plan.kind == "delete" or before is None else before | columns
        return found

    def inserted(self, blueprint: Blueprint) -> set[str]:
        """Tables the walk may add rows to."""
        plans = [blueprint.plan(goal.tool) for goal in self.arms if goal.tool]
        return {plan.table for plan in plans if plan.kind == "create"}

    def decisions(self, blueprint: Blueprint) -> dict[Entity, set[str]]:
        """Rows whose values decide a pick, a comparison, a branch, a fact or a total, with those columns."""
        found: dict[Entity, set[str]] = {}
        for resolution in self.resolutions.values():
            if resolution.pick is not None:  # other rows on the list matter only through the pick's column
                for key in resolution.listed:
                    mark = "" if key == resolution.entity.key else PICKED
                    found.setdefault(Entity(resolution.entity.table, key), set()).add(mark + resolution.pick.column)
        goal = self.goal
        column = goal.column or ""
        for entity in goal.entities:
            found.setdefault(entity, set()).add(column)
        if goal.kind in ("branch", "tell", "compute") and goal.entity is not None:
            found.setdefault(goal.entity, set()).add(column)
        if goal.listing is not None:
            listed = blueprint.plan(goal.listing.tool).table
            for key in goal.listing.listed:
                found.setdefault(Entity(listed, key), set()).add(column)
        return found

    def listed_tables(self, blueprint: Blueprint) -> set[str]:
        """Tables whose lists feed a pick by extremes or a total (new rows there would change the answer)."""
        tables = {r.entity.table for r in self.resolutions.values() if r.pick is not None and r.pick.extreme}
        if self.goal.listing is not None:
            tables.add(blueprint.plan(self.goal.listing.tool).table)
        return tables


class Resolver:
    """Finds how the agent reaches rows through one environment's tool graph, checking each step on its seed."""

    def __init__(
        self,
        environment: Environment,
        blueprint: Blueprint,
        graph: nx.MultiDiGraph,
        rng: random.Random,
        values: Values,
        reasoning: float,
        memo: SeedMemo | None = None,
    ) -> None:
        self.env = environment
        self.bp = blueprint
        self.graph = graph
        self.rng = rng
        self.values = values
        self.reasoning = reasoning
        self.tools = LocalTools(environment)
        self.store = self.tools.store
        self.episode = self.store.fresh(None)
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.by_key: dict[str, dict[Any, dict[str, Any]]] = {}
        for table in blueprint.tables:
            rows = self.episode.db.query(f'SELECT * FROM "{table.name}" ORDER BY rowid')
            self.rows[table.name] = rows
            self.by_key[table.name] = {r[table.primary_key]: r for r in rows}
        self.plans = {p.name: p for p in blueprint.plans}
        self.feeds: dict[tuple[str, str, str], list[Edge]] = {}  # (consumer, argument, table) -> edges into it
        for consumer in graph.nodes:
            for _, _, data in graph.in_edges(consumer, data=True):
                edge = data["edge"]
                self.feeds.setdefault((consumer, edge.param, edge.table), []).append(edge)
        self.steps = RESOLVE_STEPS
        self.listable = {p.table for p in blueprint.plans if p.kind == "list"}
        self.required = {t.name: set(t.input_schema.get("required", [])) for t in environment.spec.tools}
        self.schemas = {t.name: t.input_schema for t in environment.spec.tools}
        self.kinds = {(t.name, c.name): blueprint.semantic(t.name, c.name) for t in blueprint.tables for c in t.columns}
        self.labels = blueprint.labels
        self.nameless = {
            t.name for t in blueprint.tables
            if not any(self.kinds[(t.name, c.name)] in NATURAL | NUMERIC | {"date", "datetime"}
                       for c in t.columns if not c.primary_key and not c.references and not c.enum)
        }  # fmt: skip
        self.links: dict[Entity, set[Entity]] = {}
        for table in blueprint.tables:
            for column in table.columns:
                if column.references:
                    target = column.references.split(".")[0]
                    for row in self.rows[table.name]:
                        if row.get(column.name) is not None:
                            a, b = Entity(table.name, row[table.primary_key]), Entity(target, row[column.name])
                            self.links.setdefault(a, set()).add(b)
                            self.links.setdefault(b, set()).add(a)
        self.area: set[Entity] | None = None  # when set, goals stay on rows near these
        self.memo = memo or SeedMemo()
        self.outputs = self.memo.reads
        self.tries: dict[tuple[str, str], tuple[int, int]] = {}
        self.barren: set[tuple[str, str]] = set()  # (role, kind of goal) that never worked here

    def close(self) -> None:
        self.tools.close()
        self.episode.close()

    # ---- running read tools on the seed ----------------------------------------------------------

    def read(self, tool: str, args: Args, keys: dict[Entity, Any] | None = None) -> Any:
        """The output of a read tool on the seed, or None when it refuses (remembered: the seed never changes)."""
        concrete = {name: self.concrete(source) for name, source in args}
        signature = json.dumps([tool, concrete], sort_keys=True, default=str)
        if signature not in self.outputs:
            self.outputs[signature] = self.tools.read(tool, self.episode, concrete)
        return self.outputs[signature]

    @staticmethod
    def concrete(source: Source) -> Any:
        if isinstance(source, Known):
            return source.value
        if isinstance(source, KeyOf):
            return source.entity.key
        raise ValueError("a reasoning result has no value before the task runs")

    def row(self, entity: Entity) -> dict[str, Any]:
        return self.by_key[entity.table][entity.key]

    def kind(self, table: str, column: str) -> str:
        return self.kinds.get((table, column), "text")

    # ---- resolving rows ------------------------------------------------------------------------

    def resolve(self, entity: Entity, consumer: str, param: str, found: dict[Entity, Resolution], depth: int = 0,
                visiting: frozenset[Entity] = frozenset(), need_row: bool = False) -> bool:  # fmt: skip
        """Find a way for the agent to learn `entity`'s key for `consumer`'s `param`; adds it (and its own needs) to `found`."""
        existing = found.get(entity)
        if existing is not None:
            return existing.shows_row or not need_row
        if not self.owns(entity):
            return False  # a customer never goes through someone else's records
        self.steps = RESOLVE_STEPS if depth == 0 else self.steps - 1
        if depth > MAX_DEPTH or entity in visiting or self.steps < 0:
            return False
        edges = list(self.feeds.get((consumer, param, entity.table), ()))
        self.rng.shuffle(edges)
        if is_person_table(entity.table):  # a person is named: looked up in their own table before through a row
            edges.sort(key=lambda edge: self.plans[edge.source].table != entity.table)
        for edge in edges:
            producer = self.plans[edge.source]
            trial = dict(found)
            inside = visiting | {entity}
            if producer.kind == "list" and producer.table == entity.table:
                resolution = self._by_list(entity, producer, trial, depth, inside)
            elif producer.kind == "get" and producer.table == entity.table:
                resolution = self._by_key(entity, producer, trial, depth, inside)
            elif producer.kind == "get" and not need_row:
                resolution = self._by_reference(entity, producer, edge.via, trial, depth, inside)
            else:
                resolution = None
            if resolution is not None:
                trial[entity] = resolution
                found.clear()
                found.update(trial)
                return True
        if entity.table in self.bp.singletons and not need_row:
            found[entity] = Resolution(entity, "", (), shows_row=False)  # the one row: nothing names it
            return True
        if entity.table in self.bp.singletons or (entity.table in self.listable and entity.table not in self.nameless):
            return False
        # Nothing lists these rows, or they hold nothing a person tells them apart by (no name, date or amount):
        # the user knows the key (an order number on a receipt, a board's id in its address).
        if need_row:
            getter = self.bp.getter(entity.table)
            told = self._by_key(entity, getter, found, depth, visiting | {entity}, told=True) if getter else None
            if told is None:
                return False
            found[entity] = told
            return True
        found[entity] = Resolution(entity, "", (), shows_row=False, told=True)
        return True

    def _fill(self, plan: ToolPlan, row: dict[str, Any], found: dict[Entity, Resolution], depth: int,
              visiting: frozenset[Entity], scope_only: bool = False) -> Args | None:  # fmt: skip
        """Arguments for a read of `plan` that should return `row`; None when one cannot be filled."""
        table = self.bp.table(plan.table)
        required = self.required[plan.name]
        args: list[tuple[str, Source]] = []
        for param in plan.params:
            needed = param.name in required
            column = table.column(param.column) if param.column else None
            if param.role == "key" and column is not None:
                continue
            if column is not None and column.references and param.role in ("parent", "filter"):
                value = row.get(column.name)
                if value is None:
                    if needed:
                        return None
                    continue
                if needed or self.rng.random() < 0.85:
                    target = Entity(column.references.split(".")[0], value)
                    if not self.resolve(target, plan.name, param.name, found, depth + 1, visiting):
                        return None
                    args.append((param.name, KeyOf(target)))
            elif param.role == "filter" and column is not None and not scope_only:
                labelled = column.name in self.labels.get(table.name, ())
                if (
                    param.match == "eq"
                    and row.get(column.name) is not None
                    and (needed or (labelled and self.rng.random() < 0.6))
                ):
                    args.append((param.name, Known(row[column.name], column.name)))
                elif (
                    param.match in ("min", "max") and needed and (edge := _day_edge(row.get(column.name), param.match))
                ):
                    args.append((param.name, Known(edge, column.name, param.match)))  # type: ignore[arg-type]
                elif needed:
                    return None
            elif param.role == "search" and not scope_only and self.labels.get(table.name) and self.rng.random() < 0.2:
                label = self.labels[table.name][0]
                if row.get(label):
                    args.append((param.name, Known(row[label], label)))
            elif param.role == "ignored" and needed and not scope_only:  # a location the read needs, say
                value = self._stated(plan, param.name)
                if value is None:
                    return None
                args.append((param.name, Known(value, param.name)))
            elif needed and param.role not in ("key",):
                return None
        return tuple(args)

    def _stated(self, plan: ToolPlan, name: str) -> Any:
        """A value the user states for a required argument that selects nothing the twin keeps."""
        schema = self.schemas[plan.name].get("properties", {}).get(name, {})
        return self.said(name, schema, self.bp.table(plan.table))

    def said(self, name: str, schema: dict[str, Any], table: Table) -> Any:
        """A value a user states for an argument `name` under `schema` (drawn for its name and kind, moved into
        its documented bounds), or None when none fits."""
        return told_value(self.values, self.rng, table, name, schema)

    def _by_list(
        self, entity: Entity, plan: ToolPlan, found: dict[Entity, Resolution], depth: int, visiting: frozenset[Entity]
    ) -> Resolution | None:
        row = self.row(entity)
        args = self._fill(plan, row, found, depth, visiting)
        if args is None:
            return None
        output = self.read(plan.name, args)
        key = self.bp.table(entity.table).primary_key
        if not isinstance(output, list) or not any(isinstance(r, dict) and r.get(key) == entity.key for r in output):
            return None
        pick = None
        if len(output) > 1:
            pick = self.pick(entity, output)
            if pick is None:
                return None
        return Resolution(entity, plan.name, args, pick, listed=tuple(r.get(key) for r in output))

    def _by_key(
        self,
        entity: Entity,
        plan: ToolPlan,
        found: dict[Entity, Resolution],
        depth: int,
        visiting: frozenset[Entity],
        told: bool = False,
    ) -> Resolution | None:
        """A get by a key the user knows: a natural key (a file path, a code), or the one row of a singleton."""
        table = self.bp.table(entity.table)
        key_param = plan.param("key")
        args = self._fill(plan, self.row(entity), found, depth, visiting, scope_only=True)
        if args is None:
            return None
        if key_param is not None:
            if self.kind(table.name, table.primary_key) == "id" and not told:
                return None
            args = (*args, (key_param.name, Known(entity.key, table.primary_key)))
        elif entity.table not in self.bp.singletons:
            return None
        output = self.read(plan.name, args)
        if not isinstance(output, dict) or output.get(table.primary_key) != entity.key:
            return None
        return Resolution(entity, plan.name, args, listed=(entity.key,), told=told)

    def _by_reference(
        self,
        entity: Entity,
        plan: ToolPlan,
        via: str,
        found: dict[Entity, Resolution],
        depth: int,
        visiting: frozenset[Entity],
    ) -> Resolution | None:
        """Read another row that refers to `entity` (the order names its customer) and follow the reference."""
        key_param = plan.param("key")
        if key_param is None:
            return None
        source = self.bp.table(plan.table)
        holders = [r for r in self.rows[plan.table] if r.get(via) == entity.key]
        self.rng.shuffle(holders)
        for holder in holders[:3]:
            through = Entity(plan.table, holder[source.primary_key])
            trial = dict(found)
            if not self.resolve(through, plan.name, key_param.name, trial, depth + 1, visiting):
                continue
            seen = trial[through]
            if seen.shows_row:  # the row that names `entity` is already on screen: read the reference there
                found.clear()
                found.update(trial)
                return Resolution(entity, seen.tool, seen.args, via=via, shows_row=False, through=through)
            args = self._fill(plan, holder, trial, depth, visiting, scope_only=True)
            if args is None:
                continue
            args = (*args, (key_param.name, KeyOf(through)))
            output = self.read(plan.name, args)
            if isinstance(output, dict) and output.get(via) == entity.key:
                found.clear()
                found.update(trial)
                return Resolution(
                    entity, plan.name, args, via=via, listed=(holder[source.primary_key],), shows_row=False
                )
        return None

    def owns(self, entity: Entity) -> bool:
        """Whether the current user may use `entity` (everyone may, unless a subclass says who the user is)."""
        return True

    def pick(self, entity: Entity, rows: list[dict[str, Any]]) -> Pick | None:
        """How the user would single out `entity` among `rows`: a name, a day, a kind only it has, or an extreme."""
        table = self.bp.table(entity.table)
        target = next(r for r in rows if r.get(table.primary_key) == entity.key)
        labels = self.labels.get(table.name, ())
        noun = singular(table.name).split("_")[-1]
        by_value: list[Pick] = []
        extremes: list[Pick] = []
        for column in table.columns:
            kind = "enum" if column.enum else self.kind(table.name, column.name)
            value = target.get(column.name)
            if value is None or column.primary_key or column.references:
                continue
            candidate = None
            named = not self._unnamed_by(table, column.name, kind, labels)
            if named and (kind in NATURAL or column.name in labels or (kind == "money" and noun in MONEY_NAMED)):
                candidate = Pick(column.name, value)
            elif named and kind in ("date", "datetime"):
                candidate = Pick(column.name, value, day=True)
            if candidate is not None:
                said = str(value)[:10] if candidate.day else _norm(value)
                seen = [str(r.get(column.name))[:10] if candidate.day else _norm(r.get(column.name)) for r in rows]
                if seen.count(said) == 1:
                    by_value.append(candidate)
            if kind in NUMERIC | {"date", "datetime"}:
                values = [r.get(column.name) for r in rows]
                if None in values:
                    continue
                for extreme, best in (("max", max(values)), ("min", min(values))):
                    if value == best and values.count(best) == 1:
                        extremes.append(Pick(column.name, value, extreme))  # type: ignore[arg-type]
        labelled = sorted((p for p in by_value if p.column in labels), key=lambda p: labels.index(p.column))
        if is_person_table(table.name):  # people are named by name or email, never "the one created last"
            return self.rng.choice(labelled) if labelled else None
        if extremes and (self.rng.random() < 0.3 or not by_value):
            return self.rng.choice(extremes)
        if labelled and self.rng.random() < 0.8:
            return labelled[0] if self.rng.random() < 0.7 else self.rng.choice(labelled)
        return self.rng.choice(by_value) if by_value else None

    def _unnamed_by(self, table: Table, column: str, kind: str, labels: tuple[str, ...]) -> bool:
        """Whether people never name a row by this column: a task by its web address (a bookmark they do), anything
        by its hash, a hotel by its phone number (a person, or a booking's guest, they do)."""
        if is_secret(column):
            return True
        if kind == "phone" and labels[:1] != (column,):  # unless it is all the row has
            return not (is_person_table(table.name) or names_someone(table))
        return kind == "url" and not named_by_url(table.name) and column not in labels

    def identify(self, persona: Entity, ways: tuple[tuple[str, ...], ...]) -> Resolution | None:
        """How the agent finds the user's own record from what the user says (an email; a name and a phone)."""
        table = self.bp.table(persona.table)
        row = self.row(persona)
        options = [list(w) for w in ways]
        self.rng.shuffle(options)
        for group in options:
            for plan in self.bp.plans:
                if plan.table != table.name or plan.kind != "list":
                    continue
                param = next((p for p in plan.roles("filter") if p.column == group[0] and p.match == "eq"), None)
                if param is None or row.get(group[0]) is None:
                    continue
                args: Args = ((param.name, Known(row[group[0]], group[0])),)
                if self.required[plan.name] - {param.name}:
                    continue
                output = self.read(plan.name, args)
                if not isinstance(output, list) or not any(r.get(table.primary_key) == persona.key for r in output):
                    continue
                listed = tuple(r.get(table.primary_key) for r in output)
                if len(output) == 1:
                    return Resolution(persona, plan.name, args, listed=listed)
                for column in group[1:]:
                    pick = Pick(column, row.get(column))
                    if row.get(column) is not None and sum(1 for r in output if pick.matches(r.get(column))) == 1:
                        return Resolution(persona, plan.name, args, pick, listed=listed)
        for plan in self.bp.plans:
            if plan.table == table.name and plan.kind == "list":
                found: dict[Entity, Resolution] = {}
                self.steps = RESOLVE_STEPS
                resolution = self._by_list(persona, plan, found, 0, frozenset({persona}))
                if resolution is not None and not found:
                    return resolution
        if (table.primary_key,) in ways:  # the user tells their own key; the agent reads the account by it
            getter = self.bp.getter(table.name)
            found = {}
            resolution = self._by_key(persona, getter, found, 0, frozenset({persona}), told=True) if getter else None
            if resolution is not None and not found:
                return resolution
        return None


def _merge(args: Args, extra: Args) -> Args:
    """Arguments with `extra` replacing any of the same name."""
    merged = dict(args)
    merged.update(dict(extra))
    return tuple(merged.items())


def _same_request(first: Goal, second: Goal) -> bool:
    """Whether two branch arms ask for the same thing (same tool, same values)."""
    values = lambda goal: {n: s.value for n, s in goal.args if isinstance(s, Known)}
    return first.tool == second.tool and (values(first) == values(second) or first.kind == "action")


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).lower() if value is not None else ""


def _as_stored(value: Any) -> Any:
    return (1 if value else 0) if isinstance(value, bool) else value


def _is_date(value: Any) -> bool:
    return day_of(value) is not None


def _day_edge(value: Any, bound: str) -> str | None:
    """The start (`min`) or end (`max`) of the day of a date or timestamp, written like it: a window that holds it."""
    if not isinstance(value, str) or not re.match(r"\d{4}-\d{2}-\d{2}(?:$|[T ])", value):
        return None
    if len(value) == 10:
        return value
    zone = re.search(r"(Z|[+-]\d{2}:?\d{2})$", value)
    return f"{value[:10]}{value[10]}{'00:00:00' if bound == 'min' else '23:59:59'}{zone.group(1) if zone else ''}"
