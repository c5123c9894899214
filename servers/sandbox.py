"""The AST allow-list for tool code, and loading checked code into a restricted namespace.

Tool code is untrusted (an LLM may have written it). Before anything runs, `check_source` walks
its syntax tree and lists every construct outside the allow-list with its line: imports beyond a
few modules, or names those modules do not offer (`servers/facades.py` lists them); a module used
other than as `module.name`; names that reach the interpreter (`open`, `exec`, `getattr`, ...); any
dunder or private attribute, frame and code attributes, `format`/`format_map` (field lookups in
format strings), assigning attributes; `while`, recursion, classes, `try`, `with`, async code,
decorators, nested functions; SQL that reads the wall clock; binding a name the check trusts
(`isinstance`, the container types, `db` anywhere but as a function's parameter) or handing a function
that takes `db` anything but the caller's own; typing names outside annotations (typing caches them
process-wide). Module level runs when the file is loaded (by `validate`, `registry publish` and `install`
too), so it holds only imports, docstrings, functions, literal constants and the safe constructor calls of
`facades.SAFE_CONSTRUCTORS`; default arguments are constants and annotations are plain type expressions.
`load_tools` then executes the checked module with a reduced set of builtins, a capped `range` and an
import hook that returns the facades, never a module, and makes the module's dicts and lists read-only
(their methods refuse changes), so a tool cannot carry state in them from one episode to the next.
"""

from __future__ import annotations

import ast
import builtins
import datetime
import decimal
import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import networkx as nx

from .errors import Problem, SandboxError
from .facades import ALLOWED_NAMES, FACADES, SAFE_CONSTRUCTORS, Facade, not_offered
from .toolkit import ToolError

__all__ = ["ALLOWED_MODULES", "MAX_RANGE", "SAFE_BUILTINS", "check_source", "load_tools"]

ALLOWED_MODULES = frozenset(ALLOWED_NAMES)
MAX_RANGE = 100_000

