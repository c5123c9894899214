"""Environments as MCP servers: the spec, the sandboxed runtime, episodes and the verifier.

The names below load on first use (PEP 562): a process that needs one part of the runtime (a tool
worker, `autoforge --help`) does not import the others, nor the MCP SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoforge.lazy import lazy_exports

if TYPE_CHECKING:
    from .app import EnvServer, load_server
    from .check import CheckReport, TaskCheck, check_env, oracle_transcript
    from .environment import Environment, build_environment, content_sha256, load_environment
    from .episodes import Episode, EpisodeStore
    from .errors import (
        AccessError,
        AutoForgeError,
        BackendError,
        EpisodeError,
        Problem,
        RegistryError,
        SandboxError,
        SpecError,
        SynthesisError,
    )
    from .execution import CompiledTool, ToolResult
    from .protocol import EPISODE_META_KEY, call_tool, close_episode, reset_episode, verify_episode
    from .records import Records, TableRules
    from .sandbox import check_source
    from .solution import SolutionRun, complete_task, measure_difficulty, run_solution, solution_graph
    from .spec import (
        CallNode,
        Change,
        Column,
        Difficulty,
        EnvSpec,
        Expected,
        InitialState,
        Provenance,
        ReasoningNode,
        Solution,
        Table,
        Task,
        ToolSpec,
        UserScenario,
    )
    from .state import diff_rows, read_rows
    from .tokens import read_tokens
    from .toolkit import Db, ToolError
    from .validate import validate_folder
    from .verify import Check, Verdict, compare, normalise_text

_HOMES = {
    "AccessError": "errors",
    "AutoForgeError": "errors",
    "BackendError": "errors",
    "CallNode": "spec",
    "Change": "spec",
    "Check": "verify",
    "CheckReport": "check",
    "Column": "spec",
    "CompiledTool": "execution",
    "Db": "toolkit",
    "Difficulty": "spec",
    "EPISODE_META_KEY": "protocol",
    "EnvServer": "app",
    "EnvSpec": "spec",
    "Environment": "environment",
    "Episode": "episodes",
    "EpisodeError": "errors",
    "EpisodeStore": "episodes",
    "Expected": "spec",
    "InitialState": "spec",
    "Problem": "errors",
    "Provenance": "spec",
    "ReasoningNode": "spec",
    "Records": "records",
    "RegistryError": "errors",
    "SandboxError": "errors",
    "Solution": "spec",
    "SolutionRun": "solution",
    "SpecError": "errors",
    "SynthesisError": "errors",
    "Table": "spec",
    "TableRules": "records",
    "Task": "spec",
    "TaskCheck": "check",
    "ToolError": "toolkit",
    "ToolResult": "execution",
    "ToolSpec": "spec",
    "UserScenario": "spec",
    "Verdict": "verify",
    "build_environment": "environment",
    "call_tool": "protocol",
    "check_env": "check",
    "check_source": "sandbox",
    "close_episode": "protocol",
    "compare": "verify",
    "complete_task": "solution",
    "content_sha256": "environment",
    "diff_rows": "state",
    "load_environment": "environment",
    "load_server": "app",
    "measure_difficulty": "solution",
    "normalise_text": "verify",
    "oracle_transcript": "check",
    "read_rows": "state",
    "read_tokens": "tokens",
    "reset_episode": "protocol",
    "run_solution": "solution",
    "solution_graph": "solution",
    "validate_folder": "validate",
    "verify_episode": "protocol",
}
__all__ = [
    "EPISODE_META_KEY",
    "AccessError",
    "AutoForgeError",
    "BackendError",
    "CallNode",
    "Change",
    "Check",
    "CheckReport",
    "Column",
    "CompiledTool",
    "Db",
    "Difficulty",
    "EnvServer",
    "EnvSpec",
    "Environment",
    "Episode",
    "EpisodeError",
    "EpisodeStore",
    "Expected",
    "InitialState",
    "Problem",
    "Provenance",
    "ReasoningNode",
    "Records",
    "RegistryError",
    "SandboxError",
    "Solution",
    "SolutionRun",
    "SpecError",
    "SynthesisError",
    "Table",
    "TableRules",
    "Task",
    "TaskCheck",
    "ToolError",
    "ToolResult",
    "ToolSpec",
    "UserScenario",
    "Verdict",
    "build_environment",
    "call_tool",
    "check_env",
    "check_source",
    "close_episode",
    "compare",
    "complete_task",
    "content_sha256",
    "diff_rows",
    "load_environment",
    "load_server",
    "measure_difficulty",
    "normalise_text",
    "oracle_transcript",
    "read_rows",
    "read_tokens",
    "reset_episode",
    "run_solution",
    "solution_graph",
    "validate_folder",
    "verify_episode",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
