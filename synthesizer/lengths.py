"""Task length that adapts to the API: tasks start at DEFAULT_MIN_CALLS calls and get shorter, down to one,
while the tools do not chain into enough tasks of the current length (a small or read-only API)."""

from __future__ import annotations

from .options import DEFAULT_MIN_CALLS, SynthOptions

__all__ = ["TaskLength"]


class TaskLength:
    """The fewest calls a task must have, batch by batch: fixed when the user set `min_calls`, else adapting."""

    def __init__(self, options: SynthOptions) -> None:
        self.fixed = options.min_calls is not None
        self.floor = options.min_calls or DEFAULT_MIN_CALLS

    def applied(self, options: SynthOptions) -> SynthOptions:
        """`options` with the current floor as `min_calls`."""
        return options.model_copy(update={"min_calls": self.floor})

    def shorten(self, kept: int, wanted: int) -> bool:
        """After a batch: one call shorter when it kept under a quarter of the tasks wanted. True when it shortened."""
        if self.fixed or self.floor <= 1 or kept * 4 >= wanted:
            return False
        self.floor -= 1
        return True
