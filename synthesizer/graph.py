"""The tool graph: an edge A -> B when a value in the rows A returns can be an argument of B."""

from __future__ import annotations

import networkx as nx

from .models import Blueprint, Edge, ToolPlan
from .rules import linked_table

__all__ = ["candidate_edges", "tool_graph"]


def _consumes(plan: ToolPlan, blueprint: Blueprint) -> list[tuple[str, str]]:
    """(argument, table) for every argument of `plan` that takes the key of a row of `table`."""
    table = blueprint.table(plan.table)
    found: list[tuple[str, str]] = []
    for param in plan.params:
        if param.role == "key":  # a link row's key is the key of the row it links
            found.append((param.name, linked_table(table) or plan.table))
        elif param.role in ("parent", "filter", "field") and param.column:
            column = table.column(param.column)
            if column is not None and column.references:
                found.append((param.name, column.references.split(".")[0]))
    return found


def _offers(plan: ToolPlan, blueprint: Blueprint) -> dict[str, str]:
    """table -> column: the keys found in the rows `plan` returns (its own key, and its references)."""
    table = blueprint.table(plan.table)
    offered = {plan.table: table.primary_key}
    for column in table.columns:
        if column.references:
            offered.setdefault(column.references.split(".")[0], column.name)
    return offered


def candidate_edges(blueprint: Blueprint) -> list[Edge]:
    """Every edge the schema allows: A returns rows holding a key that B takes (reads and creates return rows)."""
    edges: list[Edge] = []
    producers = [p for p in blueprint.plans if p.kind in ("list", "get", "create")]
    for consumer in blueprint.plans:
        for argument, table in _consumes(consumer, blueprint):
            for producer in producers:
                via = _offers(producer, blueprint).get(table)
                if via is not None and producer.name != consumer.name:
                    edges.append(Edge(source=producer.name, target=consumer.name, param=argument, table=table, via=via))
    return edges


def tool_graph(blueprint: Blueprint, edges: tuple[Edge, ...] | list[Edge]) -> nx.MultiDiGraph:
    """The tool graph as networkx: one node per tool (with its plan), one edge per argument it can feed."""
    graph = nx.MultiDiGraph()
    for plan in blueprint.plans:
        graph.add_node(plan.name, plan=plan)
    for edge in edges:
        graph.add_edge(edge.source, edge.target, key=(edge.param, edge.via), edge=edge)
    return graph
