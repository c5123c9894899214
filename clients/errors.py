"""Failures during an episode that are not the agent's or the simulated user's doing.

AutoForgeError                    (autoforge.servers.errors)
 ├── BackendError                 an LLM backend is misconfigured: the run stops with the next step
 ├── ResultsError                 a results.jsonl cannot be read as episode records
 └── InfraError                   a server, transport, provider or timeout failed: the episode is
      └── ConnectionLost          labelled `infra` and retried; the connection to the server died
"""

from __future__ import annotations

from autoforge.servers.errors import AutoForgeError

__all__ = ["ConnectionLost", "InfraError", "ResultsError"]


class InfraError(AutoForgeError):
    """An episode could not be carried out for a reason outside the agent and the user."""


class ConnectionLost(InfraError):
    """The MCP connection to the environment server closed; its episodes are gone with it."""


class ResultsError(AutoForgeError):
    """A results file holds something other than episode records."""
