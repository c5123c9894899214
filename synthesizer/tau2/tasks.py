"""tau2 tasks as AutoForge tasks: the user scenario, the gold actions as the solution, and what gates the reward.

`read_task` checks one entry of a tau2 tasks.json against tau2's task format (our own pydantic
models of it) and says why a task cannot be converted; `to_task` builds our Task from it, keeping
tau2's semantics: the expected state is whatever the gold actions produce (so a refusal task
expects no change), communicate_info becomes facts only where the reward basis has COMMUNICATE,
and NL assertions stay in the metadata as optional checks for an LLM judge.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Literal

from autoforge.servers import CallNode, Expected, InitialState, Solution, Task, UserScenario
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["GATED_BASIS", "Tau2Action", "Tau2Task", "Unconvertible", "read_task", "to_task"]

GATED_BASIS = frozenset({"DB", "COMMUNICATE", "NL_ASSERTION"})
"""Reward components an imported task can carry: DB and COMMUNICATE are verified, NL_ASSERTION is reported."""


class Unconvertible(Exception):
    """A task that cannot become an AutoForge task; the message says why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Instructions(_Model):
    domain: str = ""
    reason_for_call: str
    known_info: str | None = None
    unknown_info: str | None = None
    task_instructions: str = ""


class Scenario(_Model):
    persona: str | None = None
    instructions: Instructions | str


class Tau2Action(_Model):
    action_id: str
    requestor: Literal["assistant", "user"] = "assistant"
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    info: str | None = None
    compare_args: list[str] | None = None


class Criteria(_Model):
    actions: list[Tau2Action] | None = None
    env_assertions: list[dict[str, Any]] | None = None
    communicate_info: list[str] | None = None
    nl_assertions: list[str] | None = None
    reward_basis: list[str] = Field(default_factory=lambda: ["DB", "COMMUNICATE"])


class Initial(_Model):
    initialization_data: dict[str, Any] | None = None
    initialization_actions: list[dict[str, Any]] | None = None
    message_history: list[dict[str, Any]] | None = None


class Tau2Task(_Model):
    """One task in tau2's format (only the fields an import needs)."""

    id: str
    description: dict[str, Any] | None = None
    user_scenario: Scenario
    ticket: str | None = None
    initial_state: Initial | None = None
    evaluation_criteria: Criteria | None = None
    user_tools: list[str] | None = None


def read_task(raw: Any, tools: set[str]) -> Tau2Task:
    """Validate one tasks.json entry; raises Unconvertible naming the problem."""
    where = f"task {raw.get('id')!r}" if isinstance(raw, dict) else "a task"
    try:
        task = Tau2Task.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise Unconvertible(f"{where} does not match tau2's task format: {field}: {first['msg']}") from None
    criteria = task.evaluation_criteria
    if criteria is None or criteria.actions is None:
        raise Unconvertible("it has no gold actions (tau2 scores every run of it 1.0)")
    ungraded = sorted(set(criteria.reward_basis) - GATED_BASIS)
    if ungraded:
        raise Unconvertible(f"its reward basis has {', '.join(ungraded)}, which AutoForge's verifier does not grade")
    if "DB" not in criteria.reward_basis:
        raise Unconvertible("its reward basis has no DB component, and AutoForge always grades the final database")
    initial = task.initial_state
    if initial is not None and (initial.initialization_actions or initial.message_history):
        raise Unconvertible("it starts from initialization actions or a message history, which are not imported")
    if initial is not None and initial.initialization_data and initial.initialization_data.get("user_data"):
        raise Unconvertible("it sets up a user-side database, which this domain import does not have")
    if task.user_tools:
        raise Unconvertible("it gives the user tools, which this domain import does not have")
    for action in criteria.actions:
        if action.requestor != "assistant":
            raise Unconvertible(f"gold action {action.action_id} is a user-side call ({action.name})")
        if action.name not in tools:
            raise Unconvertible(
                f"gold action {action.action_id} names unknown tool {action.name!r} (tools: {', '.join(sorted(tools))})"
            )
    return task


