"""The safe arithmetic evaluator: Python's results on arithmetic, a ToolError on everything else."""

from __future__ import annotations

import pytest
from autoforge.servers import ToolError, build_environment
from autoforge.servers.arithmetic import evaluate
from autoforge.servers.sandbox import check_source
from hypothesis import given, settings
from hypothesis import strategies as st

numbers = st.one_of(st.integers(0, 10_000).map(str), st.floats(0, 1e4, allow_nan=False).map(lambda f: f"{f:.3f}"))
expressions = st.recursive(
    numbers,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//"]), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"-{e}"),
    ),
    max_leaves=12,
)


def _python(expression: str) -> object:
    try:
        return eval(expression, {"__builtins__": None}, {})
    except ZeroDivisionError:
        return ZeroDivisionError


@settings(deadline=None, max_examples=300)
@given(expressions)
def test_results_equal_python_eval(expression: str) -> None:
    """Every arithmetic expression evaluates to exactly what Python's eval gives (or both divide by zero)."""
    expected = _python(expression)
    if expected is ZeroDivisionError:
        with pytest.raises(ToolError, match="division by zero|modulo by zero"):
            evaluate(expression)
    else:
        assert evaluate(expression) == expected


def test_rounding_matches_a_tool_that_rounds_to_cents() -> None:
    """Float results keep Python's binary arithmetic, so rounding to cents gives the same string."""
    assert str(round(float(evaluate("(1000 - 33.33) / 3")), 2)) == str(round(float((1000 - 33.33) / 3), 2))
    assert evaluate("2 ** 10") == 1024 and evaluate("7 // 2") == 3 and evaluate("-(3)") == -3


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("2 +", "invalid syntax"),
        ("1 / 0", "division by zero"),
        ("()", "unsupported expression"),
        ("...", "unsupported expression"),
        ("abs(-1)", "unsupported expression"),
        ("(-8) ** 0.5", "not a real number"),
        ("9 ** 9 ** 9", "too large"),
        ("10.0 ** 400", "Numerical result out of range|too large"),
    ],
)
def test_non_arithmetic_and_failures_raise_tool_errors(expression: str, message: str) -> None:
    """Anything but arithmetic, and arithmetic that fails, raises a ToolError the agent can read."""
    with pytest.raises(ToolError, match=message):
        evaluate(expression)


def test_long_chains_evaluate_or_fail_cleanly() -> None:
    """A chain Python can compile is evaluated without recursion; a longer one is a ToolError, not a crash."""
    assert evaluate("+".join(["1"] * 900)) == 900
    with pytest.raises(ToolError, match="too deeply"):
        evaluate("+".join(["1"] * 5000))


def test_tool_code_may_import_the_evaluator() -> None:
    """The evaluator is on the sandbox allow-list, and a tool built on it runs and reports bad input as errors."""
    source = (
        "from autoforge.servers.arithmetic import evaluate\n\n\n"
        "def calculate(db, expression):\n    return str(round(float(evaluate(expression)), 2))\n"
    )
    assert check_source(source) == []
    from autoforge.servers import Column, EnvSpec, Provenance, Table, ToolSpec

    spec = EnvSpec(
        name="calc",
        description="A calculator.",
        tables=(Table(name="notes", columns=(Column(name="id", type="TEXT", primary_key=True),)),),
        tools=(
            ToolSpec(
                name="calculate",
                description="Evaluate arithmetic.",
                input_schema={
                    "type": "object",
                    "properties": {"expression": {"type": "string"}},
                    "required": ["expression"],
                },
                writes=False,
            ),
        ),
        provenance=Provenance(source="test"),
    )
    environment = build_environment(spec, source, "")
    from autoforge.servers import EpisodeStore

    episode = EpisodeStore(spec, environment.template, {}).fresh(None)
    assert environment.tools["calculate"].run(episode, {"expression": "10 / 3"}).value == "3.33"
    with pytest.raises(ToolError, match="division by zero"):
        environment.tools["calculate"].run(episode, {"expression": "1 / 0"})
