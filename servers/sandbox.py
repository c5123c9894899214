"""The AST allow-list for tool code, and loading checked code into a restricted namespace.

Tool code is untrusted (an LLM may have written it). Before anything runs, `check_source` walks
its syntax tree and lists every construct outside the allow-list with its line: imports beyond a
few pure modules, names that reach the interpreter (`open`, `exec`, `getattr`, ...), any dunder or
private attribute, `str.format` attribute tricks, `while`, recursion, classes, `try`, `with`,
async code, SQL that reads the wall clock. `load_tools` then executes the checked module with a
reduced set of builtins, a capped `range` and an import hook that admits only the allow-list.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any

from .errors import Problem, SandboxError
from .toolkit import ToolError

__all__ = ["ALLOWED_MODULES", "MAX_RANGE", "check_source", "load_tools"]

ALLOWED_MODULES = frozenset(
    {
        "math", "re", "json", "datetime", "decimal", "statistics", "collections", "typing",
        "autoforge.servers.toolkit", "autoforge.servers.arithmetic", "autoforge.servers.records",
    }
)  # fmt: skip
MAX_RANGE = 100_000

_SAFE_BUILTINS = (
    "abs all any bool dict divmod enumerate filter float frozenset int isinstance len list map max min "
    "reversed round set sorted str sum tuple zip True False None "
    "ValueError KeyError IndexError TypeError ZeroDivisionError Exception"
).split()
_FORBIDDEN_NAMES = frozenset(
    "eval exec compile open globals locals vars getattr setattr delattr hasattr __import__ type object "
    "super breakpoint input memoryview help dir id classmethod staticmethod property exit quit print "
    "__builtins__ __loader__ __spec__".split()
)
_FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "now", "today", "utcnow", "fromtimestamp", "mro"})
_FRAME_PREFIXES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_")
_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.Assign, ast.AugAssign, ast.AnnAssign,
    ast.If, ast.For, ast.Break, ast.Continue, ast.Pass, ast.Expr, ast.Raise, ast.Delete,
    ast.Import, ast.ImportFrom, ast.alias,
    ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Dict, ast.List, ast.Tuple, ast.Set,
    ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.comprehension, ast.Call, ast.keyword,
    ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.Starred, ast.Constant, ast.JoinedStr,
    ast.FormattedValue, ast.Lambda,
    ast.Load, ast.Store, ast.Del, ast.boolop, ast.operator, ast.unaryop, ast.cmpop, ast.expr_context,
)  # fmt: skip
_DESCRIBED = {
    ast.While: "'while' loops (loops must be 'for' over a bounded iterable)",
    ast.Try: "'try' blocks (raise ToolError for business errors; let other errors surface)",
    ast.With: "'with' blocks",
    ast.ClassDef: "class definitions",
    ast.AsyncFunctionDef: "async functions",
    ast.Await: "'await'",
    ast.Global: "'global'",
    ast.Nonlocal: "'nonlocal'",
    ast.Yield: "generators ('yield')",
    ast.YieldFrom: "generators ('yield from')",
    ast.NamedExpr: "the walrus operator",
    ast.Assert: "'assert' (raise ToolError instead)",
}
_WALL_CLOCK_SQL = re.compile(r"'now'|current_(timestamp|date|time)\b|\brandom(blob)?\s*\(", re.IGNORECASE)


def check_source(source: str, filename: str = "tools.py") -> list[Problem]:
    """Every allow-list violation in `source`, each with `filename:line`; empty when the code is safe."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return [Problem(f"{filename}:{exc.lineno or 0}", f"syntax error: {exc.msg}")]
    problems = [Problem(f"{filename}:{line}", message) for line, message in _violations(tree)]
    problems += [Problem(f"{filename}:{line}", message) for line, message in _recursion(tree)]
    return sorted(problems, key=lambda p: int(p.location.rsplit(":", 1)[1]))


