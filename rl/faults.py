"""Conversations whose user errors are known by construction: the labelled set that measures user-error judges.

An asking agent talks to a simulated user over MCP: it asks for each fact the user holds that the
request does not already state, makes the task's ground-truth calls and reports. The user is the
scripted one or an LLM (SmolLM2 offline, or any OpenAI-compatible model), and one error may be
injected into its turns:

    contradiction   answers the question about one of its facts with another value (the same fact of
                    another task of the environment)
    invented        adds a fact its scenario does not give it: the value of something it does not
                    know, taken from the task's solution, or a claim about what staff promised
    withheld        says it does not know a fact it holds when the agent asks for it
    early_stop      ends the conversation at its first answer, before the agent has acted

A conversation without an injection is clean. An LLM user can break its scenario on its own, so an
LLM-driven clean conversation is kept only if it passes a screen: the heuristic judge finds nothing,
each asked fact is answered with its value, and no stop comes before the agent's report; rejected
ones are redrawn a few times, then dropped. (So the heuristic judge cannot be wrong on a clean LLM
conversation: its precision is measured against the scripted ones and the injected errors.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from autoforge.clients import (
    AgentContext,
    AgentTurn,
    Connection,
    Endpoint,
    Event,
    Limits,
    OracleAgent,
    SimulatedUser,
    UserTurn,
    detect_user_errors,
    make_user,
    run_episode,
)
from autoforge.clients.users import STOP, mentions
from autoforge.servers import Environment, Task, normalise_text, oracle_transcript

from .environments import environment

__all__ = ["FAULTS", "AskingAgent", "FaultyUser", "LabelledConversation", "askable_facts", "labelled_conversations"]

Fault = Literal["contradiction", "invented", "withheld", "early_stop"]
FAULTS: tuple[Fault, ...] = ("contradiction", "invented", "withheld", "early_stop")
CLAIM = "By the way, someone at your desk already promised me this would be free of charge."


def askable_facts(task: Task) -> list[str]:
    """The facts the user holds that its request does not already state, in scenario order."""
    said = normalise_text(task.instruction)
    return [k for k, v in task.user.known_facts.items() if normalise_text(str(v)) not in said]


def question(fact: str) -> str:
    """How the asking agent asks for a fact."""
    return f"Could you tell me your {fact.replace('_', ' ')}?"


class AskingAgent(OracleAgent):
    """Asks for each askable fact, then acts as the oracle: the ground-truth calls one per turn, then the report."""

    name = "asking-oracle"

    async def act(self, context: AgentContext, history: Sequence[Event]) -> AgentTurn:
        facts = askable_facts(context.task)
        asked = sum(1 for e in history if e.role == "assistant" and not e.tool_calls)
        if asked < len(facts):
            return AgentTurn(text=question(facts[asked]))
        return await super().act(context, history)


@dataclass
class FaultyUser(SimulatedUser):
    """A simulated user with one error injected into its turns (see the module docstring)."""

    base: SimulatedUser
    task: Task
    fault: Fault
    value: str
    """The contradicting or invented value, or the fact that is withheld or contradicted."""
    fact: str = ""
    fired: bool = False
    replies: int = 0

    @property
    def usage(self) -> Any:
        return self.base.usage

    async def open(self) -> UserTurn:
        return await self.base.open()

    async def reply(self, agent_message: str) -> UserTurn:
        self.replies += 1
        said = agent_message.lower()
        if not self.fired and self.fault == "early_stop":
            self.fired = True
            return UserTurn(text=f"Actually, never mind, I will sort it out another time. {STOP}", stop=True)
        if not self.fired and self.fault in ("withheld", "contradiction") and mentions(said, self.fact):
            self.fired = True
            words = self.fact.replace("_", " ")
            if self.fault == "withheld":
                return UserTurn(text=f"Sorry, I don't know my {words}.")
            return UserTurn(text=f"My {words} is {self.value}.")
        turn = await self.base.reply(agent_message)
        if not self.fired and self.fault == "invented" and not turn.ending:
            self.fired = True
            return UserTurn(text=f"{turn.text} {self.value}".strip())
        return turn


@dataclass
class LabelledConversation:
    """One conversation of the labelled set: who played the user, the injected error (None: clean), the events."""

    environment: str
    task: Task
    user: str
    fault: Fault | None
    events: list[Event] = field(default_factory=list)

    @property
    def erroneous(self) -> bool:
        return self.fault is not None


def fault_value(env: Environment, task: Task, fault: Fault, index: int) -> tuple[str, str]:
    """The (fact, value) an injection uses; `index` rotates between the choices a task offers."""
    facts = askable_facts(task)
    fact = facts[index % len(facts)] if facts else ""
    if fault == "contradiction":
        own = normalise_text(str(task.user.known_facts.get(fact, "")))
        others = [str(t.user.known_facts[fact]) for t in env.tasks.values() if fact in t.user.known_facts]
        other = next((v for v in others if normalise_text(v) != own), f"{task.user.known_facts.get(fact, '')}0")
        return fact, other
    if fault == "invented":
        leaked = _solution_value(task, index)
        return fact, (f"By the way, my {leaked[0]} is {leaked[1]}." if leaked and index % 2 == 0 else CLAIM)
    return fact, ""


def _solution_value(task: Task, index: int) -> tuple[str, str] | None:
    """Something the user does not know and the solution uses: (its name, the value), if any."""
    arguments = {k: v for node in task.solution.calls for k, v in node.arguments.items()}
    found = [(u, str(arguments[key])) for u in task.user.unknown if (key := u.replace(" ", "_")) in arguments]
    return found[index % len(found)] if found else None


def passes_screen(task: Task, events: Sequence[Event]) -> bool:
    """Whether an LLM user's conversation is clean enough to label clean (see the module docstring)."""
    heard = [e.text for e in events if e.role == "user"]
    told = [e.text for e in events if e.role == "assistant" and not e.tool_calls]
    if detect_user_errors(task, heard, told, ordered=True):
        return False
    facts = {question(k): str(v) for k, v in task.user.known_facts.items()}
    reported = False
    for said, answer in zip(told, heard[1:], strict=False):
        reported = reported or said.startswith(oracle_transcript(task)[0][:20])
        if said in facts and normalise_text(facts[said]) not in normalise_text(answer):
            return False
        if STOP in answer and not reported:
            return False
    return all(text.strip() for text in heard)


