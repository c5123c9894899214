"""Real third-party documents (the development corpus): every file is read, and small ones synthesize."""

from __future__ import annotations

from pathlib import Path

import pytest
from autoforge.servers import load_environment
from autoforge.servers.quality import quality
from autoforge.synthesizer import SynthOptions, synthesize
from autoforge.synthesizer.schema import infer_blueprint
from autoforge.synthesizer.sources import parse_structured, read_source

from .conftest import CORPUS

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the development corpus is not at {CORPUS}")
DOCUMENTS = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".json", ".yaml")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
async def test_every_corpus_document_is_read_and_planned(path: Path) -> None:
    """Each real document parses and gets a blueprint; what cannot be planned is listed with a reason."""
    doc = parse_structured(await read_source(path, 2**25))
    blueprint = infer_blueprint(doc)
    assert len(blueprint.plans) + sum(1 for s in blueprint.skipped if s.name != "header parameters") >= len(
        doc.operations
    )
    assert all(s.reason for s in blueprint.skipped)


@pytest.mark.parametrize("name", ["openapi/museum.yaml", "mcp/gtasks.tools.json"])
async def test_small_real_apis_synthesize_verified_tasks(name: str, tmp_path: Path) -> None:
    """An OpenAPI 3.1 document and an MCP tool list never seen in development give tasks that verify."""
    result = await synthesize(CORPUS / name, tmp_path / "env", SynthOptions(tasks=10), work_dir=tmp_path / "work")
    assert len(load_environment(result.path).tasks) == 10


async def test_a_document_whose_tools_multiplex_their_actions_serves_them_as_documented(tmp_path: Path) -> None:
    """apple.tools.json routes most actions through an `operation` enum: its tasks verify, and the environment
    serves the document's own tools, the ground truth choosing each action by its `operation`."""
    result = await synthesize(
        CORPUS / "mcp" / "apple.tools.json", tmp_path / "env", SynthOptions(tasks=10), work_dir=tmp_path / "work"
    )
    documented = {"contacts", "notes", "messages", "mail", "reminders", "webSearch", "calendar", "maps"}
    assert {t.name for t in result.spec.tools} <= documented
    calls = [c for t in load_environment(result.path).tasks.values() for c in t.solution.calls]
    assert len(result.tasks) == 10 and calls
    assert all(c.tool in documented and (c.tool in ("contacts", "webSearch") or "operation" in c.arguments)
               for c in calls)  # fmt: skip


async def test_a_large_api_covers_its_writing_tools_with_varied_tasks(tmp_path: Path) -> None:
    """traccar (117 operations, 48 writing tools): 100 tasks call at least 90% of its writing tools, with at least
    80 distinct tool sequences and 10-25% refusals; a tool some tasks reach only alone (a delete of a record the
    user knows by number) gets a short task of its own."""
    result = await synthesize(
        CORPUS / "openapi" / "traccar.yaml", tmp_path / "env", SynthOptions(tasks=100), work_dir=tmp_path / "work"
    )
    card = quality(load_environment(result.path), replay=False)
    assert card.coverage >= 0.9 and card.sequences >= 80 and 0.10 <= card.refusal_share <= 0.25, card.rows()


async def test_a_stores_one_checkout_is_paid_credited_and_moved_to_another_currency(tmp_path: Path) -> None:
    """spree-storefront's checkout and cart are one row each: 100 tasks cover 90% of its writing tools, among them
    create_payment, which must point at a payment method the agent lists first; add_store_credit, whose amount
    the document types as a string; and change_currency."""
    result = await synthesize(
        CORPUS / "openapi" / "spree-storefront.yaml", tmp_path / "env", SynthOptions(tasks=100),
        work_dir=tmp_path / "work",
    )  # fmt: skip
    env = load_environment(result.path)
    assert quality(env, replay=False).coverage >= 0.9
    calls = [(t, c) for t in env.tasks.values() for c in t.solution.calls]
    payments = [(t, c) for t, c in calls if c.tool == "create_payment"]
    assert payments and all(
        any(p.tool == "payment_methods" for p in t.solution.calls[: t.solution.calls.index(c)]) for t, c in payments
    )
    assert any(c.tool == "add_store_credit" and isinstance(c.arguments["amount"], str) for _, c in calls)
    assert any(c.tool == "change_currency" for _, c in calls)
