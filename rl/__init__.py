"""ERPO on veRL: environment-level advantages with user-error masking, an MCP agent loop, dataset export."""
