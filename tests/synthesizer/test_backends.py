"""LLM backends against recorded exchanges in each provider's wire format, through the clients' own transport."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest
from autoforge.servers import BackendError, load_environment
from autoforge.synthesizer import SynthOptions, synthesize
from autoforge.synthesizer.backends.llm import AnthropicBackend, EdgeVerdicts, LLMBackend, OpenAIBackend

from .conftest import write

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings" / "synthesizer"
BACKENDS = {"openai": OpenAIBackend, "anthropic": AnthropicBackend}
LAMPS = """# Lamps

The house has a lamp in most rooms. You can list the lamps (optionally those of one room), see for each its
room, its name and whether it is on, switch a lamp off, and give a lamp a new name.
"""


class Replay:
    """An httpx2 handler answering each request with the first recorded exchange whose markers it contains."""

    def __init__(self, recording: Path) -> None:
        self.exchanges = json.loads(recording.read_text())["exchanges"]
        self.requests: list[dict] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = request.content.decode()
        self.requests.append(json.loads(body))
        for exchange in self.exchanges:
            expected = exchange["request"]
            if (
                request.method == expected["method"]
                and request.url.path == expected["path"]
                and all(m in body for m in expected["contains"])
            ):
                return httpx2.Response(200, json=exchange["response"])
        return httpx2.Response(404, json={"error": {"type": "not_found", "message": "no recorded exchange matches"}})


def backend(provider: str, replay: Replay, cache: Path | None = None) -> LLMBackend:
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(replay))
    return BACKENDS[provider](model=None, api_key="test", http_client=client, cache_dir=cache)


@pytest.mark.parametrize("provider", sorted(BACKENDS))
async def test_prose_documentation_becomes_a_verified_environment(provider: str, tmp_path: Path) -> None:
    """Free prose, read by the model, gives tools; the model's schema adds the lamp's state; tasks verify."""
    replay = Replay(RECORDINGS / f"{provider}-lamps.json")
    source = write(tmp_path, "lamps.md", LAMPS)
    options = SynthOptions(backend=provider, tasks=6, min_calls=2)  # type: ignore[arg-type]
    result = await synthesize(
        source,
        tmp_path / "lamps",
        options,
        work_dir=tmp_path / "work",
        backend=backend(provider, replay, tmp_path / "cache"),
    )
    environment = load_environment(result.path)
    assert {t.name for t in environment.spec.tools} == {"list_lamps", "rename_lamp", "switch_off_lamp"}
    assert environment.spec.tool("switch_off_lamp").writes
    assert (
        environment.spec.provenance.backend == provider
        and environment.spec.provenance.source_format == "markdown-prose"
    )
    assert len(environment.tasks) == 6
    assert result.usage["parse"].calls == 1 and result.usage["parse"].input_tokens > 0
    assert result.usage["tools"].calls == 3
    assert any("kept a template instruction" in note for note in result.notes)  # the recorded rewording drops values


@pytest.mark.parametrize("provider", sorted(BACKENDS))
async def test_structured_requests_use_the_providers_schema_mode(provider: str) -> None:
    """OpenAI gets response_format json_schema; Anthropic gets output_config.format json_schema."""
    replay = Replay(RECORDINGS / f"{provider}-lamps.json")
    answer = await backend(provider, replay).ask(
        "graph", "You judge whether tools connect.", "Edges: ...", EdgeVerdicts
    )
    assert answer.keep == [0, 1]
    sent = replay.requests[0]
    if provider == "openai":
        assert (
            sent["response_format"]["type"] == "json_schema"
            and sent["response_format"]["json_schema"]["name"] == "EdgeVerdicts"
        )
    else:
        assert sent["output_config"]["format"]["type"] == "json_schema" and sent["system"].startswith("You judge")


async def test_an_invalid_answer_is_asked_again_with_the_problem(tmp_path: Path) -> None:
    """An out-of-range index is fed back; the second answer is used; both calls are counted."""
    recording = json.loads((RECORDINGS / "openai-lamps.json").read_text())
    judge = next(e for e in recording["exchanges"] if "You judge whether" in e["request"]["contains"])
    wrong = json.loads(json.dumps(judge))
    wrong["response"]["choices"][0]["message"]["content"] = json.dumps({"keep": [0, 9]})
    right = json.loads(json.dumps(judge))
    right["request"]["contains"] = ["index 9 is out of range"]
    path = write(tmp_path, "retry.json", json.dumps({"exchanges": [right, wrong]}))
    replay = Replay(path)
    llm = backend("openai", replay)
    answer = await llm.ask(
        "graph",
        "You judge whether tools connect.",
        "Edges",
        EdgeVerdicts,
        lambda a: [f"index {i} is out of range" for i in a.keep if i > 1],
    )
    assert answer.keep == [0, 1]
    assert len(replay.requests) == 2
    assert "index 9 is out of range" in replay.requests[1]["messages"][-1]["content"]
    assert llm.usage["graph"].calls == 2


async def test_answers_come_from_the_cache_the_second_time(tmp_path: Path) -> None:
    """The same request twice costs one HTTP exchange; the second is counted as cached."""
    replay = Replay(RECORDINGS / "anthropic-lamps.json")
    llm = backend("anthropic", replay, tmp_path / "cache")
    for _ in range(2):
        await llm.ask("graph", "You judge whether tools connect.", "Edges", EdgeVerdicts)
    assert len(replay.requests) == 1
    assert (llm.usage["graph"].calls, llm.usage["graph"].cached) == (1, 1)


async def test_answers_that_never_validate_raise_a_backend_error() -> None:
    """After the retries, the error names the provider, the stage and the last problem."""
    replay = Replay(RECORDINGS / "openai-lamps.json")
    with pytest.raises(BackendError, match="openai gpt-5.5: the graph answer kept failing validation .*never"):
        await backend("openai", replay).ask(
            "graph", "You judge whether tools connect.", "Edges", EdgeVerdicts, lambda a: ["never good enough"]
        )


def test_a_missing_key_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """No API key and no --base-url: the message names the variable and the offline alternative."""
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(BackendError, match="no ANTHROPIC_API_KEY set.*offline backend"):
        AnthropicBackend()
