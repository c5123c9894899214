"""Documented patterns (env.json's `pattern`s, a column's rule) matched in time linear in the value.

Python's `re` backtracks: `^(a+)+$` against 28 letters takes seconds, and these patterns come with an
environment folder while the values come from agents. RE2 guarantees linear-time matching. A pattern RE2
cannot read (a look-around, a back-reference) is not enforced.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import re2

__all__ = ["Pattern", "linear"]


class Pattern(Protocol):
    def search(self, text: str) -> object: ...


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


@lru_cache(maxsize=4096)
def linear(pattern: str) -> Pattern | None:
    """`pattern` compiled by RE2, or None when RE2 cannot read it (such a pattern is not enforced)."""
    try:
        compiled: Pattern = re2.compile(pattern, options=_OPTIONS)
    except (re2.error, TypeError, ValueError):
        return None
    return compiled
