"""The HTML report of a run: one self-contained page (inline CSS, SVG and a few lines of JS, nothing fetched).

It shows the run's configuration, the pass^k table and chart per environment, each environment's
tool graph, failure labels with their reasons, a per-task grid of trials, and a trajectory viewer:
every episode's messages, tool calls, results, timing, tokens and its task's solution DAG (graphs
drawn as on the environment card). The viewer near the top shows the episode named by `#ep-N` or
`?episode=ep-N` in the URL (else the first failure); without JavaScript every trajectory is still
listed at the end of the page. Graphs need the environment folders the run named (`run.json`),
unchanged since; where one is gone or changed, the page says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

from autoforge.servers import EnvSpec, Task
from autoforge.servers.environment import content_sha256, read_spec, read_tasks
from autoforge.servers.errors import SpecError
from autoforge.servers.registry.card import GRAPH_STYLE, task_figure, tool_graph_figure
from pydantic import BaseModel, Field, ValidationError

from .episode import LABELS
from .errors import ResultsError
from .passk import Summary, summarize
from .results import EpisodeRecord, ResultsFile
from .runner import RUN_FILE

__all__ = ["REPORT_FILE", "render_report", "write_report"]

REPORT_FILE = "report.html"
_COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4d7c0f", "#be185d")
_DASHES = ("", "7 3", "2 3", "9 3 2 3")
_MARKERS = ("circle", "square", "triangle", "diamond")
_SPREAD = 3.0
"""Pixels between lines of equal value in the pass^k chart, so coinciding lines stay apart."""


def write_report(run_dir: str | Path, output: str | Path | None = None) -> Path:
    """Render `run_dir`'s latest configuration to HTML (default: run_dir/report.html); returns the path."""
    run_dir = Path(run_dir)
    run_file = run_dir / RUN_FILE
    if not run_file.is_file():
        raise SpecError(f"{run_dir} holds no {RUN_FILE}; run `autoforge eval ... --out {run_dir}` first")
    run = _read_run(run_file)
    shas = {e["sha256"] for e in run["environments"]}
    records = [
        r
        for r in ResultsFile(run_dir / "results.jsonl").records()
        if r.config == run["config"] and r.env_sha256 in shas
    ]
    path = Path(output) if output else run_dir / REPORT_FILE
    path.write_text(
        render_report(run, records, title=run_dir.name, environments=run_environments(run)), encoding="utf-8"
    )
    return path


MAX_TRIALS = 10_000
"""The most trials a report draws pass^k for."""


class _RunEnvironment(BaseModel):
    name: str
    sha256: str
    path: str | None = None


class _RunFile(BaseModel, extra="allow"):
    """What a report reads of `run.json` (a run folder may come from anyone: each field is checked)."""

    config: str
    agent: str
    user: str
    transport: str
    trials: int = Field(ge=1, le=MAX_TRIALS)
    max_turns: int
    max_steps: int
    environments: list[_RunEnvironment]


def _read_run(run_file: Path) -> dict[str, Any]:
    """`run.json`, checked: a file that is no run's configuration is refused with what is wrong, not rendered."""
    try:
        return _RunFile.model_validate_json(run_file.read_bytes()).model_dump()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "(root)"
        raise ResultsError(f"{run_file} is not a run's configuration ({where}: {error['msg']})") from None


def run_environments(run: dict[str, Any]) -> dict[str, tuple[EnvSpec, dict[str, Task]] | str]:
    """Each environment of a run: its spec and tasks, read from its folder (no tool code loaded), or why not."""
    found: dict[str, tuple[EnvSpec, dict[str, Task]] | str] = {}
    for entry in run["environments"]:
        folder = Path(entry["path"]) if entry.get("path") else None
        if folder is None or not folder.is_dir():
            found[entry["name"]] = "its folder is not where the run found it"
        elif content_sha256(folder) != entry["sha256"]:
            found[entry["name"]] = f"{folder} has changed since the run"
        else:
            found[entry["name"]] = (
                read_spec(folder / "env.json"),
                {t.id: t for t in read_tasks(folder / "tasks.jsonl")},
            )
    return found


