"""A task plan made concrete: call nodes with real arguments, reasoning nodes with their outcomes, facts.

The plan is executed on a fresh episode node by node, exactly as an agent would have to: every pick
is re-done on the actual list the call returned (it must single out one row, the planned one), every
computed value is worked out from what the calls returned, and every fact is read from a call's
output. A plan whose execution disagrees with it, or whose calls fail, is rejected with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from autoforge.servers import CallNode, Change, Environment, ReasoningNode, ToolError, read_rows
from autoforge.servers.invariants import Violation, violations
from autoforge.servers.verify import episode_changes

from .dags import TaskPlan
from .localtools import LocalTools
from .models import Blueprint
from .naming import humanize, singular
from .outcomes import apply_change, holds
from .walks import Entity, FromRow, Goal, KeyOf, Known, Pick, Resolution, Result

__all__ = ["Built", "Rejected", "fact_text", "instantiate"]

SolutionNode = CallNode | ReasoningNode


class Rejected(Exception):
    """A plan that does not hold up when executed; the message says why."""


@dataclass
class Built:
    """The executed ground truth of one task."""

    nodes: list[SolutionNode] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    outcomes: dict[int, Any] = field(default_factory=dict)  # goal index -> what its reasoning concluded
    refused: dict[str, Any] | None = None  # the call the agent must not make: {"tool", "arguments"}
    changes: tuple[Change, ...] = ()  # what executing the solution changed
    violations: tuple[Violation, ...] = ()  # invariants the final state breaks


def fact_text(value: Any, kind: str) -> str:
    """A value as the agent should state it: money with two decimals, numbers plainly, text as is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "money" and isinstance(value, (int, float)):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}" if round(value, 2) != int(value) else str(int(value))
    return str(value)


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).lower() if value is not None else ""


