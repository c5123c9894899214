"""Rollouts over MCP: agent policies, simulated users, the async episode runner and pass^k."""
