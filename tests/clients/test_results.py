"""results.jsonl: whole lines only, a torn tail repaired, a foreign file refused."""

from __future__ import annotations

import pytest
from autoforge.clients import ResultsError, ResultsFile, evaluate


async def test_a_torn_last_line_is_cut_off_and_that_episode_runs_again(library, tmp_path):
    """A crash mid-write leaves a partial line; the next run drops it and redoes only that episode."""
    await evaluate([library], out=tmp_path)
    path = tmp_path / "results.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    assert len(ResultsFile(path).records()) == len(lines) - 1
    assert path.read_bytes().endswith(b"\n")
    rerun = await evaluate([library], out=tmp_path)
    assert rerun.ran == 1
    keys = [r.key for r in ResultsFile(path).records()]
    assert len(keys) == len(set(keys)) == len(library.tasks)


def test_a_file_that_is_not_results_is_refused_with_the_next_step(tmp_path):
    """A line that is not an episode record raises ResultsError naming the line and what to do."""
    path = tmp_path / "results.jsonl"
    path.write_text('{"hello": "world"}\n')
    with pytest.raises(ResultsError, match="line 1 .* new --out folder"):
        ResultsFile(path).records()


def test_a_missing_file_has_no_records(tmp_path):
    """Nothing run yet means nothing recorded."""
    assert ResultsFile(tmp_path / "none" / "results.jsonl").records() == []
