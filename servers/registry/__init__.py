"""Publishing environments: packing, registry.json, install with sha256 checks, MCP manifests, cards."""
