"""Documented value constraints: what a column accepts (type, enum, range, length, pattern, format), in words.

A rule is a small dict (it travels in a generated tools.py's `TABLES`, so it is plain data):

    {"type": "integer", "minimum": 1, "maximum": 20}
    {"type": "string", "format": "date"}
    {"type": "string", "max_length": 40, "pattern": "^[A-Z]{2}[0-9]+$"}

`problem` says what is wrong with a value, naming the rule ("quantity must be at most 20"), or None.
The records engine refuses such a write with that message; the synthesizer checks seeds and task
values with the same function, so the tools, the seed and the tasks agree on one reading of the document.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import uuid
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .patterns import linear
from .spec import Column, EnvSpec

__all__ = ["FORMATS", "as_stored", "column_rule", "compiles", "problem", "state_problems"]

FORMATS = ("date", "date-time", "email", "uri", "url", "uuid", "time")
"""Formats checked; any other documented format is an annotation."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_NAMES = {
    "date": "a date like 2026-03-02",
    "date-time": "a date and time like 2026-03-02T09:00:00",
    "time": "a time like 09:30",
    "email": "an email address",
    "uri": "a URI",
    "url": "a URL",
    "uuid": "a UUID",
}


def column_rule(column: Column, boolean: bool = False) -> dict[str, Any]:
    """The rule of a column as plain data (empty keys left out)."""
    kind = "boolean" if boolean else {"INTEGER": "integer", "REAL": "number", "TEXT": "string"}[column.type]
    rule: dict[str, Any] = {"type": kind}
    for key in ("minimum", "maximum", "min_length", "max_length", "format"):
        value = getattr(column, key)
        if value is not None:
            rule[key] = int(value) if isinstance(value, float) and value.is_integer() else value
    if column.pattern and compiles(column.pattern):
        rule["pattern"] = column.pattern
    if column.enum:
        rule["enum"] = list(column.enum)
    return rule


@lru_cache(maxsize=512)
def compiles(pattern: str) -> bool:
    """Whether a documented pattern is enforced: Python's `re` compiles it (ECMAScript-only syntax cannot be) and
    RE2 reads it (look-arounds and back-references cannot be matched in linear time)."""
    try:
        re.compile(pattern)
    except re.error:
        return False
    return linear(pattern) is not None


def as_stored(rule: Mapping[str, Any], value: Any) -> Any:
    """A number sent as text ('37.00') as the number a number column holds; any other value as it is (a text that
    is no number stays, for `problem` to name)."""
    kind = rule.get("type")
    if not isinstance(value, str) or kind not in ("number", "integer"):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if kind == "integer" and number.is_integer() else number


def problem(name: str, rule: Mapping[str, Any], value: Any) -> str | None:
    """What is wrong with `value` for the column `name` under `rule`, in words; None when it is fine."""
    if value is None:
        return None
    kind = rule.get("type")
    if kind == "boolean":
        return None if isinstance(value, (bool, int)) and value in (0, 1) else f"{name} must be true or false"
    if kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{name} must be a number"
        if kind == "integer" and not float(value).is_integer():
            return f"{name} must be a whole number"
        low, high = rule.get("minimum"), rule.get("maximum")
        if low is not None and value < low:
            return f"{name} must be at least {low}"
        if high is not None and value > high:
            return f"{name} must be at most {high}"
    elif kind == "string" and not isinstance(value, str):
        return f"{name} must be text"
    if isinstance(value, str):
        return _text_problem(name, rule, value)
    return None


def state_problems(conn: sqlite3.Connection, spec: EnvSpec, limit: int = 20) -> list[str]:
    """Every stored value that breaks its column's documented constraints, as 'table KEY: problem' (at most `limit`)."""
    found: list[str] = []
    for table in spec.tables:
        rules = {c.name: column_rule(c) for c in table.columns if not c.primary_key and not c.references}
        columns = ", ".join(f'"{c}"' for c in [table.primary_key, *rules])
        for row in conn.execute(f'SELECT {columns} FROM "{table.name}"'):
            for name, value in zip(rules, tuple(row)[1:], strict=True):
                message = problem(name, rules[name], value)
                if message:
                    found.append(f"{table.name} {row[0]!r}: {message} (it is {value!r})")
                    if len(found) >= limit:
                        return found
    return found


def _text_problem(name: str, rule: Mapping[str, Any], value: str) -> str | None:
    enum = rule.get("enum")
    if enum and value not in enum:
        return f"{name} must be one of {', '.join(map(str, enum))}"
    shortest, longest = rule.get("min_length"), rule.get("max_length")
    if shortest is not None and len(value) < shortest:
        return f"{name} must be at least {shortest} characters long"
    if longest is not None and len(value) > longest:
        return f"{name} must be at most {longest} characters long"
    pattern = rule.get("pattern")
    matcher = linear(pattern) if pattern and compiles(pattern) else None
    if matcher is not None and not matcher.search(value):
        return f"{name} must match the pattern {pattern}"
    fmt = rule.get("format")
    if fmt and not _formatted(fmt, value):
        return f"{name} must be {_NAMES.get(fmt, fmt)}"
    return None


def _formatted(fmt: str, value: str) -> bool:
    if fmt == "date":
        return bool(_DATE.match(value)) and _parses(dt.date.fromisoformat, value)
    if fmt == "date-time":
        return len(value) >= 19 and value[10] in "Tt " and _parses(dt.datetime.fromisoformat, value)
    if fmt == "time":
        return bool(_TIME.match(value))
    if fmt == "email":
        return bool(_EMAIL.match(value))
    if fmt in ("uri", "url"):
        return bool(_URI.match(value))
    if fmt == "uuid":
        return _parses(uuid.UUID, value)
    return True


def _parses(parse: Any, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True
