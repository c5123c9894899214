"""The user-error detector flags simulated users that broke their scenario, and only those."""

from __future__ import annotations

from autoforge.clients import detect_user_errors

TASK = "renew-one-of-two"


def test_a_user_keeping_to_its_scenario_has_no_errors(library):
    """Stating the goal, giving known facts and stopping after the answer is clean."""
    task = library.tasks[TASK]
    messages = [task.instruction, "My email is david.johnson@inbox.test.", "Thanks! ###STOP###"]
    assert detect_user_errors(task, messages) == []


def test_revealing_an_id_the_user_cannot_know_is_flagged(library):
    """A member id the scenario lists as unknown is an invented fact."""
    task = library.tasks[TASK]
    reasons = detect_user_errors(task, ["My member id is M-1004, renew my book please.", "###STOP###"])
    assert any("M-1004" in r for r in reasons)


def test_repeating_what_the_agent_said_is_allowed(library):
    """An id the agent told the user may be repeated."""
    task = library.tasks[TASK]
    messages = [task.instruction, "Yes, renew L-131 please."]
    assert detect_user_errors(task, messages, ["Is it loan L-131?"]) == []


def test_contradicting_a_known_fact_is_flagged(library):
    """An email other than the scenario's is a contradiction."""
    task = library.tasks[TASK]
    reasons = detect_user_errors(task, [task.instruction, "My email is someone.else@inbox.test."])
    assert any("someone.else@inbox.test" in r for r in reasons)


def test_stopping_early_is_flagged(library):
    """A stop in the first message, or before the goal was stated, is the user's fault."""
    task = library.tasks[TASK]
    assert detect_user_errors(task, ["###STOP###"]) == [
        "the user ended the conversation in its first message, before the agent could act"
    ]
    reasons = detect_user_errors(task, ["Hello there.", "Bye. ###STOP###"])
    assert reasons == ["the user ended the conversation before stating its goal"]


def test_malformed_turns_are_flagged(library):
    """Empty turns and turns spoken in the agent's voice are malformed."""
    task = library.tasks[TASK]
    reasons = detect_user_errors(task, [task.instruction, "   ", "Hello! How can I help you today?"])
    assert reasons[0] == "turn 2 is empty" and reasons[1].startswith("turn 3 speaks as the agent")
