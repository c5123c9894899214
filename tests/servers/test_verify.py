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


def test_a_fact_glued_inside_a_longer_token_is_not_told() -> None:
    """'14' inside 9149, a date or a code is not told; standing alone (or quoted) it is."""
    task = _task([], ("14",))
    for said in ("Order 9149 ships.", "It arrives 2026-04-14.", "Ticket ORD-14 is open.", "It is 14.5 kg.", "x14y"):
        assert compare(SPEC, task, [], [said]).reward == 0.0, said
    for said in ("Room 14.", "Room (14), floor 2", "14 nights", "The answer: 14"):
        assert compare(SPEC, task, [], [said]).reward == 1.0, said


def test_a_fact_inside_a_longer_amount_or_word_is_not_told() -> None:
    """1234.50 is not told by 11234.50 or 1234.505; 'paid' is not told by 'unpaid'; case and separators still fold."""
    money = _task([], ("1234.50", "paid"))
    assert compare(SPEC, money, [], ["You owe 11234.50, unpaid"]).reward == 0.0
    assert compare(SPEC, money, [], ["You owe 1234.505 and it is paid"]).reward == 0.0
    assert compare(SPEC, money, [], ["You owe 1,234.50; it is PAID."]).reward == 1.0


def test_imported_benchmark_facts_keep_substring_matching() -> None:
    """A task whose facts match as substrings (tau2's rule) is told by a longer token too."""
    task = _task([], ("14",)).model_copy(
        update={"expected": _task([], ("14",)).expected.model_copy(update={"match": "substring"})}
    )
    assert compare(SPEC, task, [], ["It arrives 2026-04-14."]).reward == 1.0
