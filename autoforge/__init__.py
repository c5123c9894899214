"""AutoForge: synthesize verifiable tool-use environments from tool docs, serve them over MCP, train agents on them.

The parts live in sub-packages: `autoforge.servers` (environments and their runtime),
`autoforge.synthesizer` (docs to environments), `autoforge.clients` (rollouts and evaluation),
`autoforge.rl` (ERPO on veRL).
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed metadata on first use (importlib.metadata is slow to load)."""
    if name != "__version__":
        raise AttributeError(f"module 'autoforge' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("autoforge-rl")
    except PackageNotFoundError:  # running from a source tree that was not installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
