"""Our imported domains against tau2's own code: same tool outputs, same database table by table, same verdicts.

These tests run tau2's code from the checkout named by TAU2_CHECKOUT (its `src/` on sys.path, with
tau2's small dependencies installed: loguru, deepdiff, addict, toml, python-dotenv, pandas, litellm)
over both that checkout's data and the small fixture; without TAU2_CHECKOUT they skip.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from autoforge.servers import CallNode, EnvServer, load_server, oracle_transcript
from autoforge.synthesizer.tau2 import DOMAINS, ImportReport, import_tau2
from autoforge.synthesizer.tau2.layout import unflatten
from autoforge.synthesizer.tau2.mutations import altered, without
from autoforge.synthesizer.tau2.parity import table_differences, tau2_hash

CHECKOUT = os.environ.get("TAU2_CHECKOUT")
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tau2"
DB_CLASSES = {
    "retail": ("tau2.domains.retail.data_model", "RetailDB"),
    "airline": ("tau2.domains.airline.data_model", "FlightDB"),
}

pytestmark = pytest.mark.skipif(
    not CHECKOUT, reason="TAU2_CHECKOUT is not set: point it at a tau2-bench checkout to compare with tau2's own code"
)


@dataclass
class Tau2:
    """tau2's own environment factory, tasks and evaluators for one domain's data."""

    modules: dict[str, Any]
    database: Any
    tasks: list[Any]

    def environment(self, task: Any = None) -> Any:
        """A fresh environment, in `task`'s initial state when one is given."""
        environment = self.modules["environment"].get_environment(db=self.database.model_copy(deep=True))
        initial = task.initial_state if task is not None else None
        if initial is not None:
            environment.set_state(
                initial.initialization_data, initial.initialization_actions, initial.message_history or []
            )
        return environment

    def run(self, task: Any, actions: list[Any]) -> Any:
        """A fresh environment of `task` after `actions`, errors skipped (how tau2 builds its gold state)."""
        environment = self.environment(task)
        for action in actions:
            try:
                environment.make_tool_call(action.name, requestor=action.requestor, **copy.deepcopy(action.arguments))
            except Exception:  # noqa: BLE001, S112 - tau2 skips gold actions that raise
                continue
        return environment


@dataclass
class Pair:
    """The same domain data, in tau2 and imported into AutoForge."""

    domain: str
    source: str
    tau2: Tau2
    report: ImportReport
    server: EnvServer


def _tau2_modules(domain: str) -> dict[str, Any]:
    assert CHECKOUT is not None
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LOGURU_LEVEL", "WARNING")
    os.environ.setdefault("TAU2_DATA_DIR", str(Path(CHECKOUT) / "data"))
    source = str(Path(CHECKOUT) / "src")
    if source not in sys.path:
        sys.path.insert(0, source)
    try:
        modules = {
            "environment": importlib.import_module(f"tau2.domains.{domain}.environment"),
            "model": importlib.import_module(DB_CLASSES[domain][0]),
            "tasks": importlib.import_module("tau2.data_model.tasks"),
            "message": importlib.import_module("tau2.data_model.message"),
            "evaluator_env": importlib.import_module("tau2.evaluator.evaluator_env"),
            "evaluator_communicate": importlib.import_module("tau2.evaluator.evaluator_communicate"),
        }
    except ImportError as exc:
        pytest.skip(f"tau2's code at {CHECKOUT} does not import here ({exc}); install its dependencies")
    importlib.import_module("loguru").logger.remove()
    return modules


@pytest.fixture(
    scope="module",
    params=[(s, d) for s in ("checkout", "fixture") for d in ("retail", "airline")],
    ids=lambda p: "-".join(p),
)
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Pair:
    """One domain of one data source (the checkout's, or the fixture's), in tau2 and imported."""
    source, domain = request.param
    root = Path(CHECKOUT or "") if source == "checkout" else FIXTURE
    folder = root / "data" / "tau2" / "domains" / domain
    if not (folder / "db.json").is_file():
        pytest.skip(
            f"{folder} has no db.json (the checkout lacks the {domain} database), so there is nothing to compare"
        )
    modules = _tau2_modules(domain)
    db_class = getattr(modules["model"], DB_CLASSES[domain][1])
    tasks = [modules["tasks"].Task.model_validate(t) for t in json.loads((folder / "tasks.json").read_text())]
    report = import_tau2(domain, root, tmp_path_factory.mktemp(source) / f"tau2-{domain}")
    return Pair(
        domain, source, Tau2(modules, db_class.load(str(folder / "db.json")), tasks), report, load_server(report.path)
    )


