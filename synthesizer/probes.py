"""Behaviour checks for tool code, run on the seed: reads return the row asked for and write nothing, writes
change what they claim, and arguments naming a missing row raise a tool error."""

from __future__ import annotations

import json
from typing import Any

import fastjsonschema
from autoforge.servers import Environment, EpisodeStore, Problem, TableRules, ToolError, diff_rows, read_rows

from .models import Blueprint, ToolPlan
from .rules import children, terminal_values
from .toolgen import table_rules

__all__ = ["probe_tools"]

MISSING = {"TEXT": "NO-SUCH-ROW-0", "INTEGER": -424242}


def probe_tools(environment: Environment, blueprint: Blueprint) -> dict[str, list[Problem]]:
    """Problems per tool (an empty list: it behaved); a tool with no row to try it on is not judged."""
    store = EpisodeStore(environment.spec, environment.template, {})
    rules = table_rules(blueprint)
    return {
        plan.name: _probe(environment, store, blueprint, plan, rules)
        for plan in blueprint.plans
        if plan.name in environment.tools
    }


def _allowed(plan: ToolPlan, row: dict[str, Any], rules: dict[str, TableRules], episode: Any, today: str) -> bool:
    """Whether the document's lifecycle lets `plan` act on `row` (its state, its parents', the clock)."""
    rule = rules[plan.table]
    if plan.kind == "action" and rule.status is not None:
        target = plan.target.get(rule.status)
        sources = rule.transitions.get(str(target)) if target is not None else None
        if sources is not None and row.get(rule.status) not in sources:
            return False
        schedule = rule.schedule
        timed = schedule is not None and target in (*schedule.ongoing, *schedule.past)
        if timed and str(row.get(schedule.start) or "")[:10] > today:  # type: ignore[union-attr]
            return False
    for column in rule.parents:
        parent_rules = rules[rule.refs[column]]
        if column in rule.requires or not parent_rules.status or row.get(column) is None:
            continue
        state = episode.db.value(
            f'SELECT "{parent_rules.status}" FROM "{rule.refs[column]}" WHERE "{parent_rules.key}" = ?', row[column]
        )
        if state in parent_rules.ended:
            return False
    return True


def _sample(
    environment: Environment, store: EpisodeStore, blueprint: Blueprint, plan: ToolPlan, rules: dict[str, TableRules]
) -> dict[str, Any] | None:
    table = blueprint.table(plan.table)
    ended = set(terminal_values(table))
    episode = store.fresh(None)
    try:
        rows = episode.db.query(f'SELECT * FROM "{table.name}" ORDER BY rowid LIMIT 60')
        if plan.kind == "delete":  # a row others refer to is rightly refused; try one that is free
            for child, column in children(blueprint, table.name):
                used = {r[column] for r in episode.db.query(f'SELECT DISTINCT "{column}" FROM "{child}"')}
                rows = [r for r in rows if r[table.primary_key] not in used]
        rows = [r for r in rows if _allowed(plan, r, rules, episode, environment.spec.clock[:10])]
    finally:
        episode.close()
    for row in rows:
        if plan.kind in ("update", "action") and any(row.get(c.name) in ended for c in table.columns if c.enum):
            continue
        if plan.kind == "action" and any(
            row.get(c) == (1 if v is True else 0 if v is False else v) for c, v in plan.target.items()
        ):
            continue
        return row
    return None


def _arguments(environment: Environment, blueprint: Blueprint, plan: ToolPlan, row: dict[str, Any]) -> dict[str, Any]:
    """Arguments naming `row` (its key, its parents) and, for writes, values taken from the row itself."""
    table = blueprint.table(plan.table)
    args: dict[str, Any] = {}
    for param in plan.params:
        column = table.column(param.column) if param.column else None
        if param.role == "key":
            args[param.name] = row[table.primary_key]
        elif param.role == "parent" and column is not None:
            args[param.name] = row.get(column.name)
        elif (
            param.role == "field"
            and plan.kind in ("create", "update")
            and column is not None
            and row.get(column.name) is not None
        ):
            args[param.name] = _argument(blueprint, table.name, column.name, row[column.name])
    return {k: v for k, v in args.items() if v is not None}


