"""`autoforge import tau2` and `tau-bench`: a summary of what was imported and skipped; bad input exits 2 with the reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import TAU_BENCH_FIXTURE

AUTOFORGE = str(Path(sys.executable).with_name("autoforge"))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AUTOFORGE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


def test_import_prints_the_summary_and_the_folder_checks(fixture_checkout, tmp_path) -> None:
    """The command writes the folder, reports counts and skipped tasks, and `autoforge check --allow-ungated` passes it."""
    out = tmp_path / "tau2-retail"
    result = _run("import", "tau2", "retail", "--from", str(fixture_checkout), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "imported 11 of 13 tasks (2 skipped), 1 gold action(s) dropped" in result.stderr
    assert "task 9: gold action 9_1 names unknown tool 'refund_everything'" in result.stderr
    assert (out / "env.json").is_file() and (out / "server.py").is_file()
    checked = _run("check", str(out), "--allow-ungated")
    assert checked.returncode == 0 and "11 tasks, oracle 1.0 on 11, 0 failing" in checked.stdout


def test_bad_input_exits_2_with_the_reason_and_no_traceback(fixture_checkout, tmp_path) -> None:
    """A path that is not a checkout and a domain that cannot be imported are one-line errors."""
    result = _run("import", "tau2", "retail", "--from", str(tmp_path), "--out", str(tmp_path / "tau2-retail"))
    assert result.returncode == 2 and "is not a tau2-bench checkout" in result.stderr
    assert "Traceback" not in result.stderr
    result = _run("import", "tau2", "telecom", "--from", str(fixture_checkout))
    assert result.returncode == 2 and "cannot be imported yet" in result.stderr


def test_import_tau_bench_prints_the_summary_and_bad_input_exits_2(tmp_path) -> None:
    """`autoforge import tau-bench` reports counts and skipped tasks; a wrong path is a one-line error."""
    out = tmp_path / "tau-retail"
    result = _run("import", "tau-bench", "retail", "--from", str(TAU_BENCH_FIXTURE), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "imported 9 of 10 tasks (1 skipped), 1 gold action(s) dropped" in result.stderr
    assert "task test-5: gold action test-5_0 names unknown tool" in result.stderr
    assert (out / "env.json").is_file() and (out / "tasks.jsonl").is_file()
    result = _run("import", "tau-bench", "retail", "--from", str(tmp_path), "--out", str(out))
    assert result.returncode == 2 and "is not a tau-bench checkout" in result.stderr
    assert "Traceback" not in result.stderr
