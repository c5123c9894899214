"""Documented value constraints, in words: the one reading the tools, the seed and the tasks share."""

from __future__ import annotations

from autoforge.servers import Column
from autoforge.servers.constraints import as_stored, column_rule, compiles, problem


def test_numbers_keep_their_type_and_range() -> None:
    """An integer column refuses fractions; bounds are named with their value."""
    rule = column_rule(Column(name="guests", type="INTEGER", minimum=1, maximum=6))
    assert rule == {"type": "integer", "minimum": 1, "maximum": 6}
    assert problem("guests", rule, 7) == "guests must be at most 6"
    assert problem("guests", rule, 0) == "guests must be at least 1"
    assert problem("guests", rule, 2.5) == "guests must be a whole number"
    assert problem("guests", rule, "2") == "guests must be a number"
    assert problem("guests", rule, 3) is None and problem("guests", rule, None) is None


def test_text_keeps_its_enum_length_pattern_and_format() -> None:
    """Each documented text rule is checked and named; an uncompilable pattern is left unenforced."""
    assert problem("tier", {"type": "string", "enum": ["gold", "silver"]}, "bronze") == (
        "tier must be one of gold, silver"
    )
    assert problem("nickname", {"type": "string", "max_length": 5}, "Holiday fund") == (
        "nickname must be at most 5 characters long"
    )
    assert problem("iban", {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2}"}, "de44") == (
        "iban must match the pattern ^[A-Z]{2}[0-9]{2}"
    )
    assert problem("day", {"type": "string", "format": "date"}, "2026-02-30") == "day must be a date like 2026-03-02"
    assert problem("at", {"type": "string", "format": "date-time"}, "2026-02-03") is not None
    assert problem("at", {"type": "string", "format": "date-time"}, "2026-02-03T10:00:00") is None
    assert problem("email", {"type": "string", "format": "email"}, "ann.lee@mail") == "email must be an email address"
    assert problem("site", {"type": "string", "format": "uri"}, "https://x.example/a") is None
    assert problem("id", {"type": "string", "format": "uuid"}, "nope") == "id must be a UUID"
    assert not compiles(r"^\p{L}+$")  # Python's re cannot read it
    assert not compiles(r"^(?=.*[0-9]).+$")  # RE2 cannot match a look-ahead in linear time
    assert column_rule(Column(name="name", type="TEXT", pattern=r"^\p{L}+$")) == {"type": "string"}
    assert problem("code", {"type": "string", "pattern": "^(a+)+$"}, "a" * 40 + "!") is not None  # no backtracking


def test_a_number_sent_as_text_is_read_as_the_number_its_column_holds() -> None:
    """A document may type an amount argument as a string ('37.00') that a number column holds: it is read as
    that number (and then checked); text that is no number stays text and is refused."""
    rule = column_rule(Column(name="credit", type="REAL", minimum=0, maximum=500))
    assert as_stored(rule, "37.50") == 37.5 and problem("credit", rule, as_stored(rule, "37.50")) is None
    assert problem("credit", rule, as_stored(rule, "900")) == "credit must be at most 500"
    assert problem("credit", rule, as_stored(rule, "lots")) == "credit must be a number"
    assert as_stored({"type": "integer"}, "3") == 3 and as_stored({"type": "string"}, "3") == "3"
