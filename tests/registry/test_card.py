"""HTML cards: self-contained, every section present, and a real browser renders the graphs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from autoforge.servers import load_environment
from autoforge.servers.registry import render_card, write_card
from autoforge.servers.registry.card import sample_tasks
from autoforge.servers.registry.results import latest_results
from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TOOL_READ_FILL = (0xBF, 0xDB, 0xFE)
TASK_CALL_FILL = (0xFB, 0xCF, 0xE8)


def test_the_card_is_self_contained_and_has_every_section(library: Path) -> None:
    """No scripts or external resources; tool graph, table graph, sampled task DAGs and charts are inline SVG."""
    environment = load_environment(library)
    html = render_card(environment)
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert 'id="tool-graph"' in html and 'id="table-graph"' in html
    sampled = sample_tasks(environment)
    assert 0 < len(sampled) <= 4
    for task in sampled:
        assert f'id="task-{task.id}"' in html
    assert 'id="difficulty-calls"' in html and 'id="splits"' in html
    for tool in environment.spec.tools:
        assert f">{tool.name}<" in html
    assert "No evaluation results yet" in html


def test_the_latest_results_are_summarised(library: Path, tmp_path: Path) -> None:
    """Lines of a results.jsonl for this environment are counted per agent, with pass rate and failure labels."""
    environment = load_environment(library)
    lines = [
        {"environment": environment.name, "task_id": "t1", "trial": 0, "agent": "oracle", "reward": 1.0},
        {
            "environment": environment.name,
            "task_id": "t2",
            "trial": 0,
            "agent": "oracle",
            "reward": 0.0,
            "label": "agent",
        },
        {"environment": "other-env", "task_id": "t1", "trial": 0, "agent": "oracle", "reward": 1.0},
    ]
    results_file = tmp_path / "run" / "results.jsonl"
    results_file.parent.mkdir()
    results_file.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    results = latest_results(environment, results_file.parent)
    assert results is not None
    oracle = results.agents["oracle"]
    assert (oracle.episodes, oracle.passed, dict(oracle.labels)) == (2, 1, {"agent": 1})
    html = render_card(environment, results)
    assert 'id="results"' in html and "50.0%" in html and "agent 1" in html


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)")
def test_headless_chromium_renders_the_tool_graph_and_a_task_dag(library: Path, tmp_path: Path) -> None:
    """A screenshot of the card shows the tool graph's node colour and a task DAG's node colour."""
    card = write_card(library, tmp_path / "card.html")
    shot = tmp_path / "card.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--hide-scrollbars",
            "--window-size=1280,1600",
            f"--screenshot={shot}",
            card.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    with Image.open(shot) as image:
        colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert TOOL_READ_FILL in colours, "the tool graph is not visible"
    assert TASK_CALL_FILL in colours, "no task DAG is visible"
