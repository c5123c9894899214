"""The user's side of a task (offline backend): an instruction in a person's words and a tau2-style scenario.

The user greets, says who they are (or waits to be asked), asks for each thing with a reason, and names
rows the way people do: their name or email, "my order from February 12", "my most recent booking",
"the Copper Kettle", "flight SW120" - never an internal id, a tool name or a timestamp. The scenario has
the persona, the reason for getting in touch, what the user knows and may say when asked, what they do not
know, and how they behave (when to confirm, when to accept a refusal, when to change their mind).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from autoforge.servers import Roles, UserScenario

from .dags import TaskPlan
from .instantiate import fact_text
from .lifecycle import current_states, start_column
from .models import Blueprint, ToolPlan
from .naming import humanize, indefinite, plural, singular, split_words
from .policy import BILLED
from .rules import linked_table, status_column
from .semantics import is_creation_time, is_person_table
from .shapes import ACTION_TARGETS, SWITCHES, VERBS, toggle_of
from .speech import field_words, flag_phrase, measured, reason_for, spoken_date, spoken_value, unitless, verb_of
from .values import full_name, invented_name
from .walks import Entity, Goal, KeyOf, Known, Pick, Resolution, Source

__all__ = ["Wording", "leaks", "word_task"]

_VERBS = {"checkin": "check in", "unarchive": "restore", "pay": "pay for", "refund": "get a refund for",
          "mark": "mark", "hold": "put on hold", "on": "turn on", "off": "turn off"}  # fmt: skip
_PHRASAL = frozenset({"check in", "put on hold", "turn on", "turn off"})
"""Verbs whose particle follows a pronoun object."""
_TRAITS = ("Polite and brief.", "Friendly and a little chatty.", "In a hurry; answers in few words.",
           "Careful: double-checks every detail before agreeing.", "A bit anxious about getting it right.",
           "Direct and matter-of-fact.")  # fmt: skip
_GREETINGS = ("Hi, this is {name}.", "Hello, my name is {name}.", "Hi there, I'm {name}.", "Good morning, {name} here.")
_CLASSES = frozenset(["status", "state", "type", "kind", "category", "tier", "level", "class", "cabin", "plan"])
_ON = frozenset(["item", "line", "charge", "ticket", "bag", "comment", "entry", "passenger", "payment", "card"])


_EDGES = {"from": "start", "to": "end", "since": "start", "until": "end", "start": "start", "end": "end"}
"""Date fields named only by which end of a span they are."""
_POSTED = frozenset({"message", "comment", "status", "reply", "update", "review", "note", "article", "photo", "post"})
"""What people post (anything else a tool named `post...` makes is added)."""
_MAKING_VERBS = frozenset(
    {"send", "schedule", "book", "reserve", "post", "publish", "write", "draft", "log", "submit", "file", "upload",
     "invite", "plan", "order", "request", "register", "pin", "buy"}
)  # fmt: skip
"""Verbs of tools that create a row which a person says instead of 'add': 'send a mail', 'book a room'."""


_CASES = frozenset(
    {"ticket", "case", "issue", "incident", "request", "inquiry", "enquiry", "complaint", "conversation"}
)
"""Records of a problem someone raised: closed when it is solved."""


def _making(tool: str, noun: str) -> tuple[str, str] | None:
    """(verb, thing) where a creating tool's name says how a person asks for one: `send_mail` sends a mail (the
    record's own noun); after a service's name, the thing is the tool's (`buses_buy_bus_ticket`: buy a bus ticket,
    `services_dentist_book_appointment`: book an appointment)."""
    words = split_words(tool)
    at = next((i for i, word in enumerate(words[:3]) if word in _MAKING_VERBS), None)
    if at is None or any(word in VERBS for word in words[:at]):  # `create_order` creates; it does not order
        return None
    named = words[at + 1 :]
    return words[at], humanize(singular("_".join(named))) if at and named else noun


class Wording:
    """Instruction and user scenario of one task."""

    def __init__(self, instruction: str, user: UserScenario) -> None:
        self.instruction = instruction
        self.user = user


def _costs(table: str, column: str) -> bool:
    """Whether a money column says what something costs ('the cheaper order'); a payment's or a transaction's
    amount, a balance or a limit does not."""
    words = set(split_words(column))
    flow = singular(table).split("_")[-1] in _FLOWS and not words & {"price", "cost", "fee", "fare"}
    return bool(words & _COSTS) and not flow


_FLOWS = frozenset({"transaction", "payment", "transfer", "deposit", "refund", "withdrawal", "payout", "income"})
"""Rows whose amount is money moved, not a price."""
_LEVELS = frozenset({"priority", "severity", "urgency", "importance", "risk"})
"""Fields whose values are levels of something: said with it ('a high-priority ticket')."""
_LEFT = frozenset({"available", "left", "remaining", "free", "open", "sold", "taken", "booked"})
"""Words after a counted noun that say which of them are counted ('seats available')."""
_VAGUE = frozenset({"other", "others", "misc", "miscellaneous", "unknown", "unspecified", "undefined", "any",
                    "default", "custom", "generic"})  # fmt: skip
"""Values that read as another word before a noun ('my other ticket'), so they are said after it."""
_MADE_FOR: dict[str, frozenset[str]] = {
    "ask for help": frozenset({"ticket", "issue", "case", "request", "incident", "complaint", "inquiry", "enquiry"}),
    "new payee": frozenset({"payee", "beneficiary", "recipient"}),
    "luggage": frozenset({"bag", "baggage", "luggage", "suitcase"}),
    "add item": frozenset({"item", "line"}),
}
"""Reason keys for records a user adds for a purpose of their own (a ticket asks for help), by the record's noun."""
_COSTS = frozenset({"price", "cost", "fare", "fee", "total", "amount", "rate", "charge"})
"""Words of a money column that say what something costs (the cheapest order; but the lowest balance)."""


