"""Importing the fixture checkout: every task verifies as tau2 grades it, and bad input is reported clearly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from autoforge.servers import SynthesisError, call_tool, check_env, oracle_transcript, reset_episode, validate_folder
from autoforge.synthesizer.tau2 import import_tau2
from autoforge.synthesizer.tau2.mutations import altered, without
from mcp import Client, StdioServerParameters


def _writes(imported, task):
    return [n for n in task.solution.calls if imported.server.environment.spec.tool(n.tool).writes]


def _copy(fixture_checkout: Path, tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    shutil.copytree(fixture_checkout, root)
    return root


def test_every_task_is_imported_or_reported_with_its_reason(retail, airline) -> None:
    """The summary counts all tasks; the two that cannot be converted are skipped with their reasons, the rest imported."""
    assert retail.report.total == 13 and len(retail.report.tasks) == 11
    reasons = {s.task_id: s.reason for s in retail.report.skipped}
    assert set(reasons) == {"9", "11"}
    assert "9_1 names unknown tool 'refund_everything'" in reasons["9"]
    assert "ENV_ASSERTION" in reasons["11"]
    assert retail.report.summary().startswith("imported 11 of 13 tasks (2 skipped)")
    assert airline.report.total == len(airline.report.tasks) == 10 and not airline.report.skipped


def test_gold_actions_that_raise_are_dropped_and_recorded(retail, airline) -> None:
    """As in tau2's gold replay, a gold action that raises is left out of the solution and recorded with its error."""
    task = retail.server.environment.tasks["7"]
    assert task.metadata["tau2"]["dropped_actions"] == [
        {"action_id": "7_0", "name": "find_user_id_by_email", "error": "User not found"}
    ]
    assert [n.id for n in task.solution.calls] == ["7_1", "7_2"]
    assert [a["action_id"] for a in task.metadata["tau2"]["gold_actions"]] == ["7_0", "7_1", "7_2"]
    dropped = airline.server.environment.tasks["8"].metadata["tau2"]["dropped_actions"]
    assert dropped[0]["error"] == "Certificate cannot be used to update reservation"
    assert retail.report.dropped_actions == 1 and airline.report.dropped_actions == 1


@pytest.mark.parametrize("domain", ["retail", "airline"])
async def test_oracle_replay_verifies_one_through_mcp(domain, request, replay) -> None:
    """Replaying each task's gold actions through the MCP server, and saying its facts, verifies 1.0."""
    imported = request.getfixturevalue(domain)
    for task in imported.server.environment.tasks.values():
        result = await replay(imported.server, task.id, task.solution.calls, oracle_transcript(task))
        assert result.reward == 1.0, (task.id, result.checks)
        assert not any(is_error for is_error, _ in result.outputs), task.id


@pytest.mark.parametrize("domain", ["retail", "airline"])
async def test_check_env_passes_with_refusal_tasks_allowed(domain, request) -> None:
    """The imported environment passes the spine's conformance check, refusals accepted as imported benchmark tasks."""
    imported = request.getfixturevalue(domain)
    report = await check_env(imported.server, allow_ungated=True)
    assert report.passed, [(t.task_id, t.problems) for t in report.failures]
    strict = await check_env(imported.server)
    assert {t.task_id for t in strict.failures} == {"6"}  # the refusal task: nothing gates it, as in tau2


@pytest.mark.parametrize("domain", ["retail", "airline"])
async def test_empty_trajectory_fails_every_task_that_writes_or_states_facts(domain, request, replay) -> None:
    """An empty trajectory verifies 0.0 on tasks with changes or facts, and 1.0 on refusals (tau2 gives the same)."""
    imported = request.getfixturevalue(domain)
    for task in imported.server.environment.tasks.values():
        result = await replay(imported.server, task.id, [], [])
        gated = bool(task.expected.changes or task.expected.facts)
        assert result.reward == (0.0 if gated else 1.0), task.id
    assert imported.report.refusals == 1


@pytest.mark.parametrize("domain", ["retail", "airline"])
async def test_removing_or_altering_one_write_flips_the_reward(domain, request, replay) -> None:
    """Every trajectory missing one gold write, or with one write's argument changed, verifies 0.0."""
    imported = request.getfixturevalue(domain)
    mutated = 0
    for task in imported.server.environment.tasks.values():
        for node in _writes(imported, task):
            for calls in (without(task, node.id), altered(task, node.id)):
                result = await replay(imported.server, task.id, calls, oracle_transcript(task))
                assert result.reward == 0.0, (task.id, node.id, calls)
                mutated += 1
    assert mutated >= 16


