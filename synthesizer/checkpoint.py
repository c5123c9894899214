"""The work folder: each stage's draft saved as JSON under a key of the input, options, seed, backend and
version, so an interrupted run resumes where it stopped and a finished stage is never redone."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .models import Draft

__all__ = ["Checkpoints", "default_work_dir"]

WORK_ENV = "AUTOFORGE_WORK_DIR"


def default_work_dir() -> Path:
    """$AUTOFORGE_WORK_DIR, else .autoforge/synth under the current folder."""
    return Path(os.environ.get(WORK_ENV) or Path.cwd() / ".autoforge" / "synth")


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Checkpoints:
    """Saved stages of one synthesis run (one key)."""

    def __init__(self, root: Path, key: str) -> None:
        self.path = root / key

    def _stage(self, index: int, stage: str) -> Path:
        return self.path / f"{index:02d}-{stage}.json"

    def load(self, index: int, stage: str) -> Draft | None:
        """The draft saved after `stage`, or None when that stage has not finished."""
        path = self._stage(index, stage)
        if not path.is_file():
            return None
        return Draft.model_validate_json(path.read_text(encoding="utf-8"))

    def save(self, index: int, stage: str, draft: Draft) -> None:
        _write_atomic(self._stage(index, stage), draft.model_dump_json())

    def load_batch(self, number: int) -> dict[str, Any] | None:
        path = self.path / "batches" / f"{number:04d}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def save_batch(self, number: int, payload: dict[str, Any]) -> None:
        _write_atomic(self.path / "batches" / f"{number:04d}.json", json.dumps(payload))

    def stages_done(self) -> list[str]:
        return sorted(p.stem for p in self.path.glob("*.json")) if self.path.is_dir() else []

    def clear(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
