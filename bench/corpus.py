"""Robustness over real third-party tool docs: synthesize each one offline and print a table of outcomes.

Each document verified (with its task statistics), was refused with exit 2 (and the construct it names), or
failed with exit 1 or a traceback (a bug).

    python bench/corpus.py [--tasks N] [CORPUS_DIR]                        # every file of ../shared/corpus
    python bench/corpus.py --manifest bench/corpus-manifest.json --from /work/realdocs

With --manifest, the documents the manifest lists are run from the --from folder; those missing there are
skipped and listed (CI has no network, and the documents are never committed). Each document runs in its own
process under --timeout seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from corpus_manifest import Entry, Row, load_manifest, locate, render_table
from corpus_quality import quality_report

DEFAULT_CORPUS = Path("/work/shared/corpus")
RESULTS = ("verified", "refused", "BUG", "timeout")


async def run_one(path: Path, tasks: int, scratch: Path) -> dict[str, Any]:
    """Synthesize one document; the outcome as a plain dict (result, exit code, tools, tasks, message)."""
    from autoforge.servers import AutoForgeError
    from autoforge.synthesizer import SynthOptions, synthesize

    name = re.sub(r"[^a-z0-9]+", "-", path.name.split(".")[0].lower()).strip("-") or "doc"
    stages: list[str] = []
    started, cpu = time.perf_counter(), _cpu_now()
    scratch.mkdir(parents=True, exist_ok=True)

    def progress(stage: str) -> None:
        if not stages or stages[-1] != stage:
            stages.append(stage)
            (scratch / "stage").write_text(f"{stage} {time.perf_counter() - started:.1f}", encoding="utf-8")

    outcome: dict[str, Any] = {"shape": None, "operations": None}
    outcome.update(await _parsed(path))
    try:
        result = await synthesize(
            path,
            scratch / "out" / name,
            SynthOptions(tasks=tasks),
            work_dir=scratch / "work",
            on_event=lambda event: progress(event.stage),
        )
    except AutoForgeError as exc:
        code = getattr(exc, "exit_code", 1)
        return outcome | {
            "result": "refused" if code == 2 else "BUG",
            "exit": code,
            "stage": stages[-1] if stages else None,
            "message": str(exc),
            "seconds": time.perf_counter() - started,
            "cpu_seconds": _cpu_now() - cpu,
        }
    except Exception as exc:  # noqa: BLE001 - a bug: report it with its traceback
        return outcome | {
            "result": "BUG",
            "exit": "traceback",
            "stage": stages[-1] if stages else None,
            "message": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=6),
            "seconds": time.perf_counter() - started,
            "cpu_seconds": _cpu_now() - cpu,
        }
    stats = result.stats
    return outcome | {
        "result": "verified",
        "exit": 0,
        "tools": len(result.spec.tools),
        "left_out": sum(1 for n in result.notes if n.startswith("left out")),
        "tasks": stats.tasks,
        "median_calls": stats.median_calls,
        "share_dag": stats.share_dag,
        "share_reasoning": stats.share_reasoning,
        "rejected": dict(result.rejected),
        "notes": list(result.notes),
        "stage_seconds": dict(result.seconds),
        "folder": str(result.path),
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_now() - cpu,
    }


async def _parsed(path: Path) -> dict[str, Any]:
    """The shape and operation count the synthesizer reads from the document (none when it cannot)."""
    from autoforge.synthesizer import DEFAULT_MAX_BYTES
    from autoforge.synthesizer.sources import parse_structured, read_source

    try:
        doc = parse_structured(await read_source(path, DEFAULT_MAX_BYTES))
    except Exception:  # noqa: BLE001 - synthesis itself reports why
        return {}
    if doc is None:
        return {}
    shape = re.sub(r"^(openapi-\d+\.\d+)\..*", r"\1", doc.format)  # openapi-3.1.0 -> openapi-3.1, as in manifests
    return {"shape": shape, "operations": len(doc.operations)}


def _child(path: Path, tasks: int, scratch: Path, queue: Any) -> None:
    queue.put(asyncio.run(run_one(path, tasks, scratch)))


def run_isolated(path: Path, tasks: int, scratch: Path, timeout: float) -> dict[str, Any]:
    """run_one in a child process, so that a hang is cut at `timeout` and a crash takes only its document."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    started = time.perf_counter()
    process = context.Process(target=_child, args=(path, tasks, scratch, queue), daemon=True)
    process.start()
    try:
        return queue.get(timeout=timeout)
    except Exception:  # noqa: BLE001 - queue.Empty on timeout, or the child died without answering
        alive = process.is_alive()
        cpu = _cpu_seconds(process.pid)
        process.kill()
        elapsed = time.perf_counter() - started
        if alive:
            stage = scratch / "stage"
            where = stage.read_text(encoding="utf-8").split() if stage.is_file() else ["parse", "0"]
            message = f"no result after {timeout:g} s, in the {where[0]} stage (reached at {where[1]} s)"
            return {"result": "timeout", "exit": None, "stage": where[0], "seconds": elapsed, "cpu_seconds": cpu,
                    "message": message}  # fmt: skip
        return {"result": "BUG", "exit": process.exitcode, "message": f"died with exit code {process.exitcode}",
                "seconds": elapsed}  # fmt: skip
    finally:
        process.join(5)


