"""Synthesis speed, offline: an API of about 20 operations to 100 verified tasks, and how the time grows with
10, 40, 150 and 300 operations. Prints seconds and the ratio to the 20-operation run; asserts nothing.

    python bench/synth.py [--tasks 100]
    python bench/synth.py --against OTHER/.venv/bin/python [--rounds 4]

`--against` times the 20-operation run with another installation of autoforge (an older checkout's
interpreter), in turns with this one, and prints the median ratio: the machine's noise falls on both.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from autoforge.synthesizer import SynthOptions, synthesize

STATUSES = ["open", "active", "closed", "cancelled"]
SIZES = (10, 40, 150, 300)
"""Operation counts timed beside the 20-operation baseline."""


def api(operations: int) -> dict:
    """An OpenAPI document of about `operations` operations: chains of resources, five operations each."""
    paths: dict = {}
    schemas: dict = {}
    count = max(2, round(operations / 5))
    for index in range(count):
        name = f"item{index}"
        parent = f"item{index - 1}" if index % 3 else None  # chains of three: item0 <- item1 <- item2, item3 <- ...
        props = {
            "id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string", "format": "email"},
            "status": {"type": "string", "enum": STATUSES}, "amount": {"type": "number"}, "created_at": {"type": "string", "format": "date-time"},
        }  # fmt: skip
        if parent:
            props[f"{parent}_id"] = {"type": "string"}
        schemas[name.capitalize()] = {"type": "object", "properties": props}
        row = {"$ref": f"#/components/schemas/{name.capitalize()}"}
        ok = {"200": {"description": "ok", "content": {"application/json": {"schema": row}}}}
        many = {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": row}}}}
        }
        key = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
        body = {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "amount": {"type": "number"}},
                    }
                }
            }
        }
        collection = f"/{parent}s/{{pid}}/{name}s" if parent else f"/{name}s"
        scope = (
            [{"name": "pid", "in": "path", "required": True, "schema": {"type": "string"}}]
            if parent
            else [{"name": "email", "in": "query", "schema": {"type": "string"}}]
        )
        paths[collection] = {
            "get": {"operationId": f"list{name.capitalize()}s", "parameters": scope, "responses": many},
            "post": {
                "operationId": f"create{name.capitalize()}",
                "parameters": scope if parent else [],
                "requestBody": body,
                "responses": ok,
            },
        }
        paths[f"/{name}s/{{id}}"] = {
            "get": {"operationId": f"get{name.capitalize()}", "parameters": key, "responses": ok},
            "patch": {
                "operationId": f"update{name.capitalize()}",
                "parameters": key,
                "requestBody": body,
                "responses": ok,
            },
        }
        paths[f"/{name}s/{{id}}/close"] = {
            "post": {"operationId": f"close{name.capitalize()}", "parameters": key, "responses": ok}
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Bench API ({operations} operations)", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


async def timed(operations: int, tasks: int, scratch: Path) -> tuple[float, int]:
    source = scratch / f"bench-{operations}.yaml"
    source.write_text(yaml.safe_dump(api(operations)))
    started = time.perf_counter()
    result = await synthesize(
        source,
        scratch / "out" / f"bench-{operations}",
        SynthOptions(tasks=tasks),
        work_dir=scratch / f"work-{operations}",
    )
    return time.perf_counter() - started, len(result.tasks)


_CHILD = """
import asyncio, sys, tempfile, time
from pathlib import Path
from autoforge.synthesizer import SynthOptions, synthesize

async def run():
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        await synthesize(Path(sys.argv[1]), Path(scratch) / "out", SynthOptions(tasks=int(sys.argv[2])),
                         work_dir=Path(scratch) / "work")
        print(time.perf_counter() - started)

asyncio.run(run())
"""


def against(other: str, tasks: int, rounds: int) -> None:
    """The 20-operation run with this installation and with `other`'s interpreter, in turns."""
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "bench-20.yaml"
        source.write_text(yaml.safe_dump(api(20)))
        for _ in range(rounds):
            for python, times in ((sys.executable, ours), (other, theirs)):
                done = subprocess.run(  # run from the scratch folder: `-c` puts the working folder first on the
                    [python, "-c", _CHILD, str(source), str(tasks)],  # path, and a checkout's own package would
                    capture_output=True,  # shadow the installation being timed
                    text=True,
                    check=True,
                    cwd=scratch,
                )
                times.append(float(done.stdout.split()[-1]))
    print(f"20 operations to {tasks} tasks, {rounds} rounds in turns")
    print(f"  this installation   {' '.join(f'{t:.2f}' for t in ours)} s   median {statistics.median(ours):.2f} s")
    print(f"  {other:<19} {' '.join(f'{t:.2f}' for t in theirs)} s   median {statistics.median(theirs):.2f} s")
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    print(f"  ratio this / other  {' '.join(f'{r:.2f}' for r in ratios)}   median {statistics.median(ratios):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--against", metavar="PYTHON", help="another installation's interpreter to compare with")
    parser.add_argument("--rounds", type=int, default=4, help="turns each with --against")
    args = parser.parse_args()
    if args.against:
        against(args.against, args.tasks, args.rounds)
        return
    print(f"{os.cpu_count()} cores; offline backend; {args.tasks} verified tasks asked for; fresh checkpoints each run")
    with tempfile.TemporaryDirectory() as scratch:
        results = {n: asyncio.run(timed(n, args.tasks, Path(scratch))) for n in (20, *SIZES)}
    base = results[20][0]
    print(f"{'operations':>10}  {'seconds':>8}  {'tasks':>5}  {'vs 20 ops':>9}")
    for operations in sorted((20, *SIZES)):
        seconds, made = results[operations]
        print(f"{operations:>10}  {seconds:>8.2f}  {made:>5}  {seconds / base:>8.2f}x")
    largest = results[max(SIZES)][0]
    print(
        f"target: 20 operations to {args.tasks} verified tasks in under 10 s on 2 cores -> {'met' if base < 10 else 'NOT met'} ({base:.2f} s)"
    )
    print(f"target: {max(SIZES)} operations in under 60 s -> {'met' if largest < 60 else 'NOT met'} ({largest:.2f} s)")


if __name__ == "__main__":
    main()
