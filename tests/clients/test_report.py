"""The HTML report: self-contained, complete, and rendered by a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess

import pytest
from autoforge.clients import run_eval
from autoforge.clients.report import write_report
from autoforge.servers import SpecError

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)"
)
WIDTH, HEIGHT = 1200, 1600


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, handmade):
    """A finished run of the random agent, two trials, with passes nowhere and failures everywhere."""
    folder = tmp_path_factory.mktemp("run")
    run_eval(handmade, agent="random", trials=2, concurrency=16, out=folder)
    return folder


def chromium(*arguments: str) -> subprocess.CompletedProcess[bytes]:
    """Run headless Chromium with the flags a sandboxed CI box needs."""
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
    ]
    return subprocess.run([CHROMIUM, *flags, *arguments], capture_output=True, timeout=120, check=True)


def test_report_holds_the_table_chart_failures_and_every_trajectory(run_dir, handmade):
    """Every episode has a trajectory; the pass^k chart draws one line per environment plus the total."""
    html = write_report(run_dir).read_text(encoding="utf-8")
    episodes = sum(len(e.tasks) for e in handmade) * 2
    assert html.count('<details class="episode') == episodes
    assert 'id="passk-chart"' in html and html.count("<polyline") == len(handmade) + 1
    assert "pass^2" in html and "failures" in html.lower()
    assert "http://" not in html.split("<svg", 1)[0] and "<link" not in html and 'src="' not in html


def test_coinciding_pass_k_lines_are_drawn_apart_each_in_its_own_style(run_dir, handmade):
    """Every line of the random run lies at 0.0, yet each has its own points, and its own colour and dash."""
    html = write_report(run_dir).read_text(encoding="utf-8")
    chart = html.split('id="passk-chart"', 1)[1].split("</svg>", 1)[0]
    lines = re.findall(
        r'<polyline points="([^"]+)" fill="none" stroke="([^"]+)" stroke-width="2"(?: stroke-dasharray="([^"]+)")?',
        chart,
    )
    assert len(lines) == len(handmade) + 1
    assert len({points for points, _, _ in lines}) == len(lines)
    assert len({(colour, dash) for _, colour, dash in lines}) == len(lines)


def test_report_draws_each_tool_graph_and_each_episodes_solution_dag(run_dir, handmade):
    """The card's drawings: one tool graph per environment, and the solution DAG inside each trajectory."""
    html = write_report(run_dir).read_text(encoding="utf-8")
    assert html.count('id="tool-graph-') == len(handmade)
    assert html.count('<details class="solution">') == html.count('<details class="episode')
    first = html.split('<details class="episode', 1)[1].split("</details></details>", 1)[0]
    task = first.split(" / ", 1)[1].split(" #", 1)[0]
    assert f"Solution DAG of {task}" in first and 'class="graph"' in first


def test_report_of_a_run_whose_environment_changed_says_why_its_graphs_are_missing(tmp_path, library):
    """A run's environment folder edited since the run: the page still renders and names the change."""
    folder = tmp_path / "library-loans"
    shutil.copytree(library.path, folder)
    run_eval([folder], trials=1, task_ids=["renew-one-of-two"], out=tmp_path / "run")
    (folder / "tasks.jsonl").write_text((folder / "tasks.jsonl").read_text() + "\n")
    html = write_report(tmp_path / "run").read_text(encoding="utf-8")
    assert "Not drawn: " in html and "has changed since the run" in html and 'class="solution"' not in html


def test_report_of_a_folder_without_a_run_says_how_to_make_one(tmp_path):
    """No run.json means no run: the error names the command to run first."""
    with pytest.raises(SpecError, match="autoforge eval"):
        write_report(tmp_path)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"max_turns": "<script>alert(1)</script>"}, "max_turns"),
        ({"trials": 100_000_000_000}, "trials"),
        ({"environments": "all of them"}, "environments"),
    ],
    ids=["markup for a number", "a hundred billion trials", "a string for a list"],
)
def test_a_run_file_that_is_no_run_s_configuration_is_refused_not_rendered(run_dir, tmp_path, change, problem):
    """A run folder may come from anyone: a `run.json` whose fields are not what a run writes (markup where a
    number goes, trials no page can draw) is refused with the field named, never put into the page."""
    from autoforge.clients import ResultsError

    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    run = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**run, **change}))
    with pytest.raises(ResultsError, match=problem):
        write_report(folder)
    assert not (folder / "report.html").exists() or "<script>alert" not in (folder / "report.html").read_text()


def test_a_results_file_that_is_not_text_is_refused_with_what_to_do(run_dir, tmp_path):
    """Bytes that are no UTF-8 in results.jsonl end in an error that says what to do, not a traceback."""
    from autoforge.clients import ResultsError

    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    with (folder / "results.jsonl").open("ab") as results:
        results.write(b"\xff\xfe not text\n")
    with pytest.raises(ResultsError, match="not UTF-8"):
        write_report(folder)


@needs_chromium
def test_chromium_renders_the_chart_and_a_trajectory_and_takes_a_screenshot(run_dir, tmp_path):
    """The page runs in a real browser: the viewer shows the chosen episode, and the screenshot is not blank."""
    page = write_report(run_dir).resolve().as_uri() + "?episode=ep-3"
    dom = chromium("--virtual-time-budget=3000", "--dump-dom", page).stdout.decode()
    assert 'data-episode="ep-3"' in dom
    viewer = dom.split('id="viewer"', 1)[1].split("</section>", 1)[0]
    assert 'class="events"' in viewer and "agent" in viewer and "tool" in viewer
    shot = tmp_path / "report.png"
    chromium(
        "--hide-scrollbars",
        f"--window-size={WIDTH},{HEIGHT}",
        "--virtual-time-budget=3000",
        f"--screenshot={shot}",
        page,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT)
    assert len(data) > 40_000  # a blank page compresses to a few kilobytes
