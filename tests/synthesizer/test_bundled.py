"""The bundled synthesized environments: what the issue asks of each, checked on the committed folders."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from pathlib import Path

import pytest
from autoforge.servers import EnvServer, check_env, load_environment, validate_folder
from autoforge.synthesizer import SynthOptions, synthesize, task_stats

from .conftest import BUNDLED_DOCS

SERVERS = Path(__file__).resolve().parents[2] / "servers"
BUNDLED = {
    "retail-orders": "retail-orders.yaml",
    "flight-booking": "flight-booking.json",
    "helpdesk-tickets": "helpdesk-tickets.tools.json",
    "personal-banking": "personal-banking.functions.json",
    "hotel-reservations": "hotel-reservations.yaml",
    "event-ticketing": "event-ticketing.tools.json",
}


@pytest.fixture(scope="module", params=sorted(BUNDLED))
def bundled(request: pytest.FixtureRequest):
    """One bundled environment, loaded."""
    return load_environment(SERVERS / request.param)


def test_folder_is_valid_and_traces_back_to_its_document(bundled) -> None:
    """The folder passes validate; its provenance names the bundled document by hash, offline backend."""
    assert validate_folder(bundled.path) == []
    source = BUNDLED_DOCS / BUNDLED[bundled.name]
    assert bundled.spec.provenance.source == source.name
    assert bundled.spec.provenance.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert bundled.spec.provenance.backend == "offline"


def test_task_shape_meets_the_targets(bundled) -> None:
    """>= 100 tasks, median >= 5 calls, >= 30% branch or merge, >= 50% with reasoning, both splits."""
    stats = task_stats(list(bundled.tasks.values()))
    assert stats.tasks >= 100
    assert stats.median_calls >= 5
    assert stats.share_dag >= 0.30
    assert stats.share_reasoning >= 0.50
    assert 0 < stats.test < stats.tasks


def test_instructions_give_away_no_ids_or_tool_names(bundled) -> None:
    """No instruction names a tool or an internal id the agent has to look up."""
    keys = {t.name: t.primary_key for t in bundled.spec.tables}
    for task in bundled.tasks.values():
        for call in task.solution.calls:
            assert call.tool not in task.instruction
            for name, value in call.arguments.items():
                param = name.lower()
                if isinstance(value, str) and (param.endswith("id") or param in keys.values()) and value[:3].isupper():
                    assert value not in task.instruction, (task.id, value)


def test_a_sample_of_tasks_verifies_through_mcp(bundled) -> None:
    """Oracle replay in two orders verifies 1.0 and an empty trajectory 0.0 (every task writes or has facts)."""
    sample = dict(list(bundled.tasks.items())[::7])
    report = asyncio.run(check_env(EnvServer(dataclasses.replace(bundled, tasks=sample))))
    assert report.passed, [(f.task_id, f.problems) for f in report.failures]
    assert all(t.empty_reward == 0.0 for t in report.tasks)


def test_the_committed_folder_is_what_synthesis_gives(tmp_path: Path) -> None:
    """Synthesizing a bundled document again (same defaults) reproduces the committed files byte for byte."""
    name = "hotel-reservations"
    result = asyncio.run(
        synthesize(BUNDLED_DOCS / BUNDLED[name], tmp_path / name, SynthOptions(), work_dir=tmp_path / "work")
    )
    for file in ("env.json", "tools.py", "seed.sql", "tasks.jsonl", "server.py"):
        assert (result.path / file).read_bytes() == (SERVERS / name / file).read_bytes(), file
