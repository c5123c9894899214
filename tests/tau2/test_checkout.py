"""Reading a checkout: its domains' files, its toolkit's declarations, its commit; broken files are named."""

from __future__ import annotations

import shutil

import pytest
from autoforge.servers import SynthesisError
from autoforge.synthesizer.tau2.checkout import open_checkout, read_tool_source


def test_toolkit_declarations_are_read_without_running_them(fixture_checkout) -> None:
    """Decorated methods become tools with their kind, parameters and docstring texts; other methods do not."""
    tools, constants = read_tool_source(fixture_checkout / "src/tau2/domains/retail/tools.py")
    assert len(tools) == 16 and "_get_order" not in tools
    cancel = tools["cancel_pending_order"]
    assert (cancel.kind, cancel.parameters) == ("WRITE", ("order_id", "reason"))
    assert cancel.arguments["order_id"] == "The order, like '#W100'."
    assert tools["list_all_product_types"].description == "Name and id of every product." and constants == {}
    _, airline = read_tool_source(fixture_checkout / "src/tau2/domains/airline/tools.py")
    assert airline["AIRPORTS"][2] == {"iata": "CCC", "city": "Cedar Falls"}


def test_a_folder_inside_another_repository_has_no_commit(fixture_checkout) -> None:
    """The fixture lives inside AutoForge's own repository, whose commit is not the checkout's."""
    checkout = open_checkout(fixture_checkout)
    assert checkout.commit is None
    assert checkout.domains() == ["airline", "retail", "telecom"]
    files = checkout.domain("retail")
    assert files.read_splits()["test"] == ["2", "6", "8"] and len(files.read_tasks()) == 13


def test_unreadable_files_are_named(fixture_checkout, tmp_path) -> None:
    """A database that is not JSON, or tool source that is not Python, is reported with its path."""
    root = tmp_path / "checkout"
    shutil.copytree(fixture_checkout, root)
    (root / "data/tau2/domains/retail/db.json").write_text("{not json")
    with pytest.raises(SynthesisError, match=r"retail/db.json could not be read"):
        open_checkout(root).domain("retail").read_database()
    (root / "src/tau2/domains/airline/tools.py").write_text("def broken(:\n")
    with pytest.raises(SynthesisError, match=r"airline/tools.py could not be parsed"):
        open_checkout(root).domain("airline")
    (root / "data/tau2/domains/airline/policy.md").unlink()
    (root / "src/tau2/domains/airline/tools.py").unlink()
    with pytest.raises(SynthesisError, match="lacks the airline domain's policy"):
        open_checkout(root).domain("airline")
