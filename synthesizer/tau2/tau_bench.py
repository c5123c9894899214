"""The original tau-bench (sierra-research/tau-bench): a checkout read as the tau2 importer's inputs.

Nothing here imports tau-bench. Its data files are JSON (users keyed by id, without the `user_id`
field tau2's model has: it is filled from the key); its tasks files are parsed with `ast`, each
literal `Task(...)` becoming a task in tau2's format (the gold actions as tau2 actions, `outputs`
as facts the agent must tell the user); each tool's description is its `get_info` literal.
Its domains are tau2's retail and airline with tau-bench's `think` tool and TAU_BENCH rules.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from autoforge.servers import SynthesisError

from .airline import AIRLINE
from .checkout import Checkout, DomainFiles, ToolSource, commit_of, read_structured
from .domain import Domain, Param, ToolDecl, string
from .retail import RETAIL

__all__ = ["DOMAINS", "TauBenchCheckout", "TauBenchFiles", "open_tau_bench", "read_task_literals", "with_user_ids"]

ENVS_DIR = Path("tau_bench/envs")
REPOSITORY = "https://github.com/sierra-research/tau-bench"
DATA_FILES = {"retail": ("orders", "products", "users"), "airline": ("flights", "reservations", "users")}
SPLITS = ("test", "train", "dev")
THINK = ToolDecl(
    "think",
    "Think about something: nothing is looked up or changed, the thought is only logged.",
    (Param("thought", string(), "A thought to think about."),),
)
DOMAINS: dict[str, Domain] = {
    base.name: replace(
        base,
        description=base.description.replace("tau2-bench", "tau-bench"),
        tools=(*base.tools, THINK),
        constants={"TAU_BENCH": True},
    )
    for base in (RETAIL, AIRLINE)
}


@dataclass(frozen=True)
class TauBenchFiles(DomainFiles):
    """One tau-bench domain: `database` is its data folder, `tasks` its folder of tasks_<split>.py files."""

    task_files: tuple[tuple[str, Path], ...] = ()

    def read_database(self) -> dict[str, Any]:
        database: dict[str, Any] = {}
        for name in DATA_FILES[self.name]:
            records = read_structured(self.database / f"{name}.json")
            if not isinstance(records, dict):
                raise SynthesisError(f"{self.database / name}.json does not hold records keyed by id")
            database[name] = records
        return with_user_ids(database)

    def read_tasks(self) -> list[Any]:
        return [task for split, path in self.task_files for task in _tau2_tasks(split, read_task_literals(path))]

    def read_splits(self) -> dict[str, list[str]]:
        return {split: [_task_id(split, i) for i in range(len(read_task_literals(p)))] for split, p in self.task_files}

    def sources(self) -> tuple[Path, ...]:
        data = tuple(self.database / f"{name}.json" for name in DATA_FILES[self.name])
        return (*data, *(path for _, path in self.task_files), self.policy)


@dataclass(frozen=True)
class TauBenchCheckout(Checkout):
    """A tau-bench checkout: its root, its commit (when it is a git work tree) and its domains."""

    repository: ClassVar[str] = REPOSITORY
    source_format: ClassVar[str] = "tau-bench"
    label: ClassVar[str] = "tau-bench"

    def release(self) -> str:
        """The version in setup.py (0.0.0 when it does not say)."""
        try:
            found = re.search(r"""version\s*=\s*["'](\d+\.\d+\.\d+)["']""", (self.root / "setup.py").read_text())
        except (OSError, UnicodeDecodeError):
            found = None
        return found.group(1) if found else "0.0.0"

    def domains(self) -> list[str]:
        return sorted(p.name for p in (self.root / ENVS_DIR).iterdir() if (p / "data").is_dir())

    def domain(self, name: str) -> DomainFiles:
        """The files of `name`; raises SynthesisError naming what is missing."""
        folder = self.root / ENVS_DIR / name
        if name not in self.domains():
            raise SynthesisError(
                f"{self.root} has no domain {name!r} (it has: {', '.join(self.domains()) or 'none'}); pick one of those"
            )
        missing = [f"data/{n}.json" for n in DATA_FILES.get(name, ()) if not (folder / "data" / f"{n}.json").is_file()]
        missing += [] if (folder / "wiki.md").is_file() else ["wiki.md"]
        task_files = tuple((s, folder / f"tasks_{s}.py") for s in SPLITS if (folder / f"tasks_{s}.py").is_file())
        missing += [] if task_files else ["tasks_test.py"]
        if missing:
            raise SynthesisError(
                f"{folder} lacks {', '.join(missing)}: this checkout is incomplete; use a fresh clone of {REPOSITORY}"
            )
        tools, constants = read_tool_infos(folder / "tools")
        return TauBenchFiles(
            name, folder, folder / "data", folder, folder / "wiki.md", None, tools, constants, task_files
        )


def with_user_ids(database: dict[str, Any]) -> dict[str, Any]:
    """`database` with each user record given the `user_id` tau2's model has (tau-bench's only keys users by it)."""
    for user_id, user in database.get("users", {}).items():
        if isinstance(user, dict):
            user.setdefault("user_id", user_id)
    return database


def open_tau_bench(path: str | Path) -> TauBenchCheckout:
    """The checkout at `path`; raises SynthesisError when `path` is not a tau-bench checkout."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise SynthesisError(f"{root} does not exist; pass the root folder of a tau-bench checkout ({REPOSITORY})")
    if not (root / ENVS_DIR).is_dir():
        raise SynthesisError(
            f"{root} is not a tau-bench checkout: it has no {ENVS_DIR}/ folder; pass the root of a clone of {REPOSITORY}"
        )
    return TauBenchCheckout(root.resolve(), commit_of(root))


def read_task_literals(path: Path) -> list[dict[str, Any]]:
    """The `Task(...)` calls of a tasks file, as dicts (`Action(...)` calls inside as dicts too)."""
    tree = _parse(path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            try:
                return [_literal(element) for element in node.value.elts]
            except ValueError as exc:
                raise SynthesisError(f"{path}: {exc}; is this a tau-bench tasks file?") from None
    raise SynthesisError(f"{path} assigns no list of tasks; is this a tau-bench tasks file?")


def _literal(node: ast.expr) -> Any:
    """A literal, where `Task(...)` and `Action(...)` calls with keyword arguments are dicts."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Task", "Action"):
        if node.args or any(k.arg is None for k in node.keywords):
            raise ValueError(f"line {node.lineno}: {node.func.id}(...) takes keyword arguments only")
        return {k.arg: _literal(k.value) for k in node.keywords if k.arg is not None}
    if isinstance(node, ast.List):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise ValueError(f"line {node.lineno}: {ast.unparse(node)[:60]!r} is not a literal") from None


