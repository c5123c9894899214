"""Generated arguments thrown at every bundled tool: no crash, no state corruption, errors always clean."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest
from autoforge.servers import Environment, ToolError, load_environment
from autoforge.servers.episodes import Episode, EpisodeStore
from autoforge.servers.execution import ToolCrash
from autoforge.servers.state import read_state
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import bundled_ids, bundled_path

_ENVIRONMENTS: dict[str, Environment] = {}


def _environment(name: str) -> Environment:
    if name not in _ENVIRONMENTS:
        _ENVIRONMENTS[name] = load_environment(bundled_path(name))
    return _ENVIRONMENTS[name]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _known_ids(environment: Environment) -> list[Any]:
    """Some primary keys of every seed table, so generated calls reach past 'not found'."""
    values: list[Any] = []
    for table in environment.spec.tables:
        rows = environment.template.execute(f'SELECT "{table.primary_key}" FROM "{table.name}" LIMIT 8')
        values += [row[0] for row in rows]
    return values


def _leaf(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that fit one property schema (and its limits)."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(_leaf(schema.get("items", {})), max_size=4)
    return st.text(max_size=schema.get("maxLength", 40))


def _arguments(environment: Environment, schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    known = st.sampled_from(_known_ids(environment))
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    fitting = st.fixed_dictionaries(
        {name: st.one_of(known, _leaf(sub)) for name, sub in properties.items() if name in required},
        optional={name: st.one_of(known, _leaf(sub)) for name, sub in properties.items() if name not in required},
    )
    arbitrary = st.dictionaries(st.sampled_from([*properties, "extra", "id"]), JSON_VALUES, max_size=4)
    return st.one_of(fitting, arbitrary)


def _foreign_key_violations(episode: Episode) -> list[Any]:
    """PRAGMA foreign_key_check on a plain connection to the episode's file (tool code may run no PRAGMA)."""
    with closing(sqlite3.connect(episode.path)) as conn:
        return conn.execute("PRAGMA foreign_key_check").fetchall()


CASES = [(env, tool) for env in bundled_ids() for tool in [t.name for t in _environment(env).spec.tools]]


@pytest.mark.parametrize(("env_name", "tool_name"), CASES)
def test_generated_arguments_never_crash_or_corrupt(env_name: str, tool_name: str) -> None:
    """Any arguments: a clean result or a ToolError; errors and reads leave the state untouched; FKs hold."""
    environment = _environment(env_name)
    tool = environment.tools[tool_name]
    store = EpisodeStore(environment.spec, environment.template, environment.tasks)
    episode = store.fresh(None)

    @settings(max_examples=30)
    @given(arguments=_arguments(environment, tool.spec.input_schema))
    def run(arguments: dict[str, Any]) -> None:
        before = read_state(episode.conn, environment.spec)
        try:
            tool.run(episode, arguments)
        except ToolCrash as crash:
            raise AssertionError(f"{tool_name} crashed on {arguments!r}: {crash}") from crash
        except ToolError:
            assert read_state(episode.conn, environment.spec) == before, "a failed call changed the state"
            return
        if not tool.spec.writes:
            assert read_state(episode.conn, environment.spec) == before, "a read tool changed the state"
        assert _foreign_key_violations(episode) == []

    try:
        run()
    finally:
        episode.close()