def render_report(
    run: dict[str, Any],
    records: list[EpisodeRecord],
    *,
    title: str = "run",
    environments: dict[str, tuple[EnvSpec, dict[str, Task]] | str] | None = None,
) -> str:
    """The report page for a run's configuration (`run.json`) and its records (`environments`: for the graphs)."""
    summary = summarize(records, int(run["trials"]))
    ordered = sorted(records, key=lambda r: (r.environment, r.task_id, r.trial))
    numbered = list(enumerate(ordered))
    environments = environments or {}
    body = "\n".join(
        [
            f"<h1>AutoForge evaluation: {escape(title)}</h1>",
            _configuration(run, len(records)),
            "<h2>pass^k</h2>",
            _passk_table(summary),
            _passk_chart(summary),
            "<h2>Tool graphs</h2>",
            _tool_graphs(environments),
            "<h2>Trajectory viewer</h2>",
            '<p class="muted">Pick an episode in the task grid or the failure list below.</p>',
            '<section id="viewer"><p class="muted">No episode selected.</p></section>',
            "<h2>Failures</h2>",
            _failures(summary, numbered),
            "<h2>Tasks</h2>",
            _task_grid(numbered, int(run["trials"])),
            "<h2>All trajectories</h2>",
            "\n".join(_trajectory(n, r, _solution(environments.get(r.environment), r, n)) for n, r in numbered),
        ]
    )
    return _PAGE.replace("{title}", escape(title)).replace("{graph_style}", GRAPH_STYLE).replace("{body}", body)


def _configuration(run: dict[str, Any], count: int) -> str:
    envs = ", ".join(f"{escape(e['name'])} <code>{escape(e['sha256'][:12])}</code>" for e in run["environments"])
    rows = [
        ("agent", escape(run["agent"])),
        ("user", escape(run["user"])),
        ("trials", str(run["trials"])),
        ("transport", escape(run["transport"])),
        ("environments", envs),
        ("episodes", str(count)),
        (
            "configuration",
            f"<code>{escape(run['config'])}</code> (max {run['max_turns']} turns, {run['max_steps']} steps)",
        ),
    ]
    return '<table class="kv">' + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _passk_table(summary: Summary) -> str:
    ks = range(1, summary.trials + 1)
    head = "".join(f"<th>pass^{k}</th>" for k in ks)
    rows = []
    for totals in [*summary.environments, summary.overall]:
        labels = " ".join(f"{label} {totals.labels.get(label, 0)}" for label in LABELS)
        tokens = totals.agent_tokens.total + totals.user_tokens.total
        cells = "".join(f"<td>{_fmt(totals.pass_hat.get(k))}</td>" for k in ks)
        rows.append(
            f"<tr><th>{escape(totals.environment)}</th><td>{totals.tasks}</td><td>{totals.episodes}</td>{cells}"
            f"<td>{totals.mean_reward:.3f}</td><td>{labels}</td><td>{totals.retries}</td><td>{totals.tool_calls}</td>"
            f"<td>{tokens:,}</td></tr>"
        )
    return (
        '<table class="grid" id="passk"><tr><th>environment</th><th>tasks</th><th>episodes</th>'
        f"{head}<th>mean reward</th><th>failures</th><th>retries</th><th>tool calls</th><th>tokens</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _passk_chart(summary: Summary) -> str:
    """pass^k against k, one line per environment and one for all (inline SVG)."""
    width, height, left, bottom, top, right = 640, 300, 48, 36, 16, 180
    ks = list(range(1, summary.trials + 1))
    span = max(1, len(ks) - 1)

    def x(k: int) -> float:
        return left + (k - 1) * (width - left - right) / span if len(ks) > 1 else left + (width - left - right) / 2

    def y(value: float) -> float:
        return top + (1 - value) * (height - top - bottom)

    parts = [f'<svg id="passk-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    parts.append("<title>pass^k by k</title>")
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="gridline"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.2f}</text>')
    for k in ks:
        parts.append(f'<text x="{x(k):.1f}" y="{height - bottom + 18}" text-anchor="middle">k={k}</text>')
    series = [*summary.environments, summary.overall]
    for index, totals in enumerate(series):
        colour = _COLOURS[index % len(_COLOURS)] if totals is not summary.overall else "#111827"
        dash = "6 4" if totals is summary.overall else _DASHES[index % len(_DASHES)]
        marker = _MARKERS[index % len(_MARKERS)]
        shift = (index - (len(series) - 1) / 2) * _SPREAD  # lines of equal value lie side by side, not on top
        points = [(x(k), y(v) + shift, k, v) for k in ks if (v := totals.pass_hat.get(k)) is not None]
        name = escape(totals.environment)
        style = f' stroke-dasharray="{dash}"' if dash else ""
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{style} '
                f'data-series="{name}"><title>{name}</title></polyline>'
            )
        for px, py, k, v in points:
            parts.append(_marker(marker, px, py, colour, f"{name}: pass^{k} = {v:.3f}"))
        legend_y = top + 16 * index + 8
        parts.append(
            f'<line x1="{width - right + 10}" x2="{width - right + 34}" y1="{legend_y - 3}" y2="{legend_y - 3}" '
            f'stroke="{colour}" stroke-width="2"{style}/>'
        )
        parts.append(_marker(marker, width - right + 22, legend_y - 3, colour, name))
        parts.append(f'<text x="{width - right + 40}" y="{legend_y + 1}">{name}</text>')
    parts.append("</svg>")
    return (
        '<figure class="chart">'
        + "".join(parts)
        + "<figcaption>pass^k by k (dashed black: all environments); lines of equal value are drawn a few "
        "pixels apart, each with its own dash and marker</figcaption></figure>"
    )


