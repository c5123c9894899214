"""The verifier compares database changes by content and finds facts in what the agent said."""

from __future__ import annotations

from autoforge.servers import Change, EnvSpec, Task, compare, normalise_text

from .conftest import tiny_environment

SPEC: EnvSpec = tiny_environment().spec


def _task(changes: list[Change], facts: tuple[str, ...] = ()) -> Task:
    return Task.model_validate(
        {"id": "t", "instruction": "x", "solution": {"nodes": []}, "expected": {"changes": changes, "facts": facts}}
    )


def _insert(key: str, name: str, qty: int = 1) -> Change:
    return Change(table="items", op="insert", key=key, values={"id": key, "name": name, "qty": qty})


def test_created_rows_are_matched_by_content_not_by_generated_id() -> None:
    """Rows the agent created in another order (so with other ids) still match."""
    expected = [_insert("IT-3", "plum"), _insert("IT-4", "kiwi")]
    actual = [_insert("IT-3", "kiwi"), _insert("IT-4", "plum")]
    assert compare(SPEC, _task(expected), actual, []).reward == 1.0


def test_a_wrong_value_or_an_extra_change_fails_with_a_diff() -> None:
    """A changed value, or one change too many, gives reward 0 and says what differed."""
    expected = [_insert("IT-3", "plum", 2)]
    wrong = compare(SPEC, _task(expected), [_insert("IT-3", "plum", 3)], [])
    assert wrong.reward == 0.0
    assert wrong.diff["missing"][0]["values"]["qty"] == 2 and wrong.diff["unexpected"][0]["values"]["qty"] == 3
    extra = [*expected, Change(table="items", op="delete", key="IT-1", before={"id": "IT-1"})]
    verdict = compare(SPEC, _task(expected), extra, [])
    assert verdict.reward == 0.0
    assert verdict.diff["unexpected"] == [{"table": "items", "op": "delete", "key": "IT-1", "values": {}}]


def test_missing_change_fails() -> None:
    """Doing nothing when a change is expected fails the state check."""
    verdict = compare(SPEC, _task([_insert("IT-3", "plum")]), [], [])
    assert verdict.reward == 0.0
    assert not next(c for c in verdict.checks if c.name == "state").passed


def test_facts_are_found_after_normalising_case_space_and_thousands_separators() -> None:
    """'1234.50' is found in 'You owe 1,234.50 dollars' and case or spacing do not matter."""
    task = _task([], ("1234.50", "Due on 2026-03-23"))
    said = ["You owe   1,234.50 dollars.", "It is DUE ON\n2026-03-23."]
    assert compare(SPEC, task, [], said).reward == 1.0
    missing = compare(SPEC, task, [], ["You owe 1,234.00"])
    assert missing.reward == 0.0 and missing.diff["missing_facts"] == ["1234.50", "Due on 2026-03-23"]


def test_normalise_text_keeps_decimal_points_and_plain_commas() -> None:
    """Only thousands separators go; decimal points and list commas stay."""
    assert normalise_text("A, B and 12,345,678.9") == "a, b and 12345678.9"


def test_volatile_columns_are_ignored() -> None:
    """A column declared volatile never decides the reward."""
    raw = SPEC.model_dump()
    raw["tables"][0]["columns"][2]["volatile"] = True
    spec = EnvSpec.model_validate(raw)
    assert compare(spec, _task([_insert("IT-3", "plum", 2)]), [_insert("IT-3", "plum", 7)], []).reward == 1.0
