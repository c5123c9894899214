"""Tools that multiplex several actions through one enum argument, as many MCP servers write them:
`notes(operation: search | list | create, searchText, title, body)`.

The parse stage splits such a tool into one operation per action (`search_notes(searchText)`,
`create_notes(title, body)`), with the arguments whose descriptions name that action ("required for create
operation") or no action at all; the rest of synthesis treats them as ordinary tools. When the tasks are
made, `fold` puts the document's tool back: env.json lists `notes` with the actions that were modelled, its
function in tools.py checks the action and the arguments that action needs and calls the action's own
function, and every ground-truth call becomes `notes(operation='create', ...)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from autoforge.servers import EnvSpec, Roles, Task, ToolSpec

from .models import Branch, Draft, Operation
from .naming import identifier, normal, singular, split_words
from .shapes import SWITCHES, VERBS, vendor_prefix
from .toolgen import argument, docstring, signature

__all__ = ["fold", "selector", "split_operations"]

_SELECTORS = frozenset({"operation", "action", "op", "command"})
"""Argument names (spelling aside) that choose what a multiplexing tool does."""
_CLAUSE = re.compile(
    r"\b(required|needed|optional|only|used|applies)\b([^.;)]*?)\b(for|with|when|in|by)\b"
    r"((?:(?!\b(?:required|needed|optional)\b)[^.;)])*)",
    re.IGNORECASE,
)
"""'(required for send, read, and schedule operations)', 'Required when operation is create': who an argument is for."""
_CONNECTIVES = frozenset({"by", "id", "ids", "to", "from", "for", "in", "of", "with", "all", "on", "a", "the"})


def selector(op: Operation) -> str | None:
    """The argument of `op` that chooses among several actions (an enum named like `operation`), if any."""
    for name, schema in op.input_schema.get("properties", {}).items():
        values = schema.get("enum") if isinstance(schema, dict) else None
        if normal(name) in _SELECTORS and values and all(isinstance(v, str) and v.strip() for v in values):
            return str(name)
    return None


def _stated_choices(op: Operation) -> Operation:
    """`op` with its selector's choices as an enum where only the selector's description (or the tool's docstring
    `Args:` line for it) lists them in quotes ("Action to perform: 'get', 'start' or 'pause'", a FastMCP tool
    typed `str`)."""
    properties = op.input_schema.get("properties", {})
    for name, schema in properties.items():
        if normal(name) not in _SELECTORS or not isinstance(schema, dict) or schema.get("type") != "string":
            continue
        if "enum" in schema:
            continue
        said = [str(schema.get("description") or ""), _argument_line(op.description, name) or ""]
        values = max((list(dict.fromkeys(_QUOTED.findall(text))) for text in said), key=len)
        if len(values) >= 2:
            stated = {**properties, name: {**schema, "enum": values}}
            return op.model_copy(update={"input_schema": {**op.input_schema, "properties": stated}})
    return op


def _argument_line(description: str, name: str) -> str | None:
    """What a docstring's `Args:` says of argument `name` ("action: The action to perform ('on', 'off')")."""
    found = re.search(rf"(?:^|\s){re.escape(name)}\s*:\s*(.+?)(?=\s+[A-Za-z_]\w*\s*:\s|$)", description)
    return found.group(1) if found else None


def _action_line(description: str, value: str) -> str | None:
    """What a tool's description says one action does, where it lists them ("- skip: Skips current track.")."""
    quote = "['\"`]?"
    found = re.search(
        rf"(?:^|\s)[-*]\s*{quote}{re.escape(value)}{quote}\s*:\s*(.+?)(?=\s+[-*]\s*{quote}[\w-]+{quote}\s*:|$)",
        description,
    )
    return found.group(1).strip() if found else None


_QUOTED = re.compile(r"""['"`]([A-Za-z][\w-]*)['"`]""")


def split_operations(operations: Iterable[Operation]) -> tuple[Operation, ...]:
    """Each multiplexing operation replaced by one operation per action; the others as they are."""
    operations = tuple(operations)
    taken = {op.name for op in operations}
    prefix = vendor_prefix(operations)  # kept in front of every name: `obsidian_append_patch_content`
    found: list[Operation] = []
    for op in map(_stated_choices, operations):
        chosen = selector(op)
        if chosen is None:
            found.append(op)
            continue
        values = [str(v) for v in op.input_schema["properties"][chosen]["enum"]]
        for value in dict.fromkeys(values):
            name = _branch_name(op.name, value, taken, prefix, op.description, chosen)
            taken.add(name)
            properties, required = _arguments_of(op, chosen, values, value)
            found.append(
                Operation(
                    name=name,
                    source_name=f"{op.source_name} ({chosen} {value!r})",
                    description=_action_line(op.description, value) or op.description,
                    method=op.method,
                    path=op.path,
                    input_schema={"type": "object", "properties": properties, "required": required},
                    locations={k: v for k, v in op.locations.items() if k in properties},
                    output_schema=op.output_schema,
                    branch=Branch(
                        tool=op.name,
                        argument=chosen,
                        value=value,
                        description=op.description,
                        input_schema=op.input_schema,
                    ),  # fmt: skip
                )
            )
    return tuple(found)


