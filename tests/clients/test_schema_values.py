"""Random arguments of the random agent are valid under the tools' JSON schemas."""

from __future__ import annotations

import random

import jsonschema
from autoforge.clients.schema_values import random_arguments
from hypothesis import given, settings
from hypothesis import strategies as st

RICH_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["active", "returned"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 28},
        "amount": {"type": "number", "exclusiveMinimum": 0, "maximum": 500},
        "when": {"type": "string", "format": "date"},
        "email": {"type": "string", "format": "email"},
        "code": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2, "maxLength": 6},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "flag": {"type": ["boolean", "null"]},
        "either": {"anyOf": [{"type": "integer", "maximum": -5}, {"const": "none"}]},
        "address": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
    "required": ["status", "days", "address"],
    "additionalProperties": False,
}


@given(st.integers(min_value=0, max_value=2**32))
def test_random_arguments_validate_against_a_schema_using_every_supported_keyword(seed):
    """Enums, bounds, formats, patterns, arrays, unions and nested objects all come out valid."""
    arguments = random_arguments(RICH_SCHEMA, random.Random(seed))
    jsonschema.validate(arguments, RICH_SCHEMA, format_checker=jsonschema.FormatChecker())


@settings(max_examples=5)
@given(st.integers(min_value=0, max_value=2**32))
def test_random_arguments_validate_for_every_bundled_tool(bundled, seed):
    """Every tool of every bundled environment gets schema-valid random arguments."""
    rng = random.Random(seed)
    for environment in bundled:
        for tool in environment.spec.tools:
            jsonschema.validate(random_arguments(tool.input_schema, rng), tool.input_schema)


def test_a_server_s_schema_cannot_keep_the_orchestrator_busy() -> None:
    """A hostile server's schema asks for a billion characters, a billion items, an infinite bound and a pattern
    that backtracks: arguments come back at once, bounded (the server then refuses the short ones)."""
    import time

    schema = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "minLength": 10**12},
            "items": {"type": "array", "items": {"type": "integer", "minimum": float("-inf")}, "minItems": 10**9},
            "code": {"type": "string", "pattern": "^(a+)+$"},
        },
        "required": ["text", "items", "code"],
    }
    started = time.monotonic()
    for seed in range(5):
        arguments = random_arguments(schema, random.Random(seed))
        assert len(arguments["text"]) == 1_000 and len(arguments["items"]) == 20
    assert time.monotonic() - started < 5