def test_facts_come_from_communicate_info_only_where_tau2_grades_it(retail, airline) -> None:
    """communicate_info gates the reward when the basis has COMMUNICATE; NL assertions are kept, never graded."""
    tasks = retail.server.environment.tasks
    assert tasks["2"].expected.facts == ("16.25",)
    assert tasks["0"].expected.facts == ()
    assert tasks["0"].metadata["tau2"]["nl_assertions"] == ["The agent confirms the cancellation before making it."]
    assert tasks["0"].metadata["tau2"]["nl_assertions_gated_in_tau2"] is True
    assert airline.server.environment.tasks["1"].expected.facts == ()  # COMMUNICATE in the basis, nothing to say
    assert airline.server.environment.tasks["0"].expected.facts == ("230",)
    assert retail.report.nl_gated == 2


async def test_initialization_data_becomes_the_tasks_initial_state(retail) -> None:
    """tau2's initialization data (merged into the database) is applied when the task's episode starts."""
    task = retail.server.environment.tasks["10"]
    (change,) = task.initial_state.changes
    assert (change.table, change.op, change.key) == ("orders", "update", "#W102")
    assert change.values == {"status": "pending"} and change.before == {"status": "processed"}
    async with Client(retail.server) as client:
        episode = (await reset_episode(client, "10")).episode_id
        order = json.loads(
            (await call_tool(client, episode, "get_order_details", {"order_id": "#W102"})).content[0].text
        )
    assert order["status"] == "pending"


def test_tasks_keep_the_scenario_splits_and_ordering(retail) -> None:
    """User scenario, tau2's splits and write order survive; reads that feed a call are its dependencies."""
    tasks = retail.server.environment.tasks
    assert {t.id for t in tasks.values() if t.split == "test"} == {"2", "6", "8"}
    task = tasks["3"]
    assert task.instruction == "You want to return the lamp from order #W201."
    assert task.user.known_facts["zip code"] == "94110"
    assert task.user.unknown == ("You do not remember your email.",)
    assert "Reason for call:\n\t\tYou want to return the lamp" in task.metadata["tau2"]["user_scenario"]
    assert {n.id: n.depends_on for n in task.solution.calls} == {"3_0": (), "3_1": ("3_0",), "3_2": ("3_1",)}
    assert task.difficulty.calls == 3 and task.difficulty.writes == 1


def test_policy_descriptions_and_provenance_come_from_the_checkout(retail, fixture_checkout) -> None:
    """The policy and tool texts are the checkout's own; provenance names the source; the folder validates."""
    spec = retail.report.spec
    folder = fixture_checkout / "data" / "tau2" / "domains" / "retail"
    assert spec.policy == (folder / "policy.md").read_text()
    cancel = spec.tool("cancel_pending_order")
    assert (
        cancel.description
        == "Cancel an order that has not shipped yet.\n\nAsk the customer to confirm first. Gift card payments are refunded at once."
    )
    assert (
        cancel.input_schema["properties"]["reason"]["description"]
        == "Either 'no longer needed' or 'ordered by mistake'."
    )
    assert cancel.writes and not spec.tool("calculate").writes
    assert spec.provenance.source.endswith("@unknown-commit:data/tau2/domains/retail")
    assert spec.provenance.source_format == "tau2-bench" and spec.version == "0.9.0"
    assert validate_folder(retail.report.path) == []


def test_a_git_checkout_records_its_commit(fixture_checkout, tmp_path) -> None:
    """Imported from a git work tree, the environment records the checked-out commit and versions with it."""
    root = _copy(fixture_checkout, tmp_path)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
        subprocess.run(git + command, check=True)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    report = import_tau2("retail", root, tmp_path / "tau2-retail")
    assert report.commit == commit
    assert f"tau2-bench@{commit}:" in report.spec.provenance.source
    assert report.spec.version == f"0.9.0+{commit[:7]}"


def test_without_tool_source_the_importer_uses_its_own_descriptions(fixture_checkout, tmp_path) -> None:
    """A checkout with data but no source still imports, and says its tool texts are AutoForge's."""
    root = _copy(fixture_checkout, tmp_path)
    shutil.rmtree(root / "src")
    report = import_tau2("airline", root, tmp_path / "tau2-airline")
    assert any("no tool source" in note for note in report.notes)
    assert any("no airport list" in note for note in report.notes)
    assert len(report.spec.tools) == 14 and all(t.description for t in report.spec.tools)


