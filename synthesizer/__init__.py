"""From tool documentation to a verified environment (parse, schema, tools, data, graph, walks, tasks, checks)."""
