"""LLM backends on the official `anthropic` and `openai` clients (any OpenAI-compatible server too).

Every step asks for JSON matching a pydantic model (the provider's structured-output mode), validates
the answer (the model, then the step's own checks), and on a problem asks again with the problem
spelled out, up to `retries` times. Answers are cached on disk under the hash of the request, so a
rerun or a resumed run costs nothing; tokens are counted per stage.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from autoforge.servers import BackendError, EnvSpec, Provenance, SynthesisError, ToolSpec, check_source
from pydantic import BaseModel, ValidationError

from ..models import Blueprint, Edge, Operation, SourceDoc, ToolPlan, Usage
from ..naming import is_identifier
from ..sources.schemas import object_schema
from .base import Backend

__all__ = ["AnthropicBackend", "LLMBackend", "OpenAIBackend"]

Answer = TypeVar("Answer", bound=BaseModel)
MAX_BLUEPRINT_OPERATIONS = 60
"""Larger documents keep the offline blueprint: the whole schema would not fit one careful answer."""


class ProseParam(BaseModel):
    name: str
    type: str = "string"
    required: bool = False
    description: str = ""
    enum: list[str] | None = None


class ProseTool(BaseModel):
    name: str
    description: str
    parameters: list[ProseParam] = []


class ProseTools(BaseModel):
    """The tools a prose document describes."""

    tools: list[ProseTool]


class ToolCode(BaseModel):
    """One tool function's Python source."""

    code: str


class EdgeVerdicts(BaseModel):
    """Indices of the candidate edges that make sense."""

    keep: list[int]


class Instruction(BaseModel):
    """A reworded user instruction."""

    instruction: str