async def test_mcp_run_serves_the_imported_folder(airline) -> None:
    """`mcp run server.py` serves the imported environment over stdio like any other."""
    mcp = str(Path(sys.executable).with_name("mcp"))
    parameters = StdioServerParameters(
        command=mcp, args=["run", str(airline.report.path / "server.py")], env=dict(os.environ)
    )
    async with Client(parameters) as client:
        listed = [t.name for t in (await client.list_tools()).tools]
        episode = (await reset_episode(client, "9")).episode_id
        airports = await call_tool(client, episode, "list_all_airports", {})
    assert listed == [t.name for t in airline.report.spec.tools]
    assert json.loads(airports.content[0].text)[0] == {"iata": "AAA", "city": "Avalon"}


# ---- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "domain", "message"),
    [
        (lambda root: root / "missing", "retail", "does not exist"),
        (lambda root: root / "data", "retail", "is not a tau2-bench checkout: it has no data/tau2/domains/"),
        (
            lambda root: root,
            "banking_knowledge",
            "has no domain 'banking_knowledge' (it has: airline, retail, telecom)",
        ),
        (lambda root: root, "telecom", "'telecom' domain cannot be imported yet: its user-side phone tools"),
    ],
)
def test_bad_paths_and_domains_are_named(fixture_checkout, tmp_path, setup, domain, message) -> None:
    """A path that is not a checkout, a domain it lacks or one that cannot be imported: each a clear error."""
    with pytest.raises(SynthesisError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_tau2(domain, setup(_copy(fixture_checkout, tmp_path)), tmp_path / "tau2-x")


def test_a_checkout_without_the_database_says_so(fixture_checkout, tmp_path) -> None:
    """A domain whose database file is missing (a large file a partial copy left out) is named as such."""
    root = _copy(fixture_checkout, tmp_path)
    (root / "data/tau2/domains/airline/db.json").unlink()
    with pytest.raises(SynthesisError, match="this checkout lacks the airline domain's database"):
        import_tau2("airline", root, tmp_path / "tau2-airline")


def test_data_that_does_not_fit_tau2s_model_names_the_record(fixture_checkout, tmp_path) -> None:
    """A database record with a field tau2's model lacks, or a wrong type, is an error naming the record and field."""
    root = _copy(fixture_checkout, tmp_path)
    path = root / "data/tau2/domains/retail/db.json"
    data = json.loads(path.read_text())
    data["orders"]["#W100"]["gift_wrap"] = True
    path.write_text(json.dumps(data))
    with pytest.raises(SynthesisError, match=r"orders\['#W100'\]: unknown field\(s\) gift_wrap"):
        import_tau2("retail", root, tmp_path / "tau2-retail")
    del data["orders"]["#W100"]["gift_wrap"]
    data["products"]["1000000001"]["variants"]["2000000011"]["price"] = "cheap"
    path.write_text(json.dumps(data))
    with pytest.raises(SynthesisError, match=r"variants\['2000000011'\]\.price: expected real, got 'cheap'"):
        import_tau2("retail", root, tmp_path / "tau2-retail")


def test_a_toolkit_newer_than_the_importer_is_refused(fixture_checkout, tmp_path) -> None:
    """A checkout whose toolkit has a tool, or arguments, this importer does not implement is refused by name."""
    root = _copy(fixture_checkout, tmp_path)
    tools = root / "src/tau2/domains/retail/tools.py"
    original = tools.read_text()
    tools.write_text(
        original + '\n    @is_tool(ToolType.WRITE)\n    def gift_order(self, order_id):\n        """Wrap it."""\n'
    )
    with pytest.raises(SynthesisError, match="tools this importer does not implement: gift_order"):
        import_tau2("retail", root, tmp_path / "tau2-retail")
    tools.write_text(
        original.replace(
            "def get_item_details(self, item_id: str)", "def get_item_details(self, item_id: str, verbose: bool)"
        )
    )
    with pytest.raises(SynthesisError, match=r"get_item_details takes \(item_id, verbose\)"):
        import_tau2("retail", root, tmp_path / "tau2-retail")


def test_no_convertible_task_and_bad_folder_names_are_errors(fixture_checkout, tmp_path) -> None:
    """An import with nothing to import, or into a folder whose name cannot be an environment name, fails clearly."""
    root = _copy(fixture_checkout, tmp_path)
    path = root / "data/tau2/domains/airline/tasks.json"
    tasks = json.loads(path.read_text())
    for task in tasks:
        task["evaluation_criteria"]["reward_basis"] = ["ACTION"]
    path.write_text(json.dumps(tasks))
    with pytest.raises(SynthesisError, match="no task of .* could be imported"):
        import_tau2("airline", root, tmp_path / "tau2-airline")
    with pytest.raises(SynthesisError, match="must be kebab-case"):
        import_tau2("retail", root, tmp_path / "Tau2_Retail")
