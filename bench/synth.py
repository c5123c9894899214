"""Synthesis speed, offline: an API of about 20 operations to 100 verified tasks, and how the time grows with
10, 40, 150 and 300 operations. Prints seconds and the ratio to the 20-operation run; asserts nothing.

    python bench/synth.py [--tasks 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    args = parser.parse_args()
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
