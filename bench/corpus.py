"""Robustness over real third-party tool docs: synthesize each file of /work/shared/corpus offline and
print what passed (with its task statistics) and what failed (with the reason).

    python bench/corpus.py [--tasks N] [CORPUS_DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import traceback
from pathlib import Path

from autoforge.servers import AutoForgeError
from autoforge.synthesizer import SynthOptions, synthesize

DEFAULT_CORPUS = Path("/work/shared/corpus")


async def run_one(path: Path, tasks: int, scratch: Path) -> tuple[str, str]:
    """('ok' | 'refused' | 'BUG', details) for one document."""
    name = path.name.split(".")[0].lower()
    started = time.perf_counter()
    try:
        result = await synthesize(path, scratch / "out" / name, SynthOptions(tasks=tasks), work_dir=scratch / "work")
    except AutoForgeError as exc:
        return "refused", str(exc).splitlines()[0][:160]
    except Exception:  # noqa: BLE001 - a bug: report it with its traceback
        return "BUG", traceback.format_exc(limit=4).strip().splitlines()[-1]
    stats = result.stats
    skipped = sum(1 for n in result.notes if n.startswith("left out"))
    return "ok", (
        f"{len(result.spec.tools)} tools ({skipped} left out), {stats.tasks} tasks, median {stats.median_calls:g} calls, "
        f"{stats.share_dag:.0%} DAG, {stats.share_reasoning:.0%} reasoning, {time.perf_counter() - started:.1f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--tasks", type=int, default=40)
    args = parser.parse_args()
    files = sorted(
        p
        for p in args.corpus.rglob("*")
        if p.is_file() and p.suffix in (".json", ".yaml", ".yml", ".md") and p.name != "SOURCES.md"
    )
    if not files:
        print(f"no documents under {args.corpus}")
        return
    counts = {"ok": 0, "refused": 0, "BUG": 0}
    with tempfile.TemporaryDirectory() as scratch:
        for path in files:
            status, details = asyncio.run(run_one(path, args.tasks, Path(scratch)))
            counts[status] += 1
            print(f"{status:8} {path.relative_to(args.corpus)}: {details}", flush=True)
    print(f"\n{counts['ok']} synthesized, {counts['refused']} refused with a reason, {counts['BUG']} bugs (tracebacks)")


if __name__ == "__main__":
    main()
