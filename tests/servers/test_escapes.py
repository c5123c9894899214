"""Tool code cannot leave its sandbox: generated attribute paths and a hand list of known escape tricks.

The generated half walks public attributes and items (to depth 3) from every allowed module, as
Python has it and as its facade offers it, and from every object tool code can hold: the facades'
members, the sandbox's builtins and what calling them gives. Each path that reaches a module, a code
object, a frame, a traceback, a function's globals, the builtins or an unsafe builtin becomes tool
code taking that path, which the AST check refuses at its line, or which fails when called.

The hand half adds each known trick as a tool to a copy of library-loans: `validate` refuses it at
its line, or the real MCP server answers its call with a tool error, with no file written, neither
its episode nor another changed, and the server still answering.
"""

from __future__ import annotations

import asyncio
import builtins
import datetime
import importlib
import json
import math
import os
import re
import sqlite3
import sys
import types
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from autoforge.servers import Db, call_tool, load_server, reset_episode, validate_folder
from autoforge.servers.facades import ALLOWED_NAMES, FACADES
from autoforge.servers.sandbox import SAFE_BUILTINS, check_source, load_tools
from mcp import Client, StdioServerParameters

from .conftest import library_with_tools

DEPTH = 3
PROBED = ("sys", "os", "modules", "builtins", "register", "globals", "f_globals", "gi_frame", "tb_frame", "codecs")
"""Names tried beyond dir(): a `__getattr__` (typing's aliases forward to their origin) serves names dir() omits."""
LEAVES = (str, bytes, int, float, complex, bool, type(None))

# ---- the walk ------------------------------------------------------------------------------------


def reached(value: object) -> str | None:
    """What `value` is, when tool code must never hold it."""
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if isinstance(value, (types.CodeType, types.FrameType, types.TracebackType)):
        return type(value).__name__
    if isinstance(value, dict) and ("__builtins__" in value or "__import__" in value):
        return "a globals or builtins dict"
    if value is type or value is object or value is super:
        return f"builtin {value.__name__}"
    owner = getattr(value, "__self__", None)
    module_function = isinstance(value, types.BuiltinFunctionType) and isinstance(owner, types.ModuleType)
    if module_function and owner is not math and not (owner is builtins and value.__name__ in SAFE_BUILTINS):
        return f"builtin {owner.__name__}.{value.__name__}"
    return None


def _steps(obj: object) -> Iterator[tuple[str, object]]:
    """The public attributes of `obj`, and the items of a small mapping or sequence."""
    try:
        names = {n for n in dir(obj) if not n.startswith("_")} | set(PROBED)
    except Exception:  # noqa: BLE001 - an object whose dir() fails is walked through PROBED alone
        names = set(PROBED)
    for name in sorted(names):
        try:
            yield f".{name}", getattr(obj, name)
        except Exception:  # noqa: BLE001, S112 - absent or unreadable attributes lead nowhere
            continue
    if isinstance(obj, Mapping) and len(obj) <= 50:
        for key in [k for k in obj if isinstance(k, (str, int))][:20]:
            yield f"[{key!r}]", obj[key]
    elif isinstance(obj, (list, tuple)):
        yield from ((f"[{i}]", item) for i, item in enumerate(obj[:5]))