def _mentions(text: str, value: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text, re.IGNORECASE) is not None


def _arguments_of(op: Operation, chosen: str, values: list[str], value: str) -> tuple[dict[str, Any], list[str]]:
    """The arguments of the action `value` and those it requires: an argument whose description says which
    actions it is for ("required for create operation", "optional, for read and unread operations") belongs to
    those; one that names no action belongs to all, required when the document requires it."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    documented = op.input_schema.get("required", [])
    for name, schema in op.input_schema.get("properties", {}).items():
        if name == chosen:
            continue
        text = schema.get("description", "") if isinstance(schema, dict) else ""
        clauses = [(m.group(1).lower(), m.group(4)) for m in _CLAUSE.finditer(str(text))]
        named = [(kind, [v for v in values if _mentions(rest, v)]) for kind, rest in clauses]
        named = [(kind, found) for kind, found in named if found]
        if named and not any(value in found for _, found in named):
            continue
        properties[name] = schema
        needed = any(kind in ("required", "needed") and value in found for kind, found in named)
        if needed or (name in documented and not named):
            required.append(name)
    return properties, required


def _branch_name(
    tool: str, value: str, taken: set[str], prefix: tuple[str, ...], description: str = "", argument: str = ""
) -> str:
    """The operation name of one action: 'createGuide' stays itself, 'create' on `notes` is 'create_notes', a
    plural noun such as 'mailboxes' lists them ('list_mailboxes'), 'listById' on `reminders` is
    'list_reminders_by_id', 'on' of `entity_action`'s `action` is 'turn_on_entity'; after the words every tool
    name of the document starts with (`obsidian_`). A tool named for where its records live, whose description
    names them ('calendar events'), acts on those records ('create_calendar_events')."""
    words = split_words(value) or ["run"]
    noun = split_words(tool)[len(prefix) :]
    held = re.search(rf"\b{re.escape(' '.join(noun))} ([a-z]+)\b", description.lower()) if noun else None
    if held is not None and singular(held.group(1)) != held.group(1) and held.group(1) not in _CONNECTIVES:
        noun = [*noun, held.group(1)]
    if words[0] in SWITCHES and len(words) == 1:  # `entity_action` with `action: on`: turn_on_entity
        named = split_words(argument)
        parts = ["turn", value, *(noun[: -len(named)] if named and noun[-len(named) :] == named else noun)]
    elif len(words) > 1 and any(w not in _CONNECTIVES for w in words[1:]):
        parts = words
    elif len(words) == 1 and words[0] not in VERBS and singular(words[0]) != words[0]:
        parts = ["list", words[0]]
    else:
        parts = [words[0], *noun, *words[1:]]
    candidates = [identifier("_".join([*prefix, *parts])), identifier(f"{tool}_{value}")]
    candidates += [identifier(f"{tool}_{value}_{n}") for n in range(2, len(taken) + 3)]
    return next(name for name in candidates if name not in taken)


# ---- folding back into the document's tools -------------------------------------------------------


def fold(draft: Draft) -> Draft:
    """The draft as it is served: each multiplexing tool of the document in place of its actions' tools, with a
    dispatching function in tools.py, and the tasks' ground truth calling it."""
    assert draft.spec is not None and draft.tools_source is not None
    branches = {op.name: op.branch for op in draft.source.operations if op.branch is not None}
    spec = draft.spec
    kept = [t for t in spec.tools if t.name in branches]
    if not kept:
        return draft
    groups: dict[str, list[ToolSpec]] = {}
    for tool in kept:
        groups.setdefault(branches[tool.name].tool, []).append(tool)
    folded = {name: _folded_tool(name, members, branches) for name, members in groups.items()}
    tools: list[ToolSpec] = []
    for tool in spec.tools:
        branch = branches.get(tool.name)
        if branch is None:
            tools.append(tool)
        elif folded[branch.tool] not in tools:
            tools.append(folded[branch.tool])
    source = draft.tools_source + "".join(
        "\n\n" + _dispatcher(folded[name], members, branches) for name, members in groups.items()
    )
    calls = {name: f"{b.tool} with {b.argument} {b.value!r}" for name, b in branches.items()}
    policy = re.sub(
        r"\b(" + "|".join(re.escape(n) for n in sorted(calls, key=len, reverse=True)) + r")\b",
        lambda m: calls[m.group(1)],
        spec.policy,
    )
    spec = spec.model_copy(
        update={"tools": tuple(tools), "policy": policy, "roles": _folded_roles(spec.roles, branches)}
    )
    tasks = tuple(_folded_task(task, branches) for task in draft.tasks)
    return draft.model_copy(update={"spec": EnvSpec.model_validate(spec.model_dump()), "tools_source": source,
                                    "tasks": tasks})  # fmt: skip


