"""Writing an environment folder all at once: into a temporary folder beside it, then renamed into place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from autoforge.servers import EnvSpec, SynthesisError, Task
from autoforge.servers.environment import SERVER_PY

__all__ = ["SYNTH_FILES", "write_environment"]

SYNTH_FILES = ("env.json", "tools.py", "seed.sql", "tasks.jsonl", "server.py")
"""The files synthesis writes; other files already in the folder (server.json, README.md) are kept."""


def env_json(spec: EnvSpec) -> str:
    return json.dumps(spec.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def tasks_jsonl(tasks: Iterable[Task]) -> str:
    return "".join(json.dumps(t.model_dump(mode="json"), ensure_ascii=False) + "\n" for t in tasks)


def write_environment(out: Path, spec: EnvSpec, tools_source: str, seed_sql: str, tasks: list[Task]) -> Path:
    """Write the folder; an existing environment folder there is replaced, anything else is refused."""
    out = Path(out).absolute()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "env.json").is_file())):
        raise SynthesisError(f"{out} exists and is not an environment folder; choose another --out or remove it")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        contents = {
            "env.json": env_json(spec),
            "tools.py": tools_source,
            "seed.sql": seed_sql,
            "tasks.jsonl": tasks_jsonl(tasks),
            "server.py": SERVER_PY,
        }
        for name, text in contents.items():
            (staging / name).write_text(text, encoding="utf-8")
        if out.is_dir():
            for extra in out.iterdir():
                if extra.name not in SYNTH_FILES and extra.name != "__pycache__":
                    target = staging / extra.name
                    if extra.is_dir():
                        shutil.copytree(extra, target)
                    else:
                        shutil.copy2(extra, target)
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            old.rmdir()
            os.rename(out, old)
            os.rename(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
