"""What `import` gives tool code: a facade per allowed module, holding that module's listed names only.

Tool code never receives a module object. `import json` binds a `Facade` whose only attributes are
the names in `ALLOWED_NAMES["json"]`; anything else (`json.codecs`, `typing.sys`, `re.enum`) is an
AttributeError that lists what is offered. The sandbox's AST check refuses the same names before
anything runs, with the same message. Each list holds plain functions, classes and constants whose
public attributes lead to no module, code object, frame, globals or unsafe builtin
(tests/servers/test_escapes.py walks them), and nothing that changes state shared by other calls
(`decimal.getcontext`, `re.purge`, the ABCs behind `typing.Mapping` with their `register`).
"""

from __future__ import annotations

import collections
import datetime
import decimal
import json
import math
import re
import statistics
import typing
from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import Any

from . import arithmetic, records, toolkit

__all__ = ["ALLOWED_NAMES", "FACADES", "SAFE_CONSTRUCTORS", "UNCACHED", "Facade", "not_offered"]

_MODULES: dict[str, ModuleType] = {
    "json": json,
    "math": math,
    "re": re,
    "datetime": datetime,
    "decimal": decimal,
    "statistics": statistics,
    "collections": collections,
    "typing": typing,
    "autoforge.servers.toolkit": toolkit,
    "autoforge.servers.records": records,
    "autoforge.servers.arithmetic": arithmetic,
}

ALLOWED_NAMES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # JSON text in and out (hooks receive only plain data).
        "json": frozenset({"dumps", "loads"}),
        # Every function and constant of math (numbers in, numbers out).
        "math": frozenset(
            "acos acosh asin asinh atan atan2 atanh ceil comb copysign cos cosh degrees dist e erf erfc exp "
            "expm1 fabs factorial floor fmod frexp fsum gamma gcd hypot inf isclose isfinite isinf isnan isqrt "
            "lcm ldexp lgamma log log10 log1p log2 modf nan nextafter perm pi pow prod radians remainder sin "
            "sinh sqrt tan tanh tau trunc ulp".split()
        ),
        # Matching and substitution, and the flags (not purge, template or the module's internals).
        "re": frozenset(
            "compile escape findall finditer fullmatch match search split sub subn "
            "A ASCII I IGNORECASE M MULTILINE S DOTALL X VERBOSE".split()
        ),
        # The value types; their wall-clock constructors (now, today) are refused by the AST check.
        "datetime": frozenset({"date", "datetime", "time", "timedelta", "timezone", "MINYEAR", "MAXYEAR"}),
        # Decimal and the rounding modes (not the thread's context, which other code shares).
        "decimal": frozenset(
            "Decimal ROUND_05UP ROUND_CEILING ROUND_DOWN ROUND_FLOOR ROUND_HALF_DOWN ROUND_HALF_EVEN "
            "ROUND_HALF_UP ROUND_UP".split()
        ),
        # The averages and spreads.
        "statistics": frozenset(
            "fmean geometric_mean harmonic_mean mean median median_high median_low mode multimode pstdev "
            "pvariance quantiles stdev variance".split()
        ),
        # The containers (not namedtuple, which builds classes, nor the abstract base classes).
        "collections": frozenset({"Counter", "OrderedDict", "defaultdict", "deque"}),
        # Names for annotations (not the ABC aliases, whose `register` would change isinstance everywhere).
        "typing": frozenset({"Any", "Dict", "FrozenSet", "List", "Literal", "Optional", "Set", "Tuple", "Union"}),
        # The runtime's own helpers.
        "autoforge.servers.toolkit": frozenset({"ToolError"}),
        "autoforge.servers.records": frozenset({"Records"}),
        "autoforge.servers.arithmetic": frozenset({"evaluate"}),
    }
)
"""Allowed module -> the names tool code may take from it."""

SAFE_CONSTRUCTORS: frozenset[tuple[str, str]] = frozenset({("autoforge.servers.records", "Records")})
"""(module, name) of the calls tools.py may make at module level, with literal or constant arguments:
each builds a helper whose state tool code cannot reach (`records = Records(TABLES, list_limit=50)`)."""


def not_offered(module: str, name: str) -> str:
    """The message for a name that `module`'s facade does not hold, listing the names it does."""
    return f"{module} offers tool code only {', '.join(sorted(ALLOWED_NAMES[module]))}; {name!r} is not one of them"


class Facade:
    """One allowed module as tool code sees it: the listed names, read-only, and no way to the module."""

    __slots__ = ("_members", "_module")

    def __init__(self, module: str, members: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_members", dict(members))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(not_offered(self._module, name)) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"the {self._module} facade is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"the {self._module} facade is read-only")

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __repr__(self) -> str:
        return f"<facade of module {self._module!r}>"


def _pattern(pattern: Any, flags: int = 0) -> re.Pattern[Any]:
    """`pattern` compiled afresh, never taken from `re`'s cache: that cache is the worker's, shared by every
    episode, and which patterns it still holds (`re.compile(p) is re.compile(p)`) once carried bits from one
    episode to the next."""
    if isinstance(pattern, re.Pattern):
        if flags:
            raise ValueError("cannot process flags argument with a compiled pattern")
        return pattern
    return re._compiler.compile(pattern, flags)  # type: ignore[attr-defined]


def _search(pattern: Any, string: Any, flags: int = 0) -> re.Match[Any] | None:
    return _pattern(pattern, flags).search(string)


def _match(pattern: Any, string: Any, flags: int = 0) -> re.Match[Any] | None:
    return _pattern(pattern, flags).match(string)


def _fullmatch(pattern: Any, string: Any, flags: int = 0) -> re.Match[Any] | None:
    return _pattern(pattern, flags).fullmatch(string)


def _findall(pattern: Any, string: Any, flags: int = 0) -> list[Any]:
    return _pattern(pattern, flags).findall(string)


def _finditer(pattern: Any, string: Any, flags: int = 0) -> Any:
    return _pattern(pattern, flags).finditer(string)


def _split(pattern: Any, string: Any, maxsplit: int = 0, flags: int = 0) -> list[Any]:
    return _pattern(pattern, flags).split(string, maxsplit)


def _sub(pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
    return _pattern(pattern, flags).sub(repl, string, count)


def _subn(pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
    return _pattern(pattern, flags).subn(repl, string, count)


UNCACHED = {
    "re": {"compile": _pattern, "search": _search, "match": _match, "fullmatch": _fullmatch, "findall": _findall,
           "finditer": _finditer, "split": _split, "sub": _sub, "subn": _subn},
}  # fmt: skip
"""Members a facade offers in place of the module's own: `re`'s functions without its process-wide cache."""

FACADES: Mapping[str, Facade] = MappingProxyType(
    {
        name: Facade(
            name, {member: UNCACHED.get(name, {}).get(member) or getattr(_MODULES[name], member) for member in members}
        )
        for name, members in ALLOWED_NAMES.items()
    }
)
"""Allowed module -> the facade an import of it returns (shared by every load: tool code can change nothing in it)."""
