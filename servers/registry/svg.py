"""Drawing for the offline HTML card: layered graphs and bar charts as inline SVG (no scripts, no fetches)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from html import escape

import networkx as nx

__all__ = ["bar_chart", "draw_graph", "layered_positions"]

CHAR_WIDTH = 7.2
NODE_HEIGHT = 30
LAYER_GAP = 70
ROW_GAP = 16
MARGIN = 16


def layered_positions(graph: nx.DiGraph) -> dict[Hashable, tuple[int, int]]:
    """(layer, row) for each node: layers follow the edges (cycles share a layer), rows limit crossings."""
    condensed = nx.condensation(graph)
    layer_of_component: dict[int, int] = {}
    for component in nx.topological_sort(condensed):
        parents = [layer_of_component[p] for p in condensed.predecessors(component)]
        layer_of_component[component] = max(parents, default=-1) + 1
    members = condensed.graph["mapping"]
    layers: dict[int, list[Hashable]] = {}
    for node in graph.nodes:
        layers.setdefault(layer_of_component[members[node]], []).append(node)
    rows: dict[Hashable, int] = {}
    for layer in sorted(layers):

        def barycentre(node: Hashable) -> tuple[float, str]:
            placed = [rows[p] for p in graph.predecessors(node) if p in rows]
            return (sum(placed) / len(placed) if placed else float("inf"), str(node))

        for row, node in enumerate(sorted(layers[layer], key=barycentre)):
            rows[node] = row
    return {node: (layer_of_component[members[node]], rows[node]) for node in graph.nodes}


def draw_graph(
    graph: nx.DiGraph,
    *,
    element_id: str,
    label: Callable[[Hashable], str],
    css_class: Callable[[Hashable], str] = lambda _: "node",
    edge_label: Callable[[Hashable, Hashable], str] = lambda *_: "",
    title: str = "",
) -> str:
    """The graph as an SVG: boxes in layers from left to right, arrows along the edges."""
    if not len(graph):
        return f'<p class="empty" id="{escape(element_id)}">(nothing to draw)</p>'
    positions = layered_positions(graph)
    labels = {n: label(n) for n in graph.nodes}
    widths = {n: max(60.0, len(labels[n]) * CHAR_WIDTH + 20) for n in graph.nodes}
    layer_width: dict[int, float] = {}
    for node, (layer, _) in positions.items():
        layer_width[layer] = max(layer_width.get(layer, 0.0), widths[node])
    layer_x = {}
    x = float(MARGIN)
    for layer in sorted(layer_width):
        layer_x[layer] = x
        x += layer_width[layer] + LAYER_GAP
    boxes = {
        node: (layer_x[layer], MARGIN + row * (NODE_HEIGHT + ROW_GAP), widths[node])
        for node, (layer, row) in positions.items()
    }
    width = x - LAYER_GAP + MARGIN
    height = max(y for _, y, _ in boxes.values()) + NODE_HEIGHT + MARGIN
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(element_id)}" class="graph" role="img" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">'
        ),
        f"<title>{escape(title)}</title>" if title else "",
        '<defs><marker id="arrow-' + escape(element_id) + '" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    ]
    for source, target in graph.edges:
        parts.append(_edge(boxes[source], boxes[target], element_id, edge_label(source, target), source == target))
    for node, (x0, y0, w) in boxes.items():
        parts.append(
            f'<g class="{escape(css_class(node))}"><rect x="{x0:.0f}" y="{y0:.0f}" width="{w:.0f}" height="{NODE_HEIGHT}" rx="6"/>'
            f'<text x="{x0 + w / 2:.0f}" y="{y0 + NODE_HEIGHT / 2 + 4:.0f}" text-anchor="middle">{escape(labels[node])}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _edge(
    source: tuple[float, float, float], target: tuple[float, float, float], element_id: str, text: str, loop: bool
) -> str:
    sx, sy, sw = source
    tx, ty, tw = target
    if loop:
        path = f"M{sx + sw - 12:.0f},{sy:.0f} C{sx + sw + 20:.0f},{sy - 24:.0f} {sx + sw + 24:.0f},{sy + 16:.0f} {sx + sw:.0f},{sy + 20:.0f}"
        midx, midy = sx + sw + 14, sy - 6
    elif tx > sx:
        x1, y1, x2, y2 = sx + sw, sy + NODE_HEIGHT / 2, tx, ty + NODE_HEIGHT / 2
        bend = (x2 - x1) / 2
        path = f"M{x1:.0f},{y1:.0f} C{x1 + bend:.0f},{y1:.0f} {x2 - bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        midx, midy = (x1 + x2) / 2, (y1 + y2) / 2 - 4
    else:
        x1, y1, x2, y2 = sx + sw / 2, sy + NODE_HEIGHT, tx + tw / 2, ty + NODE_HEIGHT
        dip = max(y1, y2) + 28
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{dip:.0f} {x2:.0f},{dip:.0f} {x2:.0f},{y2:.0f}"
        midx, midy = (x1 + x2) / 2, dip - 4
    label = (
        f'<text class="edge-label" x="{midx:.0f}" y="{midy:.0f}" text-anchor="middle">{escape(text)}</text>'
        if text
        else ""
    )
    return f'<path class="edge" d="{path}" marker-end="url(#arrow-{escape(element_id)})"/>{label}'


def bar_chart(counts: Mapping[str, int], *, element_id: str, title: str) -> str:
    """A vertical bar chart of `counts` (label -> count), labels in the given order."""
    if not counts:
        return f'<p class="empty" id="{escape(element_id)}">(no data)</p>'
    bar, gap, plot, top_pad = 34, 10, 120, 36
    top = max(counts.values()) or 1
    width = MARGIN * 2 + len(counts) * (bar + gap)
    height = top_pad + plot + 24
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(element_id)}" class="chart" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        ),
        f'<text class="chart-title" x="{MARGIN}" y="14">{escape(title)}</text>',
    ]
    for index, (label, count) in enumerate(counts.items()):
        h = plot * count / top
        x = MARGIN + index * (bar + gap)
        y = top_pad + plot - h
        parts.append(
            f'<rect class="bar" x="{x}" y="{y:.0f}" width="{bar}" height="{h:.0f}"/>'
            f'<text x="{x + bar / 2:.0f}" y="{y - 3:.0f}" text-anchor="middle">{count}</text>'
            f'<text x="{x + bar / 2:.0f}" y="{top_pad + plot + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
