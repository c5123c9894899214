"""Finding environments: a folder path, or the name of an environment bundled with AutoForge."""

from __future__ import annotations

import difflib
from pathlib import Path

from .errors import SpecError

__all__ = ["BUNDLED_DIR", "bundled_environments", "resolve_environment"]

BUNDLED_DIR = Path(__file__).resolve().parent
"""Where the environments shipped with AutoForge live (the `servers/` folder)."""


def bundled_environments() -> list[Path]:
    """The bundled environment folders, sorted by name."""
    return sorted(p for p in BUNDLED_DIR.iterdir() if (p / "env.json").is_file())


def resolve_environment(reference: str | Path) -> Path:
    """The folder for `reference`: an existing folder, or a bundled environment's name."""
    path = Path(reference)
    if path.is_dir():
        return path
    bundled = {p.name: p for p in bundled_environments()}
    if str(reference) in bundled:
        return bundled[str(reference)]
    close = difflib.get_close_matches(path.name, list(bundled), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else f" Bundled: {', '.join(bundled) or 'none'}."
    raise SpecError(f"no environment folder {str(reference)!r}.{hint}")
