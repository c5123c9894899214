"""Finding environments: a folder path, the name of a bundled environment, or an installed `name@version`."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from .errors import SpecError

__all__ = ["BUNDLED_DIR", "bundled_environments", "resolve_environment"]

BUNDLED_DIR = Path(__file__).resolve().parent
"""Where the environments shipped with AutoForge live (the `servers/` folder)."""


def bundled_environments() -> list[Path]:
    """The bundled environment folders, sorted by name.

    Benchmarks imported into `servers/` from a user's own checkout (`autoforge import tau2`) are
    not bundled: they are built locally, never shipped.
    """
    return sorted(p for p in BUNDLED_DIR.iterdir() if (p / "env.json").is_file() and not _imported(p))


def _imported(folder: Path) -> bool:
    try:
        provenance = json.loads((folder / "env.json").read_text()).get("provenance") or {}
    except (OSError, ValueError, AttributeError):
        return False  # a broken folder stays listed, so `autoforge validate` can report it
    return isinstance(provenance, dict) and provenance.get("backend") == "import"


def resolve_environment(reference: str | Path) -> Path:
    """The folder for `reference`: an existing folder, a bundled environment's name, or `name@version`.

    `name@version` is the folder the lock file records for it (autoforge registry install), checked
    against its pinned hash, or the bundled environment of that name when it has that version.
    """
    path = Path(reference)
    if path.is_dir():
        return path
    bundled = {p.name: p for p in bundled_environments()}
    if "@" in str(reference):
        return _pinned(str(reference), bundled)
    if str(reference) in bundled:
        return bundled[str(reference)]
    close = difflib.get_close_matches(path.name, list(bundled), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else f" Bundled: {', '.join(bundled) or 'none'}."
    raise SpecError(f"no environment folder {str(reference)!r}.{hint}")


def _pinned(reference: str, bundled: dict[str, Path]) -> Path:
    from .environment import read_spec
    from .registry.lock import default_lock_path, installed_folder
    from .registry.references import parse_reference

    name, version = parse_reference(reference)
    if version is None:
        raise SpecError(f"{reference!r} names no version; write NAME@X.Y.Z, or the folder or name alone")
    folder = installed_folder(name, version)
    if folder is not None:
        return folder
    if name in bundled and read_spec(bundled[name] / "env.json").version == version:
        return bundled[name]
    raise SpecError(
        f"{reference} is not installed (no entry in {default_lock_path()}); "
        f"install it with: autoforge registry install {reference} --registry REGISTRY"
    )
