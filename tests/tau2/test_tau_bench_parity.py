"""Our tau-bench imports against tau-bench's own tool functions: same gold database, same verdicts.

These tests run tau-bench's code from the checkout named by TAU_BENCH_CHECKOUT (on sys.path, with its
dependencies installed; litellm is the one its env modules need) over both that checkout's data and the
small fixture. tau-bench's tools are plain functions over a data dict: the gold state is its actions
run in order (failures skipped, the terminating transfer left out, as tau-bench's reward does), and a
run passes when tau-bench's hash of the data equals the gold one. Without TAU_BENCH_CHECKOUT they skip.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from autoforge.servers import EnvServer, load_server, oracle_transcript
from autoforge.synthesizer.tau2 import ImportReport, import_tau_bench
from autoforge.synthesizer.tau2.mutations import altered, without
from autoforge.synthesizer.tau2.parity import table_differences
from autoforge.synthesizer.tau2.tau_bench import DATA_FILES, DOMAINS, with_user_ids

from .conftest import TAU_BENCH_FIXTURE

CHECKOUT = os.environ.get("TAU_BENCH_CHECKOUT")
TERMINATE = "transfer_to_human_agents"

pytestmark = pytest.mark.skipif(
    not CHECKOUT, reason="TAU_BENCH_CHECKOUT is not set: point it at a tau-bench checkout to compare with its own code"
)


@dataclass
class TauBench:
    """tau-bench's tools, hash and tasks (its own Task objects) for one domain's data."""

    tools: dict[str, Any]
    hash: Any
    data: dict[str, Any]
    tasks: dict[str, Any]
    gold: dict[int, str] = field(default_factory=dict)

    def run(self, actions: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], list[bool]]:
        """The data after `actions` as tau-bench's env steps them, and which of them failed."""
        data = copy.deepcopy(self.data)
        failed = []
        for name, kwargs in actions:
            try:
                output = self.tools[name].invoke(data=data, **copy.deepcopy(kwargs))
            except Exception:  # noqa: BLE001 - tau-bench's env turns any exception into an error observation
                output = "Error"
            failed.append(isinstance(output, str) and output.startswith("Error"))
        return data, failed

    def reward(self, task: Any, actions: list[tuple[str, dict[str, Any]]], said: str) -> float:
        """tau-bench's reward for `actions` and the agent's text `said`: gold data hash, then every output said."""
        if id(task) not in self.gold:
            self.gold[id(task)] = self.hash(
                self.run([(a.name, a.kwargs) for a in task.actions if a.name != TERMINATE])[0]
            )
        if self.gold[id(task)] != self.hash(self.run([a for a in actions if a[0] != TERMINATE])[0]):
            return 0.0
        return 1.0 if all(o.lower() in said.lower().replace(",", "") for o in task.outputs) else 0.0


@dataclass
class Pair:
    """The same domain data, in tau-bench and imported into AutoForge."""

    domain: str
    tau: TauBench
    report: ImportReport
    server: EnvServer


def _tau_bench(domain: str, root: Path) -> TauBench:
    assert CHECKOUT is not None
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    if CHECKOUT not in sys.path:
        sys.path.insert(0, CHECKOUT)
    try:
        tools = importlib.import_module(f"tau_bench.envs.{domain}.tools").ALL_TOOLS
        base = importlib.import_module("tau_bench.envs.base")
    except ImportError as exc:
        pytest.skip(f"tau-bench's code at {CHECKOUT} does not import here ({exc}); install its dependencies (litellm)")
    folder = root / "tau_bench" / "envs" / domain
    data = {name: json.loads((folder / "data" / f"{name}.json").read_text()) for name in DATA_FILES[domain]}
    tasks = {
        f"{path.stem.removeprefix('tasks_')}-{index}": task
        for path in sorted(folder.glob("tasks_*.py"))
        for index, task in enumerate(next(v for k, v in runpy.run_path(str(path)).items() if k.startswith("TASKS")))
    }
    return TauBench(
        {t.get_info()["function"]["name"]: t for t in tools},
        lambda d: base.consistent_hash(base.to_hashable(d)),
        data,
        tasks,
    )