def _marker(shape: str, x: float, y: float, colour: str, label: str) -> str:
    """A point of the pass^k chart in one of four shapes, with a tooltip."""
    tip = f"<title>{label}</title>"
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{tip}</circle>'
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}">{tip}</rect>'
    if shape == "triangle":
        corners = f"{x:.1f},{y - 4.5:.1f} {x - 4.5:.1f},{y + 3.5:.1f} {x + 4.5:.1f},{y + 3.5:.1f}"
    else:
        corners = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
    return f'<polygon points="{corners}" fill="{colour}">{tip}</polygon>'


def _failures(summary: Summary, numbered: list[tuple[int, EpisodeRecord]]) -> str:
    counts = "".join(
        f"<tr><th>{escape(t.environment)}</th>"
        + "".join(f"<td>{t.labels.get(label, 0)}</td>" for label in LABELS)
        + "</tr>"
        for t in [*summary.environments, summary.overall]
    )
    table = (
        '<table class="grid"><tr><th>environment</th>'
        + "".join(f"<th>{label}</th>" for label in LABELS)
        + "</tr>"
        + counts
        + "</table>"
    )
    failed = [(n, r) for n, r in numbered if r.label is not None]
    if not failed:
        return table + "<p>No failed episodes.</p>"
    rows = "".join(
        f'<tr><td><a href="#ep-{n}">{escape(r.environment)} / {escape(r.task_id)} #{r.trial}</a></td>'
        f'<td><span class="label {r.label}">{r.label}</span></td><td>{escape(r.reason or "")}</td></tr>'
        for n, r in failed
    )
    return table + f'<table class="grid failures"><tr><th>episode</th><th>label</th><th>reason</th></tr>{rows}</table>'


def _task_grid(numbered: list[tuple[int, EpisodeRecord]], trials: int) -> str:
    by_task: dict[tuple[str, str], dict[int, tuple[int, EpisodeRecord]]] = defaultdict(dict)
    for n, record in numbered:
        by_task[(record.environment, record.task_id)][record.trial] = (n, record)
    head = "".join(f"<th>trial {t}</th>" for t in range(trials))
    rows = []
    for (env, task), cells in by_task.items():
        row = []
        for trial in range(trials):
            if trial not in cells:
                row.append('<td class="missing">not run</td>')
                continue
            n, record = cells[trial]
            mark, cls = ("pass", "pass") if record.passed else (record.label or "fail", record.label or "agent")
            row.append(f'<td><a class="cell {cls}" href="#ep-{n}">{mark} {record.reward:.0f}</a></td>')
        rows.append(f"<tr><th>{escape(env)}</th><td>{escape(task)}</td>{''.join(row)}</tr>")
    return f'<table class="grid tasks"><tr><th>environment</th><th>task</th>{head}</tr>{"".join(rows)}</table>'


def _tool_graphs(environments: dict[str, tuple[EnvSpec, dict[str, Task]] | str]) -> str:
    """Per environment, the graph of which tool's result feeds which tool's call in its tasks."""
    if not environments:
        return '<p class="muted">No environment of this run could be read.</p>'
    parts = [
        "<p>An arrow from A to B: some task feeds A's result into a call of B (the number counts such tasks). "
        '<span class="badge read">reads</span> <span class="badge write">writes</span></p>'
    ]
    for number, (name, found) in enumerate(sorted(environments.items())):
        parts.append(f"<h3>{escape(name)}</h3>")
        if isinstance(found, str):
            parts.append(f'<p class="muted">Not drawn: {escape(found)}.</p>')
        else:
            spec, tasks = found
            parts.append(tool_graph_figure(spec, tasks.values(), element_id=f"tool-graph-{number}"))
    return "".join(parts)


def _solution(found: tuple[EnvSpec, dict[str, Task]] | str | None, record: EpisodeRecord, n: int) -> str:
    """The solution DAG of an episode's task, folded away."""
    if not isinstance(found, tuple) or record.task_id not in found[1]:
        return ""
    spec, tasks = found
    writing = {t.name for t in spec.tools if t.writes}
    figure = task_figure(tasks[record.task_id], writing, element_id=f"dag-{n}")
    return f'<details class="solution"><summary>Solution DAG of {escape(record.task_id)}</summary>{figure}</details>'


