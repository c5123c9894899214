"""`autoforge demo`: one folder holding the environments it synthesized and one run folder per evaluation."""

from __future__ import annotations

from pathlib import Path

from autoforge.clients import ResultsFile
from autoforge.demo import RUNS, bundled_documents, run_demo


def test_the_demo_lays_out_servers_and_run_folders_side_by_side(tmp_path: Path) -> None:
    """servers/<env>/ beside oracle/, random/ and oracle-stdio/, each a run folder `autoforge report` reads."""
    out = tmp_path / "demo"
    documents = [d for d in bundled_documents() if d.name.startswith("event-ticketing")]
    result = run_demo(out, tasks=3, trials=1, documents=documents)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(["servers", *RUNS])
    assert [p.name for p in (out / "servers").iterdir()] == ["event-ticketing"]
    for name in RUNS:
        assert {"results.jsonl", "run.json", "report.html"} <= {p.name for p in (out / name).iterdir()}
        assert ResultsFile(out / name / "results.jsonl").records()
    assert result.reports == {name: out / name / "report.html" for name in RUNS}
    assert set(result.oracle_pass.values()) == {1.0}
