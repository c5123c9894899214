"""A reward function for veRL's reward manager: replay a rollout's tool calls on a fresh episode and verify.

    reward.custom_reward_function.path=<this file>  reward.custom_reward_function.name=compute_score

The `autoforge_agent` loop verifies in the loop and sets the reward itself, so veRL skips the reward
manager. This function scores rows whose reward was left unset: it reads the episode the loop
recorded (`extra_info.episode`: the tool calls in order and the agent's messages to the user),
replays the calls through MCP on a fresh copy of the task's environment (tools are deterministic:
frozen clock, per-episode id counters, so the final state is the rollout's) and verifies. Replays
run in the process's rollout worker pool (`autoforge.clients.workers.shared_pool`, the workers of
`autoforge eval --workers`), one per core, so scoring a batch uses every core. It also reports the
loop's label and mask, for logging and DAPO filtering.

To replay on a running server instead, name it in `reward.custom_reward_function.reward_kwargs`:
`url` (streamable HTTP; `{env}` stands for the environment name) and, for a server run with
`autoforge serve --token-env`, `token_env` (the environment variable holding the bearer token).
"""

from __future__ import annotations

import json
from typing import Any

from autoforge.clients import read_token, replay_calls
from autoforge.clients.workers import shared_pool

from .environments import environment, environment_pool

__all__ = ["compute_score", "replay_reward"]


async def replay_reward(
    reference: str,
    task_id: str,
    calls: list[dict[str, Any]],
    agent_messages: list[str],
    sha256: str | None = None,
    *,
    url: str | None = None,
    token_env: str | None = None,
) -> float:
    """The verifier's reward for making `calls` in order and telling the user `agent_messages`.

    In the rollout worker pool, or on the streamable-HTTP server at `url` with the token `$token_env` holds.
    """
    if url is None:
        return await shared_pool().replay(reference, task_id, calls, agent_messages, sha256)
    env = environment(reference, sha256)
    token = read_token(token_env) if token_env else None
    async with environment_pool(env, "http", url, token=token).lease() as connection:
        return await replay_calls(connection, env, task_id, calls, agent_messages)


async def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str,
    extra_info: dict[str, Any] | None = None,
    *,
    url: str | None = None,
    token_env: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """veRL's `compute_score` contract: `{"score": reward, ...}` for one rollout of task `ground_truth`.

    `url` and `token_env` (from `reward_kwargs`) replay on an HTTP server instead of in local workers.
    """
    info = extra_info or {}
    if "episode" not in info or "env_ref" not in info:
        raise ValueError(
            f"{data_source}/{ground_truth}: no recorded episode in extra_info; this reward function scores "
            "rollouts of the autoforge_agent loop on data from `autoforge rl export`"
        )
    episode = json.loads(info["episode"])
    score = await replay_reward(
        info["env_ref"],
        ground_truth,
        episode["calls"],
        episode["agent_messages"],
        info.get("env_sha256"),
        url=url,
        token_env=token_env,
    )
    return {"score": score, "masked": bool(info.get("masked", False)), "label": str(info.get("label", ""))}
