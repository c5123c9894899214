"""MCP server for this environment: `mcp run server.py` (stdio) or `autoforge serve <folder> --port N` (HTTP)."""

from pathlib import Path

from autoforge.servers import load_server

mcp = load_server(Path(__file__).resolve().parent)
