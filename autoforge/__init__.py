"""AutoForge: synthesize verifiable tool-use environments from tool docs, serve them over MCP, train agents on them.

The parts live in sub-packages: `autoforge.servers` (environments and their runtime),
`autoforge.synthesizer` (docs to environments), `autoforge.clients` (rollouts and evaluation),
`autoforge.rl` (ERPO on veRL).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("autoforge-rl")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
