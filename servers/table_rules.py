"""What the records engine knows of one table: one entry of a generated tools.py's `TABLES`, as a model.

The first fields say how rows are found, stored and named; the rest are the document's rules the engine
keeps on every write: value constraints, read-only and immutable columns, ordered pairs (check-in before
check-out), dates that may not lie in the past, derived values (a total kept equal to its lines, a
line's price copied from its product, stock that moves with orders), capacities, overlaps, and the
lifecycle (which states an action may start from, what the clock allows, what a new row's parent must be).
Every rule field has a default, so a description that states no rules is still valid.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Line", "Nights", "Schedule", "Stock", "TableRules", "Total"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Line(_Rule):
    """Child rows that add up into a total: `amount` (times `quantity`, when given) per row of `table`."""

    table: str
    via: str = Field(description="The child's column referring to the row that holds the total.")
    amount: str
    quantity: str | None = None


class Nights(_Rule):
    """A stay's price: the nights between two dates times a rate read from a referenced row."""

    start: str
    end: str
    ref: str = Field(description="The reference column naming the row with the rate (a room).")
    rate: str = Field(description="The rate column of that row.")


class Total(_Rule):
    """How a total is derived: nights times a rate, plus the lines of child tables."""

    lines: tuple[Line, ...] = ()
    nights: Nights | None = None


class Stock(_Rule):
    """A count on a referenced row that a new row takes from (and gives back when it goes or is voided)."""

    ref: str = Field(description="The reference column naming the row that holds the stock.")
    column: str = Field(description="The stock column of that row.")
    quantity: str | None = Field(default=None, description="How many a row takes (None: one).")


class Schedule(_Rule):
    """When a row's states may be entered: `ongoing` states from `start` on, `past` states from `start` on too."""

    start: str
    end: str | None = None
    ongoing: tuple[str, ...] = ()
    past: tuple[str, ...] = ()


class TableRules(_Rule):
    """How the rows of one table are found, stored, described and guarded (one entry of `TABLES`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    key: str = Field(description="The primary-key column.")
    prefix: str = Field(description="Prefix of new text keys, such as 'ORD-'.")
    noun: str = Field(description="One row in words, such as 'order'.")
    nouns: str = Field(description="Several rows in words, such as 'orders'.")
    finder: str = Field(description="The tool that lists these rows, named when one is missing ('' for none).")
    single: bool = Field(
        description="The table holds one record (a profile, the settings) that tools take without a key."
    )
    columns: tuple[str, ...] = Field(description="Every column, in table order.")
    json_columns: tuple[str, ...] = Field(alias="json", description="Columns stored as JSON text, returned decoded.")
    bool_columns: tuple[str, ...] = Field(alias="bool", description="Columns stored as 0/1, returned as booleans.")
    search: tuple[str, ...] = Field(description="Text columns a free-text 'search' condition looks in.")
    status: str | None = Field(description="The column holding the row's state, if any.")
    ended: tuple[Any, ...] = Field(description="States after which a row can no longer change.")
    refs: dict[str, str] = Field(description="Reference column -> the table it refers to.")
    parents: tuple[str, ...] = Field(description="Reference columns a row cannot exist without.")
    required: tuple[str, ...] = Field(description="Columns a create must be given.")
    defaults: dict[str, Any] = Field(
        description="Values a create fills in when not given; '@clock' and '@date' take the environment's clock."
    )
    children: tuple[tuple[str, str], ...] = Field(description="(table, column) pairs that refer to this table.")
    checks: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Column -> its documented constraints (see servers.constraints)."
    )
    read_only: tuple[str, ...] = Field(default=(), description="Columns the service sets; a caller may not.")
    immutable: tuple[str, ...] = Field(
        default=(), description="Columns fixed once a row exists (whose row it is); an update may not change them."
    )
    pairs: tuple[tuple[str, str], ...] = Field(default=(), description="(start, end): start comes before end.")
    upcoming: tuple[str, ...] = Field(default=(), description="Date columns a write may not set before today.")
    totals: dict[str, Total] = Field(default_factory=dict, description="Derived total columns and their sources.")
    copies: dict[str, tuple[str, str]] = Field(
        default_factory=dict, description="Column -> (reference column, source column): copied when a row is made."
    )
    stock: Stock | None = None
    capacity: dict[str, tuple[str, str]] = Field(
        default_factory=dict, description="Column -> (reference column, capacity column) it may not exceed."
    )
    overlap: tuple[str, str, str] | None = Field(
        default=None, description="(reference, start, end): live rows of one referenced row may not overlap."
    )
    void: tuple[Any, ...] = Field(default=(), description="States in which a row no longer counts (cancelled).")
    current: tuple[Any, ...] = Field(
        default=(), description="States of the one current row that a tool given no key acts on (a running timer)."
    )
    superseded: Any = Field(
        default=None, description="The state the current row moves to when a new one starts (a timer stopped)."
    )
    transitions: dict[str, tuple[Any, ...]] = Field(
        default_factory=dict, description="Target state -> the states an action may move a row from into it."
    )
    schedule: Schedule | None = None
    requires: dict[str, tuple[Any, ...]] = Field(
        default_factory=dict, description="Reference column -> states the referenced row must be in for a new row."
    )
    unique: tuple[str, ...] = Field(default=(), description="Columns no two rows share (case aside).")
