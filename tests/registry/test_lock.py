"""The lock file and `name@version`: an installed environment resolves anywhere a folder does, pinned by hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from autoforge.servers import AutoForgeError, RegistryError, load_environment
from autoforge.servers.locate import resolve_environment
from autoforge.servers.registry import install, parse_index


async def test_name_at_version_resolves_to_the_installed_folder(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After install, NAME@VERSION resolves through the lock file; a modified copy is refused with the fix."""
    entry = parse_index((published / "registry.json").read_bytes(), "registry.json").environments[0]
    monkeypatch.chdir(tmp_path)
    result = await install(entry.reference, registry=published, to="envs")
    assert Path("autoforge.lock").is_file()
    folder = resolve_environment(entry.reference)
    assert folder.resolve() == result.folder.resolve()
    assert load_environment(folder).sha256 == entry.env_sha256
    (folder / "seed.sql").write_text((folder / "seed.sql").read_text() + "\n")
    with pytest.raises(RegistryError, match="modified .*--force"):
        resolve_environment(entry.reference)


def test_uninstalled_versions_say_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, library: Path
) -> None:
    """Without a lock entry, the bundled environment answers for its own version; other versions name the install command."""
    monkeypatch.setenv("AUTOFORGE_LOCK", str(tmp_path / "none.lock"))
    version = load_environment(library).spec.version
    assert resolve_environment(f"library-loans@{version}") == library
    with pytest.raises(AutoForgeError, match="autoforge registry install library-loans@99.0.0"):
        resolve_environment("library-loans@99.0.0")
    with pytest.raises(RegistryError, match="not a semantic version"):
        resolve_environment("library-loans@newest")
