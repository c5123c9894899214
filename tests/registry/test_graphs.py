"""Graphs for the card: tool data flow through reasoning nodes, and foreign keys between tables."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from autoforge.servers import CallNode, load_environment
from autoforge.servers.registry.graphs import table_graph, tool_graph
from autoforge.servers.registry.svg import draw_graph, layered_positions


def test_tool_edges_follow_results_through_reasoning_nodes(library: Path) -> None:
    """Every call's nearest call ancestors (skipping reasoning nodes) become tool edges, and nothing else does."""
    environment = load_environment(library)
    graph = tool_graph(environment.spec, environment.tasks.values())
    assert set(graph.nodes) == {t.name for t in environment.spec.tools}
    expected = set()
    for task in environment.tasks.values():
        nodes = {n.id: n for n in task.solution.nodes}
        for node in task.solution.calls:
            pending, seen = list(node.depends_on), set()
            while pending:
                parent = nodes[pending.pop()]
                if parent.id in seen:
                    continue
                seen.add(parent.id)
                if isinstance(parent, CallNode):
                    expected.add((parent.tool, node.tool))
                else:
                    pending.extend(parent.depends_on)
    assert set(graph.edges) == expected
    assert any(n.kind == "reasoning" for t in environment.tasks.values() for n in t.solution.nodes)


def test_table_edges_are_the_foreign_keys(library: Path) -> None:
    """An edge per referencing table pair, labelled with the referencing columns."""
    spec = load_environment(library).spec
    graph = table_graph(spec)
    references = {(t.name, c.references.split(".")[0]) for t in spec.tables for c in t.columns if c.references}
    assert set(graph.edges) == references


def test_layers_follow_edges_and_cycles_share_a_layer(library: Path) -> None:
    """In the layout every edge goes to a later layer, except within a cycle; drawing gives one box per node."""
    graph = tool_graph((environment := load_environment(library)).spec, environment.tasks.values())
    graph.add_edges_from([("pay_fine", "find_member"), ("find_member", "find_member")], weight=1)
    positions = layered_positions(graph)
    component = {n: i for i, members in enumerate(nx.strongly_connected_components(graph)) for n in members}
    for source, target in graph.edges:
        if component[source] == component[target]:
            assert positions[source][0] == positions[target][0]
        else:
            assert positions[source][0] < positions[target][0]
    svg = draw_graph(graph, element_id="g", label=str)
    assert svg.count("<rect") == len(graph)
