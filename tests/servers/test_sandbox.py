"""The AST allow-list refuses unsafe tool code with the offending line, and loads safe code restricted."""

from __future__ import annotations

import importlib
import json
from types import ModuleType

import pytest
from autoforge.servers import SandboxError, ToolError
from autoforge.servers.facades import ALLOWED_NAMES, FACADES, SAFE_CONSTRUCTORS, UNCACHED
from autoforge.servers.sandbox import MAX_RANGE, check_source, load_tools

SAFE = """
from autoforge.servers.toolkit import ToolError
import math


def area(db, radius):
    if radius < 0:
        raise ToolError("radius must be positive")
    return round(math.pi * radius ** 2, 2)


def squares(db, n):
    return [i * i for i in range(n)]
"""


@pytest.mark.parametrize(
    ("source", "line", "fragment"),
    [
        ("import os\n", 1, "import of 'os'"),
        ("def f(db):\n    return open('/etc/passwd').read()\n", 2, "'open'"),
        ("def f(db):\n    return ().__class__.__bases__[0].__subclasses__()\n", 2, "__subclasses__"),
        ("def f(db):\n    exec('1')\n", 2, "'exec'"),
        ("def f(db):\n    return eval('1')\n", 2, "'eval'"),
        ("def f(db):\n    return getattr(db, '_conn')\n", 2, "'getattr'"),
        ("def f(db):\n    return db._conn\n", 2, "'_conn'"),
        ("def f(db):\n    return '{0.__class__}'.format(db)\n", 2, "'format'"),
        ("def f(db):\n    while True:\n        pass\n", 2, "'while'"),
        ("def f(db):\n    try:\n        return 1\n    except Exception:\n        return 2\n", 2, "'try'"),
        ("def f(db):\n    return f(db)\n", 1, "recursion"),
        ("def f(db):\n    return db.value(\"SELECT datetime('now')\")\n", 2, "wall clock"),
        ("from datetime import datetime\ndef f(db):\n    return datetime.now()\n", 3, "wall clock"),
        ("def f(db):\n    return db.value('SELECT CURRENT_TIMESTAMP')\n", 2, "wall clock"),
        ("import subprocess\n", 1, "import of 'subprocess'"),
        ("def f(db):\n    return globals()\n", 2, "'globals'"),
        ("class A:\n    pass\n", 1, "class"),
        ("x = compile('1', 'x', 'eval')\n", 1, "'compile'"),
        ("import json\ndef f(db):\n    return json.codecs\n", 3, "json offers tool code only dumps, loads; 'codecs'"),
        ("from typing import sys\n", 1, "typing offers tool code only Any, Dict"),
        ("import json\ndef f(db):\n    return [json]\n", 3, "may only be used as json.NAME"),
        ("import autoforge.servers.toolkit\n", 1, "from autoforge.servers.toolkit import NAME"),
        ("from re import *\n", 1, "import the names you use"),
        ("from json import loads as __builtins__\n", 1, "importing as '__builtins__'"),
        ("def f(db):\n    db.query = None\n", 2, "assigning or deleting attribute 'query'"),
        ("import json\nX = json.loads('[]')\n", 2, "module-level X must be a literal"),
        ("X = lambda: 1\n", 1, "module-level X must be a literal"),
        ("if True:\n    X = 1\n", 1, "only functions, imports, constants and docstrings"),
        (
            "from autoforge.servers.records import Records\nR = Records(dict(), list_limit=1)\n",
            2,
            "Records(...) with literal",
        ),
        ("def f(db, seen=[]):\n    return seen\n", 1, "default '[]' of f must be a constant"),
        ("def f(db, x: len([]) = 1):\n    return x\n", 1, "must be a plain type"),
        ("@sorted\ndef f(db):\n    return 1\n", 1, "decorators"),
        ("def f(db):\n    return db.execute('COMMIT')\n", 2, "COMMIT in tool code is not allowed"),
    ],
)
def test_forbidden_construct_is_refused_with_its_line(source: str, line: int, fragment: str) -> None:
    """Each forbidden construct is reported at the line where it appears."""
    problems = check_source(source)
    assert any(p.location == f"tools.py:{line}" and fragment in p.message for p in problems), problems
    with pytest.raises(SandboxError) as refused:
        load_tools(source, ["f"])
    assert f"tools.py:{line}" in str(refused.value)


