"""The user's side of a task (offline backend): an instruction in plain words and the simulated user's scenario.

The user names rows the way a person would (their email, a title, "my most recent order"), states the
new values they want, and never mentions tool names or internal ids: finding those is the agent's job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autoforge.servers import UserScenario

from .dags import TaskPlan
from .instantiate import fact_text
from .models import Blueprint
from .naming import humanize, plural, singular, split_words
from .schema import ACTION_TARGETS
from .semantics import is_person_table
from .walks import Entity, Goal, KeyOf, Known, Resolution

__all__ = ["Wording", "leaks", "word_task"]

_SPOKEN = {"checkin": "check in", "unarchive": "restore", "unfreeze": "unfreeze"}


class Wording:
    """Instruction and user scenario of one task."""

    def __init__(self, instruction: str, user: UserScenario) -> None:
        self.instruction = instruction
        self.user = user


class _Phrases:
    def __init__(self, blueprint: Blueprint, plan: TaskPlan, row: Callable[[Entity], dict[str, Any]]) -> None:
        self.bp = blueprint
        self.plan = plan
        self.row = row
        self.known: dict[str, Any] = {}
        self.persona = self._persona()

    def remember(self, what: str, value: Any) -> None:
        name = humanize(what)
        if name in self.known and self.known[name] != value:
            number = 2
            while f"{name} {number}" in self.known:
                number += 1
            name = f"{name} {number}"
        self.known[name] = value

    def _persona(self) -> Entity | None:
        for entity, resolution in self.plan.resolutions.items():
            if is_person_table(entity.table) and any(isinstance(s, Known) for _, s in resolution.args) | (
                resolution.pick is not None
            ):
                return entity
        return None

    def person_name(self) -> str | None:
        if self.persona is None:
            return None
        row = self.row(self.persona)
        for column in self.bp.table(self.persona.table).columns:
            if self.bp.semantic(self.persona.table, column.name) in ("person",) and row.get(column.name):
                return str(row[column.name])
        first = next(
            (
                row.get(c.name)
                for c in self.bp.table(self.persona.table).columns
                if self.bp.semantic(self.persona.table, c.name) == "first_name"
            ),
            None,
        )
        last = next(
            (
                row.get(c.name)
                for c in self.bp.table(self.persona.table).columns
                if self.bp.semantic(self.persona.table, c.name) == "last_name"
            ),
            None,
        )
        return f"{first} {last}" if first and last else None

    # ---- naming rows ----

    def value(self, table: str, column: str, value: Any) -> str:
        kind = self.bp.semantic(table, column)
        text = fact_text(value, kind)
        if kind in ("title", "name", "text", "code", "path", "person", "street", "city") or (
            isinstance(value, str) and " " in value
        ):
            return f'"{text}"'
        return text

    def ref(self, entity: Entity, depth: int = 0) -> str:
        """How the user names a row: 'my order whose created at is 2026-01-02', 'the product "Blue Mug"'."""
        noun = humanize(singular(entity.table))
        if entity == self.persona:
            return "my account" if depth == 0 else "me"
        resolution = self.plan.resolutions.get(entity)
        if resolution is None or depth > 3:
            return f"the {noun}"
        if resolution.told:
            self.remember(f"{noun} number", entity.key)
            return f"my {noun} {self.value(entity.table, self.bp.table(entity.table).primary_key, entity.key)}"
        if resolution.via:
            through = resolution.through or next((s.entity for _, s in resolution.args if isinstance(s, KeyOf)), None)
            return f"the {noun} of {self.ref(through, depth + 1)}" if through else f"the {noun}"
        owner, details = self._scope(resolution, entity, depth)
        head = f"my {noun}" if owner == "mine" else f"the {noun}"
        key = self.bp.table(entity.table).primary_key
        for name, source in resolution.args:
            if isinstance(source, Known) and source.what == key:
                self.remember(f"{noun} {humanize(key)}", source.value)
                head = f"the {noun} {self.value(entity.table, key, source.value)}"
        pick = resolution.pick
        if pick is not None:
            column = humanize(pick.column)
            if pick.extreme:
                dated = self.bp.semantic(entity.table, pick.column) in ("date", "datetime")
                words = ("latest", "earliest") if dated else ("highest", "lowest")
                details.append(f"with the {words[0] if pick.extreme == 'max' else words[1]} {column}")
            else:
                self.remember(f"{noun} {column}", pick.value)
                details.append(f"whose {column} is {self.value(entity.table, pick.column, pick.value)}")
        if owner not in ("mine", ""):
            details.append(f"of {owner}")
        return " ".join([head, *details])

    def _scope(self, resolution: Resolution, entity: Entity, depth: int) -> tuple[str, list[str]]:
        owner = ""
        details: list[str] = []
        key = self.bp.table(entity.table).primary_key
        for _, source in resolution.args:
            if isinstance(source, KeyOf) and source.entity != entity:
                owner = "mine" if source.entity == self.persona else self.ref(source.entity, depth + 1)
            elif isinstance(source, Known) and source.what != key:
                column = humanize(source.what)
                if entity == self.persona:
                    continue
                self.remember(f"{humanize(singular(entity.table))} {column}", source.value)
                details.append(f"with {column} {self.value(entity.table, source.what, source.value)}")
        return owner, details

    # ---- requests ----

    def fields(self, goal: Goal) -> list[tuple[str, str]]:
        """(field in words, new value as said) for each value an update sets."""
        plan = self.bp.plan(goal.tool or "")
        columns = {p.name: p.column for p in plan.params}
        parts = []
        key = plan.param("key")
        for name, source in goal.args:
            if isinstance(source, Known):
                column = columns.get(name) or name
                self.remember(f"new {humanize(name)}", source.value)
                parts.append((humanize(name), self.value(plan.table, column, source.value)))
            elif (
                isinstance(source, KeyOf)
                and (key is None or name != key.name)
                and name in {p.name for p in plan.roles("field")}
            ):
                parts.append((humanize(singular(source.entity.table)), self.ref(source.entity)))
        return parts

    def request(self, goal: Goal, target: str | None = None) -> str:
        """An imperative phrase for one request; `target` overrides how the row is named."""
        plan = self.bp.plan(goal.tool) if goal.tool else None
        entity = goal.entity
        obj = target or (self.ref(entity) if entity is not None else "")
        if goal.kind == "update":
            changes = self.fields(goal)
            verb = split_words(goal.tool or "")[0] if goal.tool else ""
            if verb in ("assign", "reassign", "move", "transfer") and len(changes) == 1:
                return f"{verb} {obj} to {changes[0][1]}"
            if obj == "my account":
                return "change " + " and ".join(f"my {field} to {value}" for field, value in changes)
            if obj == "it":
                return "change " + " and ".join(f"its {field} to {value}" for field, value in changes)
            first = f"change the {changes[0][0]} of {obj} to {changes[0][1]}"
            return " and ".join([first, *(f"its {field} to {value}" for field, value in changes[1:])])
        if goal.kind == "action" and plan is not None:
            return f"{self._verb(goal)} {obj}"
        if goal.kind == "delete":
            return f"delete {obj}"
        if goal.kind == "create" and plan is not None:
            return self._create(goal)
        if goal.kind == "tell":
            return (
                f"tell me the {humanize(goal.column or '')} of {obj}"
                if obj != "my account"
                else f"tell me my {humanize(goal.column or '')}"
            )
        if goal.kind == "compute":
            return self._compute(goal, obj)
        if goal.kind == "total":
            listing = goal.listing
            listed = humanize(plural(self.bp.plan(listing.tool).table)) if listing else "items"
            owner = self.ref(goal.entity) if goal.entity else ""
            whose = f"all my {listed}" if owner == "my account" else f"all the {listed} of {owner}"
            return f"add up the {humanize(goal.column or '')} of {whose} and tell me the sum"
        if goal.kind == "compare":
            a, b = (self.ref(e) for e in goal.entities)
            dated = self.bp.semantic(goal.entities[0].table, goal.column or "") in ("date", "datetime")
            degree = {"lower": "earlier", "higher": "later"}[goal.op or "lower"] if dated else goal.op
            one = f"the one with the {degree} {humanize(goal.column or '')}"
            inner = Goal(self.bp.plan(goal.tool or "").kind, goal.tool, goal.args, goal.entity)  # type: ignore[arg-type]
            return f"look at {a} and {b}, and {self.request(inner, one)}"
        if goal.kind == "branch":
            subject = self.ref(goal.entity) if goal.entity else "it"
            column = humanize(goal.column or "")
            amount = self.value(goal.entity.table, goal.column or "", goal.amount) if goal.entity else goal.amount
            condition = (
                f"the {column} of {subject} is above {amount}"
                if goal.op == "above"
                else f"the {column} of {subject} is {amount}"
            )
            if subject == "my account":
                condition = condition.replace(f"the {column} of my account", f"my {column}")
            self.remember(f"condition on {column}", goal.amount)
            then = self.request(goal.then, "it") if goal.then else "leave it"
            otherwise = self.request(goal.otherwise, "it") if goal.otherwise else "leave it"
            return f"if {condition}, please {then}; otherwise, please {otherwise}"
        return "help me"

    def _verb(self, goal: Goal) -> str:
        plan = self.bp.plan(goal.tool or "")
        words = split_words(plan.name)
        verb = next((w for w in words if w in ACTION_TARGETS and w != "mark"), None)
        if verb is not None:
            return _SPOKEN.get(verb, verb)
        value = next(iter(plan.target.values()), None)
        return f"mark as {fact_text(value, '')}" if value is not None else "update"

    def _create(self, goal: Goal) -> str:
        plan = self.bp.plan(goal.tool or "")
        noun = humanize(singular(plan.table))
        owners = []
        for _, source in goal.args:
            if isinstance(source, KeyOf):
                reference = self.ref(source.entity)
                owners.append("for me" if reference == "my account" else f"for {reference}")
        parts = []
        for name, source in goal.args:
            if isinstance(source, Known):
                column = next((p.column for p in plan.params if p.name == name), name) or name
                self.remember(f"new {noun} {humanize(name)}", source.value)
                parts.append(f"{humanize(name)} {self.value(plan.table, column, source.value)}")
        text = f"create a new {noun} {' and '.join(owners)}".strip()
        return f"{text} with {', '.join(parts)}" if parts else text

    def _compute(self, goal: Goal, obj: str) -> str:
        column = humanize(goal.column or "")
        subject = f"my {column}" if obj == "my account" else f"the {column} of {obj}"
        self.remember(f"change to the {column}", goal.amount)
        if goal.op == "days":
            return f"move {subject} {goal.amount} day{'s' if goal.amount != 1 else ''} later"
        if goal.op == "percent":
            return f"{'raise' if goal.amount > 0 else 'lower'} {subject} by {abs(goal.amount)}%"
        return f"{'increase' if goal.amount > 0 else 'decrease'} {subject} by {abs(goal.amount)}"


def word_task(blueprint: Blueprint, plan: TaskPlan, row: Callable[[Entity], dict[str, Any]], env_title: str) -> Wording:
    """The instruction and user scenario for a task plan."""
    phrases = _Phrases(blueprint, plan, row)
    requests = [phrases.request(goal) for goal in plan.goals]
    name = phrases.person_name()
    opening = "Hi"
    if phrases.persona is not None:
        identity = [f"my {humanize(s.what)} is {phrases.value(phrases.persona.table, s.what, s.value)}"
                    for _, s in plan.resolutions[phrases.persona].args if isinstance(s, Known) and s.value != name]  # fmt: skip
        pick = plan.resolutions[phrases.persona].pick
        if pick is not None and not pick.extreme and pick.value != name:
            identity.append(
                f"my {humanize(pick.column)} is {phrases.value(phrases.persona.table, pick.column, pick.value)}"
            )
        for _, source in plan.resolutions[phrases.persona].args:
            if isinstance(source, Known):
                phrases.remember(source.what, source.value)
        if name:
            phrases.remember("name", name)
        opening = f"Hi, I'm {name}" if name else "Hi"
        if identity:
            opening += f" ({'; '.join(identity)})"
    body = _join(requests)
    instruction = f"{opening}. {body}"
    persona = (
        f"{name}, a {humanize(singular(phrases.persona.table))} of {env_title}"
        if name and phrases.persona
        else f"A user of {env_title}"
    )
    unknown = sorted(
        {
            f"{humanize(singular(e.table))} id"
            for e in plan.resolutions
            if blueprint.semantic(e.table, blueprint.table(e.table).primary_key) == "id"
        }
    )
    user = UserScenario(
        persona=persona,
        known_facts=phrases.known,
        unknown=tuple(unknown),
        behavior="Polite and brief. Give the facts you know when asked; you do not know any internal ids and never invent them.",
    )
    return Wording(instruction, user)


def _join(requests: list[str]) -> str:
    sentences = []
    for position, text in enumerate(requests):
        if text.startswith("if "):
            lead = (
                "" if position == 0 else "Also, " if position < len(requests) - 1 or len(requests) == 2 else "Finally, "
            )
            sentence = f"{lead}{text}."
            sentences.append(sentence[0].upper() + sentence[1:])
        elif position == 0:
            sentences.append(f"Could you {text}?")
        elif position == len(requests) - 1 and len(requests) > 2:
            sentences.append(f"Finally, please {text}.")
        else:
            sentences.append(f"Also, please {text}.")
    return " ".join(sentences)


def leaks(instruction: str, blueprint: Blueprint, plan: TaskPlan, tool_names: list[str]) -> str | None:
    """What an instruction gives away that the agent must find itself (an internal id, a tool name), or None."""
    told = {e for e, r in plan.resolutions.items() if r.told}
    for entity in set(plan.resolutions) | {g.entity for g in plan.goals if g.entity is not None}:
        if entity in told:
            continue
        if blueprint.semantic(entity.table, blueprint.table(entity.table).primary_key) == "id":
            key = str(entity.key)
            if len(key) > 2 and key in instruction:
                return f"the instruction names the internal id {key!r}"
    for name in tool_names:
        if ("_" in name or any(c.isupper() for c in name[1:])) and name in instruction:
            return f"the instruction names the tool {name!r}"
    return None
