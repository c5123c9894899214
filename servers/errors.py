"""The AutoForge error tree; every part of the project raises one of these.

    AutoForgeError            anything AutoForge reports to a user (the CLI prints it, exit 1)
     ├── SpecError            an environment folder or spec is malformed (carries every problem)
     ├── SandboxError         generated tool code breaks the AST allow-list
     ├── EpisodeError         an unknown episode, a task that does not exist, the live-episode cap
     ├── AccessError          HTTP access misconfigured: a token variable unset, a bind that needs tokens (exit 2)
     ├── SynthesisError       the synthesizer could not produce a verified environment
     ├── BackendError         an LLM backend failed (no key, bad response after retries)
     └── RegistryError        publish / install / verify of a packed environment failed
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AccessError",
    "AutoForgeError",
    "BackendError",
    "EpisodeError",
    "Problem",
    "RegistryError",
    "SandboxError",
    "SpecError",
    "SynthesisError",
]


class AutoForgeError(Exception):
    """Base of every error AutoForge raises on purpose; its message says what to do next."""

    exit_code: int = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where: `env.json: tools[2].name`, `tools.py:14`."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class _ProblemsError(AutoForgeError):
    """An error that lists every problem found, not just the first."""

    def __init__(self, summary: str, problems: Sequence[Problem] = ()) -> None:
        self.problems = tuple(problems)
        lines = [summary, *(f"  - {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


class SpecError(_ProblemsError):
    """An environment folder, spec or task does not meet the contract."""


class SandboxError(_ProblemsError):
    """Tool code uses a construct outside the allow-list; each problem names its line."""


class EpisodeError(AutoForgeError):
    """An episode operation cannot be carried out (unknown id, unknown task, cap reached)."""


class AccessError(AutoForgeError):
    """Serving or reaching an environment over HTTP is misconfigured (tokens, the interface to bind)."""

    exit_code = 2


class SynthesisError(AutoForgeError):
    """Synthesis could not produce what was asked; the message names the stage and the input."""

    exit_code = 2


class BackendError(AutoForgeError):
    """An LLM backend is misconfigured or kept failing."""


class RegistryError(AutoForgeError):
    """A registry operation was refused (hash mismatch, unsafe archive, version clash)."""