class LLMBackend(Backend):
    """Shared machinery: structured requests, validation with feedback, the on-disk cache, token counts."""

    provider = "llm"
    default_model = ""
    key_variable = ""

    def __init__(self, model: str | None = None, base_url: str | None = None, cache_dir: Path | None = None,
                 http_client: Any = None, api_key: str | None = None, retries: int = 3) -> None:  # fmt: skip
        super().__init__()
        self.name = self.provider
        self.model = model or self.default_model
        self.base_url = base_url
        self.cache_dir = cache_dir
        self.retries = retries
        key = api_key or os.environ.get(self.key_variable)
        if not key and not base_url:
            raise BackendError(
                f"no {self.key_variable} set; export it, pass --base-url for a local server, or drop --backend to use "
                "the offline backend"
            )
        self.client = self._client(key or "not-needed", base_url, http_client)

    def _client(self, key: str, base_url: str | None, http_client: Any) -> Any:
        raise NotImplementedError

    async def _complete(
        self, system: str, messages: list[dict[str, str]], name: str, schema: dict[str, Any]
    ) -> tuple[str, int, int]:
        """(text, input tokens, output tokens) of one request in the provider's structured-output mode."""
        raise NotImplementedError

    # ---- structured requests ----

    async def ask(self, stage: str, system: str, prompt: str, answer: type[Answer],
                  check: Callable[[Answer], list[str]] | None = None) -> Answer:  # fmt: skip
        """The model's answer as `answer`, re-asked with the problems until it validates."""
        messages = [{"role": "user", "content": prompt}]
        problems: list[str] = []
        for _ in range(self.retries):
            text = await self._cached(stage, system, messages, answer)
            try:
                value = answer.model_validate_json(_json_text(text))
                problems = check(value) if check else []
            except ValidationError as exc:
                problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:8]]
            if not problems:
                return value
            feedback = (
                "Your answer has these problems:\n"
                + "\n".join(f"- {p}" for p in problems)
                + "\nAnswer again, as JSON only."
            )
            messages = [*messages, {"role": "assistant", "content": text}, {"role": "user", "content": feedback}]
        raise BackendError(
            f"{self.provider} {self.model}: the {stage} answer kept failing validation ({'; '.join(problems[:3])})"
        )

    async def _cached(self, stage: str, system: str, messages: list[dict[str, str]], answer: type[BaseModel]) -> str:
        schema = answer.model_json_schema()
        request = json.dumps(
            [self.provider, self.model, self.base_url, system, messages, answer.__name__, schema], sort_keys=True
        )
        key = hashlib.sha256(request.encode()).hexdigest()
        usage = self.usage.setdefault(stage, Usage())
        path = self.cache_dir / f"{key}.json" if self.cache_dir else None
        if path is not None and path.is_file():
            self.usage[stage] = usage.model_copy(update={"cached": usage.cached + 1})
            return str(json.loads(path.read_text(encoding="utf-8"))["text"])
        try:
            text, used_in, used_out = await self._complete(system, messages, answer.__name__, schema)
        except BackendError:
            raise
        except Exception as exc:  # noqa: BLE001 - the provider's own errors, reported once, plainly
            raise BackendError(
                f"{self.provider} request failed ({type(exc).__name__}: {exc}); check the model name, key and --base-url"
            ) from None
        self.usage[stage] = usage.model_copy(
            update={
                "calls": usage.calls + 1,
                "input_tokens": usage.input_tokens + used_in,
                "output_tokens": usage.output_tokens + used_out,
            }
        )
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps({"text": text, "input_tokens": used_in, "output_tokens": used_out}), encoding="utf-8"
            )
        return text

    # ---- the steps ----

    async def parse_prose(self, text: str, name: str) -> list[Operation]:
        system = "You read API documentation and list its operations as tools an agent can call. Answer with JSON only."
        prompt = f"Document {name}:\n\n{text[:60_000]}\n\nList every operation as a tool: a snake_case name, a description, and its parameters."
        answer = await self.ask("parse", system, prompt, ProseTools, _prose_problems)
        if not answer.tools:
            raise SynthesisError(f"{name}: the model found no operations in this document")
        operations = []
        for tool in answer.tools:
            properties = {
                p.name: {"type": p.type, "description": p.description, **({"enum": p.enum} if p.enum else {})}
                for p in tool.parameters
            }
            required = [p.name for p in tool.parameters if p.required]
            operations.append(Operation(name=tool.name, source_name=tool.name, description=tool.description,
                                        input_schema=object_schema(properties, required), locations={k: "argument" for k in properties}))  # fmt: skip
        return operations

    async def refine_blueprint(self, source: SourceDoc, draft: Blueprint) -> Blueprint:
        if len(source.operations) > MAX_BLUEPRINT_OPERATIONS:
            self.notes.append(
                f"schema: {len(source.operations)} operations is more than one answer holds; kept the offline schema"
            )
            return draft
        system = (
            "You design the database behind an API so that a faithful, sandboxed twin can be built. You get the "
            "operations and a draft (tables with columns, keys and references; for each tool its kind, table and "
            "argument roles). Correct what is wrong and return the whole blueprint as JSON."
        )
        operations = [
            {
                "name": o.name,
                "description": o.description,
                "method": o.method,
                "path": o.path,
                "input_schema": o.input_schema,
            }
            for o in source.operations
        ]
        prompt = f"Operations:\n{json.dumps(operations)[:40_000]}\n\nDraft blueprint:\n{draft.model_dump_json()}"
        return await self.ask("schema", system, prompt, Blueprint, lambda b: _blueprint_problems(b, source))

    async def implement_tool(
        self, plan: ToolPlan, blueprint: Blueprint, schema: dict[str, Any], reference: str, feedback: str | None
    ) -> str | None:
        system = (
            "You write one Python tool function for a sandboxed environment. Signature: def <name>(db, <arguments>). "
            "db.query(sql, *params) -> list of dicts, db.one(...) -> dict or None, db.value(...), db.execute(...) -> "
            "rowcount, db.insert(table, row), db.new_id(table, prefix), db.now(), db.today(). Raise ToolError(message) "
            "for bad requests. No imports, no while, try, with, classes or dunders. The module's `records` engine "
            "(records.select, count, get, create, update, act, delete) may be used as the reference does."
        )
        tables = [t.model_dump(mode="json") for t in blueprint.tables if t.name == plan.table]
        prompt = (
            f"Tool plan: {plan.model_dump_json()}\nInput schema: {json.dumps(schema)}\nTable: {json.dumps(tables)}\n"
            f"Reference implementation:\n{reference}\n"
            + (f"\nYour last version failed its checks: {feedback}\n" if feedback else "")
            + "Return the complete function as `code`."
        )
        answer = await self.ask("tools", system, prompt, ToolCode, lambda a: _code_problems(a, plan.name))
        return answer.code

    async def judge_edges(self, edges: list[Edge], blueprint: Blueprint, source: SourceDoc) -> list[Edge]:
        if not edges:
            return edges
        lines = "\n".join(
            f"{i}: {e.source} -> {e.target}.{e.param} (a {e.table} key, from the rows' {e.via})"
            for i, e in enumerate(edges[:400])
        )
        system = (
            "You judge whether one API tool's output can sensibly feed another tool's argument. Answer with JSON only."
        )
        prompt = f"Tools:\n{json.dumps({o.name: o.description for o in source.operations})[:20_000]}\n\nCandidate edges:\n{lines}\n\nReturn the indices to keep."
        answer = await self.ask(
            "graph",
            system,
            prompt,
            EdgeVerdicts,
            lambda a: [f"index {i} is out of range" for i in a.keep if not 0 <= i < len(edges)],
        )
        kept = [edges[i] for i in sorted(set(answer.keep))]
        return kept + edges[400:]

    async def word(self, instruction: str, known: dict[str, Any], secrets: list[str]) -> str:
        system = (
            "You rewrite a customer's request so it reads like a real person wrote it. Keep every value exactly as "
            "given (names, emails, amounts, dates), keep every request, add nothing, and never mention ids or tools."
        )
        prompt = f"Request:\n{instruction}\n\nValues that must appear verbatim: {json.dumps(known, default=str)}"
        try:
            answer = await self.ask(
                "wording", system, prompt, Instruction, lambda a: _wording_problems(a.instruction, known, secrets)
            )
        except BackendError as exc:
            self.notes.append(f"wording: kept a template instruction ({exc})")
            return instruction
        return answer.instruction


