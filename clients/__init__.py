"""Rollouts over MCP: agent policies, simulated users, the async episode runner, pass^k and the HTML report."""

from .agents import Agent, AgentContext, LLMAgent, OracleAgent, RandomAgent, make_agent
from .chat import ChatBackend, make_backend
from .connections import TRANSPORTS, Connection, Endpoint, EnvPool, Transport, bearer_transport, read_token
from .episode import LABELS, Attempt, Label, Limits, run_episode
from .errors import ConnectionLost, InfraError, ResultsError
from .passk import Summary, Totals, pass_hat_k, summarize
from .report import render_report, write_report
from .results import EpisodeRecord, ResultsFile, RunConfig
from .runner import evaluate, load_environments, run_eval
from .trajectory import AgentTurn, Event, ToolCall, Usage
from .user_errors import detect_user_errors
from .users import STOP, TRANSFER, LLMUser, ScriptedUser, SimulatedUser, UserTurn, make_user

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
    "run_episode",
    "run_eval",
    "summarize",
    "write_report",
]
