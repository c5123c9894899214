"""What flows between the synthesis stages: parsed operations, the blueprint of the state, the draft.

`SourceDoc` is what the parse stage reads from the documentation; `Blueprint` is the inferred state
schema with a plan for each tool (which table it touches and how each argument maps to a column);
`Draft` carries the environment spec and every later stage's output. All are frozen pydantic
models, so a checkpoint is just a draft written as JSON.
"""

from __future__ import annotations

from typing import Any, Literal

from autoforge.servers import EnvSpec, Table, Task
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "READ_KINDS",
    "WRITE_KINDS",
    "Blueprint",
    "Branch",
    "Draft",
    "Edge",
    "Operation",
    "ParamPlan",
    "Skip",
    "SourceDoc",
    "ToolPlan",
    "Usage",
]

ToolKind = Literal["list", "get", "count", "create", "update", "delete", "action"]
READ_KINDS = frozenset({"list", "get", "count"})
WRITE_KINDS = frozenset({"create", "update", "delete", "action"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Skip(_Model):
    """Something the synthesizer could not handle, and why."""

    name: str
    reason: str


class Branch(_Model):
    """Where an operation came from when the document's tool multiplexes several actions through one enum
    argument: `notes(operation: search | list | create)` gives three operations, folded back when written."""

    tool: str = Field(description="The document's tool.")
    argument: str = Field(description="The argument that selects the action (`operation`).")
    value: str = Field(description="The value selecting this operation's action.")
    description: str = Field(description="The document tool's description.")
    input_schema: dict[str, Any] = Field(description="The document tool's input schema.")


class Operation(_Model):
    """One tool as the documentation describes it."""

    name: str = Field(description="The tool name: a Python identifier.")
    source_name: str = Field(description="The name in the document (operationId, tool name, or METHOD path).")
    description: str = ""
    method: str | None = None
    path: str | None = None
    input_schema: dict[str, Any]
    locations: dict[str, str] = Field(default_factory=dict, description="Argument -> path | query | body | argument.")
    output_schema: dict[str, Any] | None = None
    branch: Branch | None = Field(default=None, description="The multiplexed tool this operation is one action of.")


class SourceDoc(_Model):
    """Parsed documentation: its identity and its operations."""

    name: str
    title: str
    description: str = ""
    format: str
    sha256: str
    operations: tuple[Operation, ...]
    skipped: tuple[Skip, ...] = ()


class ParamPlan(_Model):
    """How one tool argument maps onto the state."""

    name: str
    role: Literal["key", "lookup", "parent", "filter", "search", "field", "limit", "ignored"]
    column: str | None = None
    table: str | None = Field(default=None, description="For key and parent arguments: the table they point into.")
    match: Literal["eq", "like", "min", "max"] = "eq"


class ToolPlan(_Model):
    """What a tool does to the state: its kind, its table, its arguments' roles."""

    name: str
    kind: ToolKind
    table: str
    params: tuple[ParamPlan, ...] = ()
    target: dict[str, Any] = Field(default_factory=dict, description="Columns an action sets, with their values.")
    many: str | None = Field(
        default=None, description="A batch tool's array argument: the rows it creates, or the keys it deletes."
    )
    items: dict[str, str] = Field(default_factory=dict, description="A batch create's item field -> column.")
    current: bool = Field(
        default=False, description="An action on the one row in a live state (the running timer), named by no key."
    )
    description: str

    @property
    def writes(self) -> bool:
        return self.kind in WRITE_KINDS

    def param(self, role: str) -> ParamPlan | None:
        return next((p for p in self.params if p.role == role), None)

    def roles(self, *roles: str) -> list[ParamPlan]:
        return [p for p in self.params if p.role in roles]


class Blueprint(_Model):
    """The inferred state schema and a plan for every tool."""

    tables: tuple[Table, ...]
    plans: tuple[ToolPlan, ...]
    labels: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Per table, the columns a person would name a row by (natural keys)."
    )
    semantics: dict[str, str] = Field(
        default_factory=dict, description="'table.column' -> kind of value (email, money...)."
    )
    structures: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="'table.column' -> JSON schema of the object or list the column holds."
    )
    singletons: tuple[str, ...] = Field(
        default=(), description="Tables that hold exactly one row (no key in any path)."
    )
    skipped: tuple[Skip, ...] = ()

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def plan(self, name: str) -> ToolPlan:
        return next(p for p in self.plans if p.name == name)

    def getter(self, table: str) -> ToolPlan | None:
        """A tool that reads one row of `table` by its key, if any."""
        return next((p for p in self.plans if p.kind == "get" and p.table == table and p.param("key")), None)

    def semantic(self, table: str, column: str) -> str:
        return self.semantics.get(f"{table}.{column}", "text")


class Edge(_Model):
    """A -> B: rows that A returns carry a value (`table`'s key) that B takes as `param`."""

    source: str
    target: str
    param: str
    table: str
    via: str = Field(description="The column of A's rows holding the value.")


class Usage(_Model):
    """Tokens an LLM backend spent, per stage."""

    calls: int = 0
    cached: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


class Draft(_Model):
    """The environment as far as synthesis has got: each stage fills in more."""

    source: SourceDoc
    blueprint: Blueprint | None = None
    spec: EnvSpec | None = None
    seed_sql: str | None = None
    tools_source: str | None = None
    edges: tuple[Edge, ...] = ()
    tasks: tuple[Task, ...] = ()
    rejected: dict[str, int] = Field(default_factory=dict, description="Candidate tasks dropped, by reason.")
    notes: tuple[str, ...] = Field(default=(), description="Warnings for the user (skipped tools, fallbacks).")
    usage: dict[str, Usage] = Field(default_factory=dict)
