"""MCP server for this environment: `python server.py` or `mcp run server.py` (stdio), `autoforge serve <folder>` (HTTP)."""

from pathlib import Path

from autoforge.servers import load_server

mcp = load_server(Path(__file__).resolve().parent)

if __name__ == "__main__":
    mcp.run()
