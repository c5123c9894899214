"""A tau2-bench checkout on disk: where a domain's data and tool source are, and which commit it is.

Nothing here imports tau2: its files are read as data (JSON, TOML, Markdown) and its tool source
is parsed with `ast` for the texts agents read (tool descriptions) and a few facts (the airports).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import docstring_parser
from autoforge.servers import SynthesisError

__all__ = ["Checkout", "DomainFiles", "ToolSource", "open_checkout"]

DOMAINS_DIR = Path("data/tau2/domains")
SOURCE_DIR = Path("src/tau2/domains")
REPOSITORY = "https://github.com/sierra-research/tau2-bench"


@dataclass(frozen=True)
class ToolSource:
    """What the checkout's toolkit says about one tool."""

    name: str
    parameters: tuple[str, ...]
    description: str
    arguments: dict[str, str]
    kind: str | None
    """tau2's ToolType name: READ, WRITE, THINK or GENERIC (None where the source does not say)."""


@dataclass(frozen=True)
class DomainFiles:
    """The files of one domain in a checkout."""

    name: str
    folder: Path
    database: Path
    tasks: Path
    policy: Path
    splits: Path | None
    tools: dict[str, ToolSource] = field(default_factory=dict)
    """The toolkit's tools as its source declares them (empty when the checkout has no source)."""
    constants: dict[str, Any] = field(default_factory=dict)

    def read_database(self) -> dict[str, Any]:
        """The domain database as plain data."""
        data = read_structured(self.database)
        if not isinstance(data, dict):
            raise SynthesisError(f"{self.database} does not hold a database object; is this a tau2-bench checkout?")
        return data

    def read_tasks(self) -> list[Any]:
        data = read_structured(self.tasks)
        if not isinstance(data, list):
            raise SynthesisError(f"{self.tasks} does not hold a list of tasks; is this a tau2-bench checkout?")
        return data

    def read_splits(self) -> dict[str, list[str]]:
        if self.splits is None:
            return {}
        data = read_structured(self.splits)
        return {str(k): [str(i) for i in v] for k, v in data.items()} if isinstance(data, dict) else {}

    def sources(self) -> tuple[Path, ...]:
        """The files an import reads, whose bytes are hashed into its provenance."""
        return (self.database, self.tasks, self.policy)


@dataclass(frozen=True)
class Checkout:
    """A tau2-bench checkout: its root, its commit (when it is a git work tree) and its domains."""

    root: Path
    commit: str | None
    repository: ClassVar[str] = REPOSITORY
    source_format: ClassVar[str] = "tau2-bench"
    label: ClassVar[str] = "tau2"
    """The command's benchmark name (`autoforge import tau2`), also the key of imported tasks' source metadata."""

    def release(self) -> str:
        """The benchmark's release from its pyproject.toml (0.0.0 when it does not say)."""
        pyproject = self.root / "pyproject.toml"
        try:
            found = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("version")
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            found = None
        return found if isinstance(found, str) and re.fullmatch(r"\d+\.\d+\.\d+", found) else "0.0.0"

    def version(self) -> str:
        """The release, with the commit as build metadata: 1.0.1+a2c0247."""
        return f"{self.release()}+{self.commit[:7]}" if self.commit else self.release()

    def domains(self) -> list[str]:
        folder = self.root / DOMAINS_DIR
        return sorted(p.name for p in folder.iterdir() if p.is_dir())

    def domain(self, name: str) -> DomainFiles:
        """The files of `name`; raises SynthesisError naming what is missing and what to do."""
        folder = self.root / DOMAINS_DIR / name
        if not folder.is_dir():
            raise SynthesisError(
                f"{self.root} has no domain {name!r} (it has: {', '.join(self.domains()) or 'none'}); "
                "pick one of those, or update the checkout"
            )
        database = _first(folder, ("db.json", "db.toml"))
        if database is None:
            raise SynthesisError(
                f"{folder} has no database file (db.json or db.toml): this checkout lacks the {name} domain's "
                "database (a large file: git-lfs or a partial copy may have left it out); fetch it, e.g. "
                f"`git -C {self.root} lfs pull` or a fresh clone of {REPOSITORY}, and import again"
            )
        tasks = folder / "tasks.json"
        if not tasks.is_file():
            raise SynthesisError(f"{folder} has no tasks.json: this checkout lacks the {name} domain's tasks")
        policy = folder / "policy.md"
        if not policy.is_file():
            raise SynthesisError(f"{folder} has no policy.md: this checkout lacks the {name} domain's policy")
        splits = folder / "split_tasks.json"
        source = self.root / SOURCE_DIR / name / "tools.py"
        tools, constants = read_tool_source(source) if source.is_file() else ({}, {})
        return DomainFiles(
            name, folder, database, tasks, policy, splits if splits.is_file() else None, tools, constants
        )


def open_checkout(path: str | Path) -> Checkout:
    """The checkout at `path`; raises SynthesisError when `path` is not a tau2-bench checkout."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise SynthesisError(f"{root} does not exist; pass the root folder of a tau2-bench checkout ({REPOSITORY})")
    if not (root / DOMAINS_DIR).is_dir():
        raise SynthesisError(
            f"{root} is not a tau2-bench checkout: it has no {DOMAINS_DIR}/ folder; pass the root of a clone of "
            f"{REPOSITORY}"
        )
    return Checkout(root.resolve(), commit_of(root))


def commit_of(root: Path) -> str | None:
    """The commit checked out at `root`, when `root` is the top of a git work tree (not a folder inside another)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != root.resolve():
        return None
    return lines[1] if len(lines[1]) == 40 else None


def _first(folder: Path, names: tuple[str, ...]) -> Path | None:
    return next((folder / n for n in names if (folder / n).is_file()), None)


def read_structured(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SynthesisError(f"{path} could not be read: {exc}") from None


def read_tool_source(path: Path) -> tuple[dict[str, ToolSource], dict[str, Any]]:
    """The decorated tools of a tau2 toolkit source file, and the facts its code holds (the airports)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise SynthesisError(f"{path} could not be parsed: {exc}") from None
    tools: dict[str, ToolSource] = {}
    constants: dict[str, Any] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        kind = _tool_kind(node)
        if kind is not None:
            doc = docstring_parser.parse(ast.get_docstring(node) or "")
            description = "\n\n".join(p for p in (doc.short_description, doc.long_description) if p) or node.name
            parameters = tuple(a.arg for a in node.args.args + node.args.kwonlyargs if a.arg != "self")
            arguments = {p.arg_name: p.description or "" for p in doc.params}
            tools[node.name] = ToolSource(node.name, parameters, description, arguments, kind)
        if node.name == "list_all_airports":
            airports = _airports(node)
            if airports:
                constants["AIRPORTS"] = airports
    return tools, constants


def _tool_kind(function: ast.FunctionDef) -> str | None:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name) and decorator.func.id == "is_tool":
            argument = decorator.args[0] if decorator.args else None
            return argument.attr if isinstance(argument, ast.Attribute) else "READ"
    return None


def _airports(function: ast.FunctionDef) -> list[dict[str, str]]:
    """The (iata, city) pairs that list_all_airports builds from literals."""
    found: list[dict[str, str]] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            values = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            iata, city = values.get("iata"), values.get("city")
            if isinstance(iata, str) and isinstance(city, str):
                found.append({"iata": iata, "city": city})
    return found
