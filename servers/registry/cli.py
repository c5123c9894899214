"""Commands of this package (joined into the `autoforge` app)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `autoforge` app."""