async def labelled_conversations(
    references: Sequence[str],
    tasks_per_environment: int,
    llm_user: tuple[str, dict[str, Any]] | None = None,
    attempts: int = 3,
) -> list[LabelledConversation]:
    """The labelled set: per task, a clean and a faulty conversation with the scripted user, and the same with
    the LLM user `(spec, backend options)` when given; the injected error kind rotates over the conversations."""
    users = ["scripted"] + ([llm_user[0]] if llm_user else [])
    options = llm_user[1] if llm_user else {}
    conversations: list[LabelledConversation] = []
    index = 0
    for reference in references:
        env = environment(reference)
        connection = Connection(Endpoint(env))
        await connection.open()
        try:
            for task in [t for t in env.tasks.values() if askable_facts(t)][:tasks_per_environment]:
                for spec in users:
                    fault = FAULTS[index % len(FAULTS)]
                    for injected in (None, fault):
                        tries = 1 if spec == "scripted" else attempts
                        found = await _conversation(connection, env, task, spec, options, injected, index, tries)
                        conversations += [found] if found else []
                    index += 1
        finally:
            await connection.shutdown()
    return conversations


async def _conversation(
    connection: Connection,
    env: Environment,
    task: Task,
    spec: str,
    options: dict[str, Any],
    fault: Fault | None,
    index: int,
    tries: int,
) -> LabelledConversation | None:
    """One labelled conversation, redrawn up to `tries` times until the injection fired (or it passes the screen)."""
    for _ in range(tries):
        user = make_user(spec, task) if spec == "scripted" else make_user(spec, task, **options)
        if fault is not None:
            fact, value = fault_value(env, task, fault, index)
            user = FaultyUser(user, task, fault, value, fact)
        questions = len(askable_facts(task))
        limits = Limits(max_turns=questions + 1, max_steps=questions + len(task.solution.calls) + 1)
        attempt = await run_episode(connection, task, AskingAgent(), user, limits=limits)
        if attempt.label == "infra":
            continue
        if (fault is not None and user.fired) or (
            fault is None and (spec == "scripted" or passes_screen(task, attempt.trajectory))
        ):
            return LabelledConversation(env.name, task, spec, fault, attempt.trajectory)
    return None
