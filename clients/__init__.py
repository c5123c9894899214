"""Rollouts over MCP: agent policies, simulated users, the async episode runner, pass^k and the HTML report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoforge.lazy import lazy_exports

if TYPE_CHECKING:
    from .agents import Agent, AgentContext, LLMAgent, OracleAgent, RandomAgent, make_agent
    from .chat import ChatBackend, make_backend
    from .connections import Connection, Endpoint, EnvPool, bearer_transport, read_token
    from .episode import LABELS, Attempt, Label, Limits, replay_calls, run_episode
    from .errors import ConnectionLost, InfraError, ResultsError
    from .passk import Summary, Totals, pass_hat_k, summarize
    from .report import render_report, write_report
    from .results import EpisodeRecord, ResultsFile, RunConfig
    from .runner import evaluate, load_environments, run_eval
    from .trajectory import AgentTurn, Event, ToolCall, Usage
    from .transports import TRANSPORTS, Transport
    from .user_errors import detect_user_errors
    from .users import STOP, TRANSFER, LLMUser, ScriptedUser, SimulatedUser, UserTurn, make_user

_HOMES = {
    "Agent": "agents",
    "AgentContext": "agents",
    "AgentTurn": "trajectory",
    "Attempt": "episode",
    "ChatBackend": "chat",
    "Connection": "connections",
    "ConnectionLost": "errors",
    "Endpoint": "connections",
    "EnvPool": "connections",
    "EpisodeRecord": "results",
    "Event": "trajectory",
    "InfraError": "errors",
    "LABELS": "episode",
    "LLMAgent": "agents",
    "LLMUser": "users",
    "Label": "episode",
    "Limits": "episode",
    "OracleAgent": "agents",
    "RandomAgent": "agents",
    "ResultsError": "errors",
    "ResultsFile": "results",
    "RunConfig": "results",
    "STOP": "users",
    "ScriptedUser": "users",
    "SimulatedUser": "users",
    "Summary": "passk",
    "TRANSFER": "users",
    "TRANSPORTS": "transports",
    "ToolCall": "trajectory",
    "Totals": "passk",
    "Transport": "transports",
    "Usage": "trajectory",
    "UserTurn": "users",
    "bearer_transport": "connections",
    "detect_user_errors": "user_errors",
    "evaluate": "runner",
    "load_environments": "runner",
    "make_agent": "agents",
    "make_backend": "chat",
    "make_user": "users",
    "pass_hat_k": "passk",
    "read_token": "connections",
    "replay_calls": "episode",
    "render_report": "report",
    "run_episode": "episode",
    "run_eval": "runner",
    "summarize": "passk",
    "write_report": "report",
}
__all__ = [
    "LABELS",
    "STOP",
    "TRANSFER",
    "TRANSPORTS",
    "Agent",
    "AgentContext",
    "AgentTurn",
    "Attempt",
    "ChatBackend",
    "Connection",
    "ConnectionLost",
    "Endpoint",
    "EnvPool",
    "EpisodeRecord",
    "Event",
    "InfraError",
    "LLMAgent",
    "LLMUser",
    "Label",
    "Limits",
    "OracleAgent",
    "RandomAgent",
    "ResultsError",
    "ResultsFile",
    "RunConfig",
    "ScriptedUser",
    "SimulatedUser",
    "Summary",
    "ToolCall",
    "Totals",
    "Transport",
    "Usage",
    "UserTurn",
    "bearer_transport",
    "detect_user_errors",
    "evaluate",
    "load_environments",
    "make_agent",
    "make_backend",
    "make_user",
    "pass_hat_k",
    "read_token",
    "render_report",
    "replay_calls",
    "run_episode",
    "run_eval",
    "summarize",
    "write_report",
]
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
