"""Tasks whose right outcome is to refuse, one kind per policy rule, each built so that refusing is not free.

- lifecycle: the user asks for what the document's rules forbid (cancel a delivered order); the agent
  must look the record up and tell its number and state (the tool's own refusal names them);
- staff-only: a customer asks for staff work on their own record (approve their return, raise their
  tier); the agent tells the record's number and state and does not act;
- identification: someone who matches no account (another customer's name, an email nobody has) asks
  for a change and a public fact; the agent tells the fact and changes nothing;
- ownership: an identified customer also asks for a change to someone else's record; the agent answers
  the customer's own question and leaves the other record alone;
- confirmation: the user asks for a change, hears a value of the record first, and declines (or, for a new
  record, asks a question beside it and declines to have it made).

The refused change is never in the expected state (only what an allowed request beside it changes is); each
has a fact that belongs to one record, so an agent that does nothing fails, and an agent that makes the forbidden
change fails too.
"""

from __future__ import annotations

import random
from typing import Any

from .dags import Refusal, TaskPlan, compatible
from .goals import Walker, clear_fact
from .models import ToolPlan
from .values import Person, full_name
from .walks import Entity, Goal, Known, Walk

__all__ = ["RULES", "refusal_plan"]

RULES = ("lifecycle", "staff-only", "identification", "ownership", "confirmation")
_WEIGHTS = (0.4, 0.25, 0.12, 0.12, 0.11)
BESIDE_RULES = ("lifecycle", "staff-only", "confirmation")
"""Refusals that may come with an allowed request (the other two already have one: a question of the user's own)."""
ALLOWED_WRITE_SHARE = 0.7
"""Of those, the share whose allowed request is any request the user may make (a change, mostly), not a question."""
CONFIRMATION_TRIES = 24
"""Requests tried for one confirmation refusal: in an API without customers it is often the only rule there is,
and few requests have a value to hear that the user does not already know."""


def refusal_plan(walker: Walker, rng: random.Random, customers: list[Entity]) -> TaskPlan | None:
    """One refusal task of a rule chosen at random (among those this environment has; when the chosen one finds
    no request to refuse, the others in turn), or None."""
    rules = [r for r in RULES if r in _possible(walker)]
    while rules:
        rule = rng.choices(rules, weights=[_WEIGHTS[RULES.index(r)] for r in rules])[0]
        rules.remove(rule)
        plan = _refusal_of(rule, walker, rng, customers)
        if plan is not None:
            return plan
    return None


def _refusal_of(rule: str, walker: Walker, rng: random.Random, customers: list[Entity]) -> TaskPlan | None:
    """A refusal of `rule` for a customer at random (or the account's owner), or None."""
    persona = rng.choice(customers) if customers else None
    builder = {"lifecycle": _lifecycle, "staff-only": _staff_only, "identification": _identification,
               "ownership": _ownership, "confirmation": _confirmation}[rule]  # fmt: skip
    try:
        plan = builder(walker, rng, persona, customers)
        if plan is not None and rule in BESIDE_RULES:  # one allowed request beside the refused one: the agent
            walker.begin(plan.role, plan.persona)  # must do the first and decline the second
            beside = _allowed_request(walker, plan) if rng.random() < ALLOWED_WRITE_SHARE else None
            if beside is None and plan.persona is not None and rule != "confirmation":
                beside = _own_fact(walker)
            if beside is not None and not _touches_refused(walker, beside, plan):
                plan.walks.insert(0, beside)
                plan.goals.insert(0, beside.goal)
                for entity, resolution in beside.resolutions.items():
                    plan.resolutions.setdefault(entity, resolution)
        return plan
    finally:
        walker.begin("owner", None)


def _allowed_request(walker: Walker, plan: TaskPlan) -> Walk | None:
    """A request the user may make (a change or a question, on another record) that spoils nothing the refused
    one decides on."""
    for _ in range(4):
        walk = walker.sample()
        if (
            walk is not None
            and not _touches_refused(walker, walk, plan)
            and all(compatible(w, walk, walker.bp) for w in plan.walks)
        ):
            return walk
    return None