def _folded_tool(name: str, members: list[ToolSpec], branches: dict[str, Branch]) -> ToolSpec:
    """The document's tool offering the actions of `members`: its own schema, the selector's enum cut to them."""
    first = branches[members[0].name]
    original: dict[str, Any] = first.input_schema.get("properties", {})
    merged: dict[str, Any] = {}
    for member in members:
        for key, schema in member.input_schema.get("properties", {}).items():
            merged.setdefault(key, schema)
    values = [branches[m.name].value for m in members]
    properties = {first.argument: {**original[first.argument], "enum": values}}
    properties.update({k: merged[k] for k in original if k in merged})
    properties.update({k: v for k, v in merged.items() if k not in properties})
    left = [str(v) for v in original[first.argument]["enum"] if v not in values]
    description = first.description or f"{name}: {', '.join(values)}."
    if left:
        description += f" (Here {first.argument} may be {', '.join(repr(v) for v in values)}.)"
    tables = tuple(dict.fromkeys(t for m in members for t in m.tables))
    return ToolSpec(
        name=name,
        description=description,
        input_schema={"type": "object", "properties": properties, "required": [first.argument]},
        writes=any(m.writes for m in members),
        tables=tables,
    )


def _dispatcher(tool: ToolSpec, members: list[ToolSpec], branches: dict[str, Branch]) -> str:
    """The function of a folded tool: check the chosen action and the arguments it needs, then call it."""
    chosen = argument(branches[members[0].name].argument)
    needs = ", ".join(
        f"{branches[m.name].value!r}: {{"
        + ", ".join(f"{n!r}: {argument(n)}" for n in m.input_schema.get("required", []))
        + "}"
        for m in members
    )
    lines = [
        f"def {tool.name}({', '.join(signature(tool.input_schema))}):",
        f"    {docstring(tool.description)}",
        f"    records.choose({branches[members[0].name].argument!r}, {chosen}, {{{needs}}})",
    ]
    for index, member in enumerate(members):
        params = member.input_schema.get("properties", {})
        passed = ["db", *[f"{n}={n}" for n in params if argument(n) == n]]
        if any(argument(n) != n for n in params):
            passed.append("**arguments")
        call = f"return {member.name}({', '.join(passed)})"
        if index == len(members) - 1:
            lines.append(f"    {call}")
        else:
            lines += [f"    if {chosen} == {branches[member.name].value!r}:", f"        {call}"]
    return "\n".join(lines) + "\n"


def _folded_roles(roles: Roles | None, branches: dict[str, Branch]) -> Roles | None:
    """The policy's roles naming the document's tools in place of their actions."""
    if roles is None:
        return None

    def named(name: str) -> str:
        return branches[name].tool if name in branches else name

    fields: dict[str, tuple[str, ...]] = {}
    for name, found in roles.staff_fields.items():
        fields[named(name)] = tuple(dict.fromkeys([*fields.get(named(name), ()), *found]))
    return roles.model_copy(
        update={
            "staff_only": tuple(dict.fromkeys(named(n) for n in roles.staff_only)),
            "confirm": tuple(dict.fromkeys(named(n) for n in roles.confirm)),
            "staff_fields": fields,
            "handoff": named(roles.handoff) if roles.handoff else None,
        }
    )


def _folded_task(task: Task, branches: dict[str, Branch]) -> Task:
    """A task whose ground truth calls the document's tools, the action named by its selecting argument."""
    nodes = []
    for node in task.solution.nodes:
        branch = branches.get(getattr(node, "tool", ""))
        if branch is not None:
            node = node.model_copy(
                update={"tool": branch.tool, "arguments": {branch.argument: branch.value, **node.arguments}}
            )
        nodes.append(node)
    tools = {n.tool for n in nodes if n.kind == "call"}
    return task.model_copy(
        update={
            "solution": task.solution.model_copy(update={"nodes": tuple(nodes)}),
            "difficulty": task.difficulty.model_copy(update={"distinct_tools": len(tools)}),
        }
    )
