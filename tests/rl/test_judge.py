"""User-error judges: the offline heuristic and the LLM judge (recorded OpenAI and Anthropic exchanges)."""

from __future__ import annotations

import pytest
from autoforge.clients import Event
from autoforge.rl import HeuristicJudge, LLMJudge, environment, make_judge
from autoforge.rl.judge import JUDGE_GUIDELINES, read_verdict
from autoforge.servers.errors import BackendError

from .conftest import ChatReplay

pytest.importorskip("openai", reason="the llm extra is not installed (pip install -e '.[dev]')")

TASK = environment("library-loans").tasks["renew-one-of-two"]
CLEAN = [
    Event(role="user", text=TASK.instruction),
    Event(role="assistant", text="Could you tell me the email address on your account?"),
    Event(role="user", text="My email is david.johnson@inbox.test."),
    Event(role="assistant", text="I have taken care of everything you asked."),
    Event(role="user", text="Thank you, that is everything I needed. ###STOP###"),
]
INVENTED = [Event(role="user", text="Hi, I'm member M-1004 and I'd like to renew my loan."), *CLEAN[1:]]


async def test_the_heuristic_flags_an_identifier_the_scenario_lacks() -> None:
    """The offline judge flags the member id the user could not know and passes the clean conversation."""
    judge = make_judge("heuristic")
    assert isinstance(judge, HeuristicJudge)
    assert (await judge.judge(TASK, CLEAN)).errors == []
    assert any("M-1004" in e for e in (await judge.judge(TASK, INVENTED)).errors)


async def test_the_llm_judge_reads_scenario_and_conversation_and_names_the_error() -> None:
    """The judge sends its guidelines, the user's scenario (goal, facts, unknowns) and the conversation without
    tool events; a VERDICT ERROR line becomes the error with its kind; an answer without a VERDICT line is
    recorded as not understood and flags nothing (the rollout is kept)."""
    replay = ChatReplay("openai_judge_invented.json")
    judge = make_judge("openai:gpt-4.1-mini", client=replay.client())
    assert isinstance(judge, LLMJudge) and judge.name == "openai:gpt-4.1-mini"
    with_tools = [*INVENTED[:2], Event(role="tool", text="secret tool output", name="find_member"), *INVENTED[2:]]
    verdict = await judge.judge(TASK, with_tools)
    assert verdict.errors == [
        "invented: the customer gave the member id M-1004, which its scenario does not contain and the agent never said."
    ]
    request = replay.requests[0]
    assert request["messages"][0] == {"role": "system", "content": JUDGE_GUIDELINES}
    shown = request["messages"][1]["content"]
    assert f"Goal: {TASK.instruction}" in shown and "david.johnson@inbox.test" in shown
    assert "CUSTOMER: Hi, I'm member M-1004" in shown and "AGENT: Could you tell me" in shown
    assert "secret tool output" not in shown

    unclear = await judge.judge(TASK, CLEAN)
    assert (unclear.errors, unclear.understood) == ([], False)
    assert unclear.answer.startswith("The customer seems fine")


async def test_the_llm_judge_speaks_anthropic_too() -> None:
    """An anthropic:MODEL judge answering VERDICT: OK finds no error."""
    replay = ChatReplay("anthropic_judge_ok.json")
    judge = make_judge("anthropic:claude-sonnet-4-6", client=replay.client())
    verdict = await judge.judge(TASK, CLEAN)
    assert (verdict.errors, verdict.understood) == ([], True)
    request = replay.requests[0]
    assert request["system"] == JUDGE_GUIDELINES
    assert "CUSTOMER: My email is david.johnson@inbox.test." in request["messages"][0]["content"][0]["text"]


@pytest.mark.parametrize(
    ("answer", "errors"),
    [
        ("VERDICT: OK", []),
        ("verdict: error early_stop: it left before the renewal", ["early_stop: it left before the renewal"]),
        ("Thinking...\nVERDICT: ERROR withheld - refused to give the email", ["withheld: refused to give the email"]),
        ("VERDICT: ERROR", ["error: no reason given"]),
    ],
)
def test_verdict_lines_are_read_leniently(answer: str, errors: list[str]) -> None:
    """Case, separators and text around the VERDICT line do not matter; an unknown kind is a plain error."""
    assert read_verdict(answer).errors == errors


def test_an_unknown_judge_spec_names_the_choices() -> None:
    """A judge that is neither heuristic nor provider:model is refused with the way to write one."""
    with pytest.raises(BackendError, match="openai:MODEL or anthropic:MODEL"):
        make_judge("gpt-4")


async def test_the_heuristic_excuses_only_what_the_agent_said_before() -> None:
    """An id the agent told the user may be repeated by the user; an id the user states first is invented even
    when the agent echoes it afterwards."""
    judge = HeuristicJudge()
    echoed = [INVENTED[0], Event(role="assistant", text="Hello M-1004, let me look at your loans."), *CLEAN[2:]]
    assert any("turn 1 mentions 'M-1004'" in e for e in (await judge.judge(TASK, echoed)).errors)
    told = [
        CLEAN[0],
        Event(role="assistant", text="I found your member record M-1004. Which loan?"),
        Event(role="user", text="The loan on my card M-1004, please."),
    ]
    assert (await judge.judge(TASK, told)).errors == []
