"""Imported tau2 retail against tau2's own retail tools, both served over in-memory MCP with the same episode routing.

Run: python bench/tau2.py --checkout ../tau2-bench     (or set TAU2_CHECKOUT; without one it says so and exits)

Both servers answer `tools/call` on the same SDK path (`EnvServer`'s fast path), with the episode
named in the request's `_meta["autoforge/episode"]`:
- ours: the checkout's retail domain imported with `import_tau2`, served by `EnvServer` (arguments
  validated, the tool run in a sandboxed worker process as one transaction);
- tau2's: an episode is tau2's own `Environment` over a deep copy of its `RetailDB`, a call is
  `Environment.get_response` (tau2's toolkit and its JSON rendering), run on the event loop.
The workload is every imported task's gold calls in order, each task in a fresh episode (resets are
not timed). After one untimed pass of each, it prints calls per second of both and ours / tau2's (target
>= 1.0x) for each of `--rounds` interleaved rounds (each side first in every other round), their median
and spread, and checks that both gave the same outputs.

tau2's source is imported from the checkout's `src/` without its package `__init__` (which pulls its
LLM stack); it needs its small dependencies: pip install loguru deepdiff addict toml docstring-parser.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.server import MCPServer
from mcp.server._otel import OpenTelemetryMiddleware
from mcp.server.request_state import RequestStateBoundary
from mcp.types import Tool as MCPTool

from autoforge.servers import EnvServer, Task, call_tool, close_episode, load_server, reset_episode
from autoforge.servers.app import ToolCallFastPath
from autoforge.synthesizer.tau2 import import_tau2

META_KEY = "autoforge/episode"


def tau2_modules(checkout: Path) -> dict[str, Any]:
    """tau2's retail environment, tasks and messages, imported from the checkout's source."""
    os.environ.setdefault("TAU2_DATA_DIR", str(checkout / "data"))
    os.environ.setdefault("LOGURU_LEVEL", "WARNING")
    source = checkout / "src"
    if "tau2" not in sys.modules:  # its __init__ imports the whole LLM stack; the domain code needs none of it
        package = types.ModuleType("tau2")
        package.__path__ = [str(source / "tau2")]
        sys.modules["tau2"] = package
        sys.path.insert(0, str(source))
    modules = {
        "environment": importlib.import_module("tau2.domains.retail.environment"),
        "model": importlib.import_module("tau2.domains.retail.data_model"),
        "tasks": importlib.import_module("tau2.data_model.tasks"),
        "message": importlib.import_module("tau2.data_model.message"),
    }
    importlib.import_module("loguru").logger.remove()  # tau2 logs every response at DEBUG level
    return modules


class Tau2Episodes:
    """tau2's environments by episode id, answering calls as `EnvServer`'s episodes extension does."""

    def __init__(self, modules: dict[str, Any], checkout: Path) -> None:
        self.modules = modules
        folder = checkout / "data" / "tau2" / "domains" / "retail"
        self.database = modules["model"].RetailDB.load(str(folder / "db.json"))
        raw = json.loads((folder / "tasks.json").read_text(encoding="utf-8"))
        self.tasks = {t["id"]: modules["tasks"].Task.model_validate(t) for t in raw}
        self.tool_call = modules["message"].ToolCall
        self.episodes: dict[str, Any] = {}
        probe = modules["environment"].get_environment(db=self.database)
        self.compiled = probe.tools.get_tools()
        """tau2's Tool objects by name (the fast path asks only whether a name is among them)."""

    def reset(self, episode_id: str, task_id: str) -> None:
        """A fresh environment in the task's initial state, as tau2's evaluator builds one."""
        environment = self.modules["environment"].get_environment(db=self.database.model_copy(deep=True))
        initial = self.tasks[task_id].initial_state
        if initial is not None:
            environment.set_state(
                initial.initialization_data, initial.initialization_actions, initial.message_history or []
            )
        self.episodes[episode_id] = environment

    async def answer(self, name: str, arguments: dict[str, Any], episode_id: Any, owner: str | None) -> dict[str, Any]:
        """One call on tau2's own environment (one owner: the bench is a single in-memory client)."""
        message = self.episodes[episode_id].get_response(
            self.tool_call(id="call", name=name, arguments=copy.deepcopy(arguments))
        )
        return {
            "content": [{"type": "text", "text": message.content}],
            "isError": message.error,
            "resultType": "complete",
        }