def _json_text(text: str) -> str:
    """The JSON object in an answer, without any code fence around it."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else stripped
        stripped = stripped.rsplit("```", 1)[0]
    return stripped.strip()


def _prose_problems(answer: ProseTools) -> list[str]:
    problems = []
    for tool in answer.tools:
        if not is_identifier(tool.name):
            problems.append(f"tool name {tool.name!r} is not a snake_case identifier")
        for param in tool.parameters:
            if param.type not in ("string", "integer", "number", "boolean", "array", "object"):
                problems.append(f"{tool.name}.{param.name}: type {param.type!r} is not a JSON type")
    return problems


def _blueprint_problems(blueprint: Blueprint, source: SourceDoc) -> list[str]:
    problems: list[str] = []
    operations = {o.name: o for o in source.operations}
    try:
        placeholder = ToolSpec(name="placeholder", description="x", input_schema={"type": "object"}, writes=False)
        EnvSpec(
            name="check",
            description="x",
            tables=blueprint.tables,
            tools=(placeholder,),
            provenance=Provenance(source="x"),
        )
    except ValidationError as exc:
        problems += [e["msg"] for e in exc.errors()[:5]]
    tables = {t.name: t for t in blueprint.tables}
    for plan in blueprint.plans:
        if plan.name not in operations:
            problems.append(f"plan {plan.name!r} names no operation")
            continue
        table = tables.get(plan.table)
        if table is None:
            problems.append(f"plan {plan.name!r} uses unknown table {plan.table!r}")
            continue
        arguments = operations[plan.name].input_schema.get("properties", {})
        for param in plan.params:
            if param.name not in arguments:
                problems.append(f"{plan.name}: {param.name!r} is not one of its arguments")
            if param.column and table.column(param.column) is None:
                problems.append(f"{plan.name}.{param.name}: table {plan.table} has no column {param.column!r}")
    return problems


def _code_problems(answer: ToolCode, name: str) -> list[str]:
    problems = [str(p) for p in check_source(answer.code)]
    if f"def {name}(db" not in answer.code:
        problems.append(f"the code must define `def {name}(db, ...)`")
    return problems


def _wording_problems(text: str, known: dict[str, Any], secrets: list[str]) -> list[str]:
    lowered = text.lower()
    problems = [
        f"the value {v!r} ({k}) is missing"
        for k, v in known.items()
        if str(v).lower() not in lowered and not isinstance(v, (int, float))
    ]
    problems += [f"{s!r} must not appear" for s in secrets if s and len(s) > 2 and s.lower() in lowered]
    return problems


class OpenAIBackend(LLMBackend):
    """OpenAI, or any OpenAI-compatible server (vLLM, SGLang, Ollama) through --base-url."""

    provider = "openai"
    default_model = "gpt-5.5"
    key_variable = "OPENAI_API_KEY"

    def _client(self, key: str, base_url: str | None, http_client: Any) -> Any:
        try:
            import openai
        except ImportError:
            raise BackendError("the openai client is not installed; pip install 'autoforge-rl[llm]'") from None
        return openai.AsyncOpenAI(api_key=key, base_url=base_url, http_client=http_client)

    async def _complete(
        self, system: str, messages: list[dict[str, str]], name: str, schema: dict[str, Any]
    ) -> tuple[str, int, int]:
        response = await self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, *messages],
            response_format={"type": "json_schema", "json_schema": {"name": name, "schema": schema}},
            temperature=0,
        )
        text = response.choices[0].message.content or ""
        usage = response.usage
        return text, getattr(usage, "prompt_tokens", 0) or 0, getattr(usage, "completion_tokens", 0) or 0


class AnthropicBackend(LLMBackend):
    """Anthropic's Messages API with structured outputs."""

    provider = "anthropic"
    default_model = "claude-sonnet-5-5"
    key_variable = "ANTHROPIC_API_KEY"

    def _client(self, key: str, base_url: str | None, http_client: Any) -> Any:
        try:
            import anthropic
        except ImportError:
            raise BackendError("the anthropic client is not installed; pip install 'autoforge-rl[llm]'") from None
        return anthropic.AsyncAnthropic(api_key=key, base_url=base_url, http_client=http_client)

    async def _complete(
        self, system: str, messages: list[dict[str, str]], name: str, schema: dict[str, Any]
    ) -> tuple[str, int, int]:
        response = await self.client.messages.create(
            model=self.model,
            max_tokens=8192,
            system=system,
            messages=messages,
            output_config={"format": {"type": "json_schema", "schema": schema}},
        )
        text = "".join(block.text for block in response.content if getattr(block, "type", "") == "text")
        return text, response.usage.input_tokens, response.usage.output_tokens
