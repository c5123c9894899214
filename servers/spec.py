"""The environment spec and the task model: the contract every part of AutoForge shares.

`EnvSpec` is what `env.json` holds; `Task` is one line of `tasks.jsonl`. Both are frozen pydantic
models that reject unknown keys, so a typo in a generated file is an error, not silent data loss.
This module imports nothing of ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "SPEC_VERSION",
    "TOOL_NAME_PATTERN",
    "CallNode",
    "Change",
    "Column",
    "Difficulty",
    "EnvSpec",
    "Expected",
    "InitialState",
    "Invariant",
    "Provenance",
    "ReasoningNode",
    "Roles",
    "Solution",
    "SolutionNode",
    "StaffMember",
    "Table",
    "Task",
    "ToolSpec",
    "UserScenario",
]

SPEC_VERSION = "1.0"
TOOL_NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"
ENV_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"

SqlType = Literal["TEXT", "INTEGER", "REAL"]
"""SQLite storage classes we use; booleans are INTEGER 0/1, dates ISO-8601 TEXT."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Model):
    """One column of a table."""

    name: str = Field(pattern=IDENTIFIER_PATTERN)
    type: SqlType
    primary_key: bool = False
    nullable: bool = True
    references: str | None = Field(
        default=None, description="Foreign key as 'table.column'.", pattern=r"^[A-Za-z_]\w*\.[A-Za-z_]\w*$"
    )
    generated: bool = Field(
        default=False,
        description="The runtime assigns the value (db.new_id); verification matches new rows by content, not by it.",
    )
    volatile: bool = Field(default=False, description="Exempt from verification (e.g. a free-text note).")
    enum: tuple[str, ...] | None = None
    description: str = ""
    minimum: float | None = Field(default=None, allow_inf_nan=False, description="Smallest value the document allows.")
    maximum: float | None = Field(default=None, allow_inf_nan=False, description="Largest value the document allows.")
    min_length: int | None = Field(default=None, ge=0, description="Fewest characters the document allows.")
    max_length: int | None = Field(default=None, ge=0, description="Most characters the document allows.")
    pattern: str | None = Field(default=None, description="Regular expression every value matches (the document's).")
    format: str | None = Field(default=None, description="date, date-time, email, uri or uuid, as the document says.")
    read_only: bool = Field(default=False, description="Set by the service, never by a tool's caller.")
    unique: bool = Field(default=False, description="No two rows share a value (a natural key beside the key).")
    examples: tuple[Any, ...] = Field(default=(), description="Example values the document gives.")


class Table(_Model):
    """A table of the state schema, with exactly one primary-key column."""

    name: str = Field(pattern=IDENTIFIER_PATTERN)
    description: str = ""
    columns: tuple[Column, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_primary_key(self) -> Table:
        keys = [c.name for c in self.columns if c.primary_key]
        if len(keys) != 1:
            raise ValueError(f"table {self.name!r} needs exactly one primary-key column, found {len(keys)}")
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name!r} has duplicate column names")
        return self

    @property
    def primary_key(self) -> str:
        return next(c.name for c in self.columns if c.primary_key)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


class ToolSpec(_Model):
    """A tool as agents see it, plus what the runtime needs to know about its effects."""

    name: str = Field(pattern=TOOL_NAME_PATTERN)
    description: str = Field(min_length=1)
    input_schema: dict[str, Any] = Field(description="JSON Schema of the arguments (type: object).")
    output_schema: dict[str, Any] | None = None
    writes: bool = Field(description="True when the tool may change the database.")
    tables: tuple[str, ...] = Field(default=(), description="Tables the tool reads or writes.")

    @model_validator(mode="after")
    def _object_schema(self) -> ToolSpec:
        if self.input_schema.get("type") != "object":
            raise ValueError(f"tool {self.name!r}: input_schema must have type 'object'")
        for which, schema in (("input_schema", self.input_schema), ("output_schema", self.output_schema)):
            outside = next(_remote_references(schema), None)
            if outside is not None:
                raise ValueError(
                    f"tool {self.name!r}: {which} refers to {outside[:200]!r}, outside itself; a schema may only refer "
                    "within itself ('#/...') and names no base URI ($id): nothing is fetched"
                )
            costly = _costly(schema)
            if costly is not None:
                raise ValueError(f"tool {self.name!r}: {which} cannot be checked in bounded time: {costly}")
        return self


MAX_SCHEMA_NODES = 20_000
"""Most nodes a tool's schema may reach with each `$ref` followed: checking a value costs what the schema expands
to (ten `anyOf`s of one shared reference, nine deep, take the server's event loop for half an hour)."""


def _costly(schema: Any) -> str | None:
    """Why checking values against `schema` has no bound (a reference to itself, or more than `MAX_SCHEMA_NODES`
    nodes once each reference is followed), or None."""
    pending: list[tuple[Any, tuple[str, ...]]] = [(schema, ())]
    count = 0
    while pending:
        node, following = pending.pop()
        count += 1
        if count > MAX_SCHEMA_NODES:
            return f"it grows past {MAX_SCHEMA_NODES:,} parts once its references are followed"
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#"):
                if reference in following:
                    return f"{reference[:200]!r} refers to itself"
                target = _pointed(schema, reference)
                if target is not None:
                    pending.append((target, (*following, reference)))
            pending.extend((value, following) for value in node.values())
        elif isinstance(node, list):
            pending.extend((value, following) for value in node)
    return None


