"""An environment in memory: spec, tasks, checked tools and the seed database, loaded from its folder."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import changelog
from .episodes import key_types
from .errors import Problem, SandboxError, SpecError
from .execution import CompiledTool, tool_parameters
from .limits import CallLimits, StepBudget
from .pool import pool_for
from .sandbox import check_source
from .spec import EnvSpec, Task
from .tables import create_schema
from .worker import ToolProgram

__all__ = [
    "ENV_FILES",
    "SERVER_PY",
    "Environment",
    "build_environment",
    "content_sha256",
    "create_schema",
    "files_sha256",
    "load_environment",
    "read_spec",
    "read_tasks",
]

ENV_FILES = ("env.json", "tools.py", "seed.sql", "tasks.jsonl")
"""The files whose content defines an environment (and its hash)."""
SEED_STEPS = 50_000_000
SEED_STEPS_PER_BYTE = 200
"""The SQLite steps loading seed.sql may take: this many, or this many per byte of it if more."""
SERVER_PY = '''"""MCP server for this environment: `python server.py` or `mcp run server.py` (stdio), `autoforge serve <folder>` (HTTP)."""

from pathlib import Path

from autoforge.servers import load_server

mcp = load_server(Path(__file__).resolve().parent)

if __name__ == "__main__":
    mcp.run()
'''
"""The launcher every environment folder holds: the same few lines, so that no folder brings code of its own that
runs outside the sandbox (an install writes these, whatever the archive held)."""


@dataclass(eq=False)
class Environment:
    """A loaded environment: everything needed to serve, run and verify it."""

    spec: EnvSpec
    tasks: dict[str, Task]
    tools: dict[str, CompiledTool]
    template: sqlite3.Connection
    sha256: str
    path: Path | None = None
    limits: CallLimits = CallLimits()
    """What one tool call may use (its code runs in worker processes under these limits)."""

    @property
    def name(self) -> str:
        return self.spec.name


def load_environment(folder: str | Path, limits: CallLimits | None = None) -> Environment:
    """Load and check an environment folder; raises SpecError or SandboxError naming every problem.

    Its tool code is checked here and loaded only in worker processes (`limits`: the default
    limits, or those the environment variables set).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SpecError(f"{folder} is not an environment folder (expected a directory with {', '.join(ENV_FILES)})")
    missing = [name for name in ENV_FILES if not (folder / name).is_file()]
    if missing:
        raise SpecError(
            f"{folder} is not a complete environment", [Problem(str(folder), f"missing {m}") for m in missing]
        )
    spec = read_spec(folder / "env.json")
    if spec.name != folder.name:
        raise SpecError(
            f"{folder}: the folder name must equal the environment name",
            [Problem("env.json: name", f"is {spec.name!r} but the folder is {folder.name!r}")],
        )
    tasks = read_tasks(folder / "tasks.jsonl")
    return build_environment(
        spec,
        (folder / "tools.py").read_text(encoding="utf-8"),
        (folder / "seed.sql").read_text(encoding="utf-8"),
        tasks,
        path=folder,
        sha256=content_sha256(folder),
        limits=limits,
    )


def build_environment(
    spec: EnvSpec,
    tools_source: str,
    seed_sql: str,
    tasks: Iterable[Task] = (),
    *,
    path: Path | None = None,
    sha256: str | None = None,
    limits: CallLimits | None = None,
) -> Environment:
    """An environment from its parts (what the synthesizer holds before writing a folder)."""
    limits = limits or CallLimits.from_environ()
    program, parameters = _program(spec, tools_source)
    pool = pool_for(limits)
    pool.load(program)
    tools = {t.name: CompiledTool.build(t, program, pool, parameters[t.name]) for t in spec.tools}
    template = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    create_schema(template, spec)
    _load_seed(template, seed_sql)
    changelog.install(template, spec)
    task_map: dict[str, Task] = {}
    for task in tasks:
        if task.id in task_map:
            raise SpecError(f"duplicate task id {task.id!r}")
        task_map[task.id] = task
    digest = (
        sha256
        or hashlib.sha256(
            json.dumps(
                [
                    spec.model_dump(mode="json"),
                    tools_source,
                    seed_sql,
                    [t.model_dump(mode="json") for t in task_map.values()],
                ]
            ).encode()
        ).hexdigest()
    )
    return Environment(spec, task_map, tools, template, digest, path, limits)


