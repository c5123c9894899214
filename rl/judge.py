"""User-error judges: did the simulated user break its scenario? ERPO masks the rollouts where it did.

    heuristic        offline rules, the orchestrator's detector: empty turns, speaking as the agent,
                     stopping before stating the goal, ids / emails / dates / phone numbers the scenario
                     does not hold and the agent had not said before
    openai:MODEL     an LLM reads the user's scenario and the conversation and names the error, as the
    anthropic:MODEL  paper does: contradicting the scenario, inventing facts, withholding a fact it was
                     given when the agent asks for it, ending before its goal was handled

Choose one with `autoforge.judge` (and `autoforge.judge_options`: base_url, api_key, temperature, ...
as for an LLM user). A judge reads only what the user saw: its scenario and the messages between it
and the agent, never the tool calls.
"""

from __future__ import annotations

import abc
import json
import re
from collections.abc import Sequence
from typing import Any

from autoforge.clients import ChatBackend, Event, detect_user_errors, make_backend
from autoforge.servers import Task
from pydantic import BaseModel

__all__ = ["ERROR_KINDS", "HeuristicJudge", "LLMJudge", "UserErrorJudge", "Verdict", "make_judge"]

ERROR_KINDS = ("contradiction", "invented", "withheld", "early_stop")
"""The ways a simulated user breaks its scenario that the LLM judge names."""


class Verdict(BaseModel):
    """A judge's finding on one conversation: the user's errors ([] when it kept to its scenario)."""

    errors: list[str] = []
    answer: str = ""
    """The LLM judge's raw answer (empty for the heuristic)."""
    understood: bool = True
    """False when an LLM judge's answer could not be read; its errors are then [] (the rollout is kept)."""


class UserErrorJudge(abc.ABC):
    """Decides whether a simulated user kept to its scenario in one conversation."""

    name: str

    @abc.abstractmethod
    async def judge(self, task: Task, conversation: Sequence[Event]) -> Verdict:
        """The verdict on `conversation` (user and assistant messages in order; tool events are ignored)."""


class HeuristicJudge(UserErrorJudge):
    """The orchestrator's rule-based detector (offline, instant)."""

    name = "heuristic"

    async def judge(self, task: Task, conversation: Sequence[Event]) -> Verdict:
        heard = [e.text for e in conversation if e.role == "user"]
        told = [e.text for e in conversation if e.role == "assistant" and not e.tool_calls]
        return Verdict(errors=detect_user_errors(task, heard, told, ordered=True))


JUDGE_GUIDELINES = """You check a simulated customer. The customer was given a scenario: a goal, facts it may
give when asked, and things it does not know. It talked to a support agent. Decide whether the
CUSTOMER broke its scenario. Judge the customer only, never the agent. The errors are:
- contradiction: the customer said something that contradicts its scenario (another goal, or another
  value for a fact it was given);
- invented: the customer stated a fact its scenario does not give it (an id, number, name, date,
  or a claim) that the agent had not told it;
- withheld: the agent asked for a fact the scenario gives the customer, and the customer said it
  did not know it or refused;
- early_stop: the customer ended the conversation (###STOP###) before its goal was handled, while
  the agent was still working on it.
Answer with exactly one line:
VERDICT: OK
or
VERDICT: ERROR <contradiction|invented|withheld|early_stop>: <one short reason>"""

_VERDICT = re.compile(r"VERDICT\s*:\s*(OK|ERROR)\b[\s:-]*([a-z_ ]*)[\s:-]*(.*)", re.IGNORECASE)


def judge_request(task: Task, conversation: Sequence[Event]) -> str:
    """What the LLM judge reads: the customer's scenario and the conversation."""
    scenario = task.user
    lines = ["<scenario>", f"Goal: {task.instruction}"]
    if scenario.persona:
        lines.append(f"Persona: {scenario.persona}")
    lines.append(f"Facts it may give when asked: {json.dumps(scenario.known_facts, ensure_ascii=False)}")
    lines.append(f"It does not know: {', '.join(scenario.unknown) or 'nothing listed'}")
    lines += ["</scenario>", "<conversation>"]
    for event in conversation:
        if event.role == "user":
            lines.append(f"CUSTOMER: {event.text}")
        elif event.role == "assistant" and not event.tool_calls and event.text:
            lines.append(f"AGENT: {event.text}")
    lines += ["</conversation>", "Did the customer break its scenario?"]
    return "\n".join(lines)


def read_verdict(answer: str) -> Verdict:
    """The verdict in an LLM judge's answer; an answer without a VERDICT line is not understood."""
    match = _VERDICT.search(answer)
    if match is None:
        return Verdict(answer=answer, understood=False)
    if match.group(1).upper() == "OK":
        return Verdict(answer=answer)
    kind = match.group(2).strip().lower().replace(" ", "_")
    kind = kind if kind in ERROR_KINDS else "error"
    reason = match.group(3).strip() or "no reason given"
    return Verdict(errors=[f"{kind}: {reason}"], answer=answer)


class LLMJudge(UserErrorJudge):
    """A chat model asked, once per conversation, whether the customer broke its scenario."""

    def __init__(self, backend: ChatBackend) -> None:
        self.backend = backend
        self.name = backend.spec

    async def judge(self, task: Task, conversation: Sequence[Event]) -> Verdict:
        turn = await self.backend.complete(
            JUDGE_GUIDELINES, [Event(role="user", text=judge_request(task, conversation))]
        )
        return read_verdict(turn.text)


def make_judge(spec: str, **options: Any) -> UserErrorJudge:
    """The judge for `spec`: heuristic, openai:MODEL or anthropic:MODEL (options go to the LLM backend)."""
    if spec == "heuristic":
        return HeuristicJudge()
    backend = options.pop("backend", None) or make_backend(spec, role="judge", **options)
    return LLMJudge(backend)