def _violations(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for statement in tree.body:
        docstring = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        if not (docstring or isinstance(statement, (ast.FunctionDef, ast.Import, ast.ImportFrom, ast.Assign))):
            kind = type(statement).__name__
            yield statement.lineno, f"only functions, imports, constants and docstrings may appear at module level, not {kind}"
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if not isinstance(node, _ALLOWED_NODES):
            what = _DESCRIBED.get(type(node), type(node).__name__)
            yield line, f"{what} not allowed"
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            for name in names:
                if isinstance(node, ast.ImportFrom) and node.level:
                    yield line, "relative imports are not allowed"
                elif name not in ALLOWED_MODULES:
                    yield line, f"import of {name!r} is not allowed (allowed: {', '.join(sorted(ALLOWED_MODULES))})"
        elif isinstance(node, ast.Name) and node.id in _FORBIDDEN_NAMES:
            yield line, f"name {node.id!r} is not allowed"
        elif isinstance(node, ast.Name) and node.id.startswith("__"):
            yield line, f"dunder name {node.id!r} is not allowed"
        elif isinstance(node, ast.Attribute):
            message = _attribute_problem(node)
            if message:
                yield line, message
        elif isinstance(node, ast.alias) and node.name.startswith("_"):
            yield line, f"importing private name {node.name!r} is not allowed"
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("__"):
            yield line, f"dunder function {node.name!r} is not allowed"
        elif isinstance(node, ast.FunctionDef) and node.decorator_list:
            yield line, "decorators are not allowed"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _WALL_CLOCK_SQL.search(node.value):
            yield line, "SQL reading the wall clock or randomness is not allowed; use db.now() / db.today()"
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        if function not in tree.body:
            yield function.lineno, f"nested function {function.name!r} is not allowed; define it at module level"


def _attribute_problem(node: ast.Attribute) -> str | None:
    attr = node.attr
    if attr.startswith("_"):
        return f"private or dunder attribute {attr!r} is not allowed"
    if attr.startswith(_FRAME_PREFIXES):
        return f"attribute {attr!r} is not allowed"
    if attr in _FORBIDDEN_ATTRIBUTES:
        if attr in {"now", "today"} and isinstance(node.value, ast.Name) and node.value.id == "db":
            return None
        if attr in {"now", "today", "utcnow", "fromtimestamp"}:
            return f"{attr!r} reads the wall clock; use db.now() / db.today() (the environment's frozen clock)"
        return f"attribute {attr!r} is not allowed (use f-strings for formatting)"
    return None


def _recursion(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Cycles in the call graph of module-level functions (recursion is unbounded work)."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    calls = {
        name: {
            c.func.id
            for c in ast.walk(fn)
            if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id in functions
        }
        for name, fn in functions.items()
    }
    reported: set[str] = set()
    for start in functions:
        stack: list[tuple[str, tuple[str, ...]]] = [(start, (start,))]
        while stack:
            current, path = stack.pop()
            for callee in calls[current]:
                if callee == start and start not in reported:
                    reported.update(path)
                    yield functions[start].lineno, f"recursion ({' -> '.join((*path, callee))}) is not allowed"
                elif callee not in path:
                    stack.append((callee, (*path, callee)))


def _capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ToolError(f"range of {len(result)} items exceeds the sandbox limit of {MAX_RANGE}")
    return result


def _restricted_import(
    name: str,
    globals: Mapping[str, Any] | None = None,
    locals: Mapping[str, Any] | None = None,
    fromlist: tuple[str, ...] = (),
    level: int = 0,
) -> ModuleType:
    if name not in ALLOWED_MODULES or level:
        raise ImportError(f"import of {name!r} is not allowed in tool code")
    return __import__(name, globals, locals, fromlist, level)


def _sandbox_builtins() -> dict[str, Any]:
    safe = {name: getattr(builtins, name) for name in _SAFE_BUILTINS}
    safe.update(range=_capped_range, __import__=_restricted_import, ToolError=ToolError)
    return safe


def load_tools(source: str, names: list[str], filename: str = "tools.py") -> dict[str, Callable[..., Any]]:
    """Check `source`, execute it in a restricted namespace and return the named tool functions.

    Raises SandboxError listing every violation (with its line) or every missing function.
    """
    problems = check_source(source, filename)
    if problems:
        raise SandboxError(f"{filename} was refused: it uses constructs outside the sandbox allow-list", problems)
    namespace: dict[str, Any] = {"__builtins__": _sandbox_builtins(), "__name__": "autoforge_env_tools"}
    code = compile(source, filename, "exec")
    try:
        exec(code, namespace)  # checked above against the allow-list; runs with restricted builtins
    except Exception as exc:  # noqa: BLE001 - any failure at import time refuses the file
        raise SandboxError(f"{filename} failed while loading: {type(exc).__name__}: {exc}") from None
    missing = [n for n in names if not callable(namespace.get(n))]
    if missing:
        raise SandboxError(
            f"{filename} lacks functions for tools declared in env.json",
            [Problem(filename, f"no function named {n!r}") for n in missing],
        )
    return {n: namespace[n] for n in names}
