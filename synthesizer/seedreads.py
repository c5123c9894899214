"""The reads a walk makes on the seed: run in this process when the tool code is the synthesizer's own (offline
backend: templates on the trusted records engine, checked against the sandbox allow-list), through the sandboxed
workers otherwise. A large document makes tens of thousands of such reads; a worker round trip each was most of
its task stage."""

from __future__ import annotations

import json
from typing import Any

import fastjsonschema
from autoforge.servers import Environment, ToolError
from autoforge.servers.episodes import Episode
from autoforge.servers.worker import CallJob, ToolRunner

__all__ = ["SeedReader"]


class SeedReader:
    """Read tools run on one episode of the seed; a refused read is None."""

    def __init__(self, environment: Environment, episode: Episode) -> None:
        self.env = environment
        self.episode = episode
        self.runner: ToolRunner | None = None
        self.tools: Any = None  # the runner's loaded program
        programs = {id(t.program): t.program for t in environment.tools.values()}
        if environment.spec.provenance.backend == "offline" and len(programs) == 1:
            program = next(iter(programs.values()))
            runner = ToolRunner(environment.limits)
            if runner.load(program)[0] == "loaded":
                self.runner, self.tools = runner, runner.loaded[program.key]

    def read(self, tool: str, arguments: dict[str, Any]) -> Any:
        """The output of a read tool, or None when it refuses the arguments."""
        compiled = self.env.tools[tool]
        if self.runner is None:
            try:
                return compiled.run(self.episode, arguments).value
            except ToolError:
                return None
        try:
            compiled.validate_input(arguments)
        except fastjsonschema.JsonSchemaException:
            return None
        job = CallJob(tool, dict(arguments), str(self.episode.path), dict(self.episode.counters))
        reply = self.runner.call(self.tools, job)
        return json.loads(reply.text) if reply.status == "ok" else None

    def close(self) -> None:
        """Close this process's connections to the episode."""
        if self.runner is not None:
            for opened in self.runner.episodes.values():
                opened.conn.close()
            self.runner.episodes.clear()