def _trajectory(n: int, record: EpisodeRecord, solution: str = "") -> str:
    outcome = "pass" if record.passed else (record.label or "agent")
    tokens = record.agent_tokens.total + record.user_tokens.total
    summary = (
        f'<span class="label {outcome}">{outcome}</span> {escape(record.environment)} / {escape(record.task_id)} '
        f"#{record.trial} · reward {record.reward:.1f} · {record.turns} turns · {record.tool_calls} tool calls · "
        f"{tokens:,} tokens · {record.seconds:.2f} s · ended by {escape(record.termination)}"
    )
    events = "".join(_event(e.model_dump()) for e in record.trajectory)
    checks = "".join(
        f'<li class="{"ok" if c.passed else "bad"}">{escape(c.name)}: {escape(c.detail)}</li>' for c in record.checks
    )
    extra = ""
    if record.reason:
        extra += f'<p class="reason">{escape(record.reason)}</p>'
    if record.retries:
        extra += "<p>Retried after: " + "; ".join(escape(r.reason) for r in record.retries) + "</p>"
    return (
        f'<details class="episode{" failed" if record.label else ""}" id="ep-{n}"><summary>{summary}</summary>{extra}'
        f'<ol class="events">{events}</ol><ul class="checks">{checks}</ul>{solution}</details>'
    )


def _event(event: dict[str, Any]) -> str:
    timing = f'<span class="time">+{event["at"]:.3f} s · {event["seconds"] * 1000:.1f} ms'
    usage = event.get("usage") or {}
    if usage.get("input_tokens") or usage.get("output_tokens"):
        timing += f" · {usage['input_tokens']}→{usage['output_tokens']} tokens"
    timing += "</span>"
    role = event["role"]
    if role == "tool":
        cls = "tool error" if event["is_error"] else "tool"
        return f'<li class="{cls}"><b>{escape(event["name"] or "tool")} →</b>{timing}<pre>{escape(event["text"])}</pre></li>'
    calls = "".join(
        f'<pre class="call">{escape(c["name"])}({escape(c["raw_arguments"] if c["arguments"] is None else json.dumps(c["arguments"], ensure_ascii=False))})</pre>'
        for c in event["tool_calls"]
    )
    text = f"<p>{escape(event['text'])}</p>" if event["text"] else ""
    who = "user" if role == "user" else "agent"
    return f'<li class="{who}"><b>{who}</b>{timing}{text}{calls}</li>'


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · AutoForge report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{graph_style}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#111827;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border:1px solid #e5e7eb;text-align:left;vertical-align:top}
table.kv th{background:#f9fafb;width:140px}table.grid th{background:#f9fafb}
code{background:#f3f4f6;padding:0 4px;border-radius:3px}.muted{color:#6b7280}
.chart svg text{font-size:12px;fill:#374151}.gridline{stroke:#e5e7eb}figcaption{color:#6b7280;font-size:12px}
.label{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;color:#fff;background:#6b7280}
.label.pass,.cell.pass{background:#16a34a}.label.agent,.cell.agent{background:#dc2626}
.label.user,.cell.user{background:#d97706}.label.infra,.cell.infra{background:#7c3aed}
a.cell{color:#fff;padding:1px 8px;border-radius:8px;text-decoration:none;font-size:12px}td.missing{color:#9ca3af}
details.episode{border:1px solid #e5e7eb;border-radius:6px;margin:6px 0;padding:4px 10px}
details.episode.shown{background:#fcfcfd;box-shadow:0 0 0 2px #bfdbfe}summary{cursor:pointer}
ol.events{list-style:none;padding:0}ol.events li{margin:6px 0;padding:6px 10px;border-radius:6px}
li.user{background:#eff6ff}li.agent{background:#f0fdf4}li.tool{background:#f9fafb;border-left:3px solid #9ca3af}
li.tool.error{border-left-color:#dc2626;background:#fef2f2}.time{color:#6b7280;font-size:11px;margin-left:8px}
pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font-size:12px}pre.call{color:#1d4ed8}
ul.checks li.ok{color:#15803d}ul.checks li.bad{color:#b91c1c}p.reason{color:#b91c1c}
</style></head>
<body>
{body}
<script>
// The viewer shows one episode: the one named by #ep-N or ?episode=ep-N, else the first failure, else the first.
function showEpisode(){
  var id = location.hash.slice(1) || new URLSearchParams(location.search).get("episode");
  var source = (id && document.getElementById(id)) || document.querySelector("details.episode.failed")
    || document.querySelector("details.episode");
  var viewer = document.getElementById("viewer");
  if (!source || !viewer) { return; }
  viewer.innerHTML = "";
  var copy = source.cloneNode(true);
  copy.removeAttribute("id");
  copy.open = true;
  copy.className += " shown";
  viewer.appendChild(copy);
  viewer.setAttribute("data-episode", source.id);
  if (location.hash) { viewer.scrollIntoView(); }
}
window.addEventListener("hashchange", showEpisode);
showEpisode();
</script>
</body></html>
"""
