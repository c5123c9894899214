"""The HTML card of an environment: one self-contained page that opens offline (inline CSS and SVG, no scripts).

It shows the tools, the tables and their relations, the tool graph, a sample of task DAGs, the
difficulty distribution, and the latest evaluation results when a results file exists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from html import escape
from pathlib import Path

from ..environment import Environment, load_environment
from ..solution import solution_graph
from ..spec import CallNode, EnvSpec, Task
from .graphs import table_graph, tool_graph
from .results import EvaluationResults, latest_results
from .summary import counts_of
from .svg import bar_chart, draw_graph

__all__ = ["GRAPH_STYLE", "SAMPLE_TASKS", "render_card", "task_figure", "tool_graph_figure", "write_card"]

SAMPLE_TASKS = 4
"""How many task DAGs the card draws (spread over the difficulty range)."""

GRAPH_STYLE = """
svg text{font:12px system-ui,sans-serif;fill:#111827}svg .edge{fill:none;stroke:#6b7280;stroke-width:1.4}
svg .arrowhead{fill:#6b7280}svg .edge-label{font-size:10px;fill:#374151}
.tool.read rect{fill:#bfdbfe;stroke:#1d4ed8}.tool.write rect{fill:#fde68a;stroke:#b45309}
.table-node rect{fill:#bbf7d0;stroke:#15803d}
.call rect{fill:#fbcfe8;stroke:#be185d}.call.write rect{stroke-width:3}.reasoning rect{fill:#ddd6fe;stroke:#6d28d9;stroke-dasharray:4 3}
.figure{overflow-x:auto;border:1px solid #e5e7eb;border-radius:8px;padding:8px;margin:8px 0}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px}.badge.write{background:#fde68a}.badge.read{background:#bfdbfe}
"""
"""The drawing rules of tool graphs and task DAGs (the card's, and the run report's)."""

STYLE = GRAPH_STYLE + """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1200px;color:#1f2937;padding:0 16px}
h1{margin-bottom:4px}h2{border-bottom:1px solid #e5e7eb;padding-bottom:4px;margin-top:32px}
.meta{color:#4b5563}.meta code{font-size:12px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}
.bar{fill:#2563eb}.chart-title{font-weight:600}.charts{display:flex;flex-wrap:wrap;gap:12px}
.task h3{margin-bottom:2px}.task .instruction{color:#374151;margin:2px 0 6px}
details{margin:8px 0}pre{white-space:pre-wrap;background:#f9fafb;padding:8px;border-radius:6px}
"""


def render_card(environment: Environment, results: EvaluationResults | None = None) -> str:
    """The card as one HTML document."""
    spec = environment.spec
    counts = counts_of(environment)
    provenance = spec.provenance
    writing = {t.name for t in spec.tools if t.writes}
    tables = table_graph(spec)
    sections = [
        f"<h1>{escape(spec.name)} <small>{escape(spec.version)}</small></h1>",
        f"<p>{escape(spec.description)}</p>",
        (
            f'<p class="meta">{counts.tools} tools · {counts.tables} tables · {counts.tasks} tasks · license '
            f"{escape(spec.license)} · backend {escape(provenance.backend)} · source {escape(provenance.source)}<br>"
            f"content sha256 <code>{escape(environment.sha256)}</code>"
            + (f"<br>source sha256 <code>{escape(provenance.source_sha256)}</code>" if provenance.source_sha256 else "")
            + "</p>"
        ),
        f"<details><summary>Policy</summary><pre>{escape(spec.policy or spec.description)}</pre></details>",
        "<h2>Tool graph</h2>",
        (
            "<p>An arrow from A to B: some task feeds A's result into a call of B (the number counts such tasks). "
            '<span class="badge read">reads</span> <span class="badge write">writes</span></p>'
        ),
        tool_graph_figure(spec, environment.tasks.values()),
        "<h2>Sample tasks</h2>",
        *(_task(task, writing) for task in sample_tasks(environment)),
        "<h2>Difficulty</h2>",
        _difficulty(environment),
        "<h2>Tools</h2>",
        _tools_table(environment),
        "<h2>Tables and relations</h2>",
        _figure(
            draw_graph(
                tables,
                element_id="table-graph",
                label=str,
                css_class=lambda _: "table-node",
                edge_label=lambda s, t: str(tables.edges[s, t]["label"]),
                title="tables and foreign keys",
            )
        ),
        _tables_table(environment),
        "<h2>Latest evaluation</h2>",
        _results(results),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(spec.name)} {escape(spec.version)}: AutoForge environment</title>"
        f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>\n"
    )


def write_card(folder: str | Path, out: str | Path, results: Path | None = None) -> Path:
    """Render the card of the environment in `folder` into the file `out`; returns its path."""
    environment = load_environment(folder)
    path = Path(out)
    path.write_text(render_card(environment, latest_results(environment, results)), encoding="utf-8")
    return path


def sample_tasks(environment: Environment, count: int = SAMPLE_TASKS) -> list[Task]:
    """Up to `count` tasks spread evenly from the simplest to the hardest (by depth, then calls)."""
    ranked = sorted(environment.tasks.values(), key=lambda t: (t.difficulty.depth, t.difficulty.calls, t.id))
    if len(ranked) <= count:
        return ranked
    step = (len(ranked) - 1) / (count - 1)
    return [ranked[round(i * step)] for i in range(count)]


def _figure(svg: str) -> str:
    return f'<div class="figure">{svg}</div>'


def tool_graph_figure(spec: EnvSpec, tasks: Iterable[Task], element_id: str = "tool-graph") -> str:
    """The tool graph of an environment's tasks, as a figure (style: GRAPH_STYLE)."""
    graph = tool_graph(spec, tasks)
    writes = {t.name: t.writes for t in spec.tools}
    return _figure(
        draw_graph(
            graph,
            element_id=element_id,
            label=str,
            css_class=lambda n: "tool write" if writes.get(str(n)) else "tool read",
            edge_label=lambda s, t: str(graph.edges[s, t]["weight"]) if graph.edges[s, t]["weight"] > 1 else "",
            title="tool graph",
        )
    )


def task_figure(task: Task, writing: set[str], element_id: str | None = None) -> str:
    """A task's solution DAG, as a figure: calls (bold when they write, `writing`) and reasoning nodes."""
    graph = solution_graph(task.solution)
    nodes = {n.id: n for n in task.solution.nodes}

    def label(node_id: object) -> str:
        node = nodes[str(node_id)]
        if isinstance(node, CallNode):
            return f"{node.id}: {node.tool}"
        note = node.note if len(node.note) <= 36 else node.note[:35] + "…"
        return f"{node.id}: {note}"

    def css(node_id: object) -> str:
        node = nodes[str(node_id)]
        if isinstance(node, CallNode):
            return "call write" if node.tool in writing else "call"
        return "reasoning"

    return _figure(
        draw_graph(
            graph,
            element_id=element_id or f"task-{_slug(task.id)}",
            label=label,
            css_class=css,
            title=f"solution of {task.id}",
        )
    )


def _task(task: Task, writing: set[str]) -> str:
    d = task.difficulty
    return (
        f'<div class="task"><h3>{escape(task.id)} <small>({escape(task.split)}; {d.calls} calls, {d.writes} writes, '
        f"depth {d.depth}, {d.reasoning_nodes} reasoning)</small></h3>"
        f'<p class="instruction">{escape(task.instruction)}</p>' + task_figure(task, writing) + "</div>"
    )


def _difficulty(environment: Environment) -> str:
    tasks = list(environment.tasks.values())
    charts = []
    for measure, title in (
        ("calls", "calls per task"),
        ("depth", "depth"),
        ("writes", "writes"),
        ("reasoning_nodes", "reasoning nodes"),
    ):
        values = Counter(getattr(t.difficulty, measure) for t in tasks)
        span = range(min(values, default=0), max(values, default=-1) + 1)
        charts.append(
            bar_chart({str(v): values.get(v, 0) for v in span}, element_id=f"difficulty-{measure}", title=title)
        )
    splits = Counter(t.split for t in tasks)
    charts.append(bar_chart(dict(sorted(splits.items())), element_id="splits", title="split"))
    return f'<div class="charts">{"".join(charts)}</div>'


def _tools_table(environment: Environment) -> str:
    rows = []
    for tool in environment.spec.tools:
        parameters = ", ".join(
            f"{name}{'' if name in tool.input_schema.get('required', []) else '?'}"
            for name in tool.input_schema.get("properties", {})
        )
        effect = "write" if tool.writes else "read"
        rows.append(
            f'<tr><td><code>{escape(tool.name)}</code></td><td><span class="badge {effect}">{effect}s</span></td>'
            f"<td>{escape(parameters)}</td><td>{escape(', '.join(tool.tables))}</td><td>{escape(tool.description)}</td></tr>"
        )
    return (
        "<table><tr><th>tool</th><th>effect</th><th>parameters</th><th>tables</th><th>description</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _tables_table(environment: Environment) -> str:
    rows = []
    for table in environment.spec.tables:
        columns = ", ".join(
            escape(c.name) + (" (key)" if c.primary_key else f" → {escape(c.references)}" if c.references else "")
            for c in table.columns
        )
        rows.append(
            f"<tr><td><code>{escape(table.name)}</code></td><td>{columns}</td><td>{escape(table.description)}</td></tr>"
        )
    return "<table><tr><th>table</th><th>columns</th><th>description</th></tr>" + "".join(rows) + "</table>"


def _results(results: EvaluationResults | None) -> str:
    if results is None:
        return "<p>No evaluation results yet (run <code>autoforge eval</code>, then render the card again).</p>"
    rows = "".join(
        f"<tr><td>{escape(a.agent)}</td><td>{a.episodes}</td><td>{len(a.tasks)}</td><td>{a.pass_rate:.1%}</td>"
        f"<td>{escape(', '.join(f'{label} {n}' for label, n in sorted(a.labels.items())) or '-')}</td></tr>"
        for a in results.agents.values()
    )
    return (
        f'<p>From <code>{escape(str(results.path))}</code>.</p><table id="results"><tr><th>agent</th><th>episodes</th>'
        f"<th>tasks</th><th>passed</th><th>failure labels</th></tr>{rows}</table>"
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)
