"""What the pipeline asks of a backend at each LLM-driven step, and the offline answers.

The offline backend is deterministic and needs no model: the structured documentation already says
what the tools are, the schema and tool code come from the blueprint, every candidate edge is kept,
and the template wording stands. An LLM backend overrides each step and falls back to these answers
when its own fail validation after retries (the fallback is recorded).
"""

from __future__ import annotations

from typing import Any

from autoforge.servers import SynthesisError

from ..models import Blueprint, Edge, Operation, SourceDoc, ToolPlan, Usage

__all__ = ["Backend", "OfflineBackend"]


class Backend:
    """A synthesis backend: one method per LLM-driven step."""

    name = "offline"
    model: str | None = None

    def __init__(self) -> None:
        self.usage: dict[str, Usage] = {}
        self.notes: list[str] = []

    @property
    def offline(self) -> bool:
        return self.name == "offline"

    async def parse_prose(self, text: str, name: str) -> list[Operation]:
        """Tools described in free prose."""
        raise SynthesisError(
            f"{name}: this markdown is in no shape the offline backend reads: the convention (one `## tool_name` "
            "heading per tool, parameters as '- `name` (type, required): text'), a method reference (methods named "
            "in code, with parameter tables or sample requests), a command-line reference (usage lines, an option "
            "or subcommand listing) or a REST reference (a request line such as `GET /items/:id` under each "
            "endpoint's heading); see docs/synthesizer.md. Rewrite it that way, or use an LLM backend: "
            "--backend anthropic|openai --model M"
        )

    async def refine_blueprint(self, source: SourceDoc, draft: Blueprint) -> Blueprint:
        """The state schema and tool plans; offline, the inferred draft as it is."""
        return draft

    async def implement_tool(
        self, plan: ToolPlan, blueprint: Blueprint, schema: dict[str, Any], reference: str, feedback: str | None
    ) -> str | None:
        """Source of one tool function, or None to keep the offline implementation."""
        return None

    async def judge_edges(self, edges: list[Edge], blueprint: Blueprint, source: SourceDoc) -> list[Edge]:
        """The tool-graph edges that make sense; offline, every edge the schema allows."""
        return edges

    async def word(self, instruction: str, known: dict[str, Any], secrets: list[str]) -> str:
        """A user instruction reworded; offline, the template wording."""
        return instruction


class OfflineBackend(Backend):
    """The default backend: deterministic, no model."""