SAFE_BUILTINS = tuple(
    "abs all any bool dict divmod enumerate filter float frozenset int isinstance len list map max min "
    "reversed round set sorted str sum tuple zip True False None "
    "ValueError KeyError IndexError TypeError ZeroDivisionError Exception".split()
)
"""The builtins tool code sees (with a capped `range` and `ToolError`)."""
_FORBIDDEN_NAMES = frozenset(
    "eval exec compile open globals locals vars getattr setattr delattr hasattr __import__ type object "
    "super breakpoint input memoryview help dir id classmethod staticmethod property exit quit print "
    "__builtins__ __loader__ __spec__".split()
)
_FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "now", "today", "utcnow", "fromtimestamp", "mro"})
_FRAME_PREFIXES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_")
_CONTAINER_TYPES = frozenset({"dict", "list", "set"})
_CONTAINER_CLASSES = {
    "collections": frozenset({"Counter", "OrderedDict", "defaultdict"}),
    "typing": frozenset({"Dict", "List", "Set"}),
}
"""Container types whose methods, taken from the type, change any instance of the built-in dict, list or set."""
_CLOCK_CLASSES = {"datetime": frozenset({"date", "datetime"})}
"""Classes with wall-clock constructors (`now`, `today`), which only the name `db` may be asked for."""
_NEW_CONTAINER_METHODS = frozenset({"fromkeys"})
"""Methods of those types that make a new container."""
_TOO_DEEP = "expressions nested too deeply to check; split them into steps"
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
_TYPE_NODES = (
    ast.Name, ast.Attribute, ast.Subscript, ast.Tuple, ast.List, ast.Constant, ast.BinOp, ast.BitOr, ast.Load,
)  # fmt: skip
"""What an annotation may hold: it is evaluated at load, so nothing in it may be called."""
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
_WALL_CLOCK_SQL = re.compile(r"'now'|\bcurrent_(timestamp|date|time)\b|\brandom(blob)?\s*\(", re.IGNORECASE)
_TRANSACTION_SQL = re.compile(r"\s*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
_DB_SQL_METHODS = frozenset({"execute", "query", "one", "value"})

Imported = dict[str, tuple[str, str | None]]
"""Name bound by an import -> (module, member), member None for the module itself."""


def check_source(source: str, filename: str = "tools.py") -> list[Problem]:
    """Every allow-list violation in `source`, each with `filename:line`; empty when the code is safe."""
    return list(_checked(source, filename))


@lru_cache(maxsize=16)
def _checked(source: str, filename: str) -> tuple[Problem, ...]:
    """`check_source`, remembered: synthesis checks the same tools.py each time it builds the environment."""
    try:
        tree = ast.parse(source, filename=filename)
        imported = _imported(tree)
        found = [
            *_module_level(tree, imported),
            *_violations(tree, imported),
            *_recursion(tree),
            *_bindings(tree),
            *_db_passing(tree),
        ]
    except SyntaxError as exc:
        return (Problem(f"{filename}:{exc.lineno or 0}", f"syntax error: {exc.msg}"),)
    except (RecursionError, MemoryError):  # nested past what the parser or the checker walks: no tool needs that
        return (Problem(f"{filename}:1", _TOO_DEEP),)
    except (UnicodeError, ValueError) as exc:  # a lone surrogate, a null byte: no source text a tool is written in
        return (Problem(f"{filename}:1", f"the source is not plain text: {exc}"),)
    problems = [Problem(f"{filename}:{line}", message) for line, message in found]
    return tuple(sorted(problems, key=lambda p: int(p.location.rsplit(":", 1)[1])))


def _imported(tree: ast.Module) -> Imported:
    names: Imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update({a.asname or a.name: (a.name, None) for a in node.names if a.name in ALLOWED_NAMES})
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.update({a.asname or a.name: (node.module, a.name) for a in node.names})
    return names


def _module_level(tree: ast.Module, imported: Imported) -> Iterator[tuple[int, str]]:
    """What runs at load: only imports, docstrings, functions, literal constants and safe constructors."""
    constants: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            if not isinstance(statement.value.value, str):
                yield statement.lineno, "a module-level expression must be a docstring"
        elif isinstance(statement, ast.FunctionDef):
            yield from _signature(statement)
        elif isinstance(statement, ast.Assign):
            targets = [t.id for t in statement.targets if isinstance(t, ast.Name)]
            if len(targets) != len(statement.targets):
                yield statement.lineno, "module-level assignments bind plain names (NAME = literal)"
            elif not (_is_literal(statement.value) or _safe_construction(statement.value, imported, constants)):
                calls = ", ".join(f"{name}(...)" for _, name in sorted(SAFE_CONSTRUCTORS))
                yield (
                    statement.lineno,
                    (
                        f"module-level {targets[0]} must be a literal (numbers, strings, lists, dicts) or {calls} with "
                        "literal or constant arguments; compute anything else inside a tool function"
                    ),
                )
            elif _is_literal(statement.value):
                constants.update(targets)
        else:
            kind = type(statement).__name__
            yield (
                statement.lineno,
                f"only functions, imports, constants and docstrings may appear at module level, not {kind}",
            )


def _signature(function: ast.FunctionDef) -> Iterator[tuple[int, str]]:
    """Defaults and annotations are evaluated at load: constants and type expressions only."""
    args = function.args
    for default in (*args.defaults, *(d for d in args.kw_defaults if d is not None)):
        if not _is_constant(default):
            yield (
                default.lineno,
                (
                    f"default {ast.unparse(default)!r} of {function.name} must be a constant (None, a number, a string "
                    "or a tuple of them); build lists and dicts inside the function"
                ),
            )
    parameters = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    annotations = [p.annotation for p in parameters if p is not None and p.annotation is not None]
    for annotation in (*annotations, *([function.returns] if function.returns else [])):
        if not all(isinstance(n, _TYPE_NODES) for n in ast.walk(annotation)):
            yield (
                annotation.lineno,
                f"annotation {ast.unparse(annotation)!r} must be a plain type such as int or typing.Optional[str]",
            )


def _is_constant(node: ast.expr) -> bool:
    """None, a number, a string, bytes, a signed number or a tuple of these: values no call can change."""
    if isinstance(node, ast.Tuple):
        return all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        return isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float, complex))
    return isinstance(node, ast.Constant)


