"""`autoforge eval` and `autoforge report` from the command line, including Ctrl-C and resuming."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from autoforge.clients import ResultsFile, run_eval
from typer.testing import CliRunner

from autoforge.cli import app

from ..conftest import default_sigint
from ..serving import new_token, served

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
    trials = 40  # enough that a loaded machine's late step cannot let the run finish before the signal
    command = [
        sys.executable,
        "-m",
        "autoforge",
        "eval",
        "library-loans",
        "--trials",
        str(trials),
        "--concurrency",
        "4",
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    results = out / "results.jsonl"
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,  # noqa: PLW1509
    )  # a shell's background job ignores SIGINT, and its children would inherit that
    run_until(process, lambda: results.exists() and results.read_bytes().count(b"\n") >= 10)
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGCONT)
    assert process.wait(timeout=60) == 130, process.stderr.read().decode() if process.stderr else ""
    partial = ResultsFile(results).records()
    total = len(library.tasks) * trials
    assert 10 <= len(partial) < total
    assert results.read_bytes().endswith(b"\n")

    subprocess.run(command, check=True, capture_output=True, timeout=300)
    run_eval([library], trials=trials, concurrency=4, out=reference)
    resumed = [r.key for r in ResultsFile(results).records()]
    assert len(resumed) == len(set(resumed)) == total
    assert set(resumed) == {r.key for r in ResultsFile(reference / "results.jsonl").records()}
    assert resumed[: len(partial)] == [r.key for r in partial]  # nothing written before was touched


def test_eval_reaches_a_token_guarded_server_with_token_env(library, tmp_path):
    """With --token-env every episode on a server that requires tokens passes; without it each is an infra
    failure that names the refusal."""
    token = new_token()
    with served("library-loans", "--token-env", "TEAM_TOKENS", environ={"TEAM_TOKENS": token}) as server:
        base = ["eval", "library-loans", "--transport", "http", "--url", f"library-loans={server.url}"]
        granted = runner.invoke(
            app, [*base, "--token-env", "MY_TOKEN", "--out", str(tmp_path / "granted")], env={"MY_TOKEN": token}
        )
        refused = runner.invoke(app, [*base, "--attempts", "1", "--out", str(tmp_path / "refused")])
    assert refused.exit_code == 0, refused.output  # infra failures are results, not a crash of the run
    assert granted.exit_code == 0, granted.output
    passed = ResultsFile(tmp_path / "granted" / "results.jsonl").records()
    assert len(passed) == len(library.tasks) and all(r.passed and r.transport == "http" for r in passed)
    failed = ResultsFile(tmp_path / "refused" / "results.jsonl").records()
    assert failed and all(r.label == "infra" and "no bearer token was sent" in (r.reason or "") for r in failed)


def test_a_token_without_a_url_or_a_variable_with_two_tokens_is_refused(tmp_path):
    """--token-env is for --url servers; a client sends one token: either mistake is a usage error, exit 2."""
    alone = runner.invoke(app, ["eval", "library-loans", "--token-env", "MY_TOKEN", "--out", str(tmp_path)])
    assert alone.exit_code == 2 and "--url" in alone.output
    two = subprocess.run(
        [sys.executable, "-m", "autoforge", "eval", "library-loans", "--transport", "http", "--url",
         "library-loans=http://127.0.0.1:9/mcp", "--token-env", "MY_TOKEN", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "MY_TOKEN": f"{new_token()},{new_token()}"},
    )  # fmt: skip
    assert two.returncode == 2 and "MY_TOKEN holds 2 tokens; a client sends one" in two.stdout + two.stderr


def test_what_libraries_log_reaches_the_terminal_without_its_control_characters() -> None:
    """The MCP SDK logs the name of an SSE event a server sent ('Unknown SSE event: ...'): with escapes in it, a
    hostile server once set the window title and cleared the screen of the user running eval."""
    import subprocess
    import sys

    script = (
        "from autoforge.servers.terminal import plain_logging; import logging; plain_logging(); "
        "logging.getLogger('mcp.client').warning('Unknown SSE event: \\x1b]0;OWNED\\x07\\x1b[2J done')"
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stderr
    assert "\x1b" not in shown and "\x07" not in shown and "Unknown SSE event: ?]0;OWNED??[2J done" in shown
