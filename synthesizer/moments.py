"""Dates and times read from stored values, which real documents do not always fill with dates: None, not an
error, for a value that is not one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

__all__ = ["day_of", "epoch_seconds", "moment_of", "shifted", "written_for"]


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


_WRITINGS: tuple[Callable[[dt.datetime], str], ...] = (
    lambda m: m.isoformat(timespec="seconds"),
    lambda m: m.isoformat(timespec="seconds") + "Z",
    lambda m: m.isoformat(timespec="milliseconds") + "Z",
    lambda m: m.isoformat(timespec="seconds") + "+00:00",
    lambda m: m.isoformat(timespec="milliseconds") + "+00:00",
    lambda m: m.isoformat(sep=" ", timespec="seconds"),
    lambda m: m.isoformat(sep=" ", timespec="milliseconds") + "Z",
    lambda m: m.isoformat(sep=" ", timespec="milliseconds") + "+0000",
    lambda m: m.isoformat(sep=" ", timespec="seconds") + "+00:00",
    lambda m: m.date().isoformat(),
    lambda m: m.strftime("%H:%M"),
    lambda m: m.strftime("%H:%M:%S"),
    lambda m: f"{epoch_seconds(m)}",
    lambda m: f"{epoch_seconds(m)}.000000",
    lambda m: m.strftime("%m/%y"),
    lambda m: m.strftime("%m/%Y"),
)
"""Ways to write a moment, tried in turn when a column's documented rule refuses the plain ISO form (a card's
`MM/YY` expiry date: five characters)."""
_TIMES_OF_DAY = frozenset({"%H:%M", "%H:%M:%S"})


def epoch_seconds(moment: dt.datetime) -> int:
    """A moment of the environment's clock (UTC) as seconds since 1970, the way many APIs send times."""
    return int(moment.replace(tzinfo=dt.UTC).timestamp())


def written_for(moment: dt.datetime, accepts: Callable[[str], bool], day: bool = False) -> str | None:
    """`moment` written in the first of the usual forms that a column's rule `accepts` ('09:30' for a pattern
    `^\\d{1,2}:\\d{2}$`, '09/27' for five characters at most), or None; for a `day`, never a time of day alone."""
    times = {moment.strftime(form) for form in _TIMES_OF_DAY} if day else set()
    return next((text for write in _WRITINGS if (text := write(moment)) not in times and accepts(text)), None)
