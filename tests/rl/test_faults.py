"""The labelled set for user-error judges: conversations over MCP whose injected errors are known by construction."""

from __future__ import annotations

from collections import Counter

import pytest
from autoforge.clients import Event
from autoforge.rl import HeuristicJudge, environment
from autoforge.rl.faults import FAULTS, askable_facts, labelled_conversations, passes_screen, question

pytest.importorskip("openai", reason="the llm extra is not installed (pip install -e '.[dev]')")


def said(conversation: object, role: str) -> list[str]:
    return [e.text for e in conversation.events if e.role == role and not e.tool_calls]  # type: ignore[attr-defined]


async def test_each_injected_error_shows_in_the_conversation() -> None:
    """Four library-loans tasks with the scripted user: a clean and a faulty conversation each, one of every kind;
    the injected turn is there, and the clean ones are all answered from the scenario."""
    conversations = await labelled_conversations(["library-loans"], 4)
    assert Counter(c.fault for c in conversations) == Counter({None: 4, **{f: 1 for f in FAULTS}})
    for conversation in conversations:
        task, heard = conversation.task, said(conversation, "user")
        facts = {str(v) for v in task.user.known_facts.values()}
        if conversation.fault is None:
            assert said(conversation, "assistant")[: len(askable_facts(task))] == [
                question(k) for k in askable_facts(task)
            ]
            assert all(any(f in h for f in facts) for h in heard[1 : len(askable_facts(task)) + 1])
            assert heard[-1].endswith("###STOP###")
        elif conversation.fault == "early_stop":
            assert len(heard) == 2 and heard[1].endswith("###STOP###")
        elif conversation.fault == "withheld":
            assert any(h.startswith("Sorry, I don't know my") for h in heard)
        elif conversation.fault == "contradiction":
            stated = [h.split(" is ", 1)[1].rstrip(".") for h in heard[1:] if h.startswith("My ")]
            assert any(value not in facts for value in stated)
        else:
            assert any("By the way" in h for h in heard)


async def test_the_screen_keeps_clean_conversations_only() -> None:
    """The screen for LLM users passes a clean scripted conversation and rejects a withheld fact, an invented id
    and a stop before the agent reported."""
    (clean,) = [c for c in await labelled_conversations(["library-loans"], 1) if c.fault is None]
    task = clean.task
    assert passes_screen(task, clean.events)
    ask = question(askable_facts(task)[0])
    opening = Event(role="user", text=task.instruction)
    withheld = [opening, Event(role="assistant", text=ask), Event(role="user", text="No idea, sorry.")]
    invented = [
        opening,
        Event(role="assistant", text=ask),
        Event(role="user", text=f"{task.user.known_facts[askable_facts(task)[0]]}, member M-2020"),
    ]
    stopped = [opening, Event(role="assistant", text=ask), Event(role="user", text="Bye ###STOP###")]
    assert not any(passes_screen(task, events) for events in (withheld, invented, stopped))


async def test_the_heuristic_passes_every_clean_scripted_conversation() -> None:
    """The scripted user keeps to its scenario, so the heuristic judge finds nothing in its clean conversations."""
    conversations = [c for c in await labelled_conversations(["clinic-appointments"], 3) if c.fault is None]
    judge = HeuristicJudge()
    verdicts = [await judge.judge(c.task, c.events) for c in conversations]
    assert verdicts and all(not v.errors for v in verdicts)
    assert environment("clinic-appointments").name == conversations[0].environment
