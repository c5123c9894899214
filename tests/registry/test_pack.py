"""Packing: the same environment always gives the same bytes, litter stays out, the folder is never changed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from autoforge.servers import RegistryError, content_sha256
from autoforge.servers.registry import pack_environment, read_archive


@pytest.fixture()
def folder(library: Path, tmp_path: Path) -> Path:
    """A private copy of the reference environment."""
    return Path(shutil.copytree(library, tmp_path / library.name, ignore=shutil.ignore_patterns("__pycache__")))


def test_packing_twice_gives_the_same_sha256_even_after_touching_file_times(folder: Path, tmp_path: Path) -> None:
    """New mtimes, another location and other permissions do not change the packed bytes."""
    first = pack_environment(folder)
    for path in folder.iterdir():
        os.utime(path, (1_900_000_000, 1_900_000_000))
        path.chmod(0o600)
    moved = Path(shutil.copytree(folder, tmp_path / "elsewhere" / folder.name))
    assert pack_environment(folder).sha256 == first.sha256
    assert pack_environment(moved).data == first.data


def test_litter_is_left_out_and_generated_files_are_fresh(folder: Path) -> None:
    """__pycache__, hidden and backup files are skipped; server.json and README.md are regenerated."""
    baseline = pack_environment(folder)
    (folder / "__pycache__").mkdir(exist_ok=True)
    (folder / "__pycache__" / "tools.cpython-311.pyc").write_bytes(b"\0junk")
    (folder / ".DS_Store").write_bytes(b"junk")
    (folder / "tools.py~").write_text("backup")
    (folder / "README.md").write_text("hand-edited")
    packed = pack_environment(folder)
    assert packed.sha256 == baseline.sha256
    files = read_archive(packed.data, "packed")
    assert {"env.json", "tools.py", "seed.sql", "tasks.jsonl", "server.py", "server.json", "README.md"} <= set(files)
    assert not any("__pycache__" in n or n.startswith(".") or n.endswith("~") for n in files)
    assert files["README.md"].decode().startswith(f"# {folder.name} ")


def test_packing_under_another_version_rewrites_only_the_packed_copy(folder: Path) -> None:
    """--version changes env.json, server.json and the hashes inside the archive, not the folder."""
    before = content_sha256(folder)
    packed = pack_environment(folder, "7.0.0")
    files = read_archive(packed.data, "packed")
    assert json.loads(files["env.json"])["version"] == "7.0.0"
    assert json.loads(files["server.json"])["version"] == "7.0.0"
    assert packed.env_sha256 != before and content_sha256(folder) == before
    assert json.loads((folder / "env.json").read_text())["version"] != "7.0.0"


def test_links_in_the_folder_are_refused(folder: Path) -> None:
    """A symbolic link in an environment folder stops packing with a message naming it."""
    (folder / "notes.txt").symlink_to("/etc/hostname")
    with pytest.raises(RegistryError, match="notes.txt is a symbolic link"):
        pack_environment(folder)