class _Speaker:
    """Says one task's requests as its user would."""

    def __init__(self, blueprint: Blueprint, plan: TaskPlan, row: Callable[[Entity], dict[str, Any]], roles: Roles,
                 rng: random.Random, today: dt.date) -> None:  # fmt: skip
        self.bp = blueprint
        self.plan = plan
        self.row = row
        self.roles = roles
        self.rng = rng
        self.today = today
        self.known: dict[str, Any] = {}
        self.context: dict[str, Any] = {}  # what a read needs that no record holds (where the user is)

    # ---- what the user knows ---------------------------------------------------------------------

    def remember(self, what: str, value: Any) -> None:
        name = what
        number = 2
        while name in self.known and self.known[name] != value:
            name = f"{what} {number}"
            number += 1
        self.known[name] = value

    def kind(self, table: str, column: str) -> str:
        column_def = self.bp.table(table).column(column)
        return "enum" if column_def is not None and column_def.enum else self.bp.semantic(table, column)

    def say(self, table: str, column: str, value: Any) -> str:
        """A value as the user says it (text in quotes, dates in words)."""
        kind = self.kind(table, column)
        text = spoken_value(value, kind, self.today)
        if kind in ("title", "name", "text", "person", "street", "path") and not is_person_table(table):
            return f'"{text}"'
        return text

    def name_of(self, entity: Entity) -> str:
        """A person's full name from their row (the user's own, made up when their row holds none)."""
        kinds = {c.name: self.bp.semantic(entity.table, c.name) for c in self.bp.table(entity.table).columns}
        name = full_name(self.row(entity), kinds)
        return name or (invented_name(entity.table, entity.key) if entity == self.plan.persona else "")

    # ---- naming rows -------------------------------------------------------------------------------

    def _current_state(self, entity: Entity) -> str | None:
        """The live state a row is in ('active'), when some tool acts on the one row in it without a key."""
        table = self.bp.table(entity.table)
        status = status_column(table)
        state = self.row(entity).get(status.name) if status is not None else None
        return str(state).replace("_", " ") if state is not None and state in current_states(self.bp, table) else None

    def ref(self, entity: Entity, depth: int = 0) -> str:
        """How the user names a row: 'my order from February 12', 'the "Copper Kettle"', 'Ann's booking'."""
        noun = humanize(singular(entity.table))
        if entity == self.plan.persona or self._claimed(entity):  # an impostor says 'my email', as its owner would
            return "my account" if depth == 0 else "me"
        resolution = self.plan.resolutions.get(entity) or self.plan.described.get(entity)
        if is_person_table(entity.table) and not (resolution is not None and resolution.via and depth <= 3):
            return self._person(entity)  # by name, unless the agent can only find them through another row
        if entity.table in self.bp.singletons and entity.table == "profiles":  # the signed-in user's own (`/me`)
            return "my profile"
        if resolution is None and (state := self._current_state(entity)):
            return f"the {state} {noun}"  # what a tool given no key acts on: 'the active timer'
        if resolution is None or depth > 3:
            return f"the {noun}"
        if resolution.told:
            key = self.bp.table(entity.table).primary_key
            self.remember(f"{noun} number", entity.key)
            return f"{noun} {self.say(entity.table, key, entity.key)}"
        if resolution.via:
            through = resolution.through or next((s.entity for _, s in resolution.args if isinstance(s, KeyOf)), None)
            return f"the {noun} of {self.ref(through, depth + 1)}" if through else f"the {noun}"
        owner, details = self._scope(resolution, entity, depth)
        pick = self._pick(entity, resolution.pick) if resolution.pick else ""
        head = f"my {noun}" if owner == "mine" else f"the {noun}"
        if owner.endswith("'s"):
            head = f"{owner} {noun}"
            owner = ""
        trailing = pick.startswith("with ") and details  # 'the template "Consent form" with folder name "Work"'
        phrase = " ".join(
            p for p in ([head, *details, pick] if trailing else [self._before(head, pick), *details]) if p
        )
        if owner and owner != "mine":
            prep = "on" if singular(entity.table).split("_")[-1] in _ON else "of"
            phrase += f" {prep} {owner}"
        return phrase

    def _person(self, entity: Entity) -> str:
        """Another person, by name (and the detail the user knows them by, such as their email)."""
        name = self.name_of(entity)
        noun = humanize(singular(entity.table))
        self.remember(f"{noun} name", name)
        resolution = self.plan.resolutions.get(entity) or self.plan.described.get(entity)
        told = [
            (arg, str(s.value))
            for arg, s in (resolution.args if resolution else ())
            if isinstance(s, Known) and str(s.value) != name
        ]
        if (
            resolution is not None
            and resolution.pick is not None
            and not resolution.pick.extreme
            and resolution.pick.value != name
        ):
            told.append((resolution.pick.column, str(resolution.pick.value)))
        for field, detail in told:  # 'agent email', not 'agent detail'
            self.remember(f"{noun} {humanize(field)}", detail)
        details = [detail for _, detail in told]
        said = name or f"the {noun}"
        return f"{said} ({', '.join(details)})" if details else said

    def _scope(self, resolution: Resolution, entity: Entity, depth: int) -> tuple[str, list[str]]:
        owner = ""
        details: list[str] = []
        known: list[tuple[str, str, str]] = []
        window: dict[str, str] = {}
        for _, source in resolution.args:
            if isinstance(source, KeyOf) and source.entity != entity:
                if source.entity == self.plan.persona or self._claimed(source.entity):
                    owner = "mine"
                elif is_person_table(source.entity.table):
                    owner = f"{self.name_of(source.entity).split(' ')[0]}'s"
                    self.remember(f"{humanize(singular(source.entity.table))} name", self.name_of(source.entity))
                else:
                    owner = self.ref(source.entity, depth + 1)
            elif isinstance(source, Known) and source.bound is not None:
                window[source.bound] = str(source.value)
            elif isinstance(source, Known) and self.bp.table(entity.table).column(source.what) is None:
                self.context[field_words(source.what)] = source.value
                self.remember(field_words(source.what), source.value)
            elif isinstance(source, Known):
                kind = self.kind(entity.table, source.what)
                said = self.say(entity.table, source.what, source.value)
                self.remember(self._label(entity.table, source.what), source.value)
                if kind == "enum":
                    details.insert(0, f"({said})")
                else:
                    known.append((source.what, kind, said))
        return owner, [*details, *_described_by(known), *self._window(window)]

    def _window(self, window: dict[str, str]) -> list[str]:
        """The days a user gives a listing to search ('on March 3', 'between March 3 and March 5')."""
        if not window:
            return []
        first = spoken_date(window.get("min") or window["max"], self.today)
        last = spoken_date(window.get("max") or window["min"], self.today)
        self.remember("date", first if first == last else f"{first} to {last}")
        return [f"on {first}"] if first == last else [f"between {first} and {last}"]

    def _claimed(self, entity: Entity) -> bool:
        """Whether an impostor speaks as this person (who says 'my order', not 'Sarah's order')."""
        impostor = self.plan.impostor
        return impostor is not None and is_person_table(entity.table) and self.name_of(entity) == impostor["name"]

    def _before(self, head: str, pick: str) -> str:
        """Join a head ('my order') and a pick ('from February 12' or 'most recent')."""
        if not pick:
            return head
        if pick.startswith("~"):
            words = head.split(" ")
            return " ".join([words[0], pick[1:], *words[1:]])
        return f"{head} {pick}"

    def _pick(self, entity: Entity, pick: Pick) -> str:
        """What singles the row out: '~most recent' goes before the noun, 'from February 12' after it."""
        table = entity.table
        kind = self.kind(table, pick.column)
        field = field_words(pick.column)
        if pick.extreme:
            high = pick.extreme == "max"
            field = unitless(field)  # 'the bag with the lowest weight', whatever it is weighed in
            if kind in ("date", "datetime"):
                return "~most recent" if high else "~oldest"
            if kind == "money" and _costs(table, pick.column):  # a balance, a limit, a payment is no cost
                return "~most expensive" if high else "~cheapest"
            if kind == "quantity":  # 'the most guests' (for 'number of guests' too), but 'the largest quantity'
                counted = field.removeprefix("number of ")
                if counted.endswith("s"):
                    return f"with the {'most' if high else 'fewest'} {counted}"
                return f"with the {'largest' if high else 'smallest'} {field}"
            return f"with the {'highest' if high else 'lowest'} {field}"
        spoken = spoken_value(pick.value, kind, self.today) if kind in ("date", "datetime") else pick.value
        self.remember(self._label(table, pick.column), spoken)
        if kind in ("date", "datetime"):
            day = spoken_date(pick.value, self.today)
            if is_creation_time(pick.column) or str(pick.value)[:10] < self.today.isoformat():
                return f"from {day}"
            return f"{_date_edge(split_words(pick.column))} {day}"
        if kind == "enum":
            value = spoken_value(pick.value, "enum", self.today)
            words = field.split(" ")
            if value in ("none", "no"):  # 'my booking with no meal', not 'my none booking'
                return f"with no {field}"
            if words[-1] in _LEVELS:  # 'my high-priority ticket', not 'my high ticket'
                return f"~{value}-{words[-1]}"
            if value in _VAGUE:  # 'my ticket with category other', not 'my other ticket'
                return f"with {field} {value}"
            if len(words) == 1 or words[-1] in _CLASSES:
                return f"~{value}"
            trimmed = " ".join(w for w in words if w not in ("method", "mode", "option", "preference"))
            return f"with {value} {trimmed}"
        if kind in ("email", "phone", "username"):
            return f"with {field} {pick.value}"
        if kind == "city":
            return f"in {pick.value}"
        if pick.column == "number":
            return f"number {pick.value}"
        if kind in ("code", "seat", "airport"):
            return f"with {field} {pick.value}"
        if kind == "money":
            return f"of {spoken_value(pick.value, 'money', self.today)}"
        said = self.say(table, pick.column, pick.value)
        if said.startswith('"') and pick.column not in self.bp.labels.get(table, ())[:1]:  # a folder's name, no title
            return f"with {field} {said}"
        return said

    # ---- requests ----------------------------------------------------------------------------------

    def request(self, goal: Goal, target: str | None = None) -> str:
        """One request as an imperative phrase (a question for facts); `target` overrides how the row is named."""
        plan = self.bp.plan(goal.tool) if goal.tool else None
        if plan is not None and plan.kind in ("create", "delete") and linked_table(self.bp.table(plan.table)):
            return self._toggle(goal, plan)
        obj = target or self._named(goal, plan) or (self.ref(goal.entity) if goal.entity is not None else "")
        kind = goal.kind
        if kind == "refuse" and plan is not None:
            kind = plan.kind if plan.kind != "create" else "create"
            goal = Goal(kind, goal.tool, goal.args, goal.entity)  # type: ignore[arg-type]
            if kind == "create":
                return self._create(goal)
        if kind == "update" and plan is not None:
            return self._update(goal, plan, obj)
        if kind == "action" and plan is not None:
            verb = self._verb(plan)
            if obj == "it" and verb in _PHRASAL:  # 'check it in', 'put it on hold'
                head, _, particle = verb.partition(" ")
                return f"{head} it {particle}"
            return f"{verb} {obj}"
        if kind == "delete":
            person = goal.entity is not None and is_person_table(goal.entity.table)
            if person and obj not in ("my account", "it", "them") and not obj.startswith("the "):
                return f"remove the {humanize(singular(goal.entity.table))} {obj}"  # 'the employee Ann Lee'
            return f"remove {obj}"
        if kind == "create" and plan is not None:
            return self._create(goal)
        if kind == "tell":
            return self._question(goal, obj)
        if kind == "compute":
            return self._compute(goal, obj)
        if kind == "total":
            return self._total(goal)
        if kind == "compare":
            return self._compare(goal)
        if kind == "branch":
            return self._branch(goal, obj)
        return "help me with my account"

    def _label(self, table: str, column: str) -> str:
        """What the user calls a value they know: 'hotel name' for a hotel's name (a bare 'name' is theirs)."""
        words = field_words(column)
        return f"{humanize(singular(table))} {words}" if words in _GENERIC_FIELDS else words

    def _named(self, goal: Goal, plan: ToolPlan | None) -> str:
        """'the project "Garden"': a row the tool finds by the name the user says ('' for other tools)."""
        lookup = plan.param("lookup") if plan is not None else None
        value = next((s for n, s in goal.args if lookup is not None and n == lookup.name), None)
        if plan is None or lookup is None or not isinstance(value, Known) or lookup.column is None:
            return ""
        self.remember(self._label(plan.table, lookup.column), value.value)
        return f"the {humanize(singular(plan.table))} {self.say(plan.table, lookup.column, value.value)}"

    def _toggle(self, goal: Goal, plan: ToolPlan) -> str:
        """'follow the account with username ann5', 'unfavourite the post "Trip ideas"': the tool's own verb and
        the record the relation links (a follow row is keyed by the account)."""
        linked = linked_table(self.bp.table(plan.table))
        assert linked is not None
        target = next((s.entity for _, s in goal.args if isinstance(s, KeyOf) and s.entity.table == linked), None)
        if target is None and goal.entity is not None:
            target = Entity(linked, goal.entity.key)
        words = split_words(plan.name)
        verb = next((w for w in words if toggle_of([w]) is not None), words[0] if words else "update")
        return f"{verb} {self.ref(target)}" if target is not None else verb

    def _update(self, goal: Goal, plan: ToolPlan, obj: str) -> str:
        columns = {p.name: p.column for p in plan.params}
        key = plan.param("key")
        lookup = plan.param("lookup")
        parts, flags, switches = [], [], []
        for name, source in goal.args:
            column = columns.get(name) or name
            if lookup is not None and name == lookup.name:
                continue
            flag = self._flag(plan.table, column, source)
            if flag is not None:
                flags.append(flag)
            elif isinstance(source, Known) and self.kind(plan.table, column) == "bool":  # 'turn off the newsletter'
                self.remember(f"new {self._field(plan.table, column)}", source.value)
                switches.append((f"turn {'on' if source.value else 'off'}", self._field(plan.table, column)))
            elif isinstance(source, Known):
                self.remember(f"new {self._field(plan.table, column)}", source.value)
                parts.append(measured(self._field(plan.table, column), self.say(plan.table, column, source.value)))
            elif (
                isinstance(source, KeyOf)
                and (key is None or name != key.name)
                and name in {p.name for p in plan.roles("field")}
            ):
                parts.append((field_words(column), self.ref(source.entity)))
        whose = "my" if obj == "my account" else "their" if is_person_table(plan.table) else "its"
        turned = [f"{turn} {whose} {field}" for turn, field in switches]
        if switches and not parts and not flags:
            turn, field = switches[0]
            return " and ".join([f"{turn} the {field} for {obj}" if obj != "my account" else f"{turn} my {field}",
                                 *turned[1:]])  # fmt: skip
        if flags:
            made = " and ".join(flags)
            said = f"make {obj} {made}" if not parts else f"{self._changes(plan, obj, parts)} and make it {made}"
            return " and ".join([said, *turned])
        return " and ".join([self._changes(plan, obj, parts), *turned])

    def _field(self, table: str, column: str) -> str:
        """A field in words; a date named only by its edge is the start or end date ('from' -> 'start date')."""
        kind = self.kind(table, column)
        edge = _EDGES.get(column.lower()) if kind in ("date", "datetime") else None
        if edge is not None:
            return f"{edge} {'time' if kind == 'datetime' else 'date'}"
        return field_words(column, listing=kind == "json")

    def _flag(self, table: str, column: str, source: Source) -> str | None:
        """A yes/no value set as what it makes the record ('private', 'not private'), or None for other values."""
        if not isinstance(source, Known) or self.kind(table, column) != "bool":
            return None
        return flag_phrase(column, bool(source.value))

    def _changes(self, plan: ToolPlan, obj: str, parts: list[tuple[str, str]]) -> str:
        if not parts:
            return f"update {obj}"
        verb = split_words(plan.name)[0]
        if verb in ("assign", "reassign", "transfer", "move") and len(parts) == 1:
            return f"{verb} {obj} to {parts[0][1]}"
        if obj == "my account":
            return "change " + " and ".join(f"my {field} to {value}" for field, value in parts)
        if obj in ("it", "them"):
            whose = "its" if obj == "it" else "their"
            return "change " + " and ".join(f"{whose} {field} to {value}" for field, value in parts)
        first = f"change the {parts[0][0]} of {obj} to {parts[0][1]}"
        whose = "their" if is_person_table(plan.table) else "its"  # 'the status of Sharon Clarke ... and their name'
        return " and ".join([first, *(f"{whose} {field} to {value}" for field, value in parts[1:])])

    def _verb(self, plan: ToolPlan) -> str:
        words = split_words(plan.name)
        value = next(iter(plan.target.values()), None)
        verb = next((w for w in words if w in ACTION_TARGETS and w not in ("mark", *SWITCHES)), None)
        verb = value if verb is None and value in SWITCHES else verb  # `turn_on_light`: turn on
        if verb is not None:
            return _VERBS.get(verb, verb)
        return f"mark as {fact_text(value, '').replace('_', ' ')}" if value is not None else "update"

    def _create(self, goal: Goal) -> str:
        plan = self.bp.plan(goal.tool or "")
        noun = humanize(singular(plan.table))
        owners, people, things = [], [], []
        for _, source in goal.args:
            if isinstance(source, KeyOf):
                reference = self.ref(source.entity)
                owners.append("me" if reference == "my account" else reference)
                if reference != "my account":
                    (people if is_person_table(source.entity.table) else things).append((reference, source.entity))
        parts = []
        for name, source in goal.args:
            if isinstance(source, Known):
                column = next((p.column for p in plan.params if p.name == name), name) or name
                field = self._field(plan.table, column)
                self.remember(f"{noun} {field}", source.value)
                flag = self._flag(plan.table, column, source)
                said = self.say(plan.table, column, source.value)
                name, with_unit = measured(field, said)
                parts.append(flag or (f"{field} {said}" if name == field else f"a {name} of {with_unit}"))
        mine = [o for o in owners if o != "me"]
        last = singular(plan.table).split("_")[-1]
        if plan.table == self.roles.customer and self.plan.role == "staff":  # staff open one for a customer
            text = f"open a new {noun} account"
        elif plan.table == self.roles.customer:
            text = "open an account for me"
        elif last in ("return", "refund", "exchange") and mine:
            text = f"return {mine[0]}"
        elif last in ("review", "rating") and mine:
            text = f"leave a review of {mine[0]}"
        elif last in ("comment", "reply", "note", "message") and mine:
            text = f"add a {last} to {mine[0]}"
        elif last in ("item", "line") and len(mine) >= 2:
            text = f"add {mine[-1]} to {mine[0]}"
        elif len(people) == 1 and len(things) == 1:  # 'a time entry for Nancy Russo on Chloe's ticket'
            (person, _), (thing, entity) = people[0], things[0]
            prep = "on" if singular(entity.table).split("_")[-1] in _ON else "for"
            text = f"add a new {noun} for {person} {prep} {thing}"
        elif mine:
            text = f"add a new {noun} for {' and '.join(mine)}"
        elif (making := _making(plan.name, noun)) is not None and (making[0] != "post" or last in _POSTED):
            # `send_mail`, `buses_buy_bus_ticket`: the tool's own verb (but `postCalendars` is an HTTP POST)
            text = f"{making[0]} {indefinite(making[1])}" + (" for me" if owners else "")
        else:
            text = f"add a new {noun}" + (" for me" if owners else "")
        return f"{text}, with {', '.join(parts)}" if parts else text

    def _question(self, goal: Goal, obj: str) -> str:
        table = goal.entity.table if goal.entity else ""
        column = goal.column or ""
        kind = self.kind(table, column)
        field = field_words(column)
        if obj in ("my account", "my profile"):
            return f"what is my {field}?" if kind != "quantity" else f"how many {field} do I have?"
        if kind in ("date", "datetime") and is_creation_time(column):
            return f"when was {obj} {verb_of(column)}?"
        if kind in ("date", "datetime"):
            return f"what is the {field} {'date' if 'date' not in field and kind == 'date' else ''} of {obj}?".replace(
                "  ", " "
            )
        if kind == "money":
            if set(split_words(column)) & {"price", "cost", "fare", "rate"}:
                return (
                    f"how much is {obj}?" if "price" in column or "cost" in column else f"what is the {field} of {obj}?"
                )
            return f"how much is the {field} of {obj}?"
        if kind == "quantity" and field.endswith("s") and singular(field) != field:  # 'how many minutes does ...?'
            return f"how many {field} does {obj} have?"
        counted, _, state = field.partition(" ")
        if kind == "quantity" and state in _LEFT and singular(counted) != counted:  # `seats_available`
            return f"how many {counted} are {state} on {obj}?"
        return f"what is the {field} of {obj}?"

    def _compute(self, goal: Goal, obj: str) -> str:
        field = field_words(goal.column or "")
        owner = {"my account": "my", "it": "its", "them": "their"}.get(obj)
        subject = f"{owner} {field}" if owner else f"the {field} of {obj}"
        self.remember(f"change to the {field}", goal.amount)
        if goal.op == "days":
            return f"move {subject} {goal.amount} day{'s' if goal.amount != 1 else ''} later"
        if goal.op == "percent":
            return f"{'raise' if goal.amount > 0 else 'lower'} {subject} by {abs(goal.amount)}%"
        name, by = measured(field, str(abs(goal.amount)))  # 'increase the weight of my bag by 2 kg'
        subject = subject.replace(field, name, 1)
        return f"{'increase' if goal.amount > 0 else 'reduce'} {subject} by {by}"

    def _total(self, goal: Goal) -> str:
        listing = goal.listing
        listed = humanize(plural(self.bp.plan(listing.tool).table)) if listing else "items"
        owner = self.ref(goal.entity) if goal.entity else ""
        whose = f"all my {listed}" if owner == "my account" else f"all the {listed} of {owner}"
        return f"how much do {whose} add up to, counting the {field_words(goal.column or '')} of each?"

    def _compare(self, goal: Goal) -> str:
        a, b = (self.ref(e) for e in goal.entities)
        kind = self.kind(goal.entities[0].table, goal.column or "")
        field = field_words(goal.column or "")
        if kind in ("date", "datetime"):
            one = "the earlier one" if goal.op == "lower" else "the later one"
        elif kind == "money" and _costs(goal.entities[0].table, goal.column or ""):
            one = "the cheaper one" if goal.op == "lower" else "the more expensive one"
        elif kind == "money" and singular(goal.entities[0].table).split("_")[-1] in _FLOWS:  # money moved
            one = "the smaller one" if goal.op == "lower" else "the larger one"
        else:
            one = f"the one with the {goal.op} {unitless(field)}"
        inner = Goal(self.bp.plan(goal.tool or "").kind, goal.tool, goal.args, goal.entity)  # type: ignore[arg-type]
        return f"look at {a} and {b}, and {self.request(inner, one)}"

    def _branch(self, goal: Goal, obj: str) -> str:
        column = goal.column or ""
        field = field_words(column)
        kind = self.kind(goal.entity.table, column) if goal.entity else ""
        if goal.op == "above":
            amount = spoken_value(goal.amount, kind, self.today)
            head = field.split(" of ")[0].split(" ")[-1]  # 'the number of guests is', 'the loyalty points are'
            verb = "are" if singular(head) != head else "is"
            condition = f"the {field} of {obj} {verb} more than {amount}"
            if obj == "my account":
                condition = f"my {field} {verb} more than {amount}"
        elif kind == "enum" and split_words(column)[-1] in ("status", "state"):
            still = "still " if self.rng.random() < 0.5 else ""
            condition = f"{obj} is {still}{spoken_value(goal.amount, 'enum', self.today)}"
        elif kind == "bool" and flag_phrase(column, bool(goal.amount)) is not None:
            condition = f"{obj} is {flag_phrase(column, bool(goal.amount))}".replace(" is has ", " has ")
        elif obj == "my account":
            condition = f"my {field} is {spoken_value(goal.amount, kind, self.today)}"
        else:
            condition = f"the {field} of {obj} is {spoken_value(goal.amount, kind, self.today)}"
        self.remember(f"condition on {field}", goal.amount)
        pronoun = None if goal.entity == self.plan.persona else "it"
        if pronoun and goal.entity is not None and is_person_table(goal.entity.table):
            pronoun = "them"  # 'if Sabrina Burnett is still active, please change their start date'
        then = self.request(goal.then, pronoun) if goal.then else "leave it"
        otherwise = self.request(goal.otherwise, pronoun) if goal.otherwise else "leave it"
        return f"if {condition}, please {then}; if not, {otherwise} instead"

    def reason(self, goal: Goal) -> str:
        """Why the user asks for `goal`."""
        plan = self.bp.plan(goal.tool) if goal.tool else None
        if plan is None:
            return reason_for(self.rng, "")
        verb = next((w for w in split_words(plan.name) if w in ACTION_TARGETS and w not in SWITCHES), plan.kind)
        column = next((c for n, s in goal.args if isinstance(s, Known)
                       for c in [next((p.column for p in plan.params if p.name == n), n)] if c), "")  # fmt: skip
        noun = singular(plan.table).split("_")[-1]
        if plan.kind == "create":
            verb = noun if noun in ("review", "comment") else "bill" if noun in BILLED else "create"
            verb = "book" if verb == "create" and start_column(self.bp, self.bp.table(plan.table)) else verb
            verb = next((key for key, nouns in _MADE_FOR.items() if noun in nouns), verb) if verb == "create" else verb
        if plan.kind == "delete":
            verb = "delete person" if is_person_table(plan.table) else "delete"
        if verb == "close" and noun in _CASES:  # a ticket is closed when its issue is solved, not as an account is
            verb = "close case"
        if verb == "cancel" and self.plan.role == "staff":  # an organiser calls an event off for the business
            verb = "cancel by staff"
        elif self.plan.role == "staff" and verb in ("update", "action", "delete", "create", "book", *_MADE_FOR):
            # staff act for a customer
            verb = "staff"
        elif plan.kind == "update" and goal.entity not in (None, self.plan.persona) and is_person_table(plan.table):
            verb = "for someone"  # 'change the phone of Jessica Smith': never 'my old number no longer works'
            column = ""
        if goal.kind == "compute" and goal.column:
            column = goal.column
        change = goal.amount if goal.kind == "compute" else 0
        columns = {p.name: p.column or p.name for p in plan.params}
        value = next((s.value for n, s in goal.args if isinstance(s, Known) and columns.get(n, n) == column), None)
        kind = self.kind(plan.table, column) if column else ""
        return reason_for(self.rng, verb, column or "", kind, change, value)


