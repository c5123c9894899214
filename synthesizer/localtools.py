"""The tool calls the synthesizer makes itself (reads on the seed, probe writes, ground-truth runs): in this process
when the tool code is the synthesizer's own (offline backend: templates on the trusted records engine, checked
against the sandbox allow-list), through the sandboxed workers otherwise. A large document makes tens of thousands
of such calls; a worker round trip each was most of its task stage. The tasks it keeps are checked again over MCP,
on the workers, as served."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autoforge.servers import Environment, EpisodeStore, ToolError
from autoforge.servers.episodes import Episode
from autoforge.servers.worker import ToolRunner

__all__ = ["LocalTools"]


class LocalTools:
    """Runs one environment's tools for the synthesizer, on any of its episodes; `store` makes scratch episodes
    on the seed (their files are reused, so the runner's connections to them stay open)."""

    def __init__(self, environment: Environment) -> None:
        self.env = environment
        self.store = EpisodeStore(environment.spec, environment.template, {})
        self.runner: ToolRunner | None = None
        programs = {id(t.program): t.program for t in environment.tools.values()}
        if environment.spec.provenance.backend == "offline" and len(programs) == 1:
            runner = ToolRunner(environment.limits)
            if runner.load(next(iter(programs.values())))[0] == "loaded":
                self.runner = runner

    def run(self, tool: str, episode: Episode, arguments: Mapping[str, Any]) -> Any:
        """The output of `tool` on `episode`; raises ToolError as a served call would."""
        return self.env.tools[tool].run(episode, arguments, self.runner).value

    def read(self, tool: str, episode: Episode, arguments: Mapping[str, Any]) -> Any:
        """The output of a read tool, or None when it refuses the arguments."""
        try:
            return self.run(tool, episode, arguments)
        except ToolError:
            return None

    def close(self) -> None:
        """Close this process's connections to episode files."""
        if self.runner is not None:
            for opened in self.runner.episodes.values():
                opened.conn.close()
            self.runner.episodes.clear()
