"""`autoforge validate`: check an environment folder against the contract and list every problem."""

from __future__ import annotations

import ast
from pathlib import Path

import fastjsonschema

from .environment import ENV_FILES, Environment, build_environment, read_spec, read_tasks
from .episodes import EpisodeStore
from .errors import AutoForgeError, EpisodeError, Problem, SpecError
from .registry.lock import foreign_code
from .sandbox import check_source
from .schemas import compiled_schema
from .spec import EnvSpec, Task

__all__ = ["validate_folder"]

FOLDER_FILES = (*ENV_FILES, "server.py")


def validate_folder(folder: str | Path) -> list[Problem]:
    """Every problem with the environment folder, each with its location; empty when it is valid."""
    folder = Path(folder)
    if not folder.is_dir():
        return [Problem(str(folder), "not a directory")]
    problems = [Problem(name, "missing") for name in FOLDER_FILES if not (folder / name).is_file()]
    spec = _collect(problems, lambda: read_spec(folder / "env.json")) if (folder / "env.json").is_file() else None
    tasks = (
        _collect(problems, lambda: read_tasks(folder / "tasks.jsonl")) if (folder / "tasks.jsonl").is_file() else None
    )
    source = (folder / "tools.py").read_text(encoding="utf-8") if (folder / "tools.py").is_file() else None
    if source is not None:
        problems += check_source(source)
    problems += [
        Problem(name, "code that is not AutoForge's: `mcp run server.py` would run it") for name in foreign_code(folder)
    ]
    if spec is not None:
        if spec.name != folder.name:
            problems.append(Problem("env.json: name", f"is {spec.name!r} but the folder is named {folder.name!r}"))
        if source is not None:
            problems += _signature_problems(spec, source)
        if tasks is not None:
            problems += _task_problems(spec, tasks)
        if not problems and (folder / "seed.sql").is_file():
            seed = (folder / "seed.sql").read_text(encoding="utf-8")
            environment = _collect(problems, lambda: build_environment(spec, source or "", seed, tasks or ()))
            if environment is not None:
                problems += _initial_state_problems(environment)
    return problems


def _initial_state_problems(environment: Environment) -> list[Problem]:
    """Each task whose initial state cannot be applied to the seed (every reset of it would fail)."""
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    problems: list[Problem] = []
    for number, task in enumerate(environment.tasks.values(), start=1):
        if task.initial_state is None:
            continue
        try:
            store.fresh(task).close()
        except EpisodeError as exc:
            problems.append(Problem(f"tasks.jsonl:{number} ({task.id}): initial_state", str(exc)))
    return problems


def _collect(problems: list[Problem], load):  # type: ignore[no-untyped-def]
    try:
        return load()
    except SpecError as exc:
        problems += exc.problems or [Problem("(folder)", str(exc))]
    except AutoForgeError as exc:
        problems += getattr(exc, "problems", ()) or [Problem("(folder)", str(exc))]
    return None


def _signature_problems(spec: EnvSpec, source: str) -> list[Problem]:
    """Each tool needs a function `name(db, ...)` whose parameters match its input schema."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # already reported by check_source
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    problems: list[Problem] = []
    for tool in spec.tools:
        function = functions.get(tool.name)
        where = f"tools.py:{function.lineno}" if function else "tools.py"
        if function is None:
            problems.append(Problem(where, f"no function for tool {tool.name!r}"))
            continue
        args = function.args
        names = [a.arg for a in args.args + args.kwonlyargs]
        if not names or names[0] != "db":
            problems.append(Problem(where, f"{tool.name}: the first parameter must be 'db'"))
            continue
        defaults = len(args.defaults)
        positional = [a.arg for a in args.args]
        optional = set(positional[len(positional) - defaults :]) | {
            a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None
        }
        properties = set(tool.input_schema.get("properties", {}))
        required = set(tool.input_schema.get("required", []))
        parameters = set(names[1:])
        for name in sorted(properties - parameters):
            if args.kwarg is None:
                problems.append(Problem(where, f"{tool.name}: schema property {name!r} has no parameter"))
        for name in sorted(parameters - properties):
            problems.append(Problem(where, f"{tool.name}: parameter {name!r} is not in the input schema"))
        for name in sorted((parameters - optional) - required):
            if name in properties:
                problems.append(
                    Problem(where, f"{tool.name}: parameter {name!r} has no default but is optional in the schema")
                )
    return problems


def _task_problems(spec: EnvSpec, tasks: list[Task]) -> list[Problem]:
    problems: list[Problem] = []
    validators = {t.name: compiled_schema(t.input_schema) for t in spec.tools}
    tables = {t.name for t in spec.tables}
    seen: set[str] = set()
    for number, task in enumerate(tasks, start=1):
        where = f"tasks.jsonl:{number} ({task.id})"
        if task.id in seen:
            problems.append(Problem(where, "duplicate task id"))
        seen.add(task.id)
        for node in task.solution.calls:
            validate = validators.get(node.tool)
            if validate is None:
                problems.append(Problem(f"{where}: solution.{node.id}", f"unknown tool {node.tool!r}"))
                continue
            try:
                validate(node.arguments)
            except fastjsonschema.JsonSchemaValueException as exc:
                problems.append(
                    Problem(
                        f"{where}: solution.{node.id}", f"arguments do not match {node.tool}'s schema: {exc.message}"
                    )
                )
        changes = [*task.expected.changes, *(task.initial_state.changes if task.initial_state else ())]
        for change in changes:
            if change.table not in tables:
                problems.append(Problem(where, f"a change names unknown table {change.table!r}"))
    return problems