def word_task(blueprint: Blueprint, plan: TaskPlan, row: Callable[[Entity], dict[str, Any]], env_title: str,
              roles: Roles, rng: random.Random, today: dt.date) -> Wording:  # fmt: skip
    """The instruction and user scenario for a task plan."""
    speaker = _Speaker(blueprint, plan, row, roles, rng, today)
    requests = [(goal, speaker.request(goal)) for goal in plan.goals]
    opening, identity = _opening(speaker, plan, blueprint, rng)
    first = plan.goals[0] if plan.goals else None
    stated = speaker.reason(first) if first is not None and first.kind not in _UNREASONED else None
    body = _join(requests, rng, stated)
    context = " and ".join(f"{field} {value}" for field, value in speaker.context.items())
    instruction = " ".join(p for p in (opening, body, f"Use {context} for that." if context else "") if p)
    asked = next((g for g in plan.goals if g.writes), first)  # a change has a reason
    reason = stated if stated is not None else speaker.reason(asked) if asked is not None else ""  # told once
    return Wording(instruction, _scenario(speaker, plan, blueprint, env_title, identity, reason, rng))


_UNREASONED = frozenset({"tell", "total", "branch"})
"""Goals the first sentence asks without a reason: a question, or a change that depends on an answer."""


def _opening(speaker: _Speaker, plan: TaskPlan, blueprint: Blueprint, rng: random.Random) -> tuple[str, bool]:
    """The greeting, with who the user is (said now, or left for the agent to ask)."""
    if plan.staff is not None:
        speaker.remember("name", plan.staff.name)
        speaker.remember("work email", plan.staff.email)
        article = "an" if plan.staff.title[:1] in "aeiou" else "a"
        return f"Hi, it's {plan.staff.name} ({plan.staff.email}), {article} {plan.staff.title} here.", True
    if plan.impostor is not None:
        speaker.remember("name", plan.impostor["name"])
        speaker.remember("email", plan.impostor["email"])
        greeting = rng.choice(_GREETINGS).format(name=plan.impostor["name"])
        return f"{greeting} My email is {plan.impostor['email']}.", True
    if plan.newcomer is not None:
        speaker.remember("name", plan.newcomer["name"])
        greeting = rng.choice(_GREETINGS).format(name=plan.newcomer["name"])
        return f"{greeting} I'm new here.", True
    persona = plan.persona
    if persona is None:
        return rng.choice(("Hi.", "Hello!", "Hi there.")), True
    name = speaker.name_of(persona)
    speaker.remember("name", name)
    resolution = plan.identity or plan.resolutions.get(persona)
    details = []
    if resolution is not None:
        key = blueprint.table(persona.table).primary_key
        for _, source in resolution.args:
            if isinstance(source, Known):  # their key is 'my user id', not 'my user'
                details.append((humanize(key) if source.what == key else field_words(source.what), source.value))
        if resolution.pick is not None and not resolution.pick.extreme:
            details.append((field_words(resolution.pick.column), resolution.pick.value))
    details = [(field, value) for field, value in details if str(value) != name]
    for field, value in details:
        speaker.remember(field, value)
    greeting = rng.choice(_GREETINGS).format(name=name or "a customer")
    upfront = rng.random() < 0.55 or not details
    if upfront and details:
        said = " and ".join(f"my {field} is {value}" for field, value in details)
        greeting += f" {said[0].upper()}{said[1:]}."
    return greeting, upfront