def _touches_refused(walker: Walker, walk: Walk, plan: TaskPlan) -> bool:
    """Whether `walk` asks about or changes the refused record, or one whose facts the refusal tells."""
    assert plan.refusal is not None
    named = {plan.refusal.goal.entity, *(e for e, _ in plan.refusal.facts)}
    return walk.goal.entity in named or bool(named & set(walk.writes(walker.bp)))


def _possible(walker: Walker) -> set[str]:
    roles = walker.roles
    found = {"lifecycle", "confirmation"}
    if roles.customer:
        found |= {"identification", "ownership"}
        if roles.staff_only or roles.staff_fields:
            found.add("staff-only")
    return found


def _start(walker: Walker, persona: Entity | None) -> TaskPlan | None:
    """A plan for `persona` (a customer, identified first) or for the account's owner."""
    if persona is None:
        walker.begin("owner", None)
        return TaskPlan(role="owner")
    walker.begin("customer", persona)
    identity = walker.identify(persona, walker.roles.identify)
    if identity is None:
        return None
    return TaskPlan(role="customer", persona=persona, identity=identity)


def _record_facts(walker: Walker, entity: Entity) -> list[tuple[Entity, str]]:
    """What tells one record apart when the agent explains a refusal: its number (when the user does not know
    it) and its state or dates."""
    table = walker.bp.table(entity.table)
    facts: list[tuple[Entity, str]] = []
    if walker.kind(table.name, table.primary_key) == "id":
        facts.append((entity, table.primary_key))
    status = next((c.name for c in table.columns if c.enum and c.name.split("_")[-1] in ("status", "state")), None)
    if status is not None and walker.row(entity).get(status) is not None:
        facts.append((entity, status))
    return facts


def _finish(plan: TaskPlan, walk: Walk, rule: str, reason: str, facts: list[tuple[Entity, str]]) -> TaskPlan:
    """The plan with its refused request; the agent looks the record up only when it has something to tell of it
    (someone else's record, or a user nobody knows, is never looked up)."""
    goal = Goal("refuse", walk.goal.tool, walk.goal.args, walk.goal.entity, op=rule)
    plan.refusal = Refusal(rule=rule, goal=goal, reason=reason, facts=tuple(facts))  # type: ignore[arg-type]
    looked_up = rule in ("lifecycle", "staff-only", "confirmation")
    resolutions = walk.resolutions if looked_up else {}
    for entity, resolution in resolutions.items():
        plan.resolutions.setdefault(entity, resolution)
    plan.walks.append(Walk(goal, resolutions))
    plan.goals.append(goal)
    plan.described = {**plan.described, **walk.resolutions}
    return plan


def _targets(walker: Walker, plan: ToolPlan) -> list[dict[str, Any]]:
    rows = walker._near(plan.table, list(walker.rows[plan.table]))
    walker.rng.shuffle(rows)
    return rows[:10]


def _key_argument(tool: ToolPlan) -> str:
    """The argument that names a tool's row ('' for the one row of a singleton, which no argument names)."""
    named = tool.param("key") or tool.param("lookup") or (tool.params[0] if tool.params else None)
    return named.name if named is not None else ""


def _lifecycle(walker: Walker, rng: random.Random, persona: Entity | None, customers: list[Entity]) -> TaskPlan | None:
    """Ask for what the document's rules forbid on the user's own record."""
    plan = _start(walker, persona)
    if plan is None:
        return None
    tools = walker._writers("update", "action", "delete", "create")
    rng.shuffle(tools)
    for tool in tools[:6]:
        for row in _targets(walker, tool) if tool.kind != "create" else []:
            walk = walker.attempt(tool, row)
            if walk is None or walk.goal.entity is None:
                continue
            reason = walker.attempt_error(walk.goal)
            if reason is None or reason.startswith(("No ", "Nothing to change", "the write has")) or "must" in reason:
                continue
            if walker.resolve(walk.goal.entity, tool.name, _key_argument(tool),
                              walk.resolutions, need_row=True):  # fmt: skip
                return _finish(plan, walk, "lifecycle", reason, _record_facts(walker, walk.goal.entity))
        if tool.kind == "create":
            found = _create_refusal(walker, tool, plan)
            if found is not None:
                return found
    return None