class _Run:
    """Executes one plan on a fresh episode, recording nodes as it goes."""

    def __init__(
        self, environment: Environment, blueprint: Blueprint, plan: TaskPlan, owned: set[str], tools: LocalTools
    ) -> None:
        self.env = environment
        self.tools = tools
        self.bp = blueprint
        self.plan = plan
        self.owned = owned
        self.gate = ""  # the node that establishes who the user is (their account, or the staff roster)
        self.ancestors: dict[str, set[str]] = {}
        self.store = tools.store
        self.episode = self.store.fresh(None)
        self.built = Built()
        self.calls: dict[str, tuple[str, Any]] = {}  # signature -> (node id, output)
        self.keys: dict[Entity, tuple[Any, str]] = {}  # entity -> (key, node that yields it)
        self.shown: dict[Entity, tuple[dict[str, Any], list[str]]] = {}  # entity -> (its row, nodes showing it)
        self.count = {"c": 0, "r": 0}
        self.picks: list[tuple[Entity, Pick, list[dict[str, Any]]]] = []

    def close(self) -> None:
        self.episode.close()

    def _id(self, prefix: str) -> str:
        self.count[prefix] += 1
        return f"{prefix}{self.count[prefix]}"

    def value(self, source: Any, result: Any = None) -> tuple[Any, list[str]]:
        """The concrete value of an argument source and the nodes it depends on."""
        if isinstance(source, Known):
            return source.value, []
        if isinstance(source, KeyOf):
            key, node = self.entity(source.entity)
            return key, [node] if node else []
        if isinstance(source, Result):
            return result
        if isinstance(source, FromRow):
            row, nodes = self.row(source.entity)
            value = row.get(source.column)
            if isinstance(value, str) and self.bp.semantic(source.entity.table, source.column) == "json":
                value = json.loads(value)  # the list or object the column keeps, as the tool takes it
            return value, nodes
        raise Rejected(f"unknown argument source {source!r}")

    def call(
        self,
        tool: str,
        args: tuple[tuple[str, Any], ...],
        extra: list[str] | None = None,
        result: Any = None,
        reuse: bool = True,
    ) -> tuple[str, Any]:
        concrete: dict[str, Any] = {}
        depends: list[str] = list(extra or [])
        for name, source in args:
            value, nodes = self.value(source, result)
            concrete[name] = value
            depends += [n for n in nodes if n not in depends]
        signature = json.dumps([tool, concrete], sort_keys=True, default=str)
        if reuse and signature in self.calls:
            return self.calls[signature]
        plan = self.bp.plan(tool)
        table = self.bp.table(plan.table)
        before = read_rows(self.episode.conn, table) if plan.writes else None
        try:
            output = self.tools.run(tool, self.episode, concrete)
        except ToolError as exc:
            raise Rejected(f"{tool} failed: {exc}") from None
        if before is not None and before == read_rows(self.episode.conn, table):
            raise Rejected(f"{tool} changed nothing (the goal already holds)")
        if plan.writes:
            depends = self._gated(depends, tool, concrete)
        node = self._id("c")
        self.built.nodes.append(CallNode(id=node, tool=tool, arguments=concrete, depends_on=tuple(depends)))
        self._trace(node, depends)
        self.calls[signature] = (node, output)
        return node, output

    def reason(self, op: str, note: str, output: Any, depends: list[str]) -> str:
        node = self._id("r")
        unique = [d for d in dict.fromkeys(depends) if d]
        self.built.nodes.append(ReasoningNode(id=node, note=note, op=op, output=output, depends_on=tuple(unique)))
        self._trace(node, unique)
        return node

    def _trace(self, node: str, depends: list[str]) -> None:
        self.ancestors[node] = set(depends).union(*(self.ancestors.get(d, set()) for d in depends))

    def _gated(self, depends: list[str], tool: str, arguments: dict[str, Any]) -> list[str]:
        """A write waits for who the user is: their own account found (and the row shown to be theirs), or the
        staff roster checked."""
        if not self.gate or any(self.gate == d or self.gate in self.ancestors.get(d, ()) for d in depends):
            return depends
        plan = self.bp.plan(tool)
        key = plan.param("key")
        target = Entity(plan.table, arguments.get(key.name)) if key is not None else None
        if target is not None and plan.table in self.owned and target in self.shown and self.plan.role == "customer":
            noun = humanize(singular(target.table))
            _, nodes = self.shown[target]
            check = self.reason("check", f"check that {noun} {target.key} is the user's own", True, [self.gate, *nodes])
            return [*depends, check]
        return [*depends, self.gate]

    def identify(self) -> None:
        """First find who the user is: their own record from what they say, or them on the staff roster."""
        plan = self.plan
        if plan.staff is not None:
            member = plan.staff
            note = f"check the staff list of the policy: {member.name} ({member.email}) is a {member.title}"
            self.gate = self.reason("check", note, True, [])
        elif plan.newcomer is not None and "tool" not in plan.newcomer:  # nothing finds accounts by what they say
            self.gate = self.reason("check", "the user is new and gives their details: open an account", True, [])
        elif plan.impostor is not None or plan.newcomer is not None:
            stranger = plan.impostor or plan.newcomer or {}
            tool, args = stranger["tool"], stranger["args"]
            node, output = self.call(tool, tuple((k, Known(v, k)) for k, v in args.items()))
            if output:
                raise Rejected("the stranger's details match an account")
            note = "no account matches what the user says: " + (
                "change nothing" if plan.impostor is not None else "open a new one"
            )
            self.gate = self.reason("check", note, plan.newcomer is not None, [node])
        elif plan.persona is not None and plan.identity is not None:
            self.plan.resolutions.setdefault(plan.persona, plan.identity)
            _, self.gate = self.entity(plan.persona)

    def entity(self, entity: Entity) -> tuple[Any, str]:
        """Find `entity`'s key the planned way; returns the key and the node that yields it."""
        if entity in self.keys:
            return self.keys[entity]
        resolution = self.plan.resolutions.get(entity)
        if resolution is None:
            raise Rejected(f"no way to find {entity}")
        if resolution.told and not resolution.tool:
            self.keys[entity] = (entity.key, "")
            return self.keys[entity]
        if resolution.through is not None:
            row, nodes = self.row(resolution.through)
            if row.get(resolution.via or "") != entity.key:
                raise Rejected(f"the {resolution.through.table} row does not lead to {entity}")
            self.keys[entity] = (entity.key, nodes[-1] if nodes else "")
            return self.keys[entity]
        node, output = self.call(resolution.tool, resolution.args)
        key_column = self.bp.table(entity.table).primary_key
        if resolution.via:
            if not isinstance(output, dict) or output.get(resolution.via) != entity.key:
                raise Rejected(f"{resolution.tool} does not lead to {entity}")
            self.keys[entity] = (entity.key, node)
            return self.keys[entity]
        rows = output if isinstance(output, list) else [output]
        row = self._choose(entity, resolution, rows, key_column)
        if resolution.pick is not None:
            self.picks.append((entity, resolution.pick, [r for r in rows if isinstance(r, dict)]))
        source = node
        if resolution.pick is not None:
            source = self.reason("choose", self._pick_note(entity, resolution.pick), entity.key, [node])
        self.keys[entity] = (entity.key, source)
        self.shown[entity] = (row, [source])
        return self.keys[entity]

    def _choose(self, entity: Entity, resolution: Resolution, rows: list[Any], key: str) -> dict[str, Any]:
        rows = [r for r in rows if isinstance(r, dict)]
        pick = resolution.pick
        if pick is None:
            matches = rows if len(rows) == 1 else []
        elif pick.extreme:
            values = [r.get(pick.column) for r in rows]
            if any(v is None for v in values):
                raise Rejected("a value needed to pick the row is missing")
            best = max(values) if pick.extreme == "max" else min(values)
            matches = [r for r in rows if r.get(pick.column) == best]
        else:
            matches = [r for r in rows if pick.matches(r.get(pick.column))]
        if len(matches) != 1 or matches[0].get(key) != entity.key:
            raise Rejected(f"the pick for {entity.table} does not single out the planned row")
        return matches[0]

    def _pick_note(self, entity: Entity, pick: Pick) -> str:
        noun = humanize(singular(entity.table))
        column = humanize(pick.column)
        if pick.extreme:
            return f"choose the {noun} with the {'highest' if pick.extreme == 'max' else 'lowest'} {column}"
        return f"choose the {noun} whose {column} is {fact_text(pick.value, '')}"

    def row(self, entity: Entity) -> tuple[dict[str, Any], list[str]]:
        self.entity(entity)
        if entity not in self.shown:
            raise Rejected(f"no call shows the {entity.table} row itself")
        return self.shown[entity]

    # ---- goals ----

    def goal(self, index: int, goal: Goal) -> None:
        kind = goal.kind
        if kind in ("update", "action", "delete", "create"):
            self.call(goal.tool or "", goal.args, reuse=False)
        elif kind == "tell":
            row, nodes = self.row(goal.entity)  # type: ignore[arg-type]
            self._fact(goal.entity.table, goal.column or "", row.get(goal.column or ""))  # type: ignore[union-attr]
        elif kind == "compute":
            row, nodes = self.row(goal.entity)  # type: ignore[arg-type]
            current = row.get(goal.column or "")
            new = apply_change(goal.op or "", goal.amount, current)
            if new is None or new == current:
                raise Rejected("the computed value equals the current one")
            node = self.reason("compute", self._compute_note(goal, current, new), new, nodes)
            self.built.outcomes[index] = new
            self.call(goal.tool or "", goal.args, extra=[node], result=(new, [node]), reuse=False)
        elif kind == "total":
            listing = goal.listing
            assert listing is not None
            node, output = self.call(listing.tool, listing.args)
            rows = [r for r in output if isinstance(r, dict)] if isinstance(output, list) else []
            values = [r.get(goal.column or "") for r in rows]
            if len(rows) < 2 or any(not isinstance(v, (int, float)) for v in values):
                raise Rejected("the listing gives no total")
            total = round(sum(values), 2)
            table = self.bp.plan(listing.tool).table
            kind_of = self.bp.semantic(table, goal.column or "")
            note = f"add up the {humanize(goal.column or '')} of the {len(rows)} {humanize(table)} listed: {fact_text(total, kind_of)}"
            self.reason("compute", note, total, [node])
            self.built.outcomes[index] = total
            self.built.facts.append(fact_text(total, kind_of))
        elif kind == "compare":
            rows = [self.row(e) for e in goal.entities]
            values = [r.get(goal.column or "") for r, _ in rows]
            if None in values or values[0] == values[1]:
                raise Rejected("the compared values are missing or equal")
            pick = 0 if (values[0] < values[1]) == (goal.op == "lower") else 1
            winner = goal.entities[pick]
            if winner != goal.entity:
                raise Rejected("the comparison picks another row than planned")
            noun = humanize(singular(winner.table))
            note = f"compare the {humanize(goal.column or '')} of the two {noun}s ({', '.join(fact_text(v, '') for v in values)}) and take the {goal.op} one"
            node = self.reason("compare", note, winner.key, [n for _, nodes in rows for n in nodes])
            self.call(goal.tool or "", goal.args, extra=[node], result=(winner.key, [node]), reuse=False)
        elif kind == "refuse":
            self._refuse(goal)
        elif kind == "branch":
            row, nodes = self.row(goal.entity)  # type: ignore[arg-type]
            value = row.get(goal.column or "")
            met = holds(goal.op or "", value, goal.amount)
            arm = goal.then if met else goal.otherwise
            if arm is None:
                raise Rejected("the branch has no arm for this case")
            condition = f"{humanize(goal.column or '')} {goal.op} {fact_text(goal.amount, '')}"
            note = f"check whether {condition}: it is {fact_text(value, '')}, so {'yes' if met else 'no'}"
            node = self.reason("branch", note, "yes" if met else "no", nodes)
            self.built.outcomes[index] = met
            if arm.kind == "tell":
                self._fact(arm.entity.table, arm.column or "", row.get(arm.column or ""))  # type: ignore[union-attr]
            else:
                self.call(arm.tool or "", arm.args, extra=[node], reuse=False)
        else:
            raise Rejected(f"unknown goal kind {kind!r}")

    def _refuse(self, goal: Goal) -> None:
        """A request the policy forbids: find the record, decide not to act, and tell the user why."""
        refusal = self.plan.refusal
        assert refusal is not None
        depends = [self.gate]
        for entity, _ in refusal.facts:
            _, nodes = self.row(entity)
            depends += nodes
        looked_up = refusal.rule in ("lifecycle", "staff-only", "confirmation")
        if (
            looked_up
            and goal.entity is not None
            and goal.entity in self.plan.resolutions
            and goal.entity not in self.shown
        ):
            depends.append(self.entity(goal.entity)[1])
        self.reason("refuse", f"do not {refusal.rule.replace('-', ' ')} request: {refusal.reason}", None, depends)
        arguments: dict[str, Any] = {}
        for name, source in goal.args:
            if isinstance(source, KeyOf):
                arguments[name] = source.entity.key
            elif isinstance(source, Known):
                arguments[name] = source.value
            elif isinstance(source, FromRow):
                key = self.bp.table(source.entity.table).primary_key
                stored = self.episode.db.one(
                    f'SELECT * FROM "{source.entity.table}" WHERE "{key}" = ?', source.entity.key
                )
                arguments[name] = (stored or {}).get(source.column)
        self.built.refused = {"tool": goal.tool, "arguments": arguments}
        for entity, column in refusal.facts:
            row, _ = self.row(entity)
            key = self.bp.table(entity.table).primary_key
            self._fact(entity.table, column, entity.key if column == key else row.get(column))

    def refused_still_possible(self) -> None:
        """A change the policy forbids but the tool allows (all but a lifecycle rule's, which the tool itself
        refuses) must still be possible once the rest is done (cancelling a booking first may forbid removing its
        bag): else declining it tests nothing. Run last, on the finished episode, since it changes it."""
        refused = self.built.refused
        if refused is None or self.plan.refusal is None or self.plan.refusal.rule == "lifecycle":
            return
        try:
            self.tools.run(refused["tool"], self.episode, refused["arguments"])
        except ToolError as exc:
            raise Rejected("the declined change is impossible once the rest is done") from exc

    def recheck_picks(self) -> None:
        """Each pick must single out its row whatever order the writes happen in.

        Every row is written at most once, so each listed row holds its value from before or after the
        task's writes: a pick by value must not be matched by another row's new value, and a pick by
        extreme must beat both values of every other row.
        """
        for entity, pick, rows in self.picks:
            key = self.bp.table(entity.table).primary_key
            after = {r[key]: r for r in self.episode.db.query(f'SELECT * FROM "{entity.table}"')}
            target = next(r for r in rows if r.get(key) == entity.key)
            for row in rows:
                if row.get(key) == entity.key:
                    continue
                values = [row.get(pick.column)] + ([after[row[key]].get(pick.column)] if row[key] in after else [])
                if pick.extreme is None and any(pick.matches(v) for v in values):
                    raise Rejected("a write makes a pick ambiguous")
                mine = target.get(pick.column)
                if pick.extreme and any(
                    v is not None and (v >= mine if pick.extreme == "max" else v <= mine) for v in values
                ):
                    raise Rejected("a write changes which row is the extreme")

    def _fact(self, table: str, column: str, value: Any) -> None:
        if value in (None, ""):
            raise Rejected("the fact to tell is empty")
        self.built.facts.append(fact_text(value, self.bp.semantic(table, column)))

    def _compute_note(self, goal: Goal, current: Any, new: Any) -> str:
        column = humanize(goal.column or "")
        if goal.op == "days":
            return f"move the {column} {current} by {goal.amount} days: {new}"
        if goal.op == "percent":
            return f"change the {column} {fact_text(current, 'money')} by {goal.amount}%: {fact_text(new, 'money')}"
        return f"change the {column} {current} by {goal.amount}: {new}"


def instantiate(
    environment: Environment, blueprint: Blueprint, plan: TaskPlan, tools: LocalTools, owned: set[str] | None = None
) -> Built:
    """Execute `plan` on a fresh episode, its calls run by `tools`; raises Rejected when it fails or disagrees with
    itself.

    `owned` are the tables whose rows belong to one customer: a customer's write on one waits for the
    customer's own account to be found (and the row shown to be theirs).
    """
    run = _Run(environment, blueprint, plan, owned or set(), tools)
    try:
        run.identify()
        for index, goal in enumerate(plan.goals):
            run.goal(index, goal)
        run.recheck_picks()
        run.built.changes = tuple(episode_changes(run.store, run.episode))
        run.built.violations = tuple(violations(run.episode.conn, environment.spec.invariants))
        run.refused_still_possible()
    finally:
        run.close()
    return run.built