def _join(requests: list[tuple[Goal, str]], rng: random.Random, reason: str | None) -> str:
    """The requests as sentences, the first one with `reason` (the one the user gives when asked too)."""
    sentences: list[str] = []
    for position, (goal, text) in enumerate(requests):
        question = text.endswith("?")
        if position == 0:
            if question:
                sentence = f"{text[0].upper()}{text[1:]}"
            elif text.startswith("if "):
                sentence = f"{text[0].upper()}{text[1:]}."
            else:
                sentence = rng.choice(("Could you {t}?", "I'd like you to {t}.", "Please {t}.", "Can you {t}?")).format(
                    t=text
                )
            if reason:
                sentence += f" {reason[0].upper()}{reason[1:]}."
        elif question:
            lead = rng.choice(("Also, ", "And ", "One more thing: "))
            sentence = f"{lead}{text}"
        elif text.startswith("if "):
            sentence = f"Also, {text}."
        elif position == len(requests) - 1 and len(requests) > 2:
            sentence = f"Finally, please {text}."
        else:
            sentence = rng.choice(("Also, please {t}.", "I'd also like you to {t}.", "And could you {t}?")).format(
                t=text
            )
        sentences.append(sentence)
    return " ".join(sentences)


def _scenario(speaker: _Speaker, plan: TaskPlan, blueprint: Blueprint, env_title: str, identity_said: bool,
              reason: str, rng: random.Random) -> UserScenario:  # fmt: skip
    """The simulated user: persona, reason, what they know and do not know, and how they behave."""
    roles = speaker.roles
    if plan.staff is not None:
        persona = f"{plan.staff.name}, {indefinite(plan.staff.title)} at {env_title}."
    elif plan.persona is not None or plan.impostor is not None or plan.newcomer is not None:
        stranger = plan.impostor or plan.newcomer
        name = stranger["name"] if stranger else speaker.name_of(plan.persona)  # type: ignore[arg-type]
        table = plan.persona.table if plan.persona is not None else roles.customer  # staff speak as staff
        noun = humanize(singular(table)) if table else "customer"
        persona = f"{name}, {indefinite(noun)} of {env_title}."
    else:
        persona = f"Someone who uses {env_title} for their own records."
    persona += f" {rng.choice(_TRAITS)}"
    told = {e for e, r in plan.resolutions.items() if r.told}
    if plan.persona is not None and plan.identity is not None and plan.identity.told:
        told.add(plan.persona)
    unknown = sorted(
        {
            f"the {humanize(singular(e.table))} number"
            for e in plan.resolutions
            if e not in told and blueprint.semantic(e.table, blueprint.table(e.table).primary_key) == "id"
        }
    )
    behavior = ["Say what you want in your own words, one thing at a time if the agent asks."]
    if not identity_said:
        behavior.append("Give your details (the facts above) only when the agent asks for them.")
    behavior.append(
        "You know no ids or numbers of your records but those among the facts above; never make one up."
        if told
        else "You do not know any internal ids or numbers of your records; never make one up."
    )
    refusal = plan.refusal
    if refusal is None or refusal.rule != "confirmation":
        behavior.append("When the agent asks you to confirm a change, say yes.")
    if refusal is not None:
        if refusal.rule == "confirmation":
            request = speaker.request(refusal.goal)
            asks = any(g.kind == "tell" for g in plan.goals)
            behavior.append(
                ("Ask your question before the change you will turn down. " if asks else "")
                + f"When the agent asks you to confirm that it will {request}, say you have changed your mind and "
                "do not want it after all."
                + (" When it asks about your other change, say yes." if any(g.writes for g in plan.goals) else "")
            )
        elif refusal.rule == "identification":
            behavior.append(
                "You do not remember any other email or phone number. If the agent cannot find your account, accept "
                "that and do not insist."
            )
        elif refusal.rule == "ownership":
            behavior.append("If the agent says it cannot change the other person's records, accept it.")
        else:
            behavior.append("If the agent explains that it cannot be done, accept the explanation and do not insist.")
    return UserScenario(
        persona=persona,
        known_facts=speaker.known,
        unknown=tuple(unknown),
        reason=reason[0].upper() + reason[1:] + "." if reason else "",
        behavior=" ".join(behavior),
    )


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