def _argument(blueprint: Blueprint, table: str, column: str, stored: Any) -> Any:
    kind = blueprint.semantic(table, column)
    if kind == "bool":
        return bool(stored)
    if kind == "json" and isinstance(stored, str):
        try:
            return json.loads(stored)
        except ValueError:
            return stored
    return stored


def _probe(
    environment: Environment, store: EpisodeStore, blueprint: Blueprint, plan: ToolPlan, rules: dict[str, TableRules]
) -> list[Problem]:
    tool = environment.tools[plan.name]
    row = _sample(environment, store, blueprint, plan, rules)
    if row is None:
        return []
    table = blueprint.table(plan.table)
    where = f"tools.py: {plan.name}"
    args = _arguments(environment, blueprint, plan, row)
    try:
        fastjsonschema.validate(tool.spec.input_schema, dict(args))
    except (fastjsonschema.JsonSchemaException, ValueError):
        return []  # the seed offers no valid arguments for this tool; nothing to judge
    problems: list[Problem] = []
    episode, baseline = store.fresh(None), store.fresh(None)
    try:
        try:
            output = tool.run(episode, dict(args)).value
        except ToolError as exc:
            if plan.kind != "create":
                problems.append(Problem(where, f"refused valid arguments {args}: {exc}"))
            return problems
        changes = [
            c
            for t in environment.spec.tables
            for c in diff_rows(t, read_rows(baseline.conn, t), read_rows(episode.conn, t))
        ]
        key = row[table.primary_key]
        if plan.kind in ("list", "get", "count") and changes:
            problems.append(Problem(where, "a read changed the database"))
        if (
            plan.kind == "get"
            and isinstance(output, dict)
            and output.get(table.primary_key) != key
            and table.name not in blueprint.singletons
        ):
            problems.append(Problem(where, f"get returned another row than {key!r}"))
        if plan.kind in ("create", "update", "delete", "action"):
            problems += _write_problems(plan, table.name, key, changes, _derived_columns(rules), where)
        if plan.param("key") is not None and table.name not in blueprint.singletons:
            problems += _bad_key(
                environment, store, plan, args, table.columns[0].type if table.columns[0].primary_key else "TEXT", where
            )
    finally:
        episode.close()
        baseline.close()
    return problems


def _derived_columns(rules: dict[str, TableRules]) -> set[tuple[str, str]]:
    """(table, column) pairs a write may change beside its own table: totals it feeds, stock it takes."""
    found: set[tuple[str, str]] = set()
    for name, rule in rules.items():
        found |= {(name, column) for column in rule.totals}
        if rule.stock is not None:
            found.add((rule.refs[rule.stock.ref], rule.stock.column))
    return found


def _write_problems(
    plan: ToolPlan, table: str, key: Any, changes: list[Any], derived: set[tuple[str, str]], where: str
) -> list[Problem]:
    mine = [c for c in changes if c.table == table]
    if plan.kind == "create":
        return [] if any(c.op == "insert" for c in mine) else [Problem(where, f"create added no row to {table}")]
    if plan.kind == "delete":
        return (
            []
            if any(c.op == "delete" and c.key == key for c in mine)
            else [Problem(where, f"delete left {key!r} in {table}")]
        )
    if plan.kind == "action":
        changed = next((c for c in mine if c.op == "update" and c.key == key), None)
        wanted = {c: (1 if v is True else 0 if v is False else v) for c, v in plan.target.items()}
        if changed is None or any(changed.values.get(c) != v for c, v in wanted.items()):
            return [Problem(where, f"did not set {wanted} on {key!r}")]
    for change in changes:
        if change.table != table and (
            change.op != "update" or any((change.table, c) not in derived for c in change.values)
        ):
            return [Problem(where, "changed another table than its own")]
    return []


def _bad_key(
    environment: Environment, store: EpisodeStore, plan: ToolPlan, args: dict[str, Any], key_type: str, where: str
) -> list[Problem]:
    key_param = plan.param("key")
    assert key_param is not None
    bad = {**args, key_param.name: MISSING.get(key_type, "NO-SUCH-ROW-0")}
    episode = store.fresh(None)
    try:
        environment.tools[plan.name].run(episode, bad)
    except ToolError:
        return []
    finally:
        episode.close()
    return [Problem(where, "accepted a key that names no row (it must raise a tool error)")]
