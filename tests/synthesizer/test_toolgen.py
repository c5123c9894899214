"""Generated tool code: inside the sandbox, behaving as its plan says, with errors an agent can act on."""

from __future__ import annotations

import pytest
from autoforge.servers import EpisodeStore, ToolError, build_environment, check_source
from autoforge.synthesizer.probes import probe_tools

from .conftest import BUNDLED_DOCS, built


async def retail_parts():
    """(blueprint, spec, tools.py source, seed.sql) of the retail-orders document."""
    bp, _, draft = await built(BUNDLED_DOCS / "retail-orders.yaml")
    return bp, draft.spec, draft.tools_source, draft.seed_sql


async def test_generated_code_passes_the_sandbox_and_the_probes() -> None:
    """Every tool is allowed by the AST allow-list and behaves on the seed: reads read, writes write, bad keys fail."""
    bp, spec, source, seed = await retail_parts()
    assert check_source(source) == []
    problems = probe_tools(build_environment(spec, source, seed), bp)
    assert problems and all(found == [] for found in problems.values())


async def test_rules_are_enforced_with_actionable_messages() -> None:
    """A missing order names the tool that lists orders; cancelling twice is refused and changes nothing."""
    _, spec, source, seed = await retail_parts()
    env = build_environment(spec, source, seed)
    episode = EpisodeStore(spec, env.template, {}).fresh(None)
    with pytest.raises(ToolError, match="No order 'ORD-0'. Use listCustomerOrders"):
        env.tools["getOrder"].run(episode, {"orderId": "ORD-0"})
    order = episode.db.one("SELECT id FROM orders WHERE status = 'pending'")
    assert env.tools["cancelOrder"].run(episode, {"orderId": order["id"]}).value["status"] == "cancelled"
    with pytest.raises(ToolError, match="already cancelled"):
        env.tools["cancelOrder"].run(episode, {"orderId": order["id"]})
    with pytest.raises(ToolError, match="can no longer be changed"):
        env.tools["updateOrder"].run(episode, {"orderId": order["id"], "gift_message": "hi"})


async def test_creates_check_their_parents_and_fill_defaults() -> None:
    """A new order needs an existing customer, starts 'pending' and takes the frozen clock as its time."""
    _, spec, source, seed = await retail_parts()
    env = build_environment(spec, source, seed)
    episode = EpisodeStore(spec, env.template, {}).fresh(None)
    with pytest.raises(ToolError, match="No customer 'CUS-0'"):
        env.tools["createOrder"].run(episode, {"customerId": "CUS-0", "shipping_method": "express"})
    made = env.tools["createOrder"].run(episode, {"customerId": "CUS-1001", "shipping_method": "express"}).value
    assert (made["status"], made["placed_at"], made["id"].startswith("ORD-")) == ("pending", spec.clock, True)


async def test_probes_catch_a_tool_that_does_not_do_what_it_claims() -> None:
    """A create that inserts nothing and a get that accepts any key are reported by the probes."""
    bp, spec, source, seed = await retail_parts()
    broken = source.replace("return records.create(db, 'returns',", "return {} or records.create(db, 'returns',", 1)
    broken = broken.replace(
        "def getProduct(db, productId):",
        "def getProduct(db, productId):\n    return {}\n\n\ndef unused(db, productId):",
        1,
    )
    broken = broken.replace(
        "return {} or records.create(db, 'returns',", "return {}\n    records.create(db, 'returns',", 1
    )
    problems = probe_tools(build_environment(spec, broken, seed), bp)
    assert any("added no row" in p.message for p in problems["requestReturn"])
    assert any("names no row" in p.message or "another row" in p.message for p in problems["getProduct"])
