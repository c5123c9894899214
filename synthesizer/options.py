"""The knobs of a synthesis run, with their defaults."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from autoforge import __version__

from .defaults import DEFAULT_MAX_BYTES

__all__ = ["GENERATOR", "SynthOptions"]

GENERATOR = f"autoforge-synthesizer {__version__}"


class SynthOptions(BaseModel):
    """Options of one synthesis run; everything here is part of the checkpoint key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["offline", "anthropic", "openai"] = "offline"
    model: str | None = Field(default=None, description="LLM model name (LLM backends).")
    base_url: str | None = Field(default=None, description="OpenAI-compatible server URL (vLLM, SGLang, Ollama).")
    tasks: int = Field(default=100, ge=1, le=10_000, description="Verified tasks wanted.")
    seed: int = Field(default=0, description="Seed of every random choice: same input and seed, same output.")
    min_calls: int | None = Field(
        default=None,
        ge=1,
        le=30,
        description=(
            "Fewest tool calls in a task's ground truth. Unset, it adapts to the API: 4 where the tools chain "
            "that far, down to 1 for small or read-only APIs."
        ),
    )
    max_calls: int = Field(default=14, ge=1, le=60, description="Most tool calls in a task's ground truth.")
    max_intents: int = Field(default=4, ge=1, le=6, description="Most user requests merged into one task.")
    reasoning: float = Field(
        default=0.6, ge=0.0, le=1.0, description="Share of requests that need a compare, compute or branch step."
    )
    rows: int = Field(default=24, ge=4, le=2_000, description="Seed rows per top-level table.")
    test_fraction: float = Field(default=0.2, ge=0.0, le=1.0, description="Share of tasks in the test split.")
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1, description="Largest documentation file accepted.")
    name: str | None = Field(default=None, description="Environment name; defaults to the output folder's name.")

    def key(self, source_sha256: str) -> str:
        """The checkpoint key: the input's hash, every option, and the synthesizer's version."""
        payload = json.dumps([source_sha256, self.model_dump(mode="json"), GENERATOR], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:24]