def _cpu_now() -> float:
    """CPU seconds used by this process and its finished children (the tool workers of the checks)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU time a live process and its finished children have used (Linux /proc), to tell a slow
    document from a loaded machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _row(document: str, entry: Entry | None, outcome: dict[str, Any]) -> Row:
    result = outcome["result"]
    message = str(outcome.get("message") or "").strip().splitlines()
    if result == "verified":
        detail = f"{outcome.get('left_out', 0)} left out, median {outcome['median_calls']:g} calls"
    elif result == "refused":
        detail = f"exit 2, {message[0][:200] if message else ''}"
    elif result == "BUG":
        detail = f"exit {outcome.get('exit')}, {' / '.join(message[:3])[:200]}"
    else:
        detail = message[0] if message else ""
    return Row(
        document=document,
        shape=entry.shape if entry else (outcome.get("shape") or "?"),
        operations=entry.operations if entry else outcome.get("operations"),
        tools=outcome.get("tools"),
        tasks=outcome.get("tasks"),
        seconds=outcome.get("seconds"),
        result=result,
        detail=detail,
    )


def _corpus_files(corpus: Path) -> list[tuple[str, Entry | None, Path]]:
    files = sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file() and p.suffix in (".json", ".yaml", ".yml", ".md", ".rst") and p.name != "SOURCES.md"
    )
    return [(str(p.relative_to(corpus)), None, p) for p in files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS, help="a folder of documents")
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--manifest", type=Path, help="a manifest of documents (bench/corpus-manifest.json)")
    parser.add_argument("--from", dest="source", type=Path, help="the folder holding the manifest's documents")
    parser.add_argument("--only", action="append", default=[], help="run only documents whose name contains this")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per document (default 600)")
    parser.add_argument("--json", type=Path, help="also write each outcome, in full, as a line of this file")
    parser.add_argument("--no-salad", action="store_true", help="skip the word-salad judge (SmolLM2)")
    args = parser.parse_args()
    if args.manifest:
        found, missing = locate(load_manifest(args.manifest), args.source or args.manifest.parent)
        jobs = [(entry.file, entry, path) for entry, path in found]
        if missing:
            print(f"skipped, not in {args.source}: {', '.join(e.file for e in missing)}\n", flush=True)
    else:
        jobs = _corpus_files(args.corpus)
    jobs = [job for job in jobs if not args.only or any(word in job[0] for word in args.only)]
    if not jobs:
        print(f"no documents to run (looked in {args.source or args.corpus})")
        return
    rows: list[Row] = []
    outcomes: list[dict[str, Any]] = []
    sink = args.json.open("w", encoding="utf-8") if args.json else None
    with tempfile.TemporaryDirectory() as scratch:
        for index, (document, entry, path) in enumerate(jobs):
            outcome = run_isolated(path, args.tasks, Path(scratch) / str(index), args.timeout)
            rows.append(_row(document, entry, outcome))
            outcomes.append(outcome)
            seconds, cpu = outcome.get("seconds") or 0, outcome.get("cpu_seconds")
            used = f"{seconds:.1f}s" + (f", {cpu:.1f}s CPU" if cpu is not None else "")
            print(f"{outcome['result']:9} {document}: {rows[-1].detail} ({used})", flush=True)
            if sink:
                sink.write(json.dumps({"document": document, **outcome}, default=str) + "\n")
                sink.flush()
        verified = [(row.document, Path(o["folder"])) for row, o in zip(rows, outcomes) if o["result"] == "verified"]
        quality = quality_report(verified, salad=not args.no_salad)
    if sink:
        sink.close()
    counts = {result: sum(1 for row in rows if row.result == result) for result in RESULTS}
    print("\n" + render_table(rows))
    print(
        f"\n{counts['verified']} of {len(rows)} verified, {counts['refused']} refused with exit 2, "
        f"{counts['BUG']} bugs (exit 1 or traceback), {counts['timeout']} over {args.timeout:g} s"
    )
    if quality:
        print("\n" + quality)


if __name__ == "__main__":
    main()
