"""Episode helpers shared by the agent-loop tests: a scripted token server, the task's row, a loop from the config."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autoforge.rl import AutoForgeAgentLoop, dataset_rows, environment
from autoforge.servers import oracle_transcript
from verl.experimental.agent_loop.agent_loop import DictConfigWrap
from verl.utils.dataset.rl_dataset import RLHFDataset
from verl.workers.rollout.replica import TokenOutput

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
    """A Hermes tool call as the model writes it."""
    return "<tool_call>" + json.dumps({"name": name, "arguments": arguments}) + "</tool_call>"


def replies(days: int) -> list[str]:
    """A correct episode of the task (renewing for 14 days passes; other days fail verification)."""
    task = environment("library-loans").tasks[TASK]
    return [
        ASK_EMAIL,
        call("find_member", email="david.johnson@inbox.test"),
        call("list_member_loans", member_id="M-1004", status="active"),
        call("renew_loan", loan_id="L-131", days=days),
        oracle_transcript(task)[0],
    ]


def row() -> dict[str, Any]:
    """The task's exported row, with the raw prompt veRL's dataset adds."""
    (found,) = [
        r for r in dataset_rows(environment("library-loans"), "autoforge_agent") if r["extra_info"]["task_id"] == TASK
    ]
    return {**found, "raw_prompt": found["prompt"]}


def make_loop(tokenizer: Any, server: Any, overrides: Sequence[str] = ()) -> AutoForgeAgentLoop:
    """The agent loop as veRL's worker builds it, from the committed config with `overrides`."""
    from hydra import compose, initialize_config_dir

    lengths = ["data.max_prompt_length=8192", "data.max_response_length=16384"]
    with initialize_config_dir(config_dir=str(CONFIG), version_base=None):
        config = compose("erpo", overrides=[*lengths, *overrides])
    return AutoForgeAgentLoop(
        trainer_config=DictConfigWrap(config),
        server_manager=server,
        tokenizer=tokenizer,
        processor=None,
        dataset_cls=RLHFDataset,
        data_config=DictConfigWrap(config.data),
    )


class ModelServer:
    """veRL's LLM server client over a local Hugging Face model: token ids in, sampled token ids out (seeded)."""

    def __init__(self, model: Any, tokenizer: Any, max_new_tokens: int = 40, seed: int = 0) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.max_new_tokens = max_new_tokens
        self.seed = seed
        self.calls = 0

    async def generate(self, request_id: str, *, prompt_ids: list[int], sampling_params: dict[str, Any], **_: Any):
        import torch

        torch.manual_seed(self.seed + self.calls)
        self.calls += 1
        prompt = torch.tensor([prompt_ids])
        with torch.no_grad():
            output = self.model.generate(
                input_ids=prompt,
                attention_mask=torch.ones_like(prompt),
                max_new_tokens=self.max_new_tokens,
                do_sample=True,
                temperature=float(sampling_params.get("temperature", 1.0)),
                top_p=float(sampling_params.get("top_p", 1.0)),
                pad_token_id=self.tokenizer.eos_token_id,
                eos_token_id=self.tokenizer.eos_token_id,
            )
        ids = output[0, prompt.shape[1] :].tolist()
        return TokenOutput(token_ids=ids, stop_reason="completed")
