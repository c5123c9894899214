"""A synthesizer bug met on one operation or one candidate task becomes a reason (that operation is left out, that
candidate dropped, each counted in the notes) instead of sinking the document."""

from __future__ import annotations

__all__ = ["internal_error"]


def internal_error(exc: Exception) -> str:
    """The reason recorded for an operation or candidate task that tripped a synthesizer bug."""
    return f"internal error, a synthesizer bug ({type(exc).__name__}: {str(exc)[:80]})"
