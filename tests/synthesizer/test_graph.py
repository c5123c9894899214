"""The tool graph: an edge wherever a tool's rows carry a key another tool takes."""

from __future__ import annotations

from autoforge.synthesizer.graph import candidate_edges, tool_graph
from autoforge.synthesizer.schema import infer_blueprint
from autoforge.synthesizer.sources import parse_structured, read_source

from .conftest import BUNDLED_DOCS


async def test_edges_follow_keys_and_references() -> None:
    """Customers feed their orders' list; orders feed cancel; an order's rows also feed the customer it names."""
    doc = parse_structured(await read_source(BUNDLED_DOCS / "retail-orders.yaml", 2**25))
    bp = infer_blueprint(doc)
    edges = {(e.source, e.target, e.param, e.via) for e in candidate_edges(bp)}
    assert ("listCustomers", "listCustomerOrders", "customerId", "id") in edges
    assert ("listCustomerOrders", "cancelOrder", "orderId", "id") in edges
    assert ("getOrder", "updateCustomer", "customerId", "customer_id") in edges
    assert not any(source == target for source, target, _, _ in edges)
    graph = tool_graph(bp, candidate_edges(bp))
    assert set(graph.predecessors("addOrderItem")) >= {"listCustomerOrders", "listProducts"}