def _pointed(schema: Any, reference: str) -> Any:
    """The part of `schema` a `#/a/b` reference names, or None."""
    node = schema
    for part in reference[1:].split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _remote_references(schema: Any) -> Iterator[str]:
    """The `$ref`s of a JSON schema that point outside it (a URL, a file), and the `$id`s that would make a
    `'#'` reference do so, at any depth."""
    if isinstance(schema, dict):
        reference = schema.get("$ref")
        if isinstance(reference, str) and not reference.startswith("#"):
            yield reference
        for key in ("$id", "id"):  # draft 4 says `id`; as a base URI a name with a scheme is a place to fetch
            base = schema.get(key)
            if isinstance(base, str) and (key == "$id" or ":" in base) and not base.startswith("#"):
                yield base
        for value in schema.values():
            yield from _remote_references(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _remote_references(value)


class Provenance(_Model):
    """Where an environment came from."""

    source: str = Field(description="The input document's name or URL.")
    source_sha256: str = ""
    source_format: str = ""
    source_version: str | None = Field(
        default=None, description="The version the input document gives itself (OpenAPI info.version), as written."
    )
    backend: str = "hand-written"
    model: str | None = None
    seed: int | None = None
    generator: str = ""


class Invariant(_Model):
    """A rule the state always keeps: a read-only query that returns the rows breaking it (none when it holds)."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,160}$")
    description: str = Field(min_length=1, description="The rule in words.")
    sql: str = Field(description="SELECT (or WITH ... SELECT) returning the violating rows.")
    scope: Literal["always", "seed"] = Field(
        default="always",
        description="'always': after seeding and after every replay; 'seed': only the seed (a copied price may "
        "drift from its source later, as prices do).",
    )

    @model_validator(mode="after")
    def _read_only(self) -> Invariant:
        if not re.match(r"^\s*(SELECT|WITH)\b", self.sql, re.IGNORECASE) or ";" in self.sql.strip().rstrip(";"):
            raise ValueError(f"invariant {self.name!r}: sql must be one SELECT statement")
        return self


class StaffMember(_Model):
    """Someone who works for the service, listed in the policy so the agent can tell staff from customers."""

    name: str
    email: str
    title: str = ""


class Roles(_Model):
    """Who the users are and what each may ask for: the policy as data (the policy text says it in words)."""

    customer: str | None = Field(default=None, description="The table of the people the service serves.")
    identify: tuple[tuple[str, ...], ...] = Field(
        default=(), description="Column sets that identify a customer (any one set will do), e.g. (('email',),)."
    )
    owned: tuple[str, ...] = Field(default=(), description="Tables whose rows belong to one customer.")
    staff: str | None = Field(default=None, description="The table listing staff, when the document has one.")
    staff_members: tuple[StaffMember, ...] = Field(
        default=(), description="The staff roster, when the document has no staff table."
    )
    staff_only: tuple[str, ...] = Field(default=(), description="Tools only a staff member may have the agent call.")
    staff_fields: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Per tool, the arguments only staff may set (a loyalty tier, a price)."
    )
    confirm: tuple[str, ...] = Field(default=(), description="Tools that need the user's explicit yes first.")
    handoff: str | None = Field(default=None, description="The documented tool that hands a case to a person.")


class EnvSpec(_Model):
    """An environment: state schema, tools, policy and provenance (the content of env.json)."""

    spec_version: str = SPEC_VERSION
    name: str = Field(pattern=ENV_NAME_PATTERN)
    version: str = Field(default="0.1.0", pattern=r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$")
    description: str = Field(min_length=1)
    policy: str = ""
    roles: Roles | None = Field(default=None, description="The policy's roles and rules as data.")
    clock: str = Field(
        default="2026-01-15T09:00:00", description="The frozen 'now' of every episode (ISO-8601, no timezone)."
    )
    tables: tuple[Table, ...] = Field(min_length=1)
    tools: tuple[ToolSpec, ...] = Field(min_length=1)
    provenance: Provenance
    license: str = "MIT"
    invariants: tuple[Invariant, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> EnvSpec:
        problems: list[str] = []
        tables = {t.name: t for t in self.tables}
        if len(tables) != len(self.tables):
            problems.append("duplicate table names")
        tool_names = [t.name for t in self.tools]
        if len(set(tool_names)) != len(tool_names):
            problems.append("duplicate tool names")
        for table in self.tables:
            for column in table.columns:
                if column.references:
                    ref_table, ref_column = column.references.split(".")
                    target = tables.get(ref_table)
                    if target is None or target.column(ref_column) is None:
                        problems.append(f"{table.name}.{column.name} references unknown {column.references}")
        for tool in self.tools:
            for name in tool.tables:
                if name not in tables:
                    problems.append(f"tool {tool.name!r} names unknown table {name!r}")
        if self.roles is not None:
            named = [*self.roles.staff_only, *self.roles.confirm, *self.roles.staff_fields, self.roles.handoff]
            problems += [f"roles name unknown tool {t!r}" for t in named if t is not None and t not in tool_names]
            owners = [self.roles.customer, self.roles.staff, *self.roles.owned]
            problems += [f"roles name unknown table {t!r}" for t in owners if t is not None and t not in tables]
        names = [i.name for i in self.invariants]
        if len(set(names)) != len(names):
            problems.append("duplicate invariant names")
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}", self.clock):
            problems.append(f"clock {self.clock!r} is not YYYY-MM-DDTHH:MM:SS")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def tool(self, name: str) -> ToolSpec | None:
        return next((t for t in self.tools if t.name == name), None)


# ---- tasks -------------------------------------------------------------------------------------


class Change(_Model):
    """One row-level difference between two database states.

    insert: `key` is the new row's primary key, `values` the whole row.
    update: `key` identifies the row, `values` the columns that changed (new values), `before` the old ones.
    delete: `key` identifies the row, `before` the row as it was.
    """

    table: str
    op: Literal["insert", "update", "delete"]
    key: Any = None
    values: dict[str, Any] = Field(default_factory=dict)
    before: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _storable(self) -> Change:
        for value in (self.key, *self.values.values(), *self.before.values()):
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise ValueError(f"{value} is past the integers SQLite stores (64 bits)")
        return self


class InitialState(_Model):
    """Changes applied to the seed before the task starts."""

    changes: tuple[Change, ...] = ()


class CallNode(_Model):
    """A ground-truth tool call with concrete arguments."""

    id: str
    kind: Literal["call"] = "call"
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    depends_on: tuple[str, ...] = ()


class ReasoningNode(_Model):
    """What must be inferred between calls (choose, compare, compute, branch)."""

    id: str
    kind: Literal["reasoning"] = "reasoning"
    note: str
    op: str | None = Field(default=None, description="choose | compare | compute | branch, when known.")
    output: Any = Field(default=None, description="The value the reasoning yields in the ground truth.")
    depends_on: tuple[str, ...] = ()


SolutionNode = Annotated[CallNode | ReasoningNode, Field(discriminator="kind")]


class Solution(_Model):
    """The ground-truth DAG; call nodes in file order form a valid replay."""

    nodes: tuple[SolutionNode, ...] = ()

    @model_validator(mode="after")
    def _acyclic(self) -> Solution:
        seen: set[str] = set()
        for node in self.nodes:
            if node.id in seen:
                raise ValueError(f"duplicate node id {node.id!r}")
            missing = [d for d in node.depends_on if d not in seen]
            if missing:
                raise ValueError(f"node {node.id!r} depends on {missing}, which must come earlier in the list")
            seen.add(node.id)
        return self

    @property
    def calls(self) -> tuple[CallNode, ...]:
        return tuple(n for n in self.nodes if isinstance(n, CallNode))


class UserScenario(_Model):
    """What the simulated user is and knows."""

    persona: str = ""
    known_facts: dict[str, Any] = Field(
        default_factory=dict, description="Facts the user may reveal when asked, by name."
    )
    unknown: tuple[str, ...] = Field(
        default=(), description="Things the user does not know and must not invent (ids, internal codes)."
    )
    reason: str = Field(default="", description="Why the user gets in touch, in their words.")
    behavior: str = Field(default="", description="How the user acts, with conditional instructions.")


class Expected(_Model):
    """The outcome a correct episode reaches (computed by executing the solution)."""

    changes: tuple[Change, ...] = ()
    facts: tuple[str, ...] = ()
    match: Literal["whole", "substring"] = Field(
        default="whole",
        description="How a fact counts as told: 'whole' as a whole value (not inside a longer word, number or "
        "date), the synthesizer's rule; 'substring' anywhere, as imported benchmarks (tau2) grade.",
    )


class Difficulty(_Model):
    """Structural measures of a task's ground truth."""

    calls: int = 0
    writes: int = 0
    depth: int = 0
    branching: int = 0
    distinct_tools: int = 0
    reasoning_nodes: int = 0


class Task(_Model):
    """One task: the user's goal, what the user knows, the ground truth and the expected outcome."""

    id: str = Field(min_length=1, max_length=128)
    instruction: str = Field(min_length=1)
    user: UserScenario = Field(default_factory=UserScenario)
    initial_state: InitialState | None = None
    solution: Solution
    expected: Expected = Field(default_factory=Expected)
    difficulty: Difficulty = Field(default_factory=Difficulty)
    split: Literal["train", "test"] = "train"
    refusal: bool = Field(
        default=False,
        description="The user asks for what the policy forbids: the right outcome changes no record (but a "
        "documented hand-off) and tells the user the reason, so an empty trajectory still fails.",
    )
    metadata: dict[str, Any] = Field(default_factory=dict)