def _program(
    spec: EnvSpec, source: str, filename: str = "tools.py"
) -> tuple[ToolProgram, dict[str, frozenset[str] | None]]:
    """The tool code as workers load it, after the allow-list check (nothing of it runs here), and the keyword
    arguments of each of its functions (`tool_parameters`)."""
    problems = check_source(source, filename)
    if problems:
        raise SandboxError(f"{filename} was refused: it uses constructs outside the sandbox allow-list", problems)
    defined = tool_parameters(source)
    missing = [t.name for t in spec.tools if t.name not in defined]
    if missing:
        raise SandboxError(
            f"{filename} lacks functions for tools declared in env.json",
            [Problem(filename, f"no function named {name!r}") for name in missing],
        )
    names = tuple(t.name for t in spec.tools)
    key = hashlib.sha256(
        json.dumps([source, names, spec.clock, [t.model_dump(mode="json") for t in spec.tools]]).encode()
    )
    program = ToolProgram(
        key=key.hexdigest(),
        source=source,
        names=names,
        writes=frozenset(t.name for t in spec.tools if t.writes),
        output_schemas={t.name: t.output_schema for t in spec.tools if t.output_schema is not None},
        clock=spec.clock,
        keys=key_types(spec),
    )
    return program, defined


def read_spec(path: Path) -> EnvSpec:
    """Parse env.json; every schema problem is reported with its JSON location."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path} is not valid JSON", [Problem(f"{path.name}:{exc.lineno}", exc.msg)]) from None
    except ValueError as exc:  # a number of thousands of digits, NaN or Infinity: no bound of a column is one
        raise SpecError(f"{path} holds a number no spec uses", [Problem(path.name, str(exc))]) from None
    except RecursionError:
        raise SpecError(
            f"{path} nests its values too deeply to read", [Problem(path.name, "nesting too deep")]
        ) from None
    try:
        return EnvSpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(f"{path} does not match the environment spec", _problems(path.name, exc)) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_tasks(path: Path) -> list[Task]:
    """Parse tasks.jsonl; every bad line is reported with its line number."""
    tasks: list[Task] = []
    problems: list[Problem] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            tasks.append(Task.model_validate_json(line))
        except ValidationError as exc:
            problems += _problems(f"{path.name}:{number}", exc)
    if problems:
        raise SpecError(f"{path} has invalid tasks", problems)
    return tasks


def _problems(location: str, exc: ValidationError) -> list[Problem]:
    return [
        Problem(f"{location}: {'.'.join(str(p) for p in error['loc']) or '(root)'}", error["msg"])
        for error in exc.errors()
    ]


def _only_inserts(action: int, *_: Any) -> int:
    allowed = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT, sqlite3.SQLITE_TRANSACTION}
    return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY


def _load_seed(conn: sqlite3.Connection, seed_sql: str) -> None:
    """Run seed.sql, which may only insert rows (it is data, not code), within a budget of SQLite steps that grows
    with its length: a seed lists its rows, so one that computes many from a few (a cross join) is refused."""
    budget = StepBudget(conn, max(SEED_STEPS, SEED_STEPS_PER_BYTE * len(seed_sql)))
    conn.set_authorizer(_only_inserts)
    try:
        with budget:
            conn.executescript(seed_sql)
    except sqlite3.Error as exc:
        if budget.spent:
            raise SpecError("seed.sql takes too long to load: a seed lists its rows; it computes none") from None
        raise SpecError(f"seed.sql could not be loaded: {exc} (it may contain only INSERT statements)") from None
    finally:
        conn.set_authorizer(None)
    problems = [
        Problem("seed.sql", f"foreign key violation in {row[0]}") for row in conn.execute("PRAGMA foreign_key_check")
    ]
    if problems:
        raise SpecError("seed.sql breaks referential integrity", problems[:20])


def content_sha256(folder: Path) -> str:
    """SHA-256 over the files that define the environment (names and bytes, in a fixed order)."""
    return files_sha256({name: (folder / name).read_bytes() for name in ENV_FILES})


def files_sha256(files: Mapping[str, bytes]) -> str:
    """`content_sha256` of an environment held in memory (file name -> bytes; only ENV_FILES count)."""
    digest = hashlib.sha256()
    for name in ENV_FILES:
        data = files[name]
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()
