"""Training choices: ERPO's options (`algorithm.erpo`) and the agent loop's settings (`autoforge:`)."""

from __future__ import annotations

from typing import Any, Literal

from autoforge.clients.transports import Transport
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ErpoConfig", "LoopSettings"]


class ErpoConfig(BaseModel):
    """The choices the paper leaves open; defaults are veRL GRPO's, so ERPO reduces to it exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    epsilon: float = Field(default=1e-6, ge=0, description="Added to the environment's std (GRPO's value).")
    norm_by_std: bool = Field(default=True, description="Divide by the environment's std (False: Dr. GRPO).")
    unbiased: bool = Field(default=True, description="Bessel-corrected std, as torch.std and GRPO use.")
    singleton: Literal["grpo", "zero"] = Field(
        default="grpo",
        description="A lone valid trajectory in its group or environment: GRPO's mean 0 / std 1, or advantage 0.",
    )


class LoopSettings(BaseModel):
    """The agent loop's settings, from the `autoforge:` section of the trainer config."""

    model_config = ConfigDict(extra="forbid")

    user: str = Field(default="scripted", description="Simulated user: scripted, openai:MODEL or anthropic:MODEL.")
    user_options: dict[str, Any] = Field(default_factory=dict, description="Backend options of an LLM user.")
    judge: str = Field(
        default="heuristic", description="User-error judge: heuristic, openai:MODEL or anthropic:MODEL (an LLM judge)."
    )
    judge_options: dict[str, Any] = Field(default_factory=dict, description="Backend options of an LLM judge.")
    transport: Transport = Field(default="inprocess", description="How workers reach environment servers.")
    url: str | None = Field(default=None, description="HTTP server URL; `{env}` stands for the environment name.")
    token_env: str | None = Field(
        default=None,
        description="Environment variable holding the bearer token for `url` (servers run with `--token-env`).",
    )
    connections: int = Field(default=4, ge=1, description="Connections per environment per worker.")
    call_timeout: float = Field(default=30.0, gt=0, description="Seconds for one MCP request.")
    max_turns: int = Field(default=20, ge=1, description="Agent messages to the user (multi_turn.max_user_turns).")
    max_steps: int = Field(default=60, ge=1, description="Model turns of any kind (multi_turn.max_assistant_turns).")
