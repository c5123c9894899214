"""The AST allow-list refuses unsafe tool code with the offending line, and loads safe code restricted."""

from __future__ import annotations

import pytest

from autoforge.servers import SandboxError, ToolError
from autoforge.servers.sandbox import MAX_RANGE, check_source, load_tools

SAFE = '''
from autoforge.servers.toolkit import ToolError
import math


def area(db, radius):
    if radius < 0:
        raise ToolError("radius must be positive")
    return round(math.pi * radius ** 2, 2)


def squares(db, n):
    return [i * i for i in range(n)]
'''


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
        ("import subprocess\n", 1, "import of 'subprocess'"),
        ("def f(db):\n    return globals()\n", 2, "'globals'"),
        ("class A:\n    pass\n", 1, "class"),
        ("x = compile('1', 'x', 'eval')\n", 1, "'compile'"),
    ],
)
def test_forbidden_construct_is_refused_with_its_line(source: str, line: int, fragment: str) -> None:
    """Each forbidden construct is reported at the line where it appears."""
    problems = check_source(source)
    assert any(p.location == f"tools.py:{line}" and fragment in p.message for p in problems), problems
    with pytest.raises(SandboxError) as refused:
        load_tools(source, ["f"])
    assert f"tools.py:{line}" in str(refused.value)


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