def _task_id(split: str, index: int) -> str:
    return f"{split}-{index}"


def _tau2_tasks(split: str, literals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """tau-bench tasks in tau2's format: graded on the database and on the `outputs` told to the user."""
    tasks = []
    for index, literal in enumerate(literals):
        task_id = _task_id(split, index)
        actions = literal.get("actions", [])
        tasks.append(
            {
                "id": task_id,
                "description": {
                    "split": split,
                    "index": index,
                    "user_id": literal.get("user_id"),
                    "annotator": literal.get("annotator"),
                },
                "user_scenario": {"instructions": literal.get("instruction")},
                "evaluation_criteria": {
                    "actions": [
                        {"action_id": f"{task_id}_{i}", "name": a.get("name"), "arguments": a.get("kwargs", {})}
                        if isinstance(a, dict)
                        else a
                        for i, a in enumerate(actions if isinstance(actions, list) else [actions])
                    ],
                    "communicate_info": literal.get("outputs", []),
                    "reward_basis": ["DB", "COMMUNICATE"],
                },
            }
        )
    return tasks


def read_tool_infos(folder: Path) -> tuple[dict[str, ToolSource], dict[str, Any]]:
    """Each tool module's `invoke` parameters and `get_info` texts, and the airports list_all_airports holds."""
    tools: dict[str, ToolSource] = {}
    constants: dict[str, Any] = {}
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        functions = {n.name: n for n in ast.walk(_parse(path)) if isinstance(n, ast.FunctionDef)}
        if "invoke" not in functions or "get_info" not in functions:
            continue
        info = _returned_literal(functions["get_info"], path).get("function", {})
        name, properties = info.get("name", path.stem), info.get("parameters", {}).get("properties", {})
        invoke = functions["invoke"]
        parameters = tuple(a.arg for a in invoke.args.args + invoke.args.kwonlyargs if a.arg != "data")
        arguments = {k: str(v.get("description", "")) for k, v in properties.items() if isinstance(v, dict)}
        tools[name] = ToolSource(name, parameters, str(info.get("description") or name), arguments, None)
        if name == "list_all_airports":
            constants["AIRPORTS"] = _airports(invoke)
    return tools, constants


def _returned_literal(function: ast.FunctionDef, path: Path) -> dict[str, Any]:
    returned = next((n.value for n in ast.walk(function) if isinstance(n, ast.Return) and n.value), None)
    try:
        value = ast.literal_eval(returned) if returned is not None else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise SynthesisError(f"{path}: get_info does not return a literal tool description")
    return value


def _airports(function: ast.FunctionDef) -> list[dict[str, str]]:
    """The (iata, city) pairs of list_all_airports' `airports` and `cities` list literals."""
    lists: dict[str, list[Any]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.List):
            lists[node.targets[0].id] = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
    return [{"iata": i, "city": c} for i, c in zip(lists.get("airports", []), lists.get("cities", []), strict=False)]


def _parse(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise SynthesisError(f"{path} could not be parsed: {exc}") from None
