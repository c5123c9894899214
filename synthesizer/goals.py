"""Goals of a walk: a write, a fact, or one that needs reasoning first (compute, total, compare, branch),
each on a row the current user may act on, sampled so that every writing tool gets its turn."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

from autoforge.servers import Roles, ToolError

from .lifecycle import pairs_of, required_states
from .models import ParamPlan, ToolPlan
from .moments import day_of, shifted
from .naming import normal, split_words
from .outcomes import apply_change
from .rules import children, linked_table, terminal_values, within_totals
from .semantics import PERSONAL_KINDS, PERSONAL_WORDS, is_creation_time, is_person_table, is_secret
from .sources.schemas import structure_of
from .structured import conform, structured_value, valid
from .toolgen import table_rules
from .values import Person, names_someone, person_of
from .walks import (
    NUMERIC,
    RESOLVE_STEPS,
    SETTABLE,
    Args,
    Entity,
    FromRow,
    Goal,
    KeyOf,
    Known,
    Resolution,
    Resolver,
    Result,
    Source,
    Walk,
    _as_stored,
    _is_date,
    _merge,
    _norm,
    _same_request,
)

__all__ = ["TOLD", "Walker", "clear_fact"]

_UNCONTINGENT = PERSONAL_KINDS | {"name", "title", "code", "url", "uuid", "path"}
"""Kinds of value a user states outright, never one of two depending on a condition."""
FRUITLESS_TRIES = 8
"""Write goals of one tool that came to nothing before it stops being favoured as an unused tool (in a batch)."""

TOLD = ("date", "money", "amount", "title", "name", "person", "code", "phone", "email", "city", "street", "airport",
        "seat", "quantity", "numeral", "region")  # fmt: skip
"""Kinds of value a user asks to be told."""


def summable(column: str) -> bool:
    """Whether adding a column up over rows means something (amounts and totals do; unit prices do not)."""
    words = set(column.lower().split("_"))
    return bool(words & {"total", "amount", "balance", "fee", "fees", "spent", "paid", "charge", "cost", "subtotal"})


def clear_fact(value: Any, kind: str, asked: bool = False) -> bool:
    """Whether a value tells one record apart when said: an amount, a date, a code, a name (not '3' or 'yes').
    A count the user `asked` for by its field ("how many seats does it have?") is clear even when small."""
    if isinstance(value, bool) or value is None:
        return False
    if asked and kind in ("quantity", "numeral") and str(value).strip().isdigit():
        return int(str(value).strip()) >= 1
    if kind == "money" and isinstance(value, (int, float)):
        return value >= 1
    if isinstance(value, (int, float)):
        return abs(value) >= 100
    text = str(value).strip()
    return len(text) >= 4 and not (text.isdigit() and int(text) < 100)


Role = Literal["customer", "staff", "owner"]


class Walker(Resolver):
    """Samples walks: a goal on a random row, resolved back to what the user knows.

    `govern` tells it the environment's roles; `begin` starts a task for one user: a customer's goals stay on
    their own rows and use the tools customers may ask for, a staff member's use the staff-only tools. Tools
    that tasks have used less are picked more often, and every write is tried on the seed before it is kept.
    """

    def govern(self, roles: Roles | None, used: Counter[str]) -> None:
        """Take the environment's roles and how often earlier tasks used each tool."""
        self.roles = roles or Roles()
        self.used = used
        self.fruitless: Counter[str] = Counter()
        """Writing tools' goals that came to nothing in this batch (no goal, or the tool refused it)."""
        self.fruitful: set[str] = set()
        self.writer: str | None = None
        """The writing tool the last write goal was built for."""
        self.probe = self.store.fresh(None)
        self.attempts = self.memo.writes
        self.settable: dict[tuple[str, str], list[str]] = {}
        self.pairs = {t.name: pairs_of(self.bp, t) for t in self.bp.tables}
        self.requires = {t.name: required_states(self.bp, t) for t in self.bp.tables}
        self.rules = table_rules(self.bp)
        self.today = dt.date.fromisoformat(self.env.spec.clock[:10])
        self.role: Role = "owner"
        self.persona: Entity | None = None
        self.scope: set[Entity] | None = None
        self.owned = {self.roles.customer, *self.roles.owned} if self.roles.customer else set()
        self.owner: dict[Entity, Entity] = {}
        if self.roles.customer:
            for table in self.bp.tables:
                for row in self.rows.get(table.name, []) if table.name == self.roles.customer else []:
                    entity = Entity(table.name, row[table.primary_key])
                    self.owner[entity] = entity
            for name in self._owned_order():
                table = self.bp.table(name)
                for row in self.rows[name]:
                    for column in table.columns:
                        parent = (
                            Entity(column.references.split(".")[0], row.get(column.name)) if column.references else None
                        )
                        if parent is not None and parent in self.owner:
                            self.owner[Entity(name, row[table.primary_key])] = self.owner[parent]
                            break

    def _owned_order(self) -> list[str]:
        """Owned tables, each after the tables it belongs to."""
        order: list[str] = []
        pending = [t for t in self.roles.owned]
        while pending:
            progressed = False
            for name in list(pending):
                parents = {c.references.split(".")[0] for c in self.bp.table(name).columns if c.references}
                if not (parents & set(pending)) - {name}:
                    order.append(name)
                    pending.remove(name)
                    progressed = True
            if not progressed:
                order += pending
                break
        return order

    def begin(self, role: Role, persona: Entity | None) -> None:
        """Start a task for `persona` in `role`: a customer's goals stay on their own rows."""
        self.role = role
        self.persona = persona
        self.scope = None
        if role == "customer" and persona is not None:
            self.scope = {e for e, owner in self.owner.items() if owner == persona}

    def owns(self, entity: Entity) -> bool:
        """Whether the current customer may act on `entity` (their own row, or a row nobody owns)."""
        return self.scope is None or entity.table not in self.owned or entity in self.scope

    # ---- goals --------------------------------------------------------------------------------

    def sample(self, near: set[Entity] | None = None, checked: bool = True) -> Walk | None:
        """One random walk: a goal on a random row (near the given rows, if any), resolved back to what the user knows."""
        self.area = None
        if near:
            area = set(near)
            for _ in range(self.rng.choice((1, 1, 2))):  # mostly the rows right next to these: they share one
                area |= {n for e in area for n in self.links.get(e, ())}
            self.area = area if len(area) > len(near) else None  # rows linked to nothing: any row will do
        try:
            return self._sample(checked)
        finally:
            self.area = None

    def _near(self, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        key = self.bp.table(table).primary_key
        if self.scope is not None and table in self.owned:
            rows = [r for r in rows if Entity(table, r[key]) in self.scope]
        if self.area is None:
            return rows
        return [r for r in rows if Entity(table, r[key]) in self.area]  # a partner walk stays next to the plan

    def _sample(self, checked: bool) -> Walk | None:
        makers = {
            "write": self._write_goal, "tell": self._tell_goal, "compute": self._compute_goal,
            "total": self._total_goal, "compare": self._compare_goal, "branch": self._branch_goal,
        }  # fmt: skip
        barren = {kind for role, kind in self.barren if role == self.role}
        reasoning = [k for k in ("compute", "total", "compare", "branch") if k not in barren]
        unused = any(
            self.used[p.name] == 0 and not self._given_up(p)
            for p in self._writers("update", "action", "delete", "create")
        )
        if unused and self.rng.random() < 0.5:
            kind = "write"
        elif reasoning and self.rng.random() < self.reasoning:
            kind = self.rng.choice(reasoning)
        else:  # a read-only API (its writes barren) asks for facts
            roll = self.rng.random()
            kind = "write" if (roll < 0.85 and "write" not in barren) or "tell" in barren else "tell"
        walk = None
        for _ in range(3):
            self.writer = None
            walk = makers[kind]()
            if walk is None or not checked or self.works(walk.goal):
                break
            walk = None
        if kind == "write" and self.writer is not None and checked:  # an unchecked goal may still be refused
            if walk is None:
                self.fruitless[self.writer] += 1
            else:
                self.fruitful.add(self.writer)
        tries, wins = self.tries.get((self.role, kind), (0, 0))
        self.tries[(self.role, kind)] = (tries + 1, wins + (walk is not None))
        if tries + 1 >= 25 and not wins and walk is None:
            self.barren.add((self.role, kind))
        return walk

    def _writers(self, *kinds: str) -> list[ToolPlan]:
        """Writing tools of these kinds that the current user may have called, least used first in weight."""
        plans = [p for p in self.bp.plans if p.kind in kinds and p.many is None]  # batches: tools, not goals
        staff = set(self.roles.staff_only)
        if self.role == "customer":  # a customer has an account already: opening one is a newcomer's request
            plans = [
                p for p in plans if p.name not in staff and not (p.kind == "create" and p.table == self.roles.customer)
            ]
        elif self.role == "staff":
            plans = [p for p in plans if p.name in staff or p.name in self.roles.staff_fields]
        return plans

    def _choose(self, plans: list[ToolPlan]) -> ToolPlan:
        """A tool, favouring those earlier tasks used least (so every writing tool gets its turn), except one whose
        goals keep coming to nothing: it is weighed as the most used one, so it cannot starve the others."""
        most = max((self.used[p.name] for p in plans), default=0)
        weights = [1.0 / (1 + (most if self._given_up(p) else self.used[p.name])) ** 2 for p in plans]
        return self.rng.choices(plans, weights=weights)[0]

    def _given_up(self, plan: ToolPlan) -> bool:
        return plan.name not in self.fruitful and self.fruitless[plan.name] >= FRUITLESS_TRIES

    def arguments(self, goal: Goal) -> dict[str, Any] | None:
        """The concrete arguments of a goal's write on the seed (a computed value worked out), or None."""
        acting = goal.then if goal.kind == "branch" else goal
        if acting is None or acting.tool is None:
            return None
        arguments: dict[str, Any] = {}
        for name, source in acting.args:
            if isinstance(source, FromRow):
                arguments[name] = self.row(source.entity).get(source.column)
            elif isinstance(source, Result):
                arguments[name] = goal.entity.key if goal.kind == "compare" and goal.entity else self._outcome(goal)
                if arguments[name] is None:
                    return None
            else:
                arguments[name] = self.concrete(source)
        return arguments

    def attempt_error(self, goal: Goal) -> str | None:
        """The tool's refusal of a goal's write on the seed, or None when it succeeds (tried on a probe episode,
        which is made afresh after a write that went through)."""
        acting = goal.then if goal.kind == "branch" else goal
        arguments = self.arguments(goal)
        if acting is None or acting.tool is None or arguments is None:
            return "the write has no arguments yet"
        signature = json.dumps([acting.tool, arguments], sort_keys=True, default=str)
        if signature in self.attempts:
            return self.attempts[signature]
        try:
            self.tools.run(acting.tool, self.probe, arguments)
        except ToolError as exc:
            self.attempts[signature] = str(exc)  # a refused call leaves the probe episode as it was
            return str(exc)
        self.probe.close()
        self.probe = self.store.fresh(None)
        self.attempts[signature] = None
        return None

    def close(self) -> None:
        super().close()
        self.probe.close()

    def works(self, goal: Goal) -> bool:
        """Whether the write a goal makes succeeds on the seed."""
        acting = goal.then if goal.kind == "branch" else goal
        if acting is None or acting.tool is None or acting.kind in ("tell", "total"):
            return True
        return self.attempt_error(goal) is None

    def _outcome(self, goal: Goal) -> Any:
        """What a compute goal's reasoning works out, from the row as it is on the seed."""
        if goal.entity is None:
            return None
        return apply_change(goal.op or "", goal.amount, self.row(goal.entity).get(goal.column or ""))

    def _candidates(self, plan: ToolPlan, limit: int = 6) -> list[dict[str, Any]]:
        """Rows a write tool could be applied to, by its rules (not ended, not already in the target state)."""
        table = self.bp.table(plan.table)
        ended = set(terminal_values(table))
        status = next(iter(plan.target), None) if plan.kind == "action" else None
        rows = self._near(plan.table, list(self.rows[plan.table]))
        self.rng.shuffle(rows)
        good: list[dict[str, Any]] = []
        kids = children(self.bp, plan.table)
        sources = self.rules[plan.table].transitions.get(str(plan.target.get(status))) if status else None
        current = self.rules[plan.table].current if plan.current else ()
        for row in rows:
            if current and row.get(self.rules[plan.table].status or "") not in current:
                continue  # `stop_timer()` acts on the running one only
            reopening = sources is not None and row.get(status) in sources
            if ended and not reopening and any(row.get(c.name) in ended for c in table.columns if c.enum):
                continue
            if status is not None and row.get(status) == _as_stored(plan.target[status]):
                continue
            if sources is not None and row.get(status) not in sources:
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
                linked = linked_table(table)  # unfollow: the agent finds the account, whose key keys the follow
                target = Entity(linked, entity.key) if linked else entity
                if not self.resolve(target, plan.name, param.name, found, need_row=need_row and not linked):
                    return None
                args.append((param.name, KeyOf(target)))
            elif param.role == "lookup" and param.column and row.get(param.column) not in (None, ""):
                args.append((param.name, Known(row[param.column], param.column)))  # the user names it
            elif param.role == "parent" and param.name in self.required[plan.name] and param.column:
                column = table.column(param.column)
                value = row.get(param.column)
                if value is None or column is None or not column.references:
                    return None
                target = Entity(column.references.split(".")[0], value)
                if not self.resolve(target, plan.name, param.name, found):
                    return None
                args.append((param.name, KeyOf(target)))
        keyless = plan.table in self.bp.singletons or plan.current  # the one row, or the running one
        if plan.param("key") is None and plan.param("lookup") is None and not keyless:
            return None
        filled = {name for name, _ in args}
        chosen = set(chosen_fields)
        for name in sorted(self.required[plan.name] - filled - chosen):  # the same order whatever the hash seed
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
        """Field arguments of a write whose values the current user would state (staff fields are staff's)."""
        key = (self.role, plan.name)
        if key not in self.settable:
            self.settable[key] = self._fields_for(plan)
        return self.settable[key]

    def _fields_for(self, plan: ToolPlan) -> list[str]:
        table = self.bp.table(plan.table)
        names = []
        staff_fields = set(self.roles.staff_fields.get(plan.name, ()))
        for param in plan.roles("field"):
            if self.role == "customer" and param.name in staff_fields:
                continue
            if self.role == "staff" and plan.name not in self.roles.staff_only and param.name not in staff_fields:
                continue
            column = table.column(param.column or "")
            if column is None or column.primary_key or column.references or is_creation_time(column.name):
                continue
            if self.kind(table.name, column.name) in SETTABLE or self._structure(plan, param.name):
                names.append(param.name)
        return names

    def _structure(self, plan: ToolPlan, param: str) -> dict[str, Any] | None:
        """The shape of an object or list argument (a booking's passengers) whose values a user can state."""
        column = self.bp.table(plan.table).column(next((p.column for p in plan.params if p.name == param), "") or "")
        if column is None or self.kind(plan.table, column.name) != "json":
            return None
        return structure_of(self.schemas[plan.name].get("properties", {}).get(param))

    def _fresh(self, plan: ToolPlan, param: str, current: Any, row: dict[str, Any] | None = None,
               chosen: dict[str, Any] | None = None) -> Any:  # fmt: skip
        """A new value for a field: different from the current one, valid for the argument's schema and the
        column's constraints, and in order with its pair (a check-out after the check-in)."""
        table = self.bp.table(plan.table)
        column = table.column(next(p.column for p in plan.params if p.name == param) or "")
        assert column is not None
        kind = self.kind(table.name, column.name)
        schema = self.schemas[plan.name].get("properties", {}).get(param, {})
        known = {**(row or {}), **(chosen or {})}
        person = (  # a new email is still theirs
            person_of(known, {c.name: self.kind(table.name, c.name) for c in table.columns})
            if is_person_table(table.name) or names_someone(table)
            else None
        )
        if person is not None and kind in ("person", "last_name"):  # a new name: the same first name, a new last
            person = Person(person.first, self.values.person().last)
        structure = self._structure(plan, param)
        for _ in range(10):
            if structure is not None:
                value = structured_value(self.values, self.rng, table, structure)
                if value is not None and value != _decoded(current) and valid(schema, value):
                    return value
                continue
            value = self._paired(table.name, column.name, known)
            if value is None:
                value = conform(self.rng, schema, self.values.value(table, column, kind, known, person))
            if kind == "bool":
                value = not bool(current) if current is not None else bool(value)
            if value is not None and _norm(value) != _norm(current) and valid(schema, value):
                return value
        return None

    def _paired(self, table: str, column: str, known: dict[str, Any]) -> Any:
        """A date that keeps its pair in order: an end a few days after the start, a start before the end."""
        for start, end in self.pairs.get(table, ()):
            if column == end and isinstance(known.get(start), str):
                return shifted(known[start], self.rng.randint(1, 5))
            ending = day_of(known.get(end)) if column == start and isinstance(known.get(end), str) else None
            if ending is not None and (ending - self.today).days >= 2:
                return shifted(known[end], -self.rng.randint(1, min((ending - self.today).days - 1, 5)))
        return None

    def attempt(self, plan: ToolPlan, row: dict[str, Any]) -> Walk | None:
        """A walk doing `plan` to `row` (an update gets new values the user states), whatever the rules say."""
        found: dict[Entity, Resolution] = {}
        stated: tuple[str, ...] = ()
        pointed = tuple(p.name for p in self._references(plan) if p.name in self.required[plan.name])
        if plan.kind == "update" and plan.table in self.bp.singletons:  # the one row: the user states each value
            stated = tuple(f for f in self._settable(plan) if f in self.required[plan.name])  # the tool needs
        args = self._targeted(plan, row, found, chosen_fields=stated + pointed)
        if args is None:
            return None
        entity = Entity(plan.table, row[self.bp.table(plan.table).primary_key])
        if plan.kind != "update":
            return Walk(Goal(plan.kind, plan.name, args, entity), found)  # type: ignore[arg-type]
        moved = self._reassign(plan, row, found, pointed[:1]) if not stated else None
        if moved is not None:
            return Walk(Goal("update", plan.name, _merge(args, (moved,)), entity), found)
        if pointed:  # `select_payment_method(payment_method_id)`: the tool must point at another row
            return None
        fields = self._settable(plan)
        if not fields:
            return None
        chosen = self.rng.sample(fields, min(len(fields), self.rng.choice([1, 1, 2])))
        chosen = list(dict.fromkeys([*chosen, *stated]))
        extra: list[tuple[str, Source]] = []
        values: dict[str, Any] = {}
        for name in chosen:
            column = next(p.column for p in plan.params if p.name == name) or ""
            value = self._fresh(plan, name, row.get(column), row, values)
            if value is None:
                return None
            values[column] = value
            extra.append((name, Known(value, name)))
        return Walk(Goal("update", plan.name, _merge(args, tuple(extra)), entity), found)

    def _write_goal(self) -> Walk | None:
        plans = self._writers("update", "action", "delete", "create")
        if self.area is not None:  # a partner must share a row: a new row with no parent shares none
            plans = [p for p in plans if p.kind != "create" or p.roles("parent")]
        if not plans:
            return None
        plan = self._choose(plans)
        self.writer = plan.name
        if plan.kind == "create":
            return self._create_goal(plan)
        for row in self._candidates(plan, 3):
            walk = self.attempt(plan, row)
            if walk is not None:
                return walk
        return None

    def _references(self, plan: ToolPlan) -> list[ParamPlan]:
        """Field arguments of a write that point at another row (an agent, a payment method)."""
        table = self.bp.table(plan.table)
        return [p for p in plan.roles("field") if p.column and (table.column(p.column) or table.columns[0]).references]

    def _reassign(
        self, plan: ToolPlan, row: dict[str, Any], found: dict[Entity, Resolution], needed: tuple[str, ...] = ()
    ) -> tuple[str, Source] | None:
        """Sometimes an update points a reference elsewhere (assign a ticket to another agent); always when the
        tool needs one of `needed` (then that one)."""
        table = self.bp.table(plan.table)
        options = [p for p in self._references(plan) if not needed or p.name in needed]
        if not options or (not needed and self.rng.random() < 0.4):
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

    def signup(self, plan: ToolPlan) -> tuple[Walk, Person, str] | None:
        """A new customer's profile: one made-up person whose names and email agree (and the email)."""
        person = self.values.person()
        email = self.values.email(person)
        table = self.bp.table(plan.table)
        made = {"first_name": person.first, "last_name": person.last, "person": person.full, "email": email}
        args: list[tuple[str, Source]] = []
        for param in plan.roles("field"):
            column = table.column(param.column or "")
            if column is None:
                continue
            value = made.get(self.kind(table.name, column.name))
            if column.name.lower() == "initials":
                value = f"{person.first[:1]}{person.last[:1]}"  # the newcomer's own, not another person's
            if value is None:
                optional = param.name not in self.required[plan.name]
                if optional and (self.kind(table.name, column.name) not in SETTABLE or self.rng.random() < 0.5):
                    continue  # nobody signing up says when they were last seen, or who their owner is
                value = self._fresh(plan, param.name, None)
            if value is None:
                return None
            args.append((param.name, Known(value, param.name)))
        if self.required[plan.name] - {name for name, _ in args}:
            return None
        return Walk(Goal("create", plan.name, tuple(args)), {}), person, email

    def _create_goal(self, plan: ToolPlan, forced: dict[str, dict[str, Any]] | None = None) -> Walk | None:
        """A new row: its parents (`forced` ones, or open rows the user may use) and the values the user states."""
        table = self.bp.table(plan.table)
        found: dict[Entity, Resolution] = {}
        args: list[tuple[str, Source]] = []
        required = self.required[plan.name]
        values: dict[str, Any] = {}
        order = {p.name: i for i, p in enumerate(plan.params)}
        enum = {p.name for p in plan.params if (c := table.column(p.column or "")) is not None and c.enum}
        for param in sorted(plan.params, key=lambda p: p.name not in enum):  # a category first: the text follows it
            column = table.column(param.column or "")
            if param.role == "parent" and column is not None and column.references:
                if param.name not in required and param.name not in (forced or {}) and self.rng.random() < 0.3:
                    continue
                target_table = column.references.split(".")[0]
                needed = self.requires.get(plan.table, {}).get(column.name)
                if forced and param.name in forced:
                    parents = [forced[param.name]]
                elif needed is not None:
                    parents = self._in_states(target_table, needed)
                else:
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
                settable = self.kind(table.name, column.name) in SETTABLE or self._structure(plan, param.name)
                if not settable and param.name in required:
                    return None
                if not settable:
                    continue
                value = self._speaker_value(column) or self._fresh(plan, param.name, None, None, values)
                if value is None:
                    return None
                values[column.name] = value
                args.append((param.name, Known(value, param.name)))
            elif param.name in required:
                return None
        args = _within_totals(args, values, plan, table)
        return Walk(Goal("create", plan.name, tuple(sorted(args, key=lambda a: order[a[0]]))), found)

    def _speaker_value(self, column: Any) -> str | None:
        """For a field naming who wrote a row (author: customer | agent), the current user's side."""
        if not column.enum or self.role == "owner":
            return None
        sides = (
            ("customer", "guest", "passenger", "user", "attendee", "client", "member")
            if self.role == "customer"
            else ("agent", "staff", "admin", "support", "employee", "operator")
        )
        return next((v for v in column.enum if v in sides), None)

    def _in_states(self, table_name: str, states: tuple[str, ...]) -> list[dict[str, Any]]:
        """Rows the user may use whose state is one of `states` (an order that is delivered, for a return)."""
        status = next(
            (
                c.name
                for c in self.bp.table(table_name).columns
                if c.enum and c.name.split("_")[-1] in ("status", "state")
            ),
            None,
        )
        rows = [r for r in self.rows[table_name] if status is not None and r.get(status) in states]
        return self._near(table_name, rows)

    def _open_rows(self, table_name: str) -> list[dict[str, Any]]:
        table = self.bp.table(table_name)
        ended = set(terminal_values(table))
        rows = [r for r in self.rows[table_name] if not any(r.get(c.name) in ended for c in table.columns if c.enum)]
        near = self._near(table_name, rows)
        strict = self.area is not None or (self.scope is not None and table_name in self.owned)
        return near if near or strict else rows

    def _visible(self, table: str) -> tuple[Entity, dict[Entity, Resolution]] | None:
        """A random row of `table` the agent can find and see (through a list or a get)."""
        consumers = [
            (p.name, p.param("key").name) for p in self.bp.plans if p.table == table and p.param("key") is not None
        ]  # type: ignore[union-attr]
        rows = self._near(table, list(self.rows[table]))
        self.rng.shuffle(rows)
        key = self.bp.table(table).primary_key
        listers = [p for p in self.bp.plans if p.table == table and p.kind == "list"]
        getters = [p for p in self.bp.plans if p.table == table and p.kind == "get" and p.param("key") is None]
        for row in rows[:4]:
            entity = Entity(table, row[key])
            for consumer, param in consumers:
                found: dict[Entity, Resolution] = {}
                if self.resolve(entity, consumer, param, found, need_row=True):
                    return entity, found
            for getter in getters if table in self.bp.singletons else []:  # the one row ("my profile"), no key
                found, self.steps = {}, RESOLVE_STEPS
                resolution = self._by_key(entity, getter, found, 0, frozenset({entity}))
                if resolution is not None:
                    return entity, {**found, entity: resolution}
            for lister in listers:  # no tool takes its key (a read-only API): the list shows the row
                found, self.steps = {}, RESOLVE_STEPS
                resolution = self._by_list(entity, lister, found, 0, frozenset({entity}))
                if resolution is not None:
                    return entity, {**found, entity: resolution}
        return None

    def tellable(self, table: str, column: str, kinds: Iterable[str] = TOLD) -> bool:
        """Whether a user would ask for a column's value: one of `kinds`, and no hash or token."""
        return self.kind(table, column) in kinds and not is_secret(column)

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
        labels = self.labels.get(table.name, ()) if table.name not in self.bp.singletons else ()  # the one row: none
        told = ("money", "quantity") if entity == self.persona else TOLD
        stated = {str(source.value) for _, source in found[entity].args if isinstance(source, Known)}
        columns = [c.name for c in table.columns
                   if row.get(c.name) not in (None, "") and c.name not in labels and not c.primary_key and not c.references
                   and (pick is None or pick.column != c.name) and not c.enum
                   and str(row[c.name]) not in stated  # not what the user's own search says ('with departure date ...')
                   and self.tellable(table.name, c.name, told)
                   and clear_fact(row[c.name], self.kind(table.name, c.name), asked=True)]  # fmt: skip
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
                if self.kind(table.name, c.name) == "money" and not c.primary_key and summable(c.name)
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
        if self.scope is not None:
            parent_table = (table.column(scope.column or "") or table.columns[0]).references.split(".")[0]  # type: ignore[union-attr]
            if parent_table in self.owned:
                groups = [g for g in groups if Entity(parent_table, g[0][scope.column or ""]) in self.scope]
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
        value = self._fresh(plan, name, row.get(column or ""), row)
        return None if value is None else ((name, Known(value, name)),)

    def _branch_goal(self) -> Walk | None:
        plans = [p for p in self._writers("action", "update") if p.param("key") is not None]
        if not plans:
            return None
        plan = self.rng.choice(plans)
        table = self.bp.table(plan.table)
        flags = () if is_person_table(table.name) else ("bool",)  # 'if my marked email as spam is no' asks nothing
        conditions = [
            c
            for c in table.columns
            if (c.enum or self.kind(table.name, c.name) in ("money", "quantity", *flags)) and not c.primary_key
        ]
        if not conditions:
            return None
        for row in self._candidates(plan, 3):
            found: dict[Entity, Resolution] = {}
            args = self._targeted(plan, row, found, need_row=True)
            if args is None:
                continue
            entity = Entity(table.name, row[table.primary_key])
            picked = {r.pick.column for r in found.values() if r.pick is not None and r.entity == entity}
            usable = [c for c in conditions if c.name not in picked]
            if not usable:
                continue
            column = self.rng.choice(usable)
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
            if self._uncontingent(taken) or self._uncontingent(other):
                continue  # 'if my miles are more than 27893, change my email to A; if not, to B' asks no one's question
            then, otherwise = (taken, other) if holds else (other, taken)
            return Walk(
                Goal("branch", entity=entity, column=column.name, op=op, amount=amount, then=then, otherwise=otherwise),
                found,
            )
        return None

    def _uncontingent(self, goal: Goal) -> bool:
        """Whether `goal` changes only what no condition on a record decides: who someone is or how to reach them
        (an email, a phone, an address), or what a thing is called ('if its link is shared, rename it A; if not,
        B')."""
        plan = self.plans[goal.tool or ""]
        fields = goal.fields(plan)
        return bool(fields) and all(
            self.kind(plan.table, c) in _UNCONTINGENT or split_words(c)[-1] in PERSONAL_WORDS for c in fields
        )

    def _arm_columns(self, goal: Goal) -> set[str]:
        plan = self.plans[goal.tool or ""]
        return set(plan.target) | goal.fields(plan)

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
        if threshold <= 0 and value > 0:  # 'if the quantity is more than 0' asks nothing
            return None, None
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


def _within_totals(
    args: list[tuple[str, Source]], values: dict[str, Any], plan: ToolPlan, table: Any
) -> list[tuple[str, Source]]:
    """Arguments where a part stated beside its total is no more than it (non-free bags within all bags)."""
    kept = within_totals(table, values)
    columns = {p.name: p.column for p in plan.params}
    return [
        (n, Known(kept[column], n))
        if (column := columns.get(n)) in values and kept[column] != values[column]
        else (n, s)
        for n, s in args
    ]


def _decoded(value: Any) -> Any:
    """A column's JSON text as the value it holds (a list of flights); other values as they are."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
