"""README.md cards: every tool and table is listed, with task statistics and how to run."""

from __future__ import annotations

from pathlib import Path

from autoforge.servers import load_environment
from autoforge.servers.registry import readme_card


def test_the_card_lists_tools_tables_and_task_counts(library: Path) -> None:
    """Each tool, each table and the task count appear; the text is the same on every call."""
    environment = load_environment(library)
    card = readme_card(environment)
    assert card.startswith(f"# {environment.spec.name} {environment.spec.version}")
    for tool in environment.spec.tools:
        assert f"| `{tool.name}` | {'writes' if tool.writes else 'reads'} |" in card
    for table in environment.spec.tables:
        assert f"| `{table.name}` |" in card
    assert f"{len(environment.tasks)} tasks (" in card
    assert f"mcp run servers/{environment.spec.name}/server.py" in card
    assert environment.sha256 in card
    assert readme_card(environment) == card