def test_a_name_that_merely_contains_a_clock_word_is_not_the_clock() -> None:
    """A tool or column named like `get_current_time` is a name, not SQL reading the wall clock."""
    source = "def get_current_time(db):\n    return db.value(\"SELECT value FROM settings WHERE key = 'get_current_time'\")\n"
    assert check_source(source) == []


def test_a_call_graph_with_exponentially_many_paths_is_checked_in_linear_time() -> None:
    """Forty layers of two functions, each calling both of the next layer, have 2**40 call paths: the check finds no
    cycle among them (it once walked every path, for days), and the one cycle added at the bottom."""
    layers = 40
    source = "".join(
        f"def f{i}_{j}(db):\n    return f{i + 1}_0(db) + f{i + 1}_1(db)\n" for i in range(layers) for j in (0, 1)
    )
    leaves = "".join(f"def f{layers}_{j}(db):\n    return 1\n" for j in (0, 1))
    assert check_source(source + leaves) == []
    looped = source + f"def f{layers}_0(db):\n    return f0_0(db)\ndef f{layers}_1(db):\n    return 1\n"
    assert [p.message.split(" (")[0] for p in check_source(looped)] == ["recursion"]


def test_every_violation_is_listed_not_just_the_first() -> None:
    """A file with several problems gets all of them reported."""
    source = "import os\nimport sys\n\ndef f(db):\n    return open('x')\n"
    locations = {p.location for p in check_source(source)}
    assert {"tools.py:1", "tools.py:2", "tools.py:5"} <= locations


def test_safe_code_loads_and_runs_with_restricted_builtins() -> None:
    """Allowed code loads; its functions work and raise ToolError for domain rules."""
    tools = load_tools(SAFE, ["area", "squares"])
    assert tools["area"](None, 2) == 12.57
    with pytest.raises(ToolError):
        tools["area"](None, -1)
    assert tools["squares"](None, 4) == [0, 1, 4, 9]


LOAD_TIME = '''
import typing
from autoforge.servers.records import Records

"""Only literals, safe constructors, constant defaults and plain annotations run at load."""
LIMIT = -1
TABLES = {}
NAMES = ("a", "b")
records = Records(TABLES, list_limit=50)


def f(db, x: typing.Optional[str] = None, y: int | None = -1.5, z=("a", None)) -> typing.List[int]:
    return [LIMIT, len(NAMES)]
'''


def test_literals_safe_constructors_constant_defaults_and_plain_annotations_load() -> None:
    """What may run at load passes the check, loads and works."""
    assert check_source(LOAD_TIME) == []
    assert load_tools(LOAD_TIME, ["f"])["f"](None) == [-1, 2]


def test_safe_constructors_are_offered_names() -> None:
    """Every safe constructor is a name its module's facade offers."""
    assert all(name in ALLOWED_NAMES[module] for module, name in SAFE_CONSTRUCTORS)


def test_imports_in_tool_code_bind_facades_not_modules() -> None:
    """`import json` in tool code binds the json facade, at module level and inside a function."""
    source = "import json\n\ndef f(db):\n    import re\n    return json.loads('[1]'), re.escape('.')\n"
    f = load_tools(source, ["f"])["f"]
    assert f(None) == ([1], "\\.")
    assert f.__globals__["json"] is FACADES["json"]
    assert not any(isinstance(value, ModuleType) for value in f.__globals__.values())