class Tau2Server(MCPServer):
    """tau2's retail toolkit behind the MCP surface of `EnvServer`: same middleware, same fast path."""

    def __init__(self, episodes: Tau2Episodes) -> None:
        super().__init__(name="tau2-retail", log_level="WARNING")
        self.middleware[:] = [m for m in self.middleware if not isinstance(m, OpenTelemetryMiddleware)]
        info = self._lowlevel_server.server_info.model_dump(by_alias=True, mode="json", exclude_none=True)
        boundary = next(i for i, m in enumerate(self.middleware) if isinstance(m, RequestStateBoundary))
        self.middleware.insert(boundary, ToolCallFastPath(episodes, info))  # type: ignore[arg-type]
        self._listed = [
            MCPTool(name=name, description=tool.short_desc, input_schema=tool.openai_schema["function"]["parameters"])
            for name, tool in episodes.compiled.items()
        ]

    async def list_tools(self) -> list[MCPTool]:
        return list(self._listed)


def content(text: str) -> Any:
    """A tool message's value: tau2 shows a returned string as it is, AutoForge as a JSON string (so a number
    returned as text, `calculate`'s '8276.23', reads as the same value on both sides)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return content(value) if isinstance(value, str) else value


async def ours(server: EnvServer, tasks: list[Task]) -> tuple[float, int, list[Any]]:
    """Seconds spent in tool calls, their number and outputs, every task's gold calls in a fresh episode."""
    spent, outputs = 0.0, []
    async with Client(server) as client:
        for task in tasks:
            episode = (await reset_episode(client, task.id)).episode_id
            for node in task.solution.calls:
                start = time.perf_counter()
                result = await call_tool(client, episode, node.tool, node.arguments)
                spent += time.perf_counter() - start
                outputs.append(content(result.content[0].text))
            await close_episode(client, episode)
    return spent, len(outputs), outputs


async def theirs(episodes: Tau2Episodes, tasks: list[Task]) -> tuple[float, int, list[Any]]:
    """The same for tau2's toolkit behind the same MCP path."""
    spent, outputs = 0.0, []
    async with Client(Tau2Server(episodes)) as client:
        for number, task in enumerate(tasks):
            episode = f"e{number}"
            episodes.reset(episode, task.id)
            for node in task.solution.calls:
                start = time.perf_counter()
                result = await client.call_tool(node.tool, node.arguments, meta={META_KEY: episode})
                spent += time.perf_counter() - start
                outputs.append(content(result.content[0].text))
            del episodes.episodes[episode]
    return spent, len(outputs), outputs


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=os.environ.get("TAU2_CHECKOUT"), help="a tau2-bench checkout")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median and spread are printed)")
    options = parser.parse_args()
    if options.checkout is None:
        print("bench/tau2.py: no tau2-bench checkout; pass --checkout PATH or set TAU2_CHECKOUT (nothing measured)")
        return
    checkout = options.checkout.resolve()
    modules = tau2_modules(checkout)
    with tempfile.TemporaryDirectory() as scratch:
        report = import_tau2("retail", checkout, Path(scratch) / "tau2-retail")
        server = load_server(report.path)
        episodes = Tau2Episodes(modules, checkout)
        tasks = [t for t in server.environment.tasks.values() if t.id in episodes.tasks]
        await ours(server, tasks)  # warm-up, not timed: the tool worker starts, both sides fill their caches
        await theirs(episodes, tasks)
        ratios = []
        for round_number in range(1, options.rounds + 1):
            if round_number % 2:  # each goes first in every other round
                our_s, calls, our_outputs = await ours(server, tasks)
                their_s, _, their_outputs = await theirs(episodes, tasks)
            else:
                their_s, _, their_outputs = await theirs(episodes, tasks)
                our_s, calls, our_outputs = await ours(server, tasks)
            differing = sum(a != b for a, b in zip(our_outputs, their_outputs))
            ratios.append(their_s / our_s)
            print(
                f"round {round_number}: {calls} calls over {len(tasks)} tasks; tau2 {calls / their_s:,.0f} calls/s, "
                f"ours {calls / our_s:,.0f} calls/s, ratio {their_s / our_s:.2f}x; outputs differing: {differing}"
            )
    spread = f"{min(ratios):.2f}x to {max(ratios):.2f}x"
    print(f"ours / tau2 (in-memory MCP calls per second): median {statistics.median(ratios):.2f}x, {spread} (target >= 1.0x)")


if __name__ == "__main__":
    asyncio.run(main())
