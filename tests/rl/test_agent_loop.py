"""The `autoforge_agent` loop: a full MCP episode of a bundled task, token ids in and out, user turns masked."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

from autoforge.clients import InfraError
from autoforge.rl import LoopSettings, compute_score, replay_reward

from ..serving import new_token, served
from .conftest import ChatReplay
from .episodes import ASK_EMAIL, TASK, ScriptedServer, make_loop, replies, row


@pytest.mark.parametrize(("days", "reward"), [(14, 1.0), (7, 0.0)])
async def test_a_full_episode_is_verified_and_only_model_tokens_are_trained(
    tokenizer: Any, pools: None, days: int, reward: float
) -> None:
    """The loop runs a task over MCP with the scripted user; the reward is the verifier's, and exactly the
    model's tokens have mask 1 while the user's answer and the tool results are context with mask 0."""
    server = ScriptedServer(tokenizer, replies(days))
    output = await make_loop(tokenizer, server).run({"temperature": 1.0}, **row())

    assert output.reward_score == reward
    episode = json.loads(output.extra_fields["episode"])
    assert [c["name"] for c in episode["calls"]] == ["find_member", "list_member_loans", "renew_loan"]
    verified = await replay_reward("library-loans", TASK, episode["calls"], episode["agent_messages"])
    assert verified == reward
    assert output.extra_fields["label"] == ("" if reward else "agent") and output.extra_fields["masked"] is False

    trained = [t for t, m in zip(output.response_ids, output.response_mask, strict=True) if m == 1]
    context = [t for t, m in zip(output.response_ids, output.response_mask, strict=True) if m == 0]
    assert trained == server.generated
    heard = tokenizer.decode(context)
    assert "My email is david.johnson@inbox.test." in heard  # the simulated user's turn, masked
    assert "M-1004" in heard and "L-131" in heard  # tool results, masked
    assert output.response_logprobs is not None and len(output.response_logprobs) == len(output.response_ids)
    assert len(output.response_mask) == len(output.response_ids)
    assert "renew my loan" in tokenizer.decode(output.prompt_ids)  # the user's opening is the prompt
    assert output.prompt_ids + output.response_ids[:5] == server.prompts[1][: len(output.prompt_ids) + 5]

    scored = await compute_score(
        output.extra_fields["env_id"], "", TASK, {**row()["extra_info"], **output.extra_fields}
    )
    assert scored == {"score": reward, "masked": False, "label": output.extra_fields["label"]}


async def test_a_user_error_rollout_is_masked_whole(tokenizer: Any, pools: None) -> None:
    """An LLM user that states a member id its scenario lacks: the rollout is labelled user and every response
    token gets mask 0."""
    replay = ChatReplay("openai_user_reveals_member_id.json")
    server = ScriptedServer(tokenizer, [ASK_EMAIL])
    loop = make_loop(tokenizer, server)
    loop.settings = LoopSettings(user="openai:gpt-4.1-mini", user_options={"client": replay.client()})
    output = await loop.run({"temperature": 1.0}, **row())

    assert len(replay.requests) == 2 and not replay.responses
    assert output.extra_fields["label"] == "user" and output.extra_fields["masked"] is True
    assert any("M-1004" in e for e in json.loads(output.extra_fields["episode"])["user_errors"])
    assert output.response_ids == server.generated
    assert set(output.response_mask) == {0}


async def test_an_unreachable_server_gives_a_masked_infra_rollout(tokenizer: Any, pools: None) -> None:
    """When the environment server cannot be reached the rollout is labelled infra and fully masked, not lost."""
    server = ScriptedServer(tokenizer, [])
    loop = make_loop(tokenizer, server)
    loop.settings = LoopSettings(transport="http", url="http://127.0.0.1:9/{env}/mcp", call_timeout=5)
    output = await loop.run({"temperature": 1.0}, **row())

    assert output.extra_fields["label"] == "infra" and output.extra_fields["masked"] is True
    assert "127.0.0.1:9/library-loans/mcp" in json.loads(output.extra_fields["episode"])["failure"]
    assert set(output.response_mask) == {0} and output.reward_score == 0.0
    assert "renew my loan" in tokenizer.decode(output.prompt_ids)


async def test_the_configured_judge_decides_the_mask(tokenizer: Any, pools: None) -> None:
    """With an LLM judge, its verdict decides: a rollout that passed with the scripted user is labelled user and
    masked whole when the judge finds an error, and the episode records the judge and its answer."""
    from autoforge.rl import make_judge

    replay = ChatReplay("openai_judge_invented.json")
    server = ScriptedServer(tokenizer, replies(14))
    loop = make_loop(tokenizer, server)
    loop.judge = make_judge("openai:gpt-4.1-mini", client=replay.client())
    output = await loop.run({"temperature": 1.0}, **row())

    assert output.reward_score == 1.0
    assert output.extra_fields["label"] == "user" and output.extra_fields["masked"] is True
    assert set(output.response_mask) == {0}
    episode = json.loads(output.extra_fields["episode"])
    assert episode["judge"] == "openai:gpt-4.1-mini" and episode["judge_answer"].startswith("VERDICT: ERROR invented")
    shown = replay.requests[0]["messages"][1]["content"]
    assert f"AGENT: {ASK_EMAIL}" in shown and "CUSTOMER: My email is david.johnson@inbox.test." in shown
    assert (output.extra_fields["tool_calls"], output.extra_fields["tool_errors"], output.extra_fields["turns"]) == (
        3,
        0,
        2,
    )


async def test_an_episode_on_a_token_guarded_server_uses_the_configured_token(
    tokenizer: Any, pools: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `autoforge.transport=http`, `url` and `token_env` the loop runs its episode on a server that requires
    tokens, and the reward function replays it there with the same `url` and `token_env` reward kwargs; with a
    token the server does not hold, both are refused."""
    token = new_token()
    monkeypatch.setenv("MY_TOKEN", token)
    with served("library-loans", "--token-env", "TEAM_TOKENS", environ={"TEAM_TOKENS": token}) as server:
        settings = ["autoforge.transport=http", f"autoforge.url={server.url}", "autoforge.token_env=MY_TOKEN"]
        output = await make_loop(tokenizer, ScriptedServer(tokenizer, replies(14)), settings).run({}, **row())
        assert output.extra_fields["label"] == "" and output.reward_score == 1.0
        info = {**row()["extra_info"], **output.extra_fields}
        scored = await compute_score(
            output.extra_fields["env_id"], "", TASK, info, url=server.url, token_env="MY_TOKEN"
        )
        assert scored["score"] == 1.0
        monkeypatch.setenv("MY_TOKEN", new_token())
        refused = await make_loop(tokenizer, ScriptedServer(tokenizer, replies(14)), settings).run({}, **row())
        assert refused.extra_fields["label"] == "infra"
        assert "not one this server accepts" in json.loads(refused.extra_fields["episode"])["failure"]
        with pytest.raises(InfraError, match="not one this server accepts"):
            await compute_score(output.extra_fields["env_id"], "", TASK, info, url=server.url, token_env="MY_TOKEN")