@pytest.fixture(
    scope="module",
    params=[(s, d) for s in ("checkout", "fixture") for d in ("retail", "airline")],
    ids=lambda p: "-".join(p),
)
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Pair:
    """One domain of one data source (the checkout's, or the fixture's), in tau-bench and imported."""
    source, domain = request.param
    root = Path(CHECKOUT or "") if source == "checkout" else TAU_BENCH_FIXTURE
    tau = _tau_bench(domain, root)
    report = import_tau_bench(domain, root, tmp_path_factory.mktemp(source) / f"tau-{domain}")
    return Pair(domain, tau, report, load_server(report.path))


def _said(task: Any) -> str:
    return " ".join(oracle_transcript(task))


async def test_gold_state_and_failing_gold_actions_match_tau_bench(pair: Pair, replay) -> None:
    """Our oracle replay leaves tau-bench's gold data, table by table, and we drop the gold actions that fail there."""
    layout = DOMAINS[pair.domain].layout
    problems: list[str] = []
    tasks = pair.server.environment.tasks
    for task_id, task in pair.tau.tasks.items():
        if task_id not in tasks:
            continue
        data, failed = pair.tau.run([(a.name, a.kwargs) for a in task.actions if a.name != TERMINATE])
        ours = await replay(pair.server, task_id, tasks[task_id].solution.calls, [])
        differences = table_differences(layout, with_user_ids(data), ours.rows)
        if differences:
            problems.append(f"task {task_id}: tables differ: {json.dumps(differences)[:600]}")
        dropped = [d["name"] for d in tasks[task_id].metadata["tau-bench"]["dropped_actions"]]
        if dropped != [a.name for a, f in zip([a for a in task.actions if a.name != TERMINATE], failed) if f]:
            problems.append(f"task {task_id}: we dropped {dropped}, tau-bench's failing gold actions differ")
    print(f"\n{pair.domain}: {len(tasks)} tasks compared with tau-bench, {len(problems)} difference(s)")
    assert not problems, "\n".join(problems[:20])


async def test_empty_and_one_write_mutated_trajectories_get_tau_benchs_verdict(pair: Pair, replay) -> None:
    """The empty trajectory and each gold write left out or altered verify as tau-bench rewards them."""
    problems: list[str] = []
    flips = total = zeros = 0
    tasks = pair.server.environment.tasks
    for task_id, task in pair.tau.tasks.items():
        if task_id not in tasks:
            continue
        ours_task = tasks[task_id]
        empty = await replay(pair.server, task_id, [], [])
        theirs = pair.tau.reward(task, [], "")
        zeros += empty.reward == 0.0
        if empty.reward != theirs:
            problems.append(f"task {task_id} empty: ours {empty.reward}, tau-bench {theirs}")
        writes = [n for n in ours_task.solution.calls if pair.server.environment.spec.tool(n.tool).writes]  # type: ignore[union-attr]
        for node in writes:
            for label, calls in (("without", without(ours_task, node.id)), ("altered", altered(ours_task, node.id))):
                ours = await replay(pair.server, task_id, calls, oracle_transcript(ours_task))
                theirs = pair.tau.reward(task, [(c.tool, c.arguments) for c in calls], _said(ours_task))
                total += 1
                flips += ours.reward == 0.0
                if ours.reward != theirs:
                    problems.append(f"task {task_id} {label} {node.id}: ours {ours.reward}, tau-bench {theirs}")
    print(
        f"\n{pair.domain}: empty trajectory 0.0 on {zeros} of {len(tasks)} tasks; {total} mutated trajectories, "
        f"{flips} verify 0.0; {len(problems)} verdict(s) differ from tau-bench's"
    )
    assert not problems, "\n".join(problems[:20])