def _create_refusal(walker: Walker, tool: ToolPlan, plan: TaskPlan) -> TaskPlan | None:
    """A new row under a parent whose state does not allow it (a return on an order not yet delivered)."""
    table = walker.bp.table(tool.table)
    for param in tool.roles("parent"):
        column = table.column(param.column or "")
        if column is None or not column.references:
            continue
        parent_table = column.references.split(".")[0]
        for row in walker._near(parent_table, list(walker.rows[parent_table]))[:10]:
            walk = walker._create_goal(tool, {param.name: row})
            if walk is None:
                continue
            reason = walker.attempt_error(walk.goal)
            key = walker.bp.table(parent_table).primary_key
            parent = Entity(parent_table, row[key])
            states = [str(v) for c, v in row.items() if isinstance(v, str) and walker.bp.table(parent_table).column(c)
                      and walker.bp.table(parent_table).column(c).enum]  # type: ignore[union-attr]  # fmt: skip
            named = (
                reason is not None and str(row[key]) in reason and any(s.replace("_", " ") in reason for s in states)
            )
            if not named or "must" in (reason or ""):
                continue
            if walker.resolve(parent, tool.name, param.name, walk.resolutions, need_row=True):
                refused = Walk(Goal("create", tool.name, walk.goal.args, parent), walk.resolutions)
                return _finish(plan, refused, "lifecycle", reason, _record_facts(walker, parent))
    return None


def _staff_only(walker: Walker, rng: random.Random, persona: Entity | None, customers: list[Entity]) -> TaskPlan | None:
    """A customer asks for staff work on their own record."""
    plan = _start(walker, persona)
    if plan is None:
        return None
    roles = walker.roles
    options = [p for p in walker.bp.plans if p.name in roles.staff_only and p.table in walker.owned]
    options += [p for p in walker.bp.plans if p.name in roles.staff_fields]
    rng.shuffle(options)
    for tool in options:
        walker.role = "staff"  # build the request as staff would make it; refused because the user is not
        candidates = [
            r
            for r in _targets(walker, tool)
            if walker.owns(Entity(tool.table, r[walker.bp.table(tool.table).primary_key]))
        ]
        for row in candidates:
            walk = walker.attempt(tool, row)
            walker.role = "customer"
            if walk is None or walk.goal.entity is None or walker.attempt_error(walk.goal) is not None:
                walker.role = "staff"
                continue
            key = _key_argument(tool)
            if walker.resolve(walk.goal.entity, tool.name, key, walk.resolutions, need_row=True):
                facts = _record_facts(walker, walk.goal.entity)
                named = {c for _, c in facts}
                for name, source in walk.goal.args:
                    column = next((p.column for p in tool.params if p.name == name), None)
                    if isinstance(source, Known) and column and column not in named:
                        facts.append((walk.goal.entity, column))
                reason = f"{tool.name} is staff-only"
                return _finish(plan, walk, "staff-only", reason, [f for f in facts if _clear(walker, *f)])
            walker.role = "staff"
        walker.role = "customer"
    return None


def _clear(walker: Walker, entity: Entity, column: str) -> bool:
    table = walker.bp.table(entity.table)
    value = entity.key if column == table.primary_key else walker.row(entity).get(column)
    return value is not None and (column == table.primary_key or len(str(value)) >= 4)


def _owned_write(walker: Walker, customer: Entity) -> Walk | None:
    """A write the customer may make on their own record (it would succeed)."""
    walker.begin("customer", customer)
    for _ in range(6):
        walk = walker._write_goal()
        if walk is not None and walk.goal.kind != "create" and walk.goal.entity is not None and walker.works(walk.goal):
            return walk
    return None


def _own_fact(walker: Walker, entity: Entity | None = None) -> Walk | None:
    """A question about the user's own records (or a public one, for a user who is nobody)."""
    for _ in range(6):
        walk = walker._tell_goal() if entity is None else _tell_about(walker, entity)
        if walk is not None and walk.goal.entity is not None and walker.owns(walk.goal.entity):
            return walk
    return None