_GENERIC_FIELDS = frozenset({"name", "title", "number", "code", "description", "label"})


def _date_edge(words: list[str]) -> str:
    """How a future date column singles a row out: 'starting' (check-in, start), 'ending' (check-out, end),
    or 'for'."""
    joined = "".join(words)
    if words and words[-1] in ("in", "out") and joined.startswith("check"):
        return "starting" if words[-1] == "in" else "ending"
    if set(words) & {"start", "starts", "starting", "begin", "begins", "departure", "checkin"}:
        return "starting"
    if set(words) & {"end", "ends", "ending", "until", "checkout"}:
        return "ending"
    return "for"


_ROUTE_FROM = frozenset({"origin", "from", "source", "departure", "pickup", "start"})
_ROUTE_TO = frozenset({"destination", "to", "target", "arrival", "dropoff", "end"})


def _described_by(known: list[tuple[str, str, str]]) -> list[str]:
    """How the fields a user knows a row by read, after its noun: its name ('"Blue Room"'), its number ('number
    523'), a route ('from TZA to BLR'), then one 'with a X and b Y' for the rest."""
    words = {column: set(split_words(column)) for column, _, _ in known}
    start = next((c for c, _, _ in known if words[c] & _ROUTE_FROM and not words[c] & _ROUTE_TO), None)
    end = next((c for c, _, _ in known if words[c] & _ROUTE_TO and not words[c] & _ROUTE_FROM), None)
    said = {column: text for column, _, text in known}
    named = [said[c] for c, kind, _ in known if kind in ("name", "title")][:1]
    numbered = [f"number {said[c]}" for c, _, _ in known if c == "number"][:1]
    route = [f"from {said[start]} to {said[end]}"] if start and end else []
    used = {c for c, kind, _ in known if kind in ("name", "title") or c == "number"} | (
        {start, end} if route else set()
    )
    rest = [f"{field_words(c)} {said[c]}" for c, _, _ in known if c not in used]
    if len(rest) > 1:
        rest = [f"{', '.join(rest[:-1])} and {rest[-1]}"]
    return [*named, *numbered, *route, *(f"with {r}" for r in rest)]