def to_task(
    task: Tau2Task,
    *,
    domain: str,
    label: str = "tau2",
    actions: list[Tau2Action],
    dropped: list[dict[str, str]],
    depends_on: list[tuple[int, ...]],
    initial: InitialState | None,
    splits: dict[str, list[str]],
) -> Task:
    """Our Task for `task`, with `actions` (the gold actions that run) as its solution and `depends_on[i]`
    the indices of the actions that action i needs; expected changes are left for `complete_task`.
    What the source task said is kept in the metadata under `label`, the benchmark."""
    criteria = task.evaluation_criteria or Criteria(actions=[])
    communicate = list(criteria.communicate_info or [])
    gated = "COMMUNICATE" in criteria.reward_basis
    scenario = task.user_scenario
    instructions = scenario.instructions
    if isinstance(instructions, str):
        instruction, behavior, known, unknown = instructions, "", None, None
    else:
        instruction = instructions.reason_for_call
        behavior, known, unknown = instructions.task_instructions, instructions.known_info, instructions.unknown_info
    ids = _node_ids(actions)
    nodes = [
        CallNode(id=ids[i], tool=a.name, arguments=a.arguments, depends_on=tuple(ids[j] for j in sorted(depends_on[i])))
        for i, a in enumerate(actions)
    ]
    in_splits = sorted(name for name, members in splits.items() if task.id in members)
    return Task(
        id=task.id,
        instruction=instruction.strip() or task.id,
        user=UserScenario(
            persona=scenario.persona or "",
            known_facts=known_facts(known),
            unknown=tuple(_sentences(unknown)),
            behavior=behavior.strip(),
        ),
        initial_state=initial,
        solution=Solution(nodes=tuple(nodes)),
        expected=Expected(facts=tuple(communicate) if gated else (), match="substring"),
        split="test" if "test" in in_splits else "train",
        metadata={
            label: {
                "domain": domain,
                "task_id": task.id,
                "splits": in_splits,
                "description": task.description or {},
                "user_scenario": render_scenario(scenario),
                "ticket": task.ticket,
                "reward_basis": list(criteria.reward_basis),
                "communicate_info": communicate,
                "communicate_gated": gated and bool(communicate),
                "nl_assertions": list(criteria.nl_assertions or []),
                "nl_assertions_gated_in_tau2": "NL_ASSERTION" in criteria.reward_basis and bool(criteria.nl_assertions),
                "gold_actions": [a.model_dump(exclude_none=True) for a in criteria.actions or []],
                "dropped_actions": dropped,
            }
        },
    )


def _node_ids(actions: list[Tau2Action]) -> list[str]:
    ids: list[str] = []
    for index, action in enumerate(actions):
        node_id = action.action_id or f"a{index}"
        ids.append(node_id if node_id not in ids else f"{node_id}#{index}")
    return ids


_FACT = re.compile(r"^(?:your|my)\s+(.{2,40}?)\s+(?:is|are)\s+(.+?)\.?$", re.IGNORECASE)


def known_facts(text: str | None) -> dict[str, Any]:
    """The user's known info as facts: 'Your user id is x.' -> {'user id': 'x'}, plus the whole text."""
    if not text:
        return {}
    facts: dict[str, Any] = {}
    for sentence in _sentences(text):
        match = _FACT.match(sentence)
        if match:
            facts[match.group(1).lower()] = match.group(2)
    facts["known info"] = text.strip()
    return facts


def _sentences(text: str | None) -> list[str]:
    if not text:
        return []
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return [p.strip() for p in parts if p.strip()]


def render_scenario(scenario: Scenario) -> str:
    """The scenario as text for a user simulator: persona, then the instructions section by section."""
    lines: list[str] = []
    if scenario.persona is not None:
        lines += ["Persona:", textwrap.indent(scenario.persona, "\t")]
    instructions = scenario.instructions
    if isinstance(instructions, str):
        body = instructions
    else:
        sections = [
            f"Domain: {instructions.domain}",
            f"Reason for call:\n{textwrap.indent(instructions.reason_for_call, chr(9))}",
        ]
        if instructions.known_info is not None:
            sections.append(f"Known info:\n{textwrap.indent(instructions.known_info, chr(9))}")
        if instructions.unknown_info is not None:
            sections.append(f"Unknown info:\n{textwrap.indent(instructions.unknown_info, chr(9))}")
        sections.append(f"Task instructions:\n{textwrap.indent(instructions.task_instructions, chr(9))}")
        body = "\n".join(sections)
    lines += ["Instructions:", textwrap.indent(body, "\t")]
    return "\n".join(lines)
