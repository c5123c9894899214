"""Importing the tau-bench fixture: tasks and splits kept, tau-bench's rules followed, bad input reported clearly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from autoforge.servers import SynthesisError, oracle_transcript
from autoforge.synthesizer.tau2 import import_tau_bench
from autoforge.synthesizer.tau2.mutations import altered, without

from .conftest import TAU_BENCH_FIXTURE, Imported


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    shutil.copytree(TAU_BENCH_FIXTURE, root)
    return root


def _writes(imported: Imported, task_id: str) -> list[str]:
    task = imported.server.environment.tasks[task_id]
    return [n.id for n in task.solution.calls if imported.server.environment.spec.tool(n.tool).writes]  # type: ignore[union-attr]


def test_every_split_is_imported_and_a_task_with_an_unknown_tool_is_skipped(tau_retail, tau_airline) -> None:
    """Test, train and dev tasks are all read (ids split-index); a gold action naming a missing tool skips its task."""
    report = tau_retail.report
    assert report.summary().startswith("imported 9 of 10 tasks (1 skipped)")
    assert [(s.task_id, "names unknown tool 'exchange_delivered_order_items'" in s.reason) for s in report.skipped] == [
        ("test-5", True)
    ]
    tasks = tau_retail.server.environment.tasks
    assert tasks["train-0"].metadata["tau-bench"]["splits"] == ["train"] and tasks["train-0"].split == "train"
    assert tasks["dev-0"].metadata["tau-bench"]["splits"] == ["dev"] and tasks["test-0"].split == "test"
    assert tasks["test-0"].metadata["tau-bench"]["description"]["user_id"] == "ana_pike_1001"
    assert tau_airline.report.total == len(tau_airline.report.tasks) == 8


def test_outputs_become_facts_and_users_get_their_id(tau_retail, tau_airline) -> None:
    """tau-bench's `outputs` are facts the agent must say; users carry `user_id`, filled from their key."""
    assert tau_retail.server.environment.tasks["test-3"].expected.facts == ("32.5",)
    assert tau_airline.server.environment.tasks["test-4"].expected.facts == ("50",)
    for imported in (tau_retail, tau_airline):
        assert imported.server.environment.spec.provenance.source_format == "tau-bench"
    assert "'cy_lee_3003'" in (tau_airline.report.path / "seed.sql").read_text()


def test_tool_texts_come_from_get_info_and_think_is_a_tool(tau_retail, tau_airline) -> None:
    """Retail's descriptions are the checkout's get_info texts (tools it lacks are left out); both have think."""
    spec = tau_retail.server.environment.spec
    think = spec.tool("think")
    assert think is not None and think.description == "Note a thought; nothing changes."
    assert think.input_schema["properties"]["thought"]["description"] == "What to think about."
    assert spec.tool("get_item_details") is None and spec.tool("exchange_delivered_order_items") is None
    assert tau_airline.server.environment.spec.tool("think") is not None


@pytest.mark.parametrize("domain", ["tau_retail", "tau_airline"])
async def test_oracle_replay_verifies_one_and_empty_trajectory_zero(domain, request, replay) -> None:
    """Gold actions plus the facts verify 1.0 through MCP; an empty trajectory 0.0 wherever something is graded."""
    imported = request.getfixturevalue(domain)
    for task in imported.server.environment.tasks.values():
        oracle = await replay(imported.server, task.id, task.solution.calls, oracle_transcript(task))
        assert oracle.reward == 1.0, (task.id, oracle.checks)
        empty = await replay(imported.server, task.id, [], [])
        assert empty.reward == (0.0 if task.expected.changes or task.expected.facts else 1.0), task.id


@pytest.mark.parametrize("domain", ["tau_retail", "tau_airline"])
async def test_leaving_out_or_altering_one_write_verifies_zero(domain, request, replay) -> None:
    """Every gold write, left out or with its last argument changed, turns the reward to 0.0."""
    imported = request.getfixturevalue(domain)
    flips = 0
    for task in imported.server.environment.tasks.values():
        for node_id in _writes(imported, task.id):
            for calls in (without(task, node_id), altered(task, node_id)):
                result = await replay(imported.server, task.id, calls, oracle_transcript(task))
                assert result.reward == 0.0, (task.id, node_id, calls)
                flips += 1
    assert flips >= 12  # six or more write tasks per domain


async def test_retail_follows_tau_benchs_rules_where_they_differ_from_tau2s(tau_retail, replay) -> None:
    """Swapped items take their own variant's price; only 'pending' orders change address; same-item swaps are allowed."""
    server, tasks = tau_retail.server, tau_retail.server.environment.tasks
    swapped = await replay(server, "test-1", tasks["test-1"].solution.calls, [])
    prices = {r["item_id"]: r["price"] for r in swapped.rows["order_items"] if r["order_id"] == "#W1000001"}
    assert prices == {"2000000002": 32.5, "2000000012": 11.25}
    assert tasks["test-4"].metadata["tau-bench"]["dropped_actions"] == [
        {
            "action_id": "test-4_0",
            "name": "modify_pending_order_address",
            "error": "Non-pending order cannot be modified",
        }
    ]
    same = await replay(server, "test-7", tasks["test-7"].solution.calls, [])
    assert not same.outputs[0][0]
    assert {r["status"] for r in same.rows["orders"] if r["order_id"] == "#W2000001"} == {"pending (item modified)"}


async def test_airline_follows_tau_benchs_rules_where_they_differ_from_tau2s(tau_airline, replay) -> None:
    """Booking leaves seat counts alone; a flight change prices the new cabin but keeps the reservation's cabin."""
    server, tasks = tau_airline.server, tau_airline.server.environment.tasks
    booked = await replay(server, "test-0", tasks["test-0"].solution.calls, [])
    seats = next(r["available_seats"] for r in booked.rows["flight_dates"] if r["key"] == "HAT100/2024-05-21")
    assert json.loads(seats)["economy"] == 6
    changed = await replay(server, "test-1", tasks["test-1"].solution.calls, [])
    assert next(r["cabin"] for r in changed.rows["reservations"] if r["reservation_id"] == "ABC123") == "economy"
    assert [r["amount"] for r in changed.rows["reservation_payments"] if r["reservation_id"] == "ABC123"] == [100, 200]


def test_bad_checkouts_and_task_files_are_clear_errors(tmp_path) -> None:
    """A folder that is not a checkout, a missing domain or data file, and a non-literal task each name the problem."""
    with pytest.raises(SynthesisError, match="is not a tau-bench checkout"):
        import_tau_bench("retail", tmp_path, tmp_path / "tau-retail")
    root = _copy(tmp_path)
    with pytest.raises(SynthesisError, match="has no domain 'telecom'"):
        import_tau_bench("telecom", root, tmp_path / "tau-telecom")
    tasks = root / "tau_bench/envs/airline/tasks_test.py"
    tasks.write_text(tasks.read_text().replace('"amount": 50}', '"amount": AMOUNT}'))
    with pytest.raises(SynthesisError, match=r"tasks_test.py: line \d+: 'AMOUNT' is not a literal"):
        import_tau_bench("airline", root, tmp_path / "tau-airline")
    (root / "tau_bench/envs/retail/data/orders.json").unlink()
    with pytest.raises(SynthesisError, match="lacks data/orders.json"):
        import_tau_bench("retail", root, tmp_path / "tau-retail")
