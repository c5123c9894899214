"""Environments as MCP servers: the spec, the sandboxed runtime, episodes and the verifier."""

from .app import EnvServer, load_server
from .check import CheckReport, TaskCheck, check_env, oracle_transcript
from .environment import Environment, build_environment, content_sha256, load_environment
from .episodes import Episode, EpisodeStore
from .errors import (
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
from .records import Records
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
    Invariant,
    Provenance,
    ReasoningNode,
    Roles,
    Solution,
    StaffMember,
    Table,
    Task,
    ToolSpec,
    UserScenario,
)
from .state import diff_rows, read_rows
from .table_rules import Line, Nights, Schedule, Stock, TableRules, Total
from .toolkit import Db, ToolError
from .validate import validate_folder
from .verify import Check, Verdict, compare, normalise_text, told

__all__ = [
    "EPISODE_META_KEY",
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
    "Invariant",
    "Line",
    "Nights",
    "Problem",
    "Provenance",
    "ReasoningNode",
    "Records",
    "RegistryError",
    "Roles",
    "SandboxError",
    "Schedule",
    "Solution",
    "SolutionRun",
    "SpecError",
    "StaffMember",
    "Stock",
    "SynthesisError",
    "Table",
    "TableRules",
    "Task",
    "TaskCheck",
    "ToolError",
    "ToolResult",
    "ToolSpec",
    "Total",
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
    "reset_episode",
    "run_solution",
    "solution_graph",
    "told",
    "validate_folder",
    "verify_episode",
]