def _content(text: str) -> Any:
    """A tool message's value: tau2 shows a returned string as it is, AutoForge as a JSON string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _convertible(pair: Pair) -> list[Any]:
    return [t for t in pair.tau2.tasks if t.id in pair.server.environment.tasks]


async def test_gold_replay_matches_tau2_call_by_call_and_table_by_table(pair: Pair, replay) -> None:
    """Every gold action gives tau2's output (or its error) through our MCP server, and the final database equals tau2's."""
    layout = DOMAINS[pair.domain].layout
    tool_call = pair.tau2.modules["message"].ToolCall
    problems: list[str] = []
    for task in _convertible(pair):
        actions = task.evaluation_criteria.actions
        environment = pair.tau2.environment(task)
        theirs = [
            environment.get_response(
                tool_call(id=a.action_id, name=a.name, arguments=copy.deepcopy(a.arguments), requestor=a.requestor)
            )
            for a in actions
        ]
        ours = await replay(
            pair.server, task.id, [CallNode(id=a.action_id, tool=a.name, arguments=a.arguments) for a in actions], []
        )
        for action, message, (is_error, text) in zip(actions, theirs, ours.outputs):
            if pair.source == "fixture" and action.name == "list_all_airports":
                continue  # the fixture's toolkit declares its own airports; tau2's code has the real ones
            if message.error != is_error or _content(text) not in (_content(message.content), message.content):
                problems.append(
                    f"task {task.id} {action.action_id} {action.name}: tau2 {message.content[:200]!r}, ours {text[:200]!r}"
                )
        differences = table_differences(layout, environment.tools.db.model_dump(), ours.rows)
        if differences:
            problems.append(f"task {task.id}: tables differ: {json.dumps(differences)[:600]}")
        if tau2_hash(unflatten(layout, ours.rows)) != environment.get_db_hash():
            problems.append(f"task {task.id}: tau2's hash of our database differs from tau2's")
        dropped = {d["action_id"] for d in pair.server.environment.tasks[task.id].metadata["tau2"]["dropped_actions"]}
        raised = {a.action_id for a, m in zip(actions, theirs) if m.error}
        if dropped != raised:
            problems.append(
                f"task {task.id}: we dropped {sorted(dropped)}, tau2's gold actions that raise are {sorted(raised)}"
            )
    print(f"\n{pair.domain}: {len(_convertible(pair))} tasks compared with tau2, {len(problems)} difference(s)")
    assert not problems, "\n".join(problems[:20])


async def test_oracle_and_empty_trajectory_agree_with_tau2(pair: Pair, replay) -> None:
    """Oracle replay verifies 1.0 on every task; an empty trajectory verifies what tau2 gives it (DB and COMMUNICATE)."""
    evaluator_env = pair.tau2.modules["evaluator_env"].EnvironmentEvaluator
    evaluator_communicate = pair.tau2.modules["evaluator_communicate"].CommunicateEvaluator
    problems: list[str] = []
    zeros = agree = nl_gated = 0
    for task in _convertible(pair):
        ours_task = pair.server.environment.tasks[task.id]
        oracle = await replay(pair.server, task.id, ours_task.solution.calls, [*oracle_transcript(ours_task)])
        if oracle.reward != 1.0:
            problems.append(f"task {task.id}: oracle replay verifies {oracle.reward}: {oracle.checks}")
        empty = await replay(pair.server, task.id, [], [])
        reward = evaluator_env.calculate_reward(
            environment_constructor=lambda solo_mode=False: pair.tau2.environment(), task=task, full_trajectory=[]
        ).reward
        if "COMMUNICATE" in task.evaluation_criteria.reward_basis:
            reward *= evaluator_communicate.calculate_reward(task=task, full_trajectory=[]).reward
        nl_gated += ours_task.metadata["tau2"]["nl_assertions_gated_in_tau2"]
        zeros += reward == 0.0
        if empty.reward == reward:
            agree += 1
        else:
            problems.append(f"task {task.id}: an empty trajectory verifies {empty.reward} here, {reward} in tau2")
    print(
        f"\n{pair.domain}: oracle 1.0 on {len(_convertible(pair)) - sum('oracle' in p for p in problems)} tasks; empty trajectory: "
        f"{agree} agree with tau2 ({zeros} are 0.0 in tau2); {nl_gated} also have NL assertions that tau2's LLM judge grades"
    )
    assert not problems, "\n".join(problems[:20])


async def test_removing_or_altering_a_write_gives_tau2s_verdict(pair: Pair, replay) -> None:
    """Dropping or altering one write action verifies as tau2 grades it: 0.0 exactly when tau2's database hash differs."""
    problems: list[str] = []
    flips = total = 0
    for task in _convertible(pair):
        ours_task = pair.server.environment.tasks[task.id]
        gold_hash = pair.tau2.run(task, task.evaluation_criteria.actions).get_db_hash()
        writes = [n for n in ours_task.solution.calls if pair.server.environment.spec.tool(n.tool).writes]  # type: ignore[union-attr]
        for node in writes:
            for label, calls in (("without", without(ours_task, node.id)), ("altered", altered(ours_task, node.id))):
                ours = await replay(pair.server, task.id, calls, [*oracle_transcript(ours_task)])
                actions = [_action(pair, c) for c in calls]
                tau2_reward = 1.0 if pair.tau2.run(task, actions).get_db_hash() == gold_hash else 0.0
                total += 1
                flips += ours.reward == 0.0
                if ours.reward != tau2_reward:
                    problems.append(f"task {task.id} {label} {node.id}: ours {ours.reward}, tau2 {tau2_reward}")
    print(f"\n{pair.domain}: {total} mutated trajectories, {flips} verify 0.0, {total - len(problems)} agree with tau2")
    assert not problems, "\n".join(problems[:20])


def _action(pair: Pair, node: CallNode) -> Any:
    return pair.tau2.modules["tasks"].Action(action_id=node.id, name=node.tool, arguments=copy.deepcopy(node.arguments))
