"""The `autoforge_agent` loop: a full MCP episode of a bundled task, token ids in and out, user turns masked."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

from autoforge.rl import (
    AutoForgeAgentLoop,
    LoopSettings,
    close_pools,
    compute_score,
    dataset_rows,
    environment,
    replay_reward,
)
from autoforge.servers import oracle_transcript
from verl.experimental.agent_loop.agent_loop import DictConfigWrap
from verl.utils.dataset.rl_dataset import RLHFDataset
from verl.workers.rollout.replica import TokenOutput

from ..serving import new_token, served
from .conftest import UserReplay

CONFIG = Path(__file__).resolve().parents[2] / "rl" / "config"
TASK = "renew-one-of-two"
ASK_EMAIL = "Could you tell me the email address on your account?"


class ScriptedServer:
    """veRL's LLM server client, faked: it takes prompt token ids and returns the next scripted reply's token ids."""

    def __init__(self, tokenizer: Any, replies: list[str]) -> None:
        self.tokenizer = tokenizer
        self.replies = list(replies)
        self.prompts: list[list[int]] = []
        self.generated: list[int] = []

    async def generate(self, request_id: str, *, prompt_ids: list[int], sampling_params: dict[str, Any], **_: Any):
        self.prompts.append(list(prompt_ids))
        ids = self.tokenizer.encode(self.replies.pop(0), add_special_tokens=False) + [self.tokenizer.eos_token_id]
        self.generated += ids
        return TokenOutput(token_ids=ids, log_probs=[-0.25] * len(ids), stop_reason="completed")


def call(name: str, **arguments: Any) -> str:
    return "<tool_call>" + json.dumps({"name": name, "arguments": arguments}) + "</tool_call>"


def replies(days: int) -> list[str]:
    task = environment("library-loans").tasks[TASK]
    return [
        ASK_EMAIL,
        call("find_member", email="david.johnson@inbox.test"),
        call("list_member_loans", member_id="M-1004", status="active"),
        call("renew_loan", loan_id="L-131", days=days),
        oracle_transcript(task)[0],
    ]


def row() -> dict[str, Any]:
    (found,) = [
        r for r in dataset_rows(environment("library-loans"), "autoforge_agent") if r["extra_info"]["task_id"] == TASK
    ]
    return {**found, "raw_prompt": found["prompt"]}


@pytest.fixture
async def pools() -> AsyncIterator[None]:
    yield
    await close_pools()


def make_loop(tokenizer: Any, server: ScriptedServer, overrides: Sequence[str] = ()) -> AutoForgeAgentLoop:
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG), version_base=None):
        lengths = ["data.max_prompt_length=8192", "data.max_response_length=16384"]
        config = compose("erpo", overrides=[*lengths, *overrides])
    return AutoForgeAgentLoop(
        trainer_config=DictConfigWrap(config),
        server_manager=server,
        tokenizer=tokenizer,
        processor=None,
        dataset_cls=RLHFDataset,
        data_config=DictConfigWrap(config.data),
    )


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
    replay = UserReplay("openai_user_reveals_member_id.json")
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


async def test_an_episode_on_a_token_guarded_server_uses_the_configured_token(
    tokenizer: Any, pools: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `autoforge.transport=http`, `url` and `token_env` the loop runs its episode on a server that requires
    tokens, and the reward function replays it there with the same `url` and `token_env` reward kwargs."""
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
        with pytest.RaisesGroup(
            pytest.RaisesExc(Exception, match="not one this server accepts"), flatten_subgroups=True
        ):
            await compute_score(output.extra_fields["env_id"], "", TASK, info, url=server.url, token_env="MY_TOKEN")
