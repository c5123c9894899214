"""`autoforge eval` and `autoforge report` from the command line, including Ctrl-C and resuming."""

from __future__ import annotations

import signal
import subprocess
import sys

from autoforge.clients import ResultsFile, run_eval
from typer.testing import CliRunner

from autoforge.cli import app

runner = CliRunner()


def test_eval_and_report_have_help_with_an_example():
    """Each command documents itself with an example invocation."""
    for command in ("eval", "report"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and f"Example: autoforge {command}" in result.output


def test_eval_runs_prints_the_summary_and_report_writes_the_page(tmp_path):
    """An oracle run prints pass^k per environment; the report command writes report.html."""
    out = tmp_path / "run"
    result = runner.invoke(app, ["eval", "library-loans", "--trials", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "pass^2" in result.output and "library-loans" in result.output and "episodes/s" in result.output
    report = runner.invoke(app, ["report", str(out)])
    assert report.exit_code == 0 and (out / "report.html").is_file()


def test_bad_input_is_one_clear_line_without_a_traceback(tmp_path):
    """A malformed --url is reported with what to write instead, exit code 1."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autoforge",
            "eval",
            "library-loans",
            "--transport",
            "http",
            "--url",
            "nope",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "ENV=http://HOST:PORT/mcp" in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_interrupted_run_resumes_to_the_same_task_set_as_an_uninterrupted_one(library, tmp_path, run_until):
    """SIGINT stops a run in worker processes keeping only whole lines; rerunning finishes exactly the missing ones."""
    out, reference = tmp_path / "interrupted", tmp_path / "reference"
    command = [
        sys.executable,
        "-m",
        "autoforge",
        "eval",
        "library-loans",
        "--trials",
        "10",
        "--concurrency",
        "4",
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    results = out / "results.jsonl"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    run_until(process, lambda: results.exists() and results.read_bytes().count(b"\n") >= 10)
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGCONT)
    assert process.wait(timeout=60) == 130, process.stderr.read().decode() if process.stderr else ""
    partial = ResultsFile(results).records()
    total = len(library.tasks) * 10
    assert 10 <= len(partial) < total
    assert results.read_bytes().endswith(b"\n")

    subprocess.run(command, check=True, capture_output=True, timeout=300)
    run_eval([library], trials=10, concurrency=4, out=reference)
    resumed = [r.key for r in ResultsFile(results).records()]
    assert len(resumed) == len(set(resumed)) == total
    assert set(resumed) == {r.key for r in ResultsFile(reference / "results.jsonl").records()}
    assert resumed[: len(partial)] == [r.key for r in partial]  # nothing written before was touched