@pytest.mark.parametrize("module", sorted(ALLOWED_NAMES))
def test_a_facade_offers_its_listed_names_and_nothing_else(module: str) -> None:
    """A facade lists, serves and keeps its module's allowed names (`re`'s functions without its process-wide
    cache); any other name is refused with the list."""
    facade, real = FACADES[module], importlib.import_module(module)
    assert not isinstance(facade, ModuleType)
    assert dir(facade) == sorted(ALLOWED_NAMES[module])
    own = UNCACHED.get(module, {})
    assert all(getattr(facade, name) is (own.get(name) or getattr(real, name)) for name in ALLOWED_NAMES[module])
    with pytest.raises(AttributeError, match=f"{module} offers tool code only {min(ALLOWED_NAMES[module])}"):
        facade.sys  # noqa: B018
    with pytest.raises(AttributeError, match="read-only"):
        facade.anything = 1


def test_module_level_constants_read_as_plain_data_and_cannot_change() -> None:
    """Module-level dicts and lists read like dicts and lists, but a tool cannot change them."""
    source = (
        "LIMITS = {'a': [1, 2]}\n\ndef read(db):\n    return LIMITS\n\ndef keep(db, x):\n    LIMITS['a'].append(x)\n"
    )
    tools = load_tools(source, ["read", "keep"])
    assert json.dumps(tools["read"](None)) == '{"a": [1, 2]}'
    assert isinstance(tools["read"](None), dict)
    with pytest.raises(TypeError, match="shared by every episode"):
        tools["keep"](None, 3)
    assert tools["read"](None) == {"a": [1, 2]}


def test_range_is_capped_at_runtime() -> None:
    """Unbounded work through range() is stopped by the sandbox's capped range."""
    tools = load_tools(SAFE, ["squares"])
    with pytest.raises(ToolError, match="sandbox limit"):
        tools["squares"](None, MAX_RANGE + 1)


def test_missing_tool_function_is_reported() -> None:
    """A tool declared in env.json without a function in tools.py refuses the file."""
    with pytest.raises(SandboxError, match="lacks functions"):
        load_tools(SAFE, ["area", "volume"])


def test_bundled_tools_pass_the_allow_list(bundled_tools_sources: list[tuple[str, str]]) -> None:
    """Every bundled environment's tools.py passes the allow-list."""
    for name, source in bundled_tools_sources:
        assert check_source(source) == [], name


@pytest.fixture
def bundled_tools_sources() -> list[tuple[str, str]]:
    from autoforge.servers.locate import bundled_environments

    return [(p.name, (p / "tools.py").read_text()) for p in bundled_environments()]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def tool(db):\n    return " + "-" * 100_000 + "1\n", "nested too deeply"),
        ("def tool(db):\n    return " + "not " * 50_000 + "1\n", "nested too deeply"),
        ("def tool(db):\n    return '\ud800'\n", "not plain text"),
        ("def tool(db):\n    return 1\x00\n", "null bytes"),
    ],
    ids=["100,000 minus signs", "50,000 nots", "a lone surrogate", "a null byte"],
)
def test_source_no_parser_takes_is_a_problem_not_a_crash(source: str, problem: str) -> None:
    """The check answers every source with problems: what the parser or the checker cannot take is one of them."""
    problems = check_source(source)
    assert len(problems) == 1 and problem in problems[0].message, problems


def test_a_function_taking_db_is_given_the_tool_s_own_db_and_may_take_a_mapping_besides() -> None:
    """`member(db, x=x, **arguments)` (a folded tool calling one of its actions) passes: a `db` in the mapping would
    be a second value, which Python refuses. `member(**arguments)` or `member(*values)` could hand it anything."""
    helper = "def member(db, x=None, **more):\n    return db.today()\n\n\n"
    assert check_source(helper + "def tool(db, **arguments):\n    return member(db, x=1, **arguments)\n") == []
    assert check_source(helper + "def tool(db, **arguments):\n    return member(db=db, **arguments)\n") == []
    for call in ("member(**arguments)", "member(*[arguments])"):
        problems = check_source(helper + f"def tool(db, **arguments):\n    return {call}\n")
        assert [p.message for p in problems] == ["member must be given the tool's own db (member(db, ...))"], call
