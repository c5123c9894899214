"""Dates and times read from stored values, which real documents do not always fill with dates: None, not an
error, for a value that is not one."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["day_of", "moment_of", "shifted"]


def day_of(value: Any) -> dt.date | None:
    """The calendar day an ISO date or date-time names, or None."""
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def moment_of(value: Any) -> dt.datetime | None:
    """The moment an ISO date-time (or date, at midnight) names, to the second and without a zone, or None."""
    try:
        return dt.datetime.fromisoformat(str(value)[:19])
    except ValueError:
        return None


def shifted(value: Any, days: int) -> str | None:
    """An ISO date or date-time moved by whole days, keeping its form; None when it is not one."""
    day = day_of(value)
    return None if day is None else (day + dt.timedelta(days=days)).isoformat() + str(value)[10:]
