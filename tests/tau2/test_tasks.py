"""Reading tau2 tasks: which can become AutoForge tasks, and how the user scenario is carried over."""

from __future__ import annotations

import copy

import pytest
from autoforge.synthesizer.tau2.tasks import Unconvertible, known_facts, read_task, render_scenario

TOOLS = {"get_order_details", "cancel_pending_order"}
TASK = {
    "id": "7",
    "user_scenario": {
        "persona": "Brisk.",
        "instructions": {
            "domain": "retail",
            "reason_for_call": "Cancel #W1.",
            "known_info": "Your email is a@b.c.",
            "unknown_info": None,
            "task_instructions": "Be firm.",
        },
    },
    "evaluation_criteria": {
        "actions": [{"action_id": "7_0", "name": "cancel_pending_order", "arguments": {"order_id": "#W1"}}],
        "communicate_info": [],
        "nl_assertions": None,
        "reward_basis": ["DB"],
    },
    "annotations": {"ignored": True},
}


def _with(path: tuple[str, ...], value) -> dict:
    task = copy.deepcopy(TASK)
    target = task
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return task


def test_a_well_formed_task_reads_and_ignores_extra_keys() -> None:
    """tau2's task format is read with unknown top-level keys (annotations, issues) ignored; the default basis applies."""
    task = read_task(TASK, TOOLS)
    assert task.id == "7" and task.evaluation_criteria.actions[0].requestor == "assistant"
    without_basis = copy.deepcopy(TASK)
    del without_basis["evaluation_criteria"]["reward_basis"]
    assert read_task(without_basis, TOOLS).evaluation_criteria.reward_basis == ["DB", "COMMUNICATE"]


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("evaluation_criteria",), None, "no gold actions"),
        (("evaluation_criteria", "actions"), None, "no gold actions"),
        (("evaluation_criteria", "reward_basis"), ["DB", "ACTION"], "reward basis has ACTION"),
        (("evaluation_criteria", "reward_basis"), ["COMMUNICATE"], "no DB component"),
        (
            ("initial_state",),
            {"initialization_actions": [{"env_type": "user", "func_name": "f", "arguments": {}}]},
            "initialization actions",
        ),
        (("initial_state",), {"initialization_data": {"user_data": {"device": {}}}}, "user-side database"),
        (("user_tools",), ["toggle_airplane_mode"], "gives the user tools"),
        (
            ("evaluation_criteria", "actions"),
            [{"action_id": "7_0", "requestor": "user", "name": "get_order_details", "arguments": {}}],
            "user-side call",
        ),
        (
            ("evaluation_criteria", "actions"),
            [{"action_id": "7_0", "name": "refund_all", "arguments": {}}],
            "7_0 names unknown tool 'refund_all'",
        ),
        (("user_scenario",), "not a scenario", "does not match tau2's task format: user_scenario"),
    ],
)
def test_tasks_that_cannot_be_converted_say_why(path, value, reason) -> None:
    """Each task AutoForge cannot grade as tau2 does is refused with the reason."""
    with pytest.raises(Unconvertible, match=reason):
        read_task(_with(path, value), TOOLS)


def test_known_info_becomes_facts_the_user_can_give() -> None:
    """'Your X is Y' sentences become named facts; the whole text stays available."""
    facts = known_facts("You are Mia Li.\nYour user id is mia_li_3668. Your zip code is 78750.")
    assert facts["user id"] == "mia_li_3668" and facts["zip code"] == "78750"
    assert facts["known info"].startswith("You are Mia Li.")
    assert known_facts(None) == {}


def test_the_scenario_is_rendered_section_by_section() -> None:
    """The scenario text holds the persona and every instruction section, indented under its heading."""
    text = render_scenario(read_task(TASK, TOOLS).user_scenario)
    assert text.splitlines() == [
        "Persona:", "\tBrisk.", "Instructions:", "\tDomain: retail", "\tReason for call:", "\t\tCancel #W1.",
        "\tKnown info:", "\t\tYour email is a@b.c.", "\tTask instructions:", "\t\tBe firm.",
    ]  # fmt: skip
    plain = read_task(_with(("user_scenario",), {"instructions": "Just do it."}), TOOLS)
    assert render_scenario(plain.user_scenario) == "Instructions:\n\tJust do it."