def _is_literal(node: ast.expr) -> bool:
    """A constant, or a list, set, tuple or dict built of literals only (nothing is called)."""
    if isinstance(node, (ast.List, ast.Set, ast.Tuple)):
        return all(_is_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _is_literal(k) for k in node.keys) and all(_is_literal(v) for v in node.values)
    return _is_constant(node)


def _safe_construction(node: ast.expr, imported: Imported, constants: set[str]) -> bool:
    """A call of a listed safe constructor whose arguments are literals or module-level constants."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        origin = imported.get(func.id)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in imported:
        module, member = imported[func.value.id]
        origin = (module, func.attr) if member is None else None
    else:
        origin = None
    values = [*node.args, *(k.value for k in node.keywords if k.arg is not None)]
    plain = len(values) == len(node.args) + len(node.keywords)
    return (
        origin in SAFE_CONSTRUCTORS
        and plain
        and all(_is_literal(v) or (isinstance(v, ast.Name) and v.id in constants) for v in values)
    )


def _violations(tree: ast.Module, imported: Imported) -> Iterator[tuple[int, str]]:
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    modules = {name for name, (_, member) in imported.items() if member is None}
    annotations = {id(inner) for node in _annotations(tree) for inner in ast.walk(node)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if not isinstance(node, _ALLOWED_NODES):
            what = _DESCRIBED.get(type(node), type(node).__name__)
            yield line, f"{what} not allowed"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from ((line, message) for message in _import_problems(node))
        elif isinstance(node, ast.Name):
            message = (
                _name_problem(node, modules, parents.get(node))
                or _container_problem(node, imported, parents, annotations)
                or _clock_problem(node, imported, parents, annotations)
                or _typing_problem(node, imported, annotations)
            )
            if message:
                yield line, message
        elif isinstance(node, ast.Attribute):
            message = (
                _attribute_problem(node, imported)
                or _container_problem(node, imported, parents, annotations)
                or _clock_problem(node, imported, parents, annotations)
                or _typing_problem(node, imported, annotations)
            )
            if message:
                yield line, message
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("__"):
            yield line, f"dunder function {node.name!r} is not allowed"
        elif isinstance(node, ast.FunctionDef) and node.decorator_list:
            yield node.decorator_list[0].lineno, "decorators are not allowed"
        elif isinstance(node, ast.Call) and (statement := _transaction_statement(node)):
            yield (
                line,
                (
                    f"{statement} in tool code is not allowed: the runtime runs each call as one transaction "
                    "and rolls it back when the tool raises"
                ),
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _WALL_CLOCK_SQL.search(node.value):
            yield line, "SQL reading the wall clock or randomness is not allowed; use db.now() / db.today()"
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        if function not in tree.body:
            yield function.lineno, f"nested function {function.name!r} is not allowed; define it at module level"


def _annotations(tree: ast.Module) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            yield node.annotation
        elif isinstance(node, ast.FunctionDef) and node.returns is not None:
            yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def _container_problem(
    node: ast.Name | ast.Attribute, imported: Imported, parents: dict[ast.AST, ast.AST], annotations: set[int]
) -> str | None:
    """Why naming a container type here is refused: its methods taken from the type itself (`dict.update(MEMO,
    ...)`, `collections.Counter.setdefault`, `typing.Dict.update`) change any instance, a module constant too.
    The type may be called, named in `isinstance` or an annotation, and asked for `fromkeys`; nothing else,
    so no alias of it (`kind = dict`, `for t in (dict,)`) reaches a method either."""
    label = _container_label(node, imported)
    if label is None or id(node) in annotations:
        return None
    parent = parents.get(node)
    if isinstance(parent, ast.Call) and parent.func is node:
        return None
    if isinstance(parent, ast.Attribute) and parent.attr in _NEW_CONTAINER_METHODS:
        return None
    call = parents.get(parent) if isinstance(parent, ast.Tuple) else parent
    if _is_isinstance(call) and call.args[1] in (node, parent):  # type: ignore[union-attr]
        return None
    return (
        f"{label} may only be called ({label}(...)), named in isinstance() or an annotation: a method taken from "
        f"the type itself changes any {label}, even the shared module-level constants; call the method on the "
        "object (x.update(...))"
    )


def _clock_problem(
    node: ast.Name | ast.Attribute, imported: Imported, parents: dict[ast.AST, ast.AST], annotations: set[int]
) -> str | None:
    """Why naming `datetime.date` or `datetime.datetime` here is refused: passed around or bound to another name
    (`db = datetime.datetime`, `helper(datetime.datetime)`), `.now()` on it would pass for the environment's
    clock. The class may be called, used as `CLASS.NAME` (`fromisoformat`), named in isinstance() or an
    annotation."""
    label = _class_label(node, imported, _CLOCK_CLASSES)
    if label is None or id(node) in annotations:
        return None
    parent = parents.get(node)
    if (isinstance(parent, ast.Call) and parent.func is node) or (
        isinstance(parent, ast.Attribute) and parent.value is node
    ):
        return None
    call = parents.get(parent) if isinstance(parent, ast.Tuple) else parent
    if _is_isinstance(call) and call.args[1] in (node, parent):  # type: ignore[union-attr]
        return None
    return f"{label} may only be called, used as {label}.NAME, or named in isinstance() or an annotation"


def _typing_problem(node: ast.Name | ast.Attribute, imported: Imported, annotations: set[int]) -> str | None:
    """Why naming a typing name outside an annotation is refused: its subscriptions are cached for the whole process
    (`typing.Literal[...]` of a value equal to an earlier one returns the earlier one), so a call could read what
    an earlier episode put there."""
    if id(node) in annotations:
        return None
    if isinstance(node, ast.Name):
        origin = imported.get(node.id)
        named = origin is not None and origin[0] == "typing" and origin[1] is not None
    else:
        named = isinstance(node.value, ast.Name) and imported.get(node.value.id) == ("typing", None)
    return "typing names may only be used in annotations" if named else None


_TRUSTED_NAMES = frozenset({"isinstance", "range", "ToolError", "db", *_CONTAINER_TYPES})
"""Names the check trusts to be what the runtime binds (the builtins, the tool's `db`), so nothing may rebind them."""


def _bindings(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every binding of a trusted name: `isinstance` defined anew makes `isinstance(x, dict)` hand out the type
    (and its methods, which change shared constants), and `db` bound to anything but the tool's database would
    pass `db.now()` off as the environment's clock. `db` is only ever a positional parameter of a module-level
    function."""
    module_parameters = {
        id(a) for f in tree.body if isinstance(f, ast.FunctionDef) for a in (*f.args.posonlyargs, *f.args.args)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and node.id in _TRUSTED_NAMES:
            yield node.lineno, f"{node.id!r} may not be assigned: it must stay what the runtime makes it"
        elif (
            isinstance(node, ast.arg)
            and node.arg in _TRUSTED_NAMES
            and not (node.arg == "db" and id(node) in module_parameters)
        ):
            where = "a positional parameter of a module-level function" if node.arg == "db" else "nothing else"
            yield node.lineno, f"a parameter named {node.arg!r} is not allowed (it may only be {where})"
        elif isinstance(node, ast.FunctionDef) and node.name in _TRUSTED_NAMES:
            yield node.lineno, f"a function named {node.name!r} is not allowed: it would hide the runtime's own"
        elif isinstance(node, ast.alias) and node.asname in _TRUSTED_NAMES:  # a facade offers none of them by name
            yield node.lineno, f"importing as {node.asname!r} is not allowed; pick a plain name"


def _db_passing(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every call of a function with a `db` parameter passes the caller's own `db` there, and such a function is only
    ever called by name (never handed to `map`, stored or returned), so `db` is the tool's database wherever it is
    read."""
    positions = {
        f.name: [a.arg for a in (*f.args.posonlyargs, *f.args.args)].index("db")
        for f in tree.body
        if isinstance(f, ast.FunctionDef) and "db" in [a.arg for a in (*f.args.posonlyargs, *f.args.args)]
    }
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in _module_names(tree):
        if node.id not in positions:
            continue
        call = parents.get(node)
        if not (isinstance(call, ast.Call) and call.func is node):
            yield node.lineno, f"{node.id} takes db, so it may only be called by name (it cannot be passed around)"
        elif not _passes_db(call, positions[node.id]):
            yield node.lineno, f"{node.id} must be given the tool's own db ({node.id}(db, ...))"


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _module_names(node: ast.AST, local: frozenset[str] = frozenset()) -> Iterator[ast.Name]:
    """The names read in `node` that mean a module-level name: no enclosing function, lambda or comprehension
    binds them (`check_in` read in `book(db, check_in)` is the argument, not the tool `check_in`). A
    comprehension's first iterable is read where the comprehension stands, as Python reads it."""
    if isinstance(node, ast.Name):
        if isinstance(node.ctx, ast.Load) and node.id not in local:
            yield node
    elif isinstance(node, _COMPREHENSIONS):
        first, *rest = node.generators
        yield from _module_names(first.iter, local)
        inner = local | {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        parts = [first.target, *first.ifs, *rest]
        parts += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            yield from _module_names(part, inner)
    elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
        arguments = node.args
        for default in (*arguments.defaults, *arguments.kw_defaults):  # read where the function is defined
            if default is not None:
                yield from _module_names(default, local)
        every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
        body = node.body if isinstance(node.body, list) else [node.body]
        inner = local | {a.arg for a in every if a is not None} | _assigned(body)
        for part in body:
            yield from _module_names(part, inner)
    else:
        for child in ast.iter_child_nodes(node):
            yield from _module_names(child, local)


def _assigned(body: list[ast.stmt]) -> set[str]:
    """Names a function's own statements bind (not those bound inside its lambdas and comprehensions)."""
    bound: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        if not isinstance(node, (ast.Lambda, *_COMPREHENSIONS)):
            pending.extend(ast.iter_child_nodes(node))
    return bound


def _passes_db(call: ast.Call, position: int) -> bool:
    """Whether `call` passes the name `db` at `position` (or as `db=db`) with nothing unpacked before it that could
    move it. A `**mapping` may follow: a `db` in it is a second value for `db`, which Python refuses."""
    if any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return False
    given = (
        call.args[position]
        if len(call.args) > position
        else next((k.value for k in call.keywords if k.arg == "db"), None)
    )
    return isinstance(given, ast.Name) and given.id == "db"


def _is_isinstance(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "isinstance"
        and len(node.args) == 2
    )


def _container_label(node: ast.Name | ast.Attribute, imported: Imported) -> str | None:
    """`dict` for the built-in dict, `collections.Counter` for that class however it was imported; None otherwise."""
    if isinstance(node, ast.Name) and node.id not in imported:
        return node.id if node.id in _CONTAINER_TYPES else None
    return _class_label(node, imported, _CONTAINER_CLASSES)


def _class_label(
    node: ast.Name | ast.Attribute, imported: Imported, classes: Mapping[str, frozenset[str]]
) -> str | None:
    """`module.Class` when `node` names one of `classes` however it was imported (`from datetime import datetime
    as d`, `datetime.datetime`); None otherwise."""
    if isinstance(node, ast.Name):
        origin = imported.get(node.id)
        if origin is None:
            return None
        module, member = origin
    elif isinstance(node.value, ast.Name) and imported.get(node.value.id, ("", ""))[1] is None:
        module, member = imported[node.value.id][0], node.attr
    else:
        return None
    return f"{module}.{member}" if member in classes.get(module, ()) else None


def _transaction_statement(call: ast.Call) -> str | None:
    """The transaction statement that `db.execute('COMMIT')` (or query, one, value) spells out, if any."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in _DB_SQL_METHODS and isinstance(func.value, ast.Name)):
        return None
    sql = call.args[0] if call.args and func.value.id == "db" else None
    if not (isinstance(sql, ast.Constant) and isinstance(sql.value, str)):
        return None
    match = _TRANSACTION_SQL.match(sql.value)
    return match.group(1).upper() if match else None


def _import_problems(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    allowed = ", ".join(sorted(ALLOWED_MODULES))
    for alias in node.names:
        if alias.asname and (alias.asname.startswith("__") or alias.asname in _FORBIDDEN_NAMES):
            yield f"importing as {alias.asname!r} is not allowed; pick a plain name"
    if isinstance(node, ast.ImportFrom):
        if node.level:
            yield "relative imports are not allowed"
        elif node.module not in ALLOWED_MODULES:
            yield f"import of {node.module!r} is not allowed (allowed: {allowed})"
        else:
            for alias in node.names:
                if alias.name == "*":
                    yield f"'from {node.module} import *' is not allowed; import the names you use"
                elif alias.name not in ALLOWED_NAMES[node.module]:
                    yield not_offered(node.module, alias.name)
        return
    for alias in node.names:
        if alias.name not in ALLOWED_MODULES:
            yield f"import of {alias.name!r} is not allowed (allowed: {allowed})"
        elif "." in alias.name:
            names = ", ".join(sorted(ALLOWED_NAMES[alias.name]))
            yield f"write 'from {alias.name} import NAME' (NAME one of {names}) instead of 'import {alias.name}'"


def _name_problem(node: ast.Name, modules: set[str], parent: ast.AST | None) -> str | None:
    if node.id in _FORBIDDEN_NAMES:
        return f"name {node.id!r} is not allowed"
    if node.id.startswith("__"):
        return f"dunder name {node.id!r} is not allowed"
    if node.id in modules and not (isinstance(parent, ast.Attribute) and parent.value is node):
        return f"module {node.id!r} may only be used as {node.id}.NAME, not passed around or rebound"
    return None


def _attribute_problem(node: ast.Attribute, imported: Imported) -> str | None:
    attr = node.attr
    if not isinstance(node.ctx, ast.Load):
        return f"assigning or deleting attribute {attr!r} is not allowed; tool code changes dicts and the database"
    origin = imported.get(node.value.id) if isinstance(node.value, ast.Name) else None
    if origin is not None and origin[1] is None:
        return None if attr in ALLOWED_NAMES[origin[0]] else not_offered(origin[0], attr)
    if attr.startswith("_"):
        return f"private or dunder attribute {attr!r} is not allowed"
    if attr.startswith(_FRAME_PREFIXES):
        return f"attribute {attr!r} is not allowed"
    if attr in _FORBIDDEN_ATTRIBUTES:
        if (
            attr in {"now", "today"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "db"
            and "db" not in imported
        ):
            return None
        if attr in {"now", "today", "utcnow", "fromtimestamp"}:
            return f"{attr!r} reads the wall clock; use db.now() / db.today() (the environment's frozen clock)"
        return f"attribute {attr!r} is not allowed (use f-strings for formatting)"
    return None


def _recursion(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Cycles in the call graph of module-level functions (recursion is unbounded work), one per strongly connected
    group of functions, found in time linear in the calls (a walk of every path is exponential in them)."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    graph = nx.DiGraph()
    graph.add_edges_from(
        (name, c.func.id)
        for name, fn in functions.items()
        for c in ast.walk(fn)
        if isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id in functions
    )
    for group in nx.strongly_connected_components(graph):
        start = min(group, key=lambda name: functions[name].lineno)
        if len(group) == 1 and not graph.has_edge(start, start):
            continue
        path = [start, *(callee for _, callee in nx.find_cycle(graph.subgraph(group), start))]
        yield functions[start].lineno, f"recursion ({' -> '.join(path)}) is not allowed"


def _capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ToolError(f"range of {len(result)} items exceeds the sandbox limit of {MAX_RANGE}")
    return result


_INTERNAL_IMPORTS = frozenset({"time", "_strptime"})
"""Modules `datetime`'s C code imports through the builtins' `__import__` (`strftime`, `strptime`, `timetuple`)."""


def _import_facade(
    name: str,
    globals: Mapping[str, Any] | None = None,
    locals: Mapping[str, Any] | None = None,
    fromlist: tuple[str, ...] | None = (),
    level: int = 0,
) -> Facade:
    if name in _INTERNAL_IMPORTS and not level:  # only C code can ask: the check refuses these imports in tool code
        return importlib.import_module(name)  # type: ignore[return-value]
    facade = FACADES.get(name)
    if facade is None or level:
        raise ImportError(
            f"import of {name!r} is not allowed in tool code (allowed: {', '.join(sorted(ALLOWED_MODULES))})"
        )
    return facade


def _read_only(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        "module-level constants of tools.py are shared by every episode and cannot change; "
        "change a copy (dict(NAME), list(NAME)) instead"
    )


class _ConstantDict(dict[Any, Any]):
    """A module-level dict of tools.py: read like any dict, changed by no one (every episode shares it)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _read_only


class _ConstantList(list[Any]):
    """A module-level list of tools.py: read like any list, changed by no one (every episode shares it)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = clear = extend = insert = pop = remove = reverse = sort = _read_only


def _constant(value: Any) -> Any:
    """`value` with every dict, list and set in it made read-only (module-level literals only hold these)."""
    if isinstance(value, dict):
        return _ConstantDict({k: _constant(v) for k, v in value.items()})
    if isinstance(value, list):
        return _ConstantList(_constant(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_constant(v) for v in value)
    if isinstance(value, set):
        return frozenset(value)
    return value


def _sandbox_builtins() -> dict[str, Any]:
    safe = {name: getattr(builtins, name) for name in SAFE_BUILTINS}
    safe.update(range=_capped_range, __import__=_import_facade, ToolError=ToolError, __plain__=_plain, str=_Str)
    return safe


_PLAIN = (str, int, float, bool, type(None), decimal.Decimal, datetime.date, datetime.time, datetime.timedelta, bytes)
_CONTAINERS = (list, tuple, dict, set, frozenset)


def _plain(value: Any) -> Any:
    """`value`, when its text holds no memory address (data, not a function or a map object): what `str(...)`, an
    f-string's field and `%` formatting in tool code are given (their text would differ from run to run)."""
    pending, seen = [value], set()
    while pending:
        item = pending.pop()
        if isinstance(item, _PLAIN):
            continue
        if not isinstance(item, _CONTAINERS):
            raise TypeError(f"a {type(item).__name__} has no text tool code may use (it shows a memory address)")
        if id(item) not in seen:  # a list that holds itself is walked once
            seen.add(id(item))
            pending.extend(item.items() if isinstance(item, dict) else item)
    return value


class _TextType(type):
    """The type of what tool code knows as `str`: `isinstance(x, str)` and `str.lower` as usual, and a call that
    first checks its argument is data, however `str` is reached: called, or handed on (`map(str, fns)`,
    `sorted(fns, key=str)`)."""

    def __call__(cls, *args: Any, **kwargs: Any) -> str:
        if args:
            _plain(args[0])
        return str(*args, **kwargs)

    def __instancecheck__(cls, value: Any) -> bool:
        return isinstance(value, str)

    def __subclasscheck__(cls, other: type) -> bool:
        return issubclass(other, str)

    def __getattr__(cls, name: str) -> Any:
        return getattr(str, name)

    def __repr__(cls) -> str:
        return "<class 'str'>"


class _Str(metaclass=_TextType):
    """`str` in tool code (see `_TextType`)."""


class _Plain(ast.NodeTransformer):
    """Passes what tool code turns into text without calling `str` through `__plain__`: `f"{x}"`, `"%s" % x`."""

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        node.value = _plained(node.value)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Mod):
            node.right = _plained(node.right)
        return node


def _plained(node: ast.expr) -> ast.expr:
    return ast.copy_location(ast.Call(ast.Name("__plain__", ast.Load()), [node], []), node)


def load_tools(source: str, names: list[str], filename: str = "tools.py") -> dict[str, Callable[..., Any]]:
    """Check `source`, execute it in a restricted namespace and return the named tool functions.

    Raises SandboxError listing every violation (with its line) or every missing function.
    """
    problems = check_source(source, filename)
    if problems:
        raise SandboxError(f"{filename} was refused: it uses constructs outside the sandbox allow-list", problems)
    namespace: dict[str, Any] = {"__builtins__": _sandbox_builtins(), "__name__": "autoforge_env_tools"}
    code = compile(ast.fix_missing_locations(_Plain().visit(ast.parse(source, filename))), filename, "exec")
    try:
        exec(code, namespace)  # checked above against the allow-list; runs with restricted builtins
    except Exception as exc:  # noqa: BLE001 - any failure at import time refuses the file
        raise SandboxError(f"{filename} failed while loading: {type(exc).__name__}: {exc}") from None
    namespace.update({name: _constant(value) for name, value in namespace.items() if not name.startswith("__")})
    missing = [n for n in names if not callable(namespace.get(n))]
    if missing:
        raise SandboxError(
            f"{filename} lacks functions for tools declared in env.json",
            [Problem(filename, f"no function named {n!r}") for n in missing],
        )
    return {n: namespace[n] for n in names}
