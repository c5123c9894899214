"""Random walks on the tool graph, bound to real rows: from a goal back to what the user knows.

A walk starts at a goal (a write tool, or a fact the user wants) on a row chosen at random, and walks
the tool graph backwards: for each key the goal needs, it follows a random edge into a tool that
returns that key (a list scoped to a parent, a list filtered by something the user knows, a record
that refers to it), until every argument is something the user can say. Each step is run on the seed,
so a walk only takes steps that work, and when a list returns several rows it notes how the user would
single out theirs (by a name, a date, the most recent...).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import fastjsonschema
import networkx as nx
from autoforge.servers import Environment, EpisodeStore, ToolError

from .models import Blueprint, ToolPlan
from .naming import normal
from .rules import children, terminal_values
from .semantics import is_creation_time, is_person_table
from .values import Values

__all__ = ["Entity", "FromRow", "Goal", "KeyOf", "Known", "Pick", "Resolution", "Result", "Walk", "Walker"]

MAX_DEPTH = 4
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
        "date",
        "datetime",
        "money",
        "quantity",
        "number",
        "rating",
        "enum",
        "bool",
        "color",
        "code",
        "username",
        "first_name",
        "last_name",
    ]
)


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
    """How the user singles out their row among several: by a value, or as the largest / smallest."""

    column: str
    value: Any
    extreme: Literal["max", "min"] | None = None


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

    kind: Literal["update", "action", "delete", "create", "tell", "total", "compute", "compare", "branch"]
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

    @property
    def writes(self) -> bool:
        return self.kind in ("update", "action", "delete", "create", "compute", "compare") or (
            self.kind == "branch" and self.then is not None and self.then.writes
        )


@dataclass
class Walk:
    """A goal and how the agent finds every row it needs, entity by entity."""

    goal: Goal
    resolutions: dict[Entity, Resolution] = field(default_factory=dict)

    @property
    def acting(self) -> Goal | None:
        """The goal that runs: for a branch, the arm whose condition holds."""
        return self.goal.then if self.goal.kind == "branch" else self.goal

    def entities(self) -> set[Entity]:
        """Every row the walk finds or acts on."""
        found = set(self.resolutions) | set(self.goal.entities)
        if self.goal.entity is not None:
            found.add(self.goal.entity)
        return found

    def writes(self, blueprint: Blueprint) -> dict[Entity, frozenset[str] | None]:
        """Rows the walk changes, with the columns it changes (None: the whole row goes)."""
        goal = self.acting
        if goal is None or goal.tool is None or goal.entity is None or goal.kind in ("create", "tell", "total"):
            return {}
        plan = blueprint.plan(goal.tool)
        if plan.kind == "delete":
            return {goal.entity: None}
        columns = set(plan.target)
        named = dict(goal.args)
        columns |= {p.column for p in plan.roles("field") if p.column and p.name in named}
        return {goal.entity: frozenset(columns)}

    def inserted(self, blueprint: Blueprint) -> set[str]:
        """Tables the walk adds rows to."""
        goal = self.acting
        if goal is not None and goal.tool and blueprint.plan(goal.tool).kind == "create":
            return {blueprint.plan(goal.tool).table}
        return set()

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


class Walker:
    """Samples walks over one environment's tool graph, checking each step on its seed database."""

    def __init__(
        self,
        environment: Environment,
        blueprint: Blueprint,
        graph: nx.MultiDiGraph,
        rng: random.Random,
        values: Values,
        reasoning: float,
    ) -> None:
        self.env = environment
        self.bp = blueprint
        self.graph = graph
        self.rng = rng
        self.values = values
        self.reasoning = reasoning
        self.store = EpisodeStore(environment.spec, environment.template, {})
        self.episode = self.store.fresh(None)
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.by_key: dict[str, dict[Any, dict[str, Any]]] = {}
        for table in blueprint.tables:
            rows = self.episode.db.query(f'SELECT * FROM "{table.name}" ORDER BY rowid')
            self.rows[table.name] = rows
            self.by_key[table.name] = {r[table.primary_key]: r for r in rows}
        self.plans = {p.name: p for p in blueprint.plans}
        self.listable = {p.table for p in blueprint.plans if p.kind == "list"}
        self.required = {t.name: set(t.input_schema.get("required", [])) for t in environment.spec.tools}
        self.schemas = {t.name: t.input_schema for t in environment.spec.tools}
        self.kinds = {(t.name, c.name): blueprint.semantic(t.name, c.name) for t in blueprint.tables for c in t.columns}
        self.labels = blueprint.labels
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
        self.tries: dict[str, tuple[int, int]] = {}
        self.barren: set[str] = set()  # kinds of goal that never worked here

    def close(self) -> None:
        self.episode.close()

    # ---- running read tools on the seed ----------------------------------------------------------

    def read(self, tool: str, args: Args, keys: dict[Entity, Any] | None = None) -> Any:
        """The output of a read tool on the seed, or None when it refuses."""
        concrete = {name: self.concrete(source) for name, source in args}
        try:
            return self.env.tools[tool].run(self.episode, concrete).value
        except ToolError:
            return None

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
        if depth > MAX_DEPTH or entity in visiting:
            return False
        edges = [
            d["edge"]
            for _, _, d in self.graph.in_edges(consumer, data=True)
            if d["edge"].param == param and d["edge"].table == entity.table
        ]
        self.rng.shuffle(edges)
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
        if entity.table in self.listable or entity.table in self.bp.singletons:
            return False
        # Nothing lists these rows, so the user must know the key (an order number on a receipt).
        if need_row:
            getter = next(
                (p for p in self.bp.plans if p.kind == "get" and p.table == entity.table and p.param("key")), None
            )
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
                elif needed:
                    return None
            elif param.role == "search" and not scope_only and self.labels.get(table.name) and self.rng.random() < 0.2:
                label = self.labels[table.name][0]
                if row.get(label):
                    args.append((param.name, Known(row[label], label)))
            elif needed and param.role not in ("key",):
                return None
        return tuple(args)

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

    def pick(self, entity: Entity, rows: list[dict[str, Any]]) -> Pick | None:
        """How the user would single out `entity` among `rows`: a value only it has, or an extreme."""
        table = self.bp.table(entity.table)
        target = next(r for r in rows if r.get(table.primary_key) == entity.key)
        labels = self.labels.get(table.name, ())
        by_value: list[Pick] = []
        extremes: list[Pick] = []
        for column in table.columns:
            kind = self.kind(table.name, column.name)
            value = target.get(column.name)
            if value is None or column.primary_key or column.references:
                continue
            if kind in PICKABLE or column.name in labels:
                same = sum(1 for r in rows if _norm(r.get(column.name)) == _norm(value))
                if same == 1:
                    by_value.append(Pick(column.name, value))
            if kind in NUMERIC | {"date", "datetime"} and all(r.get(column.name) is not None for r in rows):
                values = [r[column.name] for r in rows]
                for extreme, best in (("max", max(values)), ("min", min(values))):
                    if value == best and values.count(best) == 1:
                        extremes.append(Pick(column.name, value, extreme))  # type: ignore[arg-type]
        labelled = [p for p in by_value if p.column in labels]
        if is_person_table(table.name):  # people are named by name or email, never "the one created last"
            return self.rng.choice(labelled) if labelled else None
        if extremes and (self.rng.random() < 0.3 or not by_value):
            return self.rng.choice(extremes)
        if labelled and self.rng.random() < 0.7:
            return self.rng.choice(labelled)
        return self.rng.choice(by_value) if by_value else None

    # ---- goals --------------------------------------------------------------------------------

    def sample(self, near: set[Entity] | None = None) -> Walk | None:
        """One random walk: a goal on a random row (near the given rows, if any), resolved back to what the user knows."""
        self.area = None
        if near:
            area = set(near)
            for _ in range(2):
                area |= {n for e in area for n in self.links.get(e, ())}
            self.area = area if len(area) > len(near) else None  # rows linked to nothing: any row will do
        try:
            return self._sample()
        finally:
            self.area = None

    def _near(self, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.area is None:
            return rows
        key = self.bp.table(table).primary_key
        return [r for r in rows if Entity(table, r[key]) in self.area] or rows

    def _sample(self) -> Walk | None:
        makers = {
            "write": self._write_goal, "tell": self._tell_goal, "compute": self._compute_goal,
            "total": self._total_goal, "compare": self._compare_goal, "branch": self._branch_goal,
        }  # fmt: skip
        reasoning = [k for k in ("compute", "total", "compare", "branch") if k not in self.barren]
        if reasoning and self.rng.random() < self.reasoning:
            kind = self.rng.choice(reasoning)
        else:
            kind = "write" if self.rng.random() < 0.85 or "tell" in self.barren else "tell"
        walk = makers[kind]()
        tries, wins = self.tries.get(kind, (0, 0))
        self.tries[kind] = (tries + 1, wins + (walk is not None))
        if tries + 1 >= 25 and not wins and walk is None:
            self.barren.add(kind)
        return walk

    def _writers(self, *kinds: str) -> list[ToolPlan]:
        return [p for p in self.bp.plans if p.kind in kinds]

    def _candidates(self, plan: ToolPlan, limit: int = 6) -> list[dict[str, Any]]:
        """Rows a write tool could be applied to, by its rules (not ended, not already in the target state)."""
        table = self.bp.table(plan.table)
        ended = set(terminal_values(table))
        status = next(iter(plan.target), None) if plan.kind == "action" else None
        rows = self._near(plan.table, list(self.rows[plan.table]))
        self.rng.shuffle(rows)
        good: list[dict[str, Any]] = []
        kids = children(self.bp, plan.table)
        for row in rows:
            if ended and any(row.get(c.name) in ended for c in table.columns if c.enum):
                continue
            if status is not None and row.get(status) == _as_stored(plan.target[status]):
                continue
            if plan.kind == "delete" and any(
                any(r.get(col) == row[table.primary_key] for r in self.rows[child]) for child, col in kids
            ):
                continue
            good.append(row)
            if len(good) >= limit:
                break
        return good

    def _targeted(self, plan: ToolPlan, row: dict[str, Any], found: dict[Entity, Resolution], need_row: bool = False,
                  chosen_fields: tuple[str, ...] = ()) -> Args | None:  # fmt: skip
        """Key and scope arguments naming `row` for a write, with every key resolved."""
        table = self.bp.table(plan.table)
        entity = Entity(table.name, row[table.primary_key])
        args: list[tuple[str, Source]] = []
        for param in plan.params:
            if param.role == "key":
                if not self.resolve(entity, plan.name, param.name, found, need_row=need_row):
                    return None
                args.append((param.name, KeyOf(entity)))
            elif param.role == "parent" and param.name in self.required[plan.name] and param.column:
                column = table.column(param.column)
                value = row.get(param.column)
                if value is None or column is None or not column.references:
                    return None
                target = Entity(column.references.split(".")[0], value)
                if not self.resolve(target, plan.name, param.name, found):
                    return None
                args.append((param.name, KeyOf(target)))
        if plan.param("key") is None and plan.table not in self.bp.singletons:
            return None
        filled = {name for name, _ in args}
        chosen = set(chosen_fields)
        for name in self.required[plan.name] - filled - chosen:
            param = next((p for p in plan.params if p.name == name), None)
            column = (param.column if param else None) or next(
                (c.name for c in table.columns if normal(c.name) == normal(name)), None
            )
            if column is None or row.get(column) is None or param is None or param.role == "key":
                return None
            if not self.resolve(entity, plan.name, (plan.param("key") or param).name, found, need_row=True):
                return None
            args.append((name, FromRow(entity, column)))
        return tuple(args)

    def _settable(self, plan: ToolPlan) -> list[str]:
        """Field arguments of a write whose values a user would state."""
        table = self.bp.table(plan.table)
        names = []
        for param in plan.roles("field"):
            column = table.column(param.column or "")
            if column is None or column.primary_key or column.references or is_creation_time(column.name):
                continue
            if self.kind(table.name, column.name) in SETTABLE:
                names.append(param.name)
        return names

    def _fresh(self, plan: ToolPlan, param: str, current: Any) -> Any:
        """A new value for a field, different from the current one and valid for the argument's schema."""
        table = self.bp.table(plan.table)
        column = table.column(next(p.column for p in plan.params if p.name == param) or "")
        assert column is not None
        kind = self.kind(table.name, column.name)
        schema = self.schemas[plan.name].get("properties", {}).get(param, {})
        for _ in range(10):
            value = _conform(self.rng, schema, self.values.value(table, column, kind))
            if kind == "bool":
                value = not bool(current) if current is not None else bool(value)
            if value is not None and _norm(value) != _norm(current) and _valid(schema, value):
                return value
        return None

    def _write_goal(self) -> Walk | None:
        plans = self._writers("update", "action", "delete", "create")
        if not plans:
            return None
        plan = self.rng.choice(plans)
        if plan.kind == "create":
            return self._create_goal(plan)
        for row in self._candidates(plan, 3):
            found: dict[Entity, Resolution] = {}
            args = self._targeted(plan, row, found)
            if args is None:
                continue
            entity = Entity(plan.table, row[self.bp.table(plan.table).primary_key])
            if plan.kind == "update":
                moved = self._reassign(plan, row, found)
                if moved is not None:
                    return Walk(Goal("update", plan.name, _merge(args, (moved,)), entity), found)
                fields = self._settable(plan)
                if not fields:
                    return None
                chosen = self.rng.sample(fields, min(len(fields), self.rng.choice([1, 1, 2])))
                extra = []
                for name in chosen:
                    column = next(p.column for p in plan.params if p.name == name)
                    value = self._fresh(plan, name, row.get(column or ""))
                    if value is None:
                        break
                    extra.append((name, Known(value, name)))
                else:
                    return Walk(Goal("update", plan.name, _merge(args, extra), entity), found)
                continue
            return Walk(Goal(plan.kind, plan.name, args, entity), found)  # type: ignore[arg-type]
        return None

    def _reassign(
        self, plan: ToolPlan, row: dict[str, Any], found: dict[Entity, Resolution]
    ) -> tuple[str, Source] | None:
        """Sometimes an update points a reference elsewhere (assign a ticket to another agent)."""
        table = self.bp.table(plan.table)
        options = [
            p for p in plan.roles("field") if p.column and (table.column(p.column) or table.columns[0]).references
        ]
        if not options or self.rng.random() < 0.4:
            return None
        param = self.rng.choice(options)
        target_table = (table.column(param.column or "") or table.columns[0]).references.split(".")[0]  # type: ignore[union-attr]
        key = self.bp.table(target_table).primary_key
        rows = [r for r in self._open_rows(target_table) if r[key] != row.get(param.column or "")]
        self.rng.shuffle(rows)
        for candidate in rows[:3]:
            target = Entity(target_table, candidate[key])
            if self.resolve(target, plan.name, param.name, found):
                return param.name, KeyOf(target)
        return None

    def _create_goal(self, plan: ToolPlan) -> Walk | None:
        table = self.bp.table(plan.table)
        found: dict[Entity, Resolution] = {}
        args: list[tuple[str, Source]] = []
        required = self.required[plan.name]
        for param in plan.params:
            column = table.column(param.column or "")
            if param.role == "parent" and column is not None and column.references:
                if param.name not in required and self.rng.random() < 0.3:
                    continue
                target_table = column.references.split(".")[0]
                parents = self._open_rows(target_table)
                if not parents:
                    return None
                parent = self.rng.choice(parents)
                target = Entity(target_table, parent[self.bp.table(target_table).primary_key])
                if not self.resolve(target, plan.name, param.name, found):
                    return None
                args.append((param.name, KeyOf(target)))
            elif (
                param.role == "field"
                and column is not None
                and (param.name in required or (param.name in self._settable(plan) and self.rng.random() < 0.35))
            ):
                kind = self.kind(table.name, column.name)
                if kind not in SETTABLE and param.name in required:
                    return None
                if kind not in SETTABLE:
                    continue
                value = self._fresh(plan, param.name, None)
                if value is None:
                    return None
                args.append((param.name, Known(value, param.name)))
            elif param.name in required:
                return None
        return Walk(Goal("create", plan.name, tuple(args)), found)

    def _open_rows(self, table_name: str) -> list[dict[str, Any]]:
        table = self.bp.table(table_name)
        ended = set(terminal_values(table))
        rows = [r for r in self.rows[table_name] if not any(r.get(c.name) in ended for c in table.columns if c.enum)]
        return self._near(table_name, rows) or rows

    def _visible(self, table: str) -> tuple[Entity, dict[Entity, Resolution]] | None:
        """A random row of `table` the agent can find and see (through a list or a get)."""
        consumers = [
            (p.name, p.param("key").name) for p in self.bp.plans if p.table == table and p.param("key") is not None
        ]  # type: ignore[union-attr]
        rows = self._near(table, list(self.rows[table]))
        self.rng.shuffle(rows)
        key = self.bp.table(table).primary_key
        for row in rows[:4]:
            entity = Entity(table, row[key])
            for consumer, param in consumers:
                found: dict[Entity, Resolution] = {}
                if self.resolve(entity, consumer, param, found, need_row=True):
                    return entity, found
        return None

    def _tell_goal(self) -> Walk | None:
        tables = [t for t in self.bp.tables if self.rows[t.name]]
        if not tables:
            return None
        table = self.rng.choice(tables)
        seen = self._visible(table.name)
        if seen is None:
            return None
        entity, found = seen
        row = self.row(entity)
        pick = found[entity].pick
        labels = self.labels.get(table.name, ())
        columns = [c.name for c in table.columns
                   if row.get(c.name) not in (None, "") and c.name not in labels and not c.primary_key and not c.references
                   and (pick is None or pick.column != c.name)
                   and self.kind(table.name, c.name) in ("enum", "date", "datetime", "money", "title", "name", "person",
                                                          "code", "phone", "email", "city", "street")]  # fmt: skip
        if not columns:
            return None
        return Walk(Goal("tell", entity=entity, column=self.rng.choice(columns)), found)

    def _compute_goal(self) -> Walk | None:
        plans = [p for p in self._writers("update") if self._numeric_fields(p)]
        if not plans:
            return None
        plan = self.rng.choice(plans)
        name, column, kind = self.rng.choice(self._numeric_fields(plan))
        for row in self._candidates(plan, 3):
            current = row.get(column)
            if current is None or (kind == "date" and not _is_date(current)):
                continue
            found: dict[Entity, Resolution] = {}
            args = self._targeted(plan, row, found, need_row=True)
            if args is None:
                continue
            op, amount = self._change(kind, current)
            entity = Entity(plan.table, row[self.bp.table(plan.table).primary_key])
            return Walk(
                Goal("compute", plan.name, _merge(args, ((name, Result()),)), entity, column, op, amount), found
            )
        return None

    def _numeric_fields(self, plan: ToolPlan) -> list[tuple[str, str, str]]:
        table = self.bp.table(plan.table)
        found = []
        for param in plan.roles("field"):
            column = table.column(param.column or "")
            if column is None:
                continue
            kind = self.kind(table.name, column.name)
            if kind in ("money", "quantity") or (kind == "date" and column.type == "TEXT"):
                found.append((param.name, column.name, kind))
        return found

    def _change(self, kind: str, current: Any) -> tuple[str, Any]:
        if kind == "date":
            return "days", self.rng.choice([1, 2, 3, 5, 7, 10, 14])
        if kind == "money":
            return "percent", self.rng.choice([-20, -15, -10, 5, 10, 15, 25])
        amount = self.rng.randint(1, 5)
        return "add", -amount if isinstance(current, int) and current > amount and self.rng.random() < 0.4 else amount

    def _total_goal(self) -> Walk | None:
        options = []
        for plan in self.bp.plans:
            if plan.kind != "list":
                continue
            table = self.bp.table(plan.table)
            numeric = [
                c.name
                for c in table.columns
                if self.kind(table.name, c.name) in ("money", "quantity") and not c.primary_key
            ]
            parents = [
                p
                for p in plan.roles("parent", "filter")
                if p.column and (table.column(p.column) or table.columns[0]).references
            ]
            if numeric and parents:
                options.append((plan, numeric, parents))
        if not options:
            return None
        plan, numeric, parents = self.rng.choice(options)
        table = self.bp.table(plan.table)
        scope = self.rng.choice(parents)
        column = self.rng.choice(numeric)
        by_parent: dict[Any, list[dict[str, Any]]] = {}
        for row in self.rows[table.name]:
            by_parent.setdefault(row.get(scope.column or ""), []).append(row)
        groups = [
            rows
            for value, rows in by_parent.items()
            if value is not None and len(rows) >= 2 and all(r.get(column) is not None for r in rows)
        ]
        if self.area is not None:
            parent_table = (table.column(scope.column or "") or table.columns[0]).references.split(".")[0]  # type: ignore[union-attr]
            groups = [g for g in groups if Entity(parent_table, g[0][scope.column or ""]) in self.area]
        if not groups:
            return None
        rows = self.rng.choice(groups)
        found: dict[Entity, Resolution] = {}
        parent_table = (table.column(scope.column or "") or table.columns[0]).references.split(".")[0]  # type: ignore[union-attr]
        parent = Entity(parent_table, rows[0][scope.column or ""])
        if not self.resolve(parent, plan.name, scope.name, found):
            return None
        args: Args = ((scope.name, KeyOf(parent)),)
        if any(p.name in self.required[plan.name] and p.name != scope.name for p in plan.params):
            return None
        output = self.read(plan.name, args)
        if not isinstance(output, list) or len(output) < 2 or len(output) >= 50:
            return None
        listing = Resolution(parent, plan.name, args, listed=tuple(r.get(table.primary_key) for r in output))
        return Walk(Goal("total", entity=parent, column=column, op="sum", listing=listing), found)

    def _compare_goal(self) -> Walk | None:
        plans = [p for p in self._writers("action", "update", "delete") if p.param("key") is not None
                 and not (self.required[p.name] - {p.param("key").name})]  # type: ignore[union-attr]  # fmt: skip
        if not plans:
            return None
        plan = self.rng.choice(plans)
        table = self.bp.table(plan.table)
        if is_person_table(table.name):
            return None
        numeric = [
            c.name
            for c in table.columns
            if self.kind(table.name, c.name) in NUMERIC | {"date", "datetime"} and not c.primary_key
        ]
        rows = self._candidates(plan, 8)
        if not numeric or len(rows) < 2:
            return None
        column = self.rng.choice(numeric)
        rows = [r for r in rows if r.get(column) is not None]
        for first in range(len(rows)):
            for second in range(first + 1, len(rows)):
                a, b = rows[first], rows[second]
                if a[column] == b[column]:
                    continue
                found: dict[Entity, Resolution] = {}
                entities = tuple(Entity(table.name, r[table.primary_key]) for r in (a, b))
                if all(self.resolve(e, plan.name, plan.param("key").name, found, need_row=True) for e in entities):  # type: ignore[union-attr]
                    op = self.rng.choice(["lower", "higher"])
                    winner = a if (a[column] < b[column]) == (op == "lower") else b
                    extra = self._write_extras(plan, winner)
                    if extra is None:
                        return None
                    key = plan.param("key").name  # type: ignore[union-attr]
                    goal = Goal(
                        "compare",
                        plan.name,
                        ((key, Result()), *extra),
                        Entity(table.name, winner[table.primary_key]),
                        column,
                        op,
                        entities=entities,
                    )
                    return Walk(goal, found)
                if second > 3:
                    break
        return None

    def _write_extras(self, plan: ToolPlan, row: dict[str, Any]) -> Args | None:
        """Field values for an update (new values the user states); nothing for other writes."""
        if plan.kind != "update":
            return ()
        fields = self._settable(plan)
        if not fields:
            return None
        name = self.rng.choice(fields)
        column = next(p.column for p in plan.params if p.name == name)
        value = self._fresh(plan, name, row.get(column or ""))
        return None if value is None else ((name, Known(value, name)),)

    def _branch_goal(self) -> Walk | None:
        plans = [p for p in self._writers("action", "update") if p.param("key") is not None]
        if not plans:
            return None
        plan = self.rng.choice(plans)
        table = self.bp.table(plan.table)
        conditions = [
            c
            for c in table.columns
            if (c.enum or self.kind(table.name, c.name) in ("money", "quantity", "bool")) and not c.primary_key
        ]
        if not conditions:
            return None
        for row in self._candidates(plan, 3):
            found: dict[Entity, Resolution] = {}
            args = self._targeted(plan, row, found, need_row=True)
            if args is None:
                continue
            entity = Entity(table.name, row[table.primary_key])
            column = self.rng.choice(conditions)
            value = row.get(column.name)
            if value is None:
                continue
            holds = self.rng.random() < 0.5
            op, amount = self._condition(table.name, column, value, holds)
            if op is None:
                continue
            taken = self._branch_arm(plan, row, args, entity)
            other = self._other_arm(table.name, plan, row, entity)
            if taken is None or other is None or _same_request(taken, other):
                continue
            if column.name in self._arm_columns(taken) | self._arm_columns(other):
                continue
            then, otherwise = (taken, other) if holds else (other, taken)
            return Walk(
                Goal("branch", entity=entity, column=column.name, op=op, amount=amount, then=then, otherwise=otherwise),
                found,
            )
        return None

    def _arm_columns(self, goal: Goal) -> set[str]:
        plan = self.plans[goal.tool or ""]
        named = dict(goal.args)
        return set(plan.target) | {p.column for p in plan.roles("field") if p.column and p.name in named}

    def _condition(self, table: str, column: Any, value: Any, holds: bool) -> tuple[str | None, Any]:
        """(comparison, value) so that `column <comparison> value` holds for the row exactly when `holds`."""
        kind = self.kind(table, column.name)
        if column.enum:
            others = [v for v in column.enum if v != value]
            if not others:
                return None, None
            return "is", value if holds else self.rng.choice(others)
        if kind == "bool":
            return "is", bool(value) if holds else not bool(value)
        step = 10 if kind == "money" and value >= 20 else 1
        factor = self.rng.uniform(0.5, 0.9) if holds else self.rng.uniform(1.1, 1.6)
        threshold = int(value * factor) // step * step
        if holds and threshold >= value:
            threshold = int(value) - 1
        if not holds and threshold < value:
            threshold = int(value) + step
        return "above", threshold

    def _branch_arm(self, plan: ToolPlan, row: dict[str, Any], args: Args, entity: Entity) -> Goal | None:
        if plan.kind == "action":
            return Goal("action", plan.name, args, entity)
        extra = self._write_extras(plan, row)
        return None if extra is None else Goal("update", plan.name, _merge(args, extra), entity)

    def _other_arm(self, table: str, plan: ToolPlan, row: dict[str, Any], entity: Entity) -> Goal | None:
        """What the user wants when the condition goes the other way (described, not run)."""
        options = [
            p
            for p in self.bp.plans
            if p.table == table
            and p.kind in ("action", "update")
            and p.name != plan.name
            and p.param("key") is not None
        ]
        if not options:
            options = [plan] if plan.kind == "update" else []
        if not options:
            return None
        other = self.rng.choice(options)
        key = other.param("key").name  # type: ignore[union-attr]
        if other.kind == "action":
            return Goal("action", other.name, ((key, KeyOf(entity)),), entity)
        extra = self._write_extras(other, row)
        return None if extra is None else Goal("update", other.name, ((key, KeyOf(entity)), *extra), entity)


def _merge(args: Args, extra: Args) -> Args:
    """Arguments with `extra` replacing any of the same name."""
    merged = dict(args)
    merged.update(dict(extra))
    return tuple(merged.items())


def _conform(rng: random.Random, schema: dict[str, Any], value: Any) -> Any:
    """`value` moved into the argument's documented range, length or set of values."""
    if not isinstance(schema, dict) or value is None:
        return value
    if schema.get("enum"):
        return rng.choice([v for v in schema["enum"] if v is not None] or [value])
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (low is not None or high is not None):
        low = low if low is not None else 0
        high = high if high is not None else max(low + 10, low * 2)
        if not low <= value <= high:
            value = rng.randint(int(low), int(high)) if isinstance(value, int) else round(rng.uniform(low, high), 2)
    if isinstance(value, str) and isinstance(schema.get("maxLength"), int):
        value = value[: schema["maxLength"]]
    return value


@lru_cache(maxsize=1024)
def _validator(schema: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(json.loads(schema))


def _valid(schema: dict[str, Any], value: Any) -> bool:
    try:
        _validator(json.dumps(schema, sort_keys=True))(value)
    except (fastjsonschema.JsonSchemaException, ValueError, TypeError):
        return False
    return True


def _same_request(first: Goal, second: Goal) -> bool:
    """Whether two branch arms ask for the same thing (same tool, same values)."""
    values = lambda goal: {n: s.value for n, s in goal.args if isinstance(s, Known)}
    return first.tool == second.tool and (values(first) == values(second) or first.kind == "action")


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).lower() if value is not None else ""


def _as_stored(value: Any) -> Any:
    return (1 if value else 0) if isinstance(value, bool) else value


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    return True