def escape_paths(root: object) -> list[tuple[str, str]]:
    """Every path of at most DEPTH steps from `root` to something `reached` names, with what it reaches."""
    found: list[tuple[str, str]] = []
    seen: dict[int, object] = {id(root): root}  # values kept alive, so no id is reused
    frontier: list[tuple[str, object]] = [("", root)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # typing.io and friends warn when read
        for _ in range(DEPTH):
            following: list[tuple[str, object]] = []
            for path, obj in frontier:
                for step, value in _steps(obj):
                    what = reached(value)
                    if what:
                        found.append((path + step, what))
                    if id(value) not in seen and not isinstance(value, LEAVES):
                        seen[id(value)] = value
                        following.append((path + step, value))
            frontier = following
    return found


# ---- generated attempts ------------------------------------------------------------------------


def probe_source(prelude: str, expression: str) -> tuple[str, int]:
    """Tool code whose function `probe` returns `expression`, and the line of that return."""
    source = f"{prelude}\n\n\ndef probe(db):\n    return {expression}\n"
    return source, source.splitlines().index(f"    return {expression}") + 1


def assert_stopped(prelude: str, expression: str, line: int | None, db: Db) -> None:
    """The check refuses the probe at `line` (its return line when None), or calling the probe fails."""
    source, returned = probe_source(prelude, expression)
    problems = check_source(source)
    if problems:
        assert f"tools.py:{line or returned}" in {p.location for p in problems}, (expression, problems)
        return
    probe = load_tools(source, ["probe"])["probe"]
    with pytest.raises(Exception):  # noqa: B017 - any failure is a tool error to the agent
        probe(db)


def module_forms(module: str, path: str) -> Iterator[tuple[str, str, int | None]]:
    """Tool code taking `path` from `module`: (prelude, expression, the line to refuse it or None for the return)."""
    first, rest = re.fullmatch(r"\.(\w+)(.*)", path, re.DOTALL).groups()  # type: ignore[union-attr]
    if "." not in module:
        yield f"import {module}", f"{module}{path}", None
    yield f"from {module} import {first}", f"{first}{rest}", None if first in ALLOWED_NAMES[module] else 1


def _member(module: str, name: str) -> tuple[str, str]:
    return (f"import {module}", f"{module}.{name}") if "." not in module else (f"from {module} import {name}", name)


HANDED_OUT: list[tuple[str, str]] = [
    *(_member(module, name) for module, names in sorted(ALLOWED_NAMES.items()) for name in sorted(names)),
    *(("", name) for name in (*SAFE_BUILTINS, "range", "ToolError")),
    ("import re", "re.compile('(?P<x>a)b')"),
    ("import re", "re.match('(?P<x>a)', 'ab')"),
    ("import re", "re.finditer('a', 'aa')"),
    ("import re", "re.compile('a').scanner('a')"),
    ("import re", "re.I | re.M"),
    ("import datetime", "datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone.utc)"),
    ("import datetime", "datetime.date(2026, 3, 2)"),
    ("import datetime", "datetime.time(10, 30)"),
    ("import datetime", "datetime.timedelta(days=1)"),
    ("import datetime", "datetime.timezone(datetime.timedelta(hours=2))"),
    ("import decimal", "decimal.Decimal('1.25')"),
    ("import decimal", "decimal.Decimal('1.25').as_tuple()"),
    ("import collections", "collections.Counter('abca')"),
    ("import collections", "collections.Counter('abca').elements()"),
    ("import collections", "collections.OrderedDict(a=1)"),
    ("import collections", "collections.defaultdict(list)"),
    ("import collections", "collections.deque([1, 2], maxlen=3)"),
    ("import typing", "typing.Optional[int]"),
    ("import typing", "typing.Union[int, str]"),
    ("import typing", "typing.List[int]"),
    ("import typing", "typing.Dict[str, int]"),
    ("import typing", "typing.Tuple[int, ...]"),
    ("import typing", "typing.Literal['a']"),
    ("import typing", "typing.List['x']"),
    ("import statistics", "statistics.quantiles([1, 2, 3, 4])"),
    ("import json", 'json.loads(\'{"a": [1, {"b": 2}]}\')'),
    ("from autoforge.servers.records import Records", "Records({}, list_limit=5)"),
    ("from autoforge.servers.toolkit import ToolError", "ToolError('x')"),
    ("from autoforge.servers.arithmetic import evaluate", "evaluate('1 + 2')"),
    ("LIMITS = {'a': [1, {'b': 2}], 'c': {3}}", "LIMITS"),
    ("", "db"),
    ("", "db.query('SELECT 1 AS a')"),
    ("", "probe"),
    ("", "lambda: 1"),
    ("", "(x for x in [1])"),
    ("", "[x for x in [1]]"),
    ("", "range(3)"),
    ("", "map(abs, [1])"),
    ("", "zip([1])"),
    ("", "enumerate([1])"),
    ("", "reversed([1])"),
    ("", "filter(None, [1])"),
    ("", "{'a': 1}.items()"),
    ("", "Exception('x')"),
]
"""(prelude, expression) of each object tool code can hold: the facades' members, its builtins, what calling them gives."""


@pytest.fixture
def db() -> Db:
    """The database facade over an empty in-memory connection."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    return Db(conn, "2026-03-02T10:00:00", {})


def test_the_walk_finds_the_known_routes_out_of_the_real_modules() -> None:
    """Walking the real modules finds the routes out that tool code had (typing.sys, json.codecs, toolkit.sqlite3...)."""
    found = {f"{m}{path}" for m in ALLOWED_NAMES for path, _ in escape_paths(importlib.import_module(m))}
    known = {"typing.sys", "statistics.sys", "datetime.sys", "re.enum", "json.codecs", "typing.operator"}
    assert known | {"autoforge.servers.toolkit.sqlite3", "autoforge.servers.arithmetic.ast"} <= found


@pytest.mark.parametrize("module", sorted(ALLOWED_NAMES))
def test_every_path_out_of_an_allowed_module_is_refused_at_its_line(module: str, db: Db) -> None:
    """Each path from a module (real or facade) to a module, frame, code, globals or builtin is refused or fails."""
    paths = escape_paths(importlib.import_module(module))
    assert escape_paths(FACADES[module]) == []
    for path, _ in paths:
        for prelude, expression, line in module_forms(module, path):
            assert_stopped(prelude, expression, line, db)


@pytest.mark.parametrize(("prelude", "expression"), HANDED_OUT, ids=[e for _, e in HANDED_OUT])
def test_every_path_from_what_tool_code_holds_is_refused_at_its_line(prelude: str, expression: str, db: Db) -> None:
    """From each object tool code can hold, every path to a module, frame, code, globals or builtin is stopped.
    A container type (`dict`) cannot be held at all, only called or named in isinstance; a typing name
    (`typing.List[int]`) is only ever written in an annotation."""
    source, _ = probe_source(prelude, expression)
    problems = check_source(source)
    if problems:
        expected = ("may only be called", "may only be used in annotations")
        assert all(any(e in problem.message for e in expected) for problem in problems), problems
        return
    value: Any = load_tools(source, ["probe"])["probe"](db)
    assert reached(value) is None
    for path, _ in escape_paths(value):
        assert_stopped(prelude, f"{expression}{path}", None, db)


# ---- the hand list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trick:
    """Tool code that tries to leave the sandbox, and where it is stopped."""

    name: str
    code: str
    """Source added to tools.py, defining the tool `trick(db, path)`; `path` is a file it must not create."""
    refused_at: int | None = None
    """The line of `code` that `validate` reports; None when it passes the check and must fail when called."""
    writes: bool = False


TRICKS = [
    # Modules reached through the allowed ones (the first example lists the root directory).
    Trick("typing.sys", "import typing\n\ndef trick(db, path):\n    return typing.sys.modules['os'].listdir('/')\n", 4),
    Trick("statistics.sys", "import statistics\n\ndef trick(db, path):\n    return statistics.sys.modules['os'].system('touch ' + path)\n", 4),
    Trick("datetime.sys", "import datetime\n\ndef trick(db, path):\n    return datetime.sys.modules\n", 4),
    Trick("re.enum", "import re\n\ndef trick(db, path):\n    return re.enum.sys.modules\n", 4),
    Trick("json.codecs", "import json\n\ndef trick(db, path):\n    return json.codecs.open(path, 'w')\n", 4),
    Trick("typing.operator", "import typing\n\ndef trick(db, path):\n    return typing.operator.attrgetter('__globals__')(trick)\n", 4),
    Trick("toolkit.sqlite3", "from autoforge.servers.toolkit import sqlite3\n\ndef trick(db, path):\n    return sqlite3.connect(path)\n", 1),
    Trick("arithmetic.ast", "from autoforge.servers.arithmetic import ast\n\ndef trick(db, path):\n    return ast\n", 1),
    Trick("records.json", "from autoforge.servers.records import json\n\ndef trick(db, path):\n    return json.codecs\n", 1),
    Trick("dotted import", "import autoforge.servers.toolkit\n\ndef trick(db, path):\n    return 1\n", 1),
    Trick("package import", "from autoforge.servers import toolkit\n\ndef trick(db, path):\n    return 1\n", 1),
    Trick("module passed around", "import json as j\n\ndef trick(db, path):\n    return [j][0]\n", 4),
    Trick("star import", "from typing import *\n\ndef trick(db, path):\n    return 1\n", 1),
    Trick("collections.abc", "from collections import abc\n\ndef trick(db, path):\n    return abc.Mapping.register(str)\n", 1),
    Trick("typing.Mapping.register", "import typing\n\ndef trick(db, path):\n    return typing.Mapping.register(str)\n", 4),
    Trick("decimal context", "import decimal\n\ndef trick(db, path):\n    return decimal.getcontext()\n", 4),
    Trick("import inside a tool", "def trick(db, path):\n    import os\n    return os.listdir('/')\n", 2),
    Trick("__import__", "def trick(db, path):\n    return __import__('os')\n", 2),
    Trick("import as __builtins__", "from json import loads as __builtins__\n\ndef trick(db, path):\n    return 1\n", 1),
    Trick("__builtins__", "def trick(db, path):\n    return __builtins__['open'](path, 'w')\n", 2),
    # Dunders through strings.
    Trick("import operator", "import operator\n\ndef trick(db, path):\n    return operator.attrgetter('_conn')(db)\n", 1),
    Trick("methodcaller", "from operator import methodcaller\n\ndef trick(db, path):\n    return 1\n", 1),
    Trick("getattr in fullwidth letters", "def trick(db, path):\n    return \uff47\uff45\uff54\uff41\uff54\uff54\uff52(db, '_conn')\n", 2),
    Trick("getattr string-built", "def trick(db, path):\n    return getattr(db, '_' + 'conn')\n", 2),
    Trick("vars", "def trick(db, path):\n    return vars(db)\n", 2),
    Trick("dir", "def trick(db, path):\n    return dir(db)\n", 2),
    Trick("type", "def trick(db, path):\n    return type(db)\n", 2),
    Trick("globals", "def trick(db, path):\n    return globals()\n", 2),
    Trick("eval", "def trick(db, path):\n    return eval('1')\n", 2),
    Trick("compile", "def trick(db, path):\n    return compile('1', 'x', 'eval')\n", 2),
    Trick("open", "def trick(db, path):\n    return open(path, 'w')\n", 2),
    # Format strings look attributes up by name.
    Trick("str.format", "def trick(db, path):\n    return '{0._conn}'.format(db)\n", 2),
    Trick("format_map", "def trick(db, path):\n    return '{d.__class__}'.format_map({'d': db})\n", 2),
    Trick("str.format unbound", "def trick(db, path):\n    return str.format('{0._conn}', db)\n", 2),
    Trick("str.format bound alias", "def trick(db, path):\n    fill = '{0.__init__.__globals__}'.format\n    return fill(db)\n", 2),
    Trick("f-string dunder", "def trick(db, path):\n    return f'{db.__class__}'\n", 2),
    # Class hierarchies.
    Trick("__subclasses__", "def trick(db, path):\n    return ().__class__.__bases__[0].__subclasses__()\n", 2),
    Trick("mro()", "def trick(db, path):\n    return str.mro()[-1]\n", 2),
    Trick("__mro__", "def trick(db, path):\n    return ToolError.__mro__\n", 2),
    Trick("__bases__", "def trick(db, path):\n    return ValueError.__bases__\n", 2),
    # Frames and tracebacks.
    Trick("generator frame", "def trick(db, path):\n    gen = (x for x in [1])\n    return gen.gi_frame.f_back.f_globals\n", 3),
    Trick("generator code", "def trick(db, path):\n    return (x for x in [1]).gi_code\n", 2),
    Trick("exception traceback", "def trick(db, path):\n    error = ToolError('x')\n    return error.__traceback__\n", 3),
    Trick("try for a traceback", "def trick(db, path):\n    try:\n        1 / 0\n    except ZeroDivisionError as e:\n        return e\n", 2),
    Trick("tb_frame", "def trick(db, path):\n    return db.tb_frame\n", 2),
    Trick("comprehension walrus", "def trick(db, path):\n    return [leak := db for _ in [1]]\n", 2),
    Trick("comprehension globals", "def trick(db, path):\n    return [f.__globals__ for f in [trick]]\n", 2),
    Trick("lambda code", "def trick(db, path):\n    return (lambda: 0).__code__\n", 2),
    # Code that runs when the file is loaded (validate, registry publish and install load it too).
    Trick("decorator", "@sorted\ndef trick(db, path):\n    return 1\n", 1),
    Trick("default argument call", "def trick(db, path, seen=sorted([3, 1])):\n    return seen\n", 1),
    Trick("mutable default", "def trick(db, path, seen=[]):\n    return seen\n", 1),
    Trick("annotation call", "def trick(db, path: sorted([1]) = ''):\n    return 1\n", 1),
    Trick("module-level lambda", "helper = lambda: 1\n\ndef trick(db, path):\n    return helper()\n", 1),
    Trick("module-level call", "import json\nLEAK = json.loads('[]')\n\ndef trick(db, path):\n    return LEAK\n", 2),
    Trick("module-level comprehension", "BIG = [i for i in range(10)]\n\ndef trick(db, path):\n    return BIG\n", 1),
    Trick("module-level f-string", "NAME = f'{1 + 1}'\n\ndef trick(db, path):\n    return NAME\n", 1),
    Trick("module-level statement", "sorted([2, 1])\n\ndef trick(db, path):\n    return 1\n", 1),
    Trick("constructor with a call", "from autoforge.servers.records import Records\nR = Records(dict(a=1), list_limit=1)\n\ndef trick(db, path):\n    return 1\n", 2),
    # Records and Db internals, and changing shared objects.
    Trick("db._conn", "def trick(db, path):\n    return db._conn.execute('ATTACH ? AS x', (path,))\n", 2),
    Trick("Records._tables", "from autoforge.servers.records import Records\n\ndef trick(db, path):\n    return Records({}, list_limit=1)._tables\n", 4),
    Trick("db attribute store", "def trick(db, path):\n    db.query = db.execute\n    return 1\n", 2),
    Trick("facade attribute store", "import json\n\ndef trick(db, path):\n    json.loads = json.dumps\n    return 1\n", 4),
    # Callbacks: json hooks and re replacements get only what the box holds.
    Trick("json hook to vars", "import json\n\ndef trick(db, path):\n    return json.loads('{}', object_hook=vars)\n", 4),
    Trick("re callback format", "import re\n\ndef trick(db, path):\n    return re.sub('(a)', '{0.__class__}'.format, 'a')\n", 4),
    # Transaction control is the runtime's: a literal statement is refused where it is written.
    Trick("literal COMMIT", "def trick(db, path):\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    db.execute('COMMIT')\n    return 1\n", 3),
    Trick("literal END", "def trick(db, path):\n    return db.execute('END TRANSACTION')\n", 2),
    Trick("literal ROLLBACK", "def trick(db, path):\n    return db.execute('rollback')\n", 2),
    Trick("literal RELEASE", "def trick(db, path):\n    return db.execute('RELEASE tool_call')\n", 2),
    Trick("literal BEGIN", "def trick(db, path):\n    return db.value('BEGIN IMMEDIATE')\n", 2),
    Trick("literal SAVEPOINT", "def trick(db, path):\n    return db.query('SAVEPOINT x')\n", 2),
    # Past the check, stopped when called.
    Trick("db.conn", "def trick(db, path):\n    return db.conn.execute('ATTACH ? AS x', (path,))\n"),
    Trick("json hook to the database", "import json\n\ndef trick(db, path):\n    return json.loads('{}', object_hook=db.execute)\n"),
    Trick("json decoder class", "import json\nfrom autoforge.servers.records import Records\n\ndef trick(db, path):\n    return json.loads('1', cls=Records)\n"),
    Trick("re callback walks the match", "import re\n\ndef trick(db, path):\n    return re.sub('a', lambda m: m.re.enum.sys, 'a')\n"),
    Trick("typing alias forwards register", "import typing\n\ndef trick(db, path):\n    return typing.List.register(str)\n", 4),
    Trick("constant keeps state", "SEEN = []\n\ndef trick(db, path):\n    SEEN.append(path)\n    return len(SEEN)\n"),
    Trick("recursion through lambdas", "def trick(db, path):\n    return (lambda f: f(f))(lambda f: f(f))\n"),
    Trick("huge range", "def trick(db, path):\n    return len(range(10 ** 9))\n"),
    Trick("ATTACH", "def trick(db, path):\n    return db.execute('ATTACH DATABASE ? AS loot', path)\n"),
    Trick("VACUUM INTO", "def trick(db, path):\n    return db.execute('VACUUM INTO ?', path)\n"),
    Trick("load_extension", "def trick(db, path):\n    return db.value('SELECT load_extension(?)', path)\n"),
    Trick("writable_schema", "def trick(db, path):\n    return db.execute('PRAGMA writable_schema = ON')\n"),
    Trick("the runtime's savepoint read from sqlite_stmt", "def trick(db, path):\n    name = db.value(\"SELECT sql FROM sqlite_stmt WHERE sql LIKE 'SAVEPOINT autoforge%'\").split()[1]\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    db.execute('RE' + 'LEASE ' + name)\n    db.execute('SAVE' + 'POINT ' + name)\n    raise ToolError('the update must not survive')\n", writes=True),
    Trick("the file's pages read from dbstat", "def trick(db, path):\n    return db.query('SELECT * FROM dbstat')\n"),
    Trick("a result past 8 MB", "def trick(db, path):\n    return 'x' * 9_000_000\n"),
    Trick("a lone surrogate in the result", "def trick(db, path):\n    return '\\ud800' + path\n"),
    Trick("a lone surrogate in the error", "def trick(db, path):\n    raise ToolError('bad \\udcff ' + path)\n"),
    Trick("NaN in the result", "def trick(db, path):\n    return {'fine': float('nan')}\n"),
    Trick("a file grown past its limit", "def trick(db, path):\n    return db.execute(\"UPDATE members SET name = printf('%.*c', 70000000, 'x') WHERE rowid = (SELECT min(rowid) FROM members)\")\n", writes=True),
    Trick("CURRENT_TIMESTAMP built at run time", "def trick(db, path):\n    return db.value('SELECT CURRENT_' + 'TIMESTAMP')\n"),
    Trick("fts3_tokenizer", "def trick(db, path):\n    return db.value(\"SELECT hex(fts3_tokenizer('simple'))\")\n"),
    Trick("constant changed by dict's own method", "MEMO = {'n': 0}\n\ndef trick(db, path):\n    dict.update(MEMO, n=MEMO['n'] + 1)\n    return MEMO['n']\n", 4),
    Trick("constant changed by list's own method", "SEEN = []\n\ndef trick(db, path):\n    list.append(SEEN, path)\n    return len(SEEN)\n", 4),
    Trick("constant changed by an alias of dict", "MEMO = {'n': 0}\n\ndef trick(db, path):\n    kind = dict\n    kind.update(MEMO, n=1)\n    return MEMO['n']\n", 4),
    Trick("constant changed through a tuple of types", "MEMO = {'n': 0}\n\ndef trick(db, path):\n    return [t.update(MEMO, n=1) for t in (dict,)]\n", 4),
    Trick("constant changed by Counter's inherited method", "import collections\n\nMEMO = {'n': 0}\n\ndef trick(db, path):\n    return collections.Counter.setdefault(MEMO, path, 1)\n", 6),
    Trick("constant changed through typing.Dict", "import typing\n\nMEMO = {'n': 0}\n\ndef trick(db, path):\n    return typing.Dict.update(MEMO, n=1)\n", 6),
    Trick("the wall clock through a class bound to db", "import datetime\n\ndef trick(db, path):\n    db = datetime.datetime\n    return str(db.now())\n", 4),
    Trick("the wall clock through a class passed as db", "import datetime\n\ndef helper(db):\n    return str(db.now())\n\ndef trick(db, path):\n    return helper(datetime.datetime)\n", 7),
    Trick("the wall clock through a class imported as db", "from datetime import datetime as db\n\ndef trick(x, path):\n    return str(db.now())\n", 4),
    Trick("a number carried over by last_insert_rowid", "def trick(db, path):\n    return db.value('SELECT last_insert_rowid()')\n"),
    Trick("a number carried over by total_changes", "def trick(db, path):\n    return db.value('SELECT total_changes() + changes()')\n"),
    Trick("constant changed by defaultdict imported by name", "from collections import defaultdict\n\nMEMO = {'n': 0}\n\ndef trick(db, path):\n    return defaultdict.update(MEMO, n=1)\n", 6),
    # Names the check trusts, bound anew.
    Trick("isinstance defined anew hands out dict", "MEMO = {'n': 0}\n\ndef isinstance(value, kind):\n    return kind\n\ndef trick(db, path):\n    return isinstance(0, dict).update(MEMO, n=1)\n", 3),
    Trick("isinstance bound in a comprehension", "MEMO = {'n': 0}\n\ndef trick(db, path):\n    return [isinstance(0, dict).update(MEMO, n=1) for isinstance in [max]]\n", 4),
    Trick("a datetime bound to db", "import datetime\n\ndef trick(db, path):\n    db = datetime.datetime.min\n    return str(db.now())\n", 4),
    Trick("a date passed as a helper's db", "import datetime\n\ndef helper(db):\n    return str(db.today())\n\ndef trick(db, path):\n    return helper(datetime.date(2000, 1, 1))\n", 7),
    Trick("a helper taking db mapped over dates", "import datetime\n\ndef helper(db):\n    return str(db.today())\n\ndef trick(db, path):\n    return list(map(helper, [datetime.date(2000, 1, 1)]))\n", 7),
    Trick("recursion through map", "def trick(db, path):\n    return list(map(trick, [db], [path]))\n", 2),
    Trick("a helper taking db as a lambda's default", "import datetime\n\ndef helper(db):\n    return str(db.now())\n\ndef trick(db, path):\n    return (lambda g=helper: g(datetime.datetime(2020, 1, 1)))()\n", 7),
    Trick("recursion through a lambda's default", "def trick(db, path):\n    return (lambda again=trick: again(db, path))()\n", 2),
    Trick("db as a lambda's parameter", "import datetime\n\ndef trick(db, path):\n    return (lambda db: db.today())(datetime.date(2000, 1, 1))\n", 4),
    # typing caches its subscriptions for the whole process: an equal value returns the one an earlier call made.
    Trick("typing.Literal carries a value between episodes", "import datetime\nimport typing\n\ndef trick(db, path):\n    return str(typing.Literal[datetime.timezone(datetime.timedelta(minutes=7), path)])\n", 5),
    # Past the check, stopped when called.
    Trick("a date handed to Records as its db", "import datetime\nfrom autoforge.servers.records import Records\n\nRECORDS = Records({}, list_limit=5)\n\ndef trick(db, path):\n    return RECORDS.count(datetime.datetime(2000, 1, 1), 'members', [])\n"),
    Trick("a write whose result no reply can carry", "def trick(db, path):\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    return 'x' * 9_000_000\n", writes=True),
    Trick("a write whose result is a lone surrogate", "def trick(db, path):\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    return '\\ud800'\n", writes=True),
    Trick("an error no string can hold", "def trick(db, path):\n    raise ToolError(10 ** 5000)\n"),
    Trick("UPDATE OR ROLLBACK undoes the runtime's savepoint", "def trick(db, path):\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    return db.execute('UPDATE OR ROLLBACK members SET id = (SELECT max(id) FROM members) WHERE id = (SELECT min(id) FROM members)')\n", writes=True),
]  # fmt: skip
TRANSACTIONS = [
    Trick("COMMIT", "def trick(db, path):\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    db.execute('COM' + 'MIT')\n    raise ToolError('the update must not survive')\n", writes=True),
    Trick("END", "def trick(db, path):\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    db.execute(' '.join(['END']))\n    raise ToolError('the update must not survive')\n", writes=True),
    Trick("ROLLBACK", "def trick(db, path):\n    db.execute('ROLL' + 'BACK')\n    return db.execute('UPDATE members SET name = ?', 'Mallory')\n"),
    Trick("RELEASE", "def trick(db, path):\n    db.execute('RE' + 'LEASE tool_call')\n    return db.execute('UPDATE members SET name = ?', 'Mallory')\n"),
    Trick("BEGIN", "def trick(db, path):\n    db.execute('BE' + 'GIN')\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    raise ToolError('the update must not survive')\n", writes=True),
    Trick("SAVEPOINT", "def trick(db, path):\n    db.execute('SAVE' + 'POINT x')\n    db.execute('UPDATE members SET name = ?', 'Mallory')\n    return db.execute('RE' + 'LEASE x')\n"),
]  # fmt: skip
"""Transaction statements built at run time, which only the runtime can refuse (literal ones are refused above)."""
CONTROL = Trick("control", "def trick(db, path):\n    return len(path)\n")

SNAPSHOT = """

def snapshot(db):
    return {t: db.query(f'SELECT * FROM "{t}" ORDER BY rowid') for t in ('members', 'copies', 'loans', 'holds', 'payments')}
"""
NO_ARGUMENTS = {"type": "object", "properties": {}, "additionalProperties": False}


def with_trick(tmp_path: Path, trick: Trick) -> tuple[Path, int]:
    """A copy of library-loans with `trick` (and a read-only `snapshot` of its rows) as tools; and the line offset."""
    path_only = {
        "type": "object",
        "properties": {"path": {"type": "string"}},
        "required": ["path"],
        "additionalProperties": False,
    }
    tools = [
        {"name": "trick", "description": "A trick.", "input_schema": path_only, "writes": trick.writes},
        {"name": "snapshot", "description": "Every row.", "input_schema": NO_ARGUMENTS, "writes": False},
    ]
    folder, offset = library_with_tools(tmp_path, SNAPSHOT.lstrip("\n") + "\n\n", tools)
    tools_py = folder / "tools.py"
    tools_py.write_text(tools_py.read_text(encoding="utf-8") + trick.code, encoding="utf-8")
    return folder, offset + SNAPSHOT.lstrip("\n").count("\n") + 2


def _ids(tricks: list[Trick]) -> list[str]:
    return [t.name for t in tricks]


REFUSED = [t for t in TRICKS if t.refused_at is not None]
AT_CALL = [t for t in TRICKS if t.refused_at is None]


def test_the_hand_list_is_long_and_covers_the_transaction_statements() -> None:
    """At least 40 known tricks are tried, and each transaction statement both written out and built at run time."""
    statements = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}
    assert len(TRICKS) + len(TRANSACTIONS) >= 40
    assert {t.name for t in TRANSACTIONS} == statements
    assert {f"literal {s}" for s in statements} <= {t.name for t in REFUSED}


@pytest.mark.parametrize("trick", REFUSED, ids=_ids(REFUSED))
def test_validate_refuses_the_trick_at_its_line(trick: Trick, tmp_path: Path) -> None:
    """`autoforge validate` reports the trick at the line that holds it."""
    folder, offset = with_trick(tmp_path, trick)
    problems = validate_folder(folder)
    assert f"tools.py:{offset + trick.refused_at}" in {p.location for p in problems}, problems


async def _call_the_trick(tmp_path: Path, trick: Trick) -> tuple[bool, str, Path]:
    """Call `trick` through the real MCP server; whether it errs, its text, and the file it must not create.

    Also asserts what must hold around the call: its episode and a neighbour keep their rows, and the
    server answers the next call.
    """
    folder, _ = with_trick(tmp_path, trick)
    assert validate_folder(folder) == []
    canary = tmp_path / "canary"
    async with Client(load_server(folder)) as client:
        mine = (await reset_episode(client)).episode_id
        other = (await reset_episode(client)).episode_id
        before = await _rows(client, mine)
        result = await call_tool(client, mine, "trick", {"path": str(canary)})
        assert await _rows(client, mine) == before
        assert await _rows(client, other) == before
        assert not (await call_tool(client, mine, "list_branches", {})).is_error
    return result.is_error, result.content[0].text, canary


async def _rows(client: Client, episode: str) -> Any:
    return json.loads((await call_tool(client, episode, "snapshot", {})).content[0].text)


async def test_the_harness_serves_a_harmless_tool(tmp_path: Path) -> None:
    """The copy with an added tool validates and serves it: the errors below come from the tricks alone."""
    failed, text, canary = await _call_the_trick(tmp_path, CONTROL)
    assert not failed
    assert text == str(len(str(canary)))


@pytest.mark.parametrize("trick", AT_CALL, ids=_ids(AT_CALL))
async def test_a_trick_past_the_check_fails_as_a_tool_error(trick: Trick, tmp_path: Path) -> None:
    """A trick the check lets through is a tool error when called, touching no file, episode or server."""
    failed, text, canary = await _call_the_trick(tmp_path, trick)
    assert failed, text
    assert not canary.exists()


@pytest.mark.parametrize("returned", ["return '\\ud800' + path", "raise ToolError('bad \\udcff ' + path)"])
async def test_a_lone_surrogate_from_a_tool_leaves_a_stdio_server_serving(returned: str, tmp_path: Path) -> None:
    """Text no transport can carry (a lone surrogate) is the tool's crash; the stdio server answers the next call."""
    folder, _ = with_trick(tmp_path, Trick("surrogate", f"def trick(db, path):\n    {returned}\n"))
    server = StdioServerParameters(command=sys.executable, args=[str(folder / "server.py")], env=dict(os.environ))
    async with asyncio.timeout(60), Client(server) as client:  # a dead server would leave the client waiting
        episode = (await reset_episode(client)).episode_id
        result = await call_tool(client, episode, "trick", {"path": "x"})
        assert result.is_error and "not valid Unicode" in result.content[0].text
        assert not (await call_tool(client, episode, "list_branches", {})).is_error


async def test_sql_date_functions_without_a_moment_read_the_environment_s_clock(tmp_path: Path) -> None:
    """`date()`, `datetime()` and `strftime('%s')` name no moment, so SQLite would read the wall clock: they read
    the environment's frozen clock, as `db.now()` does, and the same call gives the same answer any day."""
    sql = "SELECT json_array(date(), datetime(), strftime('%Y-%m-%dT%H:%M:%S'))"
    failed, text, _ = await _call_the_trick(
        tmp_path, Trick("clock", f"def trick(db, path):\n    return [db.value({sql!r}), db.now()]\n")
    )
    assert not failed, text
    moments, now = json.loads(text)
    day, moment, formatted = json.loads(moments)
    assert now.startswith(day) and now.startswith(formatted) and moment == f"{day} {formatted[11:]}"


async def test_the_moment_now_however_it_is_spelt_reads_the_environment_s_clock(tmp_path: Path) -> None:
    """'now' in double quotes, built from pieces, passed as a parameter, as a blob or followed by a NUL (where SQLite
    stops reading) is still the environment's clock."""
    code = (
        "def trick(db, path):\n"
        "    return [db.value('SELECT date(\"now\")'), db.value(\"SELECT datetime('n' || 'ow', '+1 day')\"),\n"
        "            db.value('SELECT unixepoch(?)', ' NOW '), db.value(\"SELECT strftime('%Y', ?)\", 'no' + 'w'),\n"
        "            db.value('SELECT julianday(?) - julianday(?)', 'now', db.now()),\n"
        "            db.value(\"SELECT datetime(x'6e6f77')\"), db.value(\"SELECT date(CAST('n' || 'ow' AS BLOB))\"),\n"
        "            db.value('SELECT datetime(?)', 'now\\x00'), db.value('SELECT date(char(110, 111, 119, 0))'),\n"
        "            db.now()]\n"
    )
    failed, text, _ = await _call_the_trick(tmp_path, Trick("now", code))
    assert not failed, text
    day, tomorrow, seconds, year, gap, blob, cast, nul, chars, now = json.loads(text)
    assert blob == nul == now.replace("T", " ")[:19] and cast == chars == day
    frozen = datetime.datetime.fromisoformat(now).replace(tzinfo=datetime.UTC)
    assert now.startswith(day) and tomorrow.startswith(str((frozen + datetime.timedelta(days=1)).date()))
    assert seconds == int(frozen.timestamp()) and year == now[:4] and gap == 0


async def test_dates_format_and_parse_in_tool_code(tmp_path: Path) -> None:
    """`strftime`, format specs, `strptime` and `timetuple` work: datetime's own imports pass the import hook."""
    code = (
        "import datetime\n\ndef trick(db, path):\n    d = datetime.datetime.fromisoformat(db.now())\n"
        "    parsed = datetime.datetime.strptime('2024-03-05', '%Y-%m-%d')\n"
        "    return [d.strftime('%Y'), f'{d:%m}', str(parsed.date()), d.timetuple().tm_year]\n"
    )
    failed, text, _ = await _call_the_trick(tmp_path, Trick("dates", code))
    assert not failed, text
    year, month, parsed, tm_year = json.loads(text)
    assert len(year) == 4 and len(month) == 2 and parsed == "2024-03-05" and tm_year == int(year)


async def test_an_error_message_is_cut_to_a_length_an_agent_can_read(tmp_path: Path) -> None:
    """A tool's error of 100,000 characters reaches the agent cut to 10,000."""
    failed, text, _ = await _call_the_trick(
        tmp_path, Trick("long error", "def trick(db, path):\n    raise ToolError('no ' * 50_000)\n")
    )
    assert failed and "no no" in text and len(text) <= 10_100


@pytest.mark.parametrize(
    "trick",
    TRANSACTIONS,
    ids=_ids(TRANSACTIONS),
)
async def test_transaction_statements_in_a_tool_are_tool_errors_and_change_nothing(
    trick: Trick, tmp_path: Path
) -> None:
    """BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT and RELEASE built at run time are tool errors; the rows stay as they were."""
    failed, text, _ = await _call_the_trick(tmp_path, trick)
    assert failed, text


async def test_a_set_s_order_is_the_same_whichever_worker_runs_the_tool(tmp_path: Path) -> None:
    """`list(set(...))` in a tool gives one order in every worker process (their string hashing is seeded alike), so
    a tool's result does not depend on which worker ran it."""
    words = ", ".join(repr(w) for w in "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split())
    folder, _ = with_trick(tmp_path, Trick("order", f"def trick(db, path):\n    return list({{{words}}})\n"))
    orders = []
    server = StdioServerParameters(command=sys.executable, args=[str(folder / "server.py")], env=dict(os.environ))
    for _ in range(2):  # two server processes, each with its own worker processes
        async with asyncio.timeout(60), Client(server) as client:
            episode = (await reset_episode(client)).episode_id
            orders.append((await call_tool(client, episode, "trick", {"path": "x"})).content[0].text)
    assert orders[0] == orders[1]