def _tell_about(walker: Walker, entity: Entity, found: dict[Entity, Any] | None = None) -> Walk | None:
    """A question about one record the walk already finds (its total, a date), not about what names it."""
    table = walker.bp.table(entity.table)
    row = walker.row(entity)
    resolution = (found or {}).get(entity)
    picked = resolution.pick.column if resolution is not None and resolution.pick is not None else None
    columns = [c.name for c in table.columns if not c.primary_key and not c.references and not c.enum
               and c.name != picked and walker.tellable(table.name, c.name)
               and clear_fact(row.get(c.name), walker.kind(table.name, c.name))]  # fmt: skip
    if not columns:
        return None
    return Walk(Goal("tell", entity=entity, column=walker.rng.choice(columns)), {})


def _identification(walker: Walker, rng: random.Random, persona: Entity | None,
                    customers: list[Entity]) -> TaskPlan | None:  # fmt: skip
    """Someone who matches no account asks for a change to 'their' account and for a public fact."""
    roles = walker.roles
    if persona is None or not roles.identify:
        return None
    email = roles.identify[0][0]
    table = walker.bp.table(persona.table)
    finder = next((p for p in walker.bp.plans if p.table == table.name and p.kind == "list"
                   and any(f.column == email for f in p.roles("filter"))), None)  # fmt: skip
    if finder is None:
        return None
    param = next(f.name for f in finder.roles("filter") if f.column == email)
    taken = {str(r.get(email)).lower() for r in walker.rows[table.name]}
    row = walker.row(persona)
    name = full_name(row, {c: walker.kind(table.name, c) for c in row})
    if " " not in name:
        return None
    first, last = name.split(" ", 1)
    walk = _owned_write(walker, persona)
    if walk is not None:  # nor the new email the request asks for ('my email is X; change my email to X')
        taken |= {str(s.value).lower() for arm in walk.arms for _, s in arm.args if isinstance(s, Known)}
    guesses = (walker.values.email(Person(first, last)) for _ in range(10))
    fake = next((g for g in guesses if g.lower() not in taken), None)
    if fake is None:
        return None
    walker.begin("customer", None)
    walker.scope = set()  # nobody's rows
    public = _own_fact(walker)
    if walk is None or public is None:
        return None
    plan = TaskPlan(role="customer", impostor={"tool": finder.name, "args": {param: fake}, "name": name, "email": fake})
    plan.add(public)
    return _finish(plan, walk, "identification", "no account matches the user's details", [])


def _ownership(walker: Walker, rng: random.Random, persona: Entity | None, customers: list[Entity]) -> TaskPlan | None:
    """An identified customer asks, besides their own question, for a change to someone else's record."""
    others = [c for c in customers if c != persona]
    if persona is None or not others:
        return None
    other = rng.choice(others)
    walk = _owned_write(walker, other)
    if walk is None:
        return None
    plan = _start(walker, persona)
    own = _own_fact(walker) if plan is not None else None
    if plan is None or own is None:
        return None
    plan.add(own)
    return _finish(plan, walk, "ownership", "the record belongs to another customer", [])


def _confirmation(walker: Walker, rng: random.Random, persona: Entity | None,
                  customers: list[Entity]) -> TaskPlan | None:  # fmt: skip
    """The user asks for a change, hears a value of the record first, and then declines; or asks a question and
    for a new record, and declines to have it made (an API whose only changes make records)."""
    plan = _start(walker, persona)
    if plan is None:
        return None
    for _ in range(CONFIRMATION_TRIES):
        walk = walker._write_goal()
        if walk is None or not walker.works(walk.goal):
            continue
        if walk.goal.kind == "create":
            asked = _own_fact(walker)
            if asked is None:
                continue
            plan.add(asked)
            return _finish(plan, walk, "confirmation", "the user declined when asked to confirm", [])
        if walk.goal.entity is None:
            continue
        entity = walk.goal.entity
        tool = walker.bp.plan(walk.goal.tool or "")
        key = _key_argument(tool)
        if not walker.resolve(entity, tool.name, key, walk.resolutions, need_row=True):
            continue
        tell = _tell_about(walker, entity, walk.resolutions)
        if tell is None:
            continue
        plan.add(Walk(tell.goal, walk.resolutions))
        return _finish(plan, walk, "confirmation", "the user declined when asked to confirm", [])
    return None
