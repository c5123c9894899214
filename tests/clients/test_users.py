"""Simulated users: the scripted user keeps to its scenario; specs pick the right user or say what is wrong."""

from __future__ import annotations

import pytest
from autoforge.clients import STOP, LLMUser, ScriptedUser, make_user
from autoforge.servers import BackendError

TASK = "renew-one-of-two"


async def test_scripted_user_opens_with_the_instruction(library):
    """The first message states the goal in the task's own words."""
    task = library.tasks[TASK]
    turn = await ScriptedUser(task).open()
    assert turn.text == task.instruction and not turn.stop


async def test_scripted_user_answers_questions_from_its_known_facts_only(library):
    """Asked for its email it gives the scenario's email; asked for an id it does not know, it says so."""
    user = ScriptedUser(library.tasks[TASK])
    email = await user.reply("Could you tell me the email address on your account?")
    assert "david.johnson@inbox.test" in email.text and not email.stop
    unknown = await user.reply("What is your member id?")
    assert "don't know" in unknown.text and "M-" not in unknown.text


async def test_scripted_user_confirms_and_stops_when_the_agent_is_done(library):
    """It agrees to a proposed action and ends with ###STOP### once the agent reports the work done."""
    user = ScriptedUser(library.tasks[TASK])
    assert (await user.reply("Shall I go ahead with the renewal?")).text.startswith("Yes, please go ahead.")
    done = await user.reply("I have renewed the loan; it has been done. The new due date is 2026-03-27.")
    assert done.stop and STOP in done.text


async def test_scripted_user_gives_up_after_its_patience(library):
    """Turns that neither ask nor finish anything end the conversation after `patience` of them."""
    user = ScriptedUser(library.tasks[TASK], patience=2)
    first = await user.reply("Let me think.")
    second = await user.reply("Still thinking.")
    assert not first.stop and second.stop


def test_make_user_builds_scripted_and_llm_users(library, monkeypatch):
    """`scripted` is offline; an LLM spec with a key builds an LLM user on that provider."""
    task = library.tasks[TASK]
    assert isinstance(make_user("scripted", task), ScriptedUser)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    user = make_user("anthropic:claude-haiku-4-5", task)
    assert isinstance(user, LLMUser) and user.backend.spec == "anthropic:claude-haiku-4-5"
    assert task.instruction in user.system and "david.johnson@inbox.test" in user.system


def test_make_user_refuses_unknown_specs_and_missing_keys(library, monkeypatch):
    """A bad spec names the choices; an LLM user without a key says which variable to set."""
    task = library.tasks[TASK]
    with pytest.raises(BackendError, match="scripted, openai:MODEL or anthropic:MODEL"):
        make_user("human", task)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(BackendError, match="OPENAI_API_KEY"):
        make_user("openai:gpt-4.1-mini", task)
