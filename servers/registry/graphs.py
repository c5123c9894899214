"""The graphs an environment card draws: tables and their foreign keys, and tools and their data flow."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from ..solution import solution_graph
from ..spec import EnvSpec, Task

__all__ = ["table_graph", "tool_graph"]


def table_graph(spec: EnvSpec) -> nx.DiGraph:
    """Tables as nodes; an edge from a referencing table to the referenced one, labelled with the column."""
    graph = nx.DiGraph()
    graph.add_nodes_from(t.name for t in spec.tables)
    for table in spec.tables:
        for column in table.columns:
            if column.references:
                target = column.references.split(".")[0]
                label = graph.edges[table.name, target]["label"] + ", " if graph.has_edge(table.name, target) else ""
                graph.add_edge(table.name, target, label=label + column.name)
    return graph


def tool_graph(spec: EnvSpec, tasks: Iterable[Task]) -> nx.DiGraph:
    """Tools as nodes; an edge A -> B when a task's solution feeds A's result into a call of B.

    A result may pass through reasoning nodes on its way; edge weight counts the tasks that use it.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from((t.name, {"writes": t.writes}) for t in spec.tools)
    for task in tasks:
        dag = solution_graph(task.solution)
        tools = {n.id: n.tool for n in task.solution.calls}
        pairs = set()
        for node, tool in tools.items():
            for ancestor in _nearest_calls(dag, node, tools):
                pairs.add((tools[ancestor], tool))
        for source, target in pairs:
            weight = graph.edges[source, target]["weight"] + 1 if graph.has_edge(source, target) else 1
            graph.add_edge(source, target, weight=weight)
    return graph


def _nearest_calls(dag: nx.DiGraph, node: str, calls: dict[str, str]) -> set[str]:
    """The call nodes whose results reach `node` directly or through reasoning nodes only."""
    found: set[str] = set()
    frontier = list(dag.predecessors(node))
    seen = set(frontier)
    for current in frontier:
        if current in calls:
            found.add(current)
            continue
        fresh = [p for p in dag.predecessors(current) if p not in seen]
        seen.update(fresh)
        frontier.extend(fresh)
    return found
