"""The orchestrator evaluates imported domains like any environment: oracle agents, and LLMs from recorded exchanges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
from autoforge.clients import ResultsFile, evaluate

RECORDINGS = Path(__file__).resolve().parents[1] / "recordings" / "tau2"


class Recording:
    """Answers a provider client's requests from a recording, in order; a request unlike the recorded one gets a 400."""

    def __init__(self, name: str) -> None:
        self.exchanges: list[dict[str, Any]] = json.loads((RECORDINGS / name).read_text())["exchanges"]
        self.requests: list[dict[str, Any]] = []
        self.mismatches: list[str] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        expect = self.exchanges[len(self.requests) - 1]["expect"] if len(self.requests) <= len(self.exchanges) else None
        last = json.dumps(body["messages"][-1], ensure_ascii=False)
        if expect is None or request.url.path != expect["path"] or expect["last_contains"] not in last:
            self.mismatches.append(f"request {len(self.requests)}: {request.url.path} {last[:200]}")
            return httpx2.Response(
                400, json={"error": {"message": "not in the recording", "type": "invalid_request_error"}}
            )
        response = self.exchanges[len(self.requests) - 1]["response"]
        return httpx2.Response(response["status"], headers=response["headers"], json=response["body"])

    def transport(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self))


async def test_oracle_agent_with_scripted_user_passes_every_task(retail, airline, tmp_path) -> None:
    """`autoforge eval --agent oracle --user scripted` on the imported domains gives pass^1 = 1.0."""
    summary = await evaluate([retail.report.path, airline.report.path], agent="oracle", user="scripted", out=tmp_path)
    assert summary.overall.pass_hat[1] == 1.0
    records = list(ResultsFile(tmp_path / "results.jsonl").records())
    assert len(records) == len(retail.report.tasks) + len(airline.report.tasks)
    assert all(r.reward == 1.0 for r in records)


async def test_openai_agent_and_user_cancel_an_order(retail, tmp_path) -> None:
    """An OpenAI agent and user (recorded) cancel a retail order; the agent's instructions are the checkout's policy."""
    agent, user = Recording("openai_agent_cancel.json"), Recording("openai_user_cancel.json")
    spec = "openai:gpt-4.1-mini"
    summary = await evaluate(
        [retail.server.environment], agent=spec, user=spec, out=tmp_path, task_ids=["0"],
        agent_options={"client": openai.AsyncOpenAI(api_key="test", http_client=agent.transport(), max_retries=0)},
        user_options={"client": openai.AsyncOpenAI(api_key="test", http_client=user.transport(), max_retries=0)},
    )  # fmt: skip
    assert agent.mismatches == [] and user.mismatches == []
    (record,) = ResultsFile(tmp_path / "results.jsonl").records()
    assert record.reward == 1.0 and record.tool_calls == 3 and summary.overall.pass_hat[1] == 1.0
    request = agent.requests[0]
    assert retail.report.spec.policy.strip() in request["messages"][0]["content"]
    cancel = next(t for t in request["tools"] if t["function"]["name"] == "cancel_pending_order")
    assert cancel["function"]["description"].startswith("Cancel an order that has not shipped yet.")


async def test_anthropic_agent_and_user_send_a_certificate_and_say_its_amount(airline, tmp_path) -> None:
    """An Anthropic agent and user (recorded) get a certificate sent; the required fact '50' reaches the user."""
    agent, user = Recording("anthropic_agent_certificate.json"), Recording("anthropic_user_certificate.json")
    spec = "anthropic:claude-sonnet-4-6"
    await evaluate(
        [airline.server.environment], agent=spec, user=spec, out=tmp_path, task_ids=["5"],
        agent_options={"client": anthropic.AsyncAnthropic(api_key="test", http_client=agent.transport(), max_retries=0)},
        user_options={"client": anthropic.AsyncAnthropic(api_key="test", http_client=user.transport(), max_retries=0)},
    )  # fmt: skip
    assert agent.mismatches == [] and user.mismatches == []
    (record,) = ResultsFile(tmp_path / "results.jsonl").records()
    assert record.reward == 1.0 and record.termination == "user_stop"
    assert airline.server.environment.tasks["5"].expected.facts == ("50",)
    system = agent.requests[0]["system"]
    assert airline.report.spec.policy.strip() in (system if isinstance(system, str) else system[0]["text"])
