"""Random values that satisfy a JSON schema: the arguments of the random agent's tool calls.

Covers the JSON Schema subset tool schemas use: types (or a list of them), enum, const, anyOf /
oneOf, numeric bounds, string lengths and common formats, arrays and objects with required and
optional properties. A string `pattern` is met by drawing candidates until one matches; when none
does, the property is left out.
"""

from __future__ import annotations

import math
import random
import string
from datetime import date, timedelta
from typing import Any

from autoforge.servers.patterns import linear

__all__ = ["random_arguments", "random_value"]

_WORDS = ("alpha", "blue", "delta", "north", "river", "stone", "maple", "orbit", "cedar", "lumen")
_MAX_DEPTH = 4
_PATTERN_TRIES = 20
_MAX_CHARS = 1_000
_MAX_ITEMS = 20
"""A string's and a list's most: a server's schema may ask for a billion characters (`minLength`), which would keep
the orchestrator's event loop busy past every timeout; past these the call goes out short and the server refuses
it."""


def random_arguments(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A random object for a tool's input schema (always a dict)."""
    value = random_value({**schema, "type": "object"}, rng)
    return value if isinstance(value, dict) else {}


def random_value(schema: dict[str, Any], rng: random.Random, depth: int = 0) -> Any:
    """A random value valid under `schema`."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return rng.choice(list(schema["enum"]))
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return random_value(rng.choice(schema[key]), rng, depth)
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = rng.choice(kind)
    if kind == "object":
        return _object(schema, rng, depth)
    if kind == "array":
        return _array(schema, rng, depth)
    if kind == "integer":
        low, high = _bounds(schema, integer=True)
        return rng.randint(int(low), int(high))
    if kind == "number":
        low, high = _bounds(schema, integer=False)
        return round(rng.uniform(low, high), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    return _string(schema, rng)


def _object(schema: dict[str, Any], rng: random.Random, depth: int) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    result: dict[str, Any] = {}
    for name, sub in properties.items():
        if name not in required and (depth >= _MAX_DEPTH or rng.random() < 0.5):
            continue
        value = random_value(sub if isinstance(sub, dict) else {}, rng, depth + 1)
        if value is _NO_MATCH:
            continue
        result[name] = value
    return result


def _array(schema: dict[str, Any], rng: random.Random, depth: int) -> list[Any]:
    low = min(_count(schema.get("minItems"), 0), _MAX_ITEMS)
    high = min(_count(schema.get("maxItems"), low + 3), _MAX_ITEMS)
    items: dict[str, Any] = schema["items"] if isinstance(schema.get("items"), dict) else {}
    count = rng.randint(low, max(low, high)) if depth < _MAX_DEPTH else low
    values = [random_value(items, rng, depth + 1) for _ in range(count)]
    return [v for v in values if v is not _NO_MATCH]


def _bounds(schema: dict[str, Any], *, integer: bool) -> tuple[float, float]:
    step = 1 if integer else 0.01
    low = schema.get("minimum")
    high = schema.get("maximum")
    if low is None and "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + step
    if high is None and "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - step
    low = low if isinstance(low, (int, float)) and math.isfinite(low) else None
    high = high if isinstance(high, (int, float)) and math.isfinite(high) else None
    if low is None:
        low = min(0, high - 100) if high is not None else 0
    if high is None:
        high = low + 100
    return low, max(low, high)


def _count(value: Any, default: int) -> int:
    """A documented length or count as a number of things (a nonsense one as `default`)."""
    return int(value) if isinstance(value, (int, float)) and math.isfinite(value) and value >= 0 else default


class _NoMatch:
    """Marks a string that could not be made to match its pattern."""


_NO_MATCH: Any = _NoMatch()


def _string(schema: dict[str, Any], rng: random.Random) -> Any:
    pattern = linear(schema["pattern"]) if isinstance(schema.get("pattern"), str) else None  # RE2: a server's
    for _ in range(_PATTERN_TRIES if pattern else 1):  # pattern must not make the orchestrator backtrack
        candidate = _plain_string(schema, rng)
        if pattern is None or pattern.search(candidate):
            return candidate
    return _NO_MATCH


def _plain_string(schema: dict[str, Any], rng: random.Random) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return (date(2026, 1, 1) + timedelta(days=rng.randint(-400, 400))).isoformat()
    if fmt == "date-time":
        day = date(2026, 1, 1) + timedelta(days=rng.randint(-400, 400))
        return f"{day.isoformat()}T{rng.randint(0, 23):02d}:{rng.choice((0, 15, 30, 45)):02d}:00"
    if fmt == "email":
        return f"{rng.choice(_WORDS)}.{rng.choice(_WORDS)}@example.test"
    low = min(_count(schema.get("minLength"), 1), _MAX_CHARS)
    high = min(_count(schema.get("maxLength"), max(low, 16)), _MAX_CHARS)
    text = (
        rng.choice(_WORDS) if rng.random() < 0.5 else "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 10)))
    )
    text = text[:high]
    return text + "".join(rng.choices(string.ascii_lowercase, k=max(0, low - len(text))))
