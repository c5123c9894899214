"""Serving a registry over HTTP: files are readable, nothing can be written."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from autoforge.servers import RegistryError
from autoforge.servers.registry import registry_app

from .conftest import serving


def test_the_index_and_archives_are_served_read_only(published: Path) -> None:
    """GET returns registry.json byte for byte; PUT, POST and DELETE are refused; missing files are 404."""
    with serving(published) as url:
        assert httpx.get(f"{url}/registry.json").content == (published / "registry.json").read_bytes()
        for method in ("PUT", "POST", "DELETE"):
            assert httpx.request(method, f"{url}/registry.json", content=b"{}").status_code == 405
        assert httpx.get(f"{url}/archives/nothing.tar.gz").status_code == 404
    assert (published / "registry.json").read_bytes().startswith(b"{")


def test_a_folder_without_an_index_is_not_served(tmp_path: Path) -> None:
    """Serving a folder with no registry.json is refused with the next step."""
    with pytest.raises(RegistryError, match="holds no registry.json; publish"):
        registry_app(tmp_path)


def test_only_the_index_and_the_archives_are_served(published: Path) -> None:
    """A registry published into a project's root must not hand out the rest of the folder: dotfiles, version
    control and any other file are 404, the index and every archive it names are served."""
    import json

    (published / ".env").write_text("SECRET=1\n")
    (published / ".git").mkdir()
    (published / ".git" / "config").write_text("[remote]\n")
    (published / "notes.txt").write_text("private\n")
    index = json.loads((published / "registry.json").read_text())
    with serving(published) as url:
        for path in (".env", ".git/config", "notes.txt", "archives/../.env"):
            assert httpx.get(f"{url}/{path}").status_code == 404, path
        for entry in index["environments"]:
            assert httpx.get(f"{url}/{entry['url']}").status_code == 200, entry["url"]
