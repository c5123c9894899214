"""Installing from a registry: hashes checked before unpacking, unsafe archives refused, nothing half-written."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import tarfile
from pathlib import Path

import pytest
from autoforge.servers import RegistryError, check_env, content_sha256, load_server
from autoforge.servers.environment import ENV_FILES, SERVER_PY, files_sha256
from autoforge.servers.registry import (
    install,
    pack_environment,
    parse_index,
    read_lock,
    verify_installed,
    verify_registry,
    write_archive,
)
from autoforge.servers.registry.archive import read_archive

from .conftest import serving


def _index(registry: Path):  # type: ignore[no-untyped-def]
    return parse_index((registry / "registry.json").read_bytes(), "registry.json")


def _replace_archive(registry: Path, name: str, data: bytes, *, update_hash: bool) -> None:
    """Swap an entry's archive for `data`; with `update_hash`, the index is rewritten to pin the new bytes too."""
    index = _index(registry)
    entry = next(e for e in index.environments if e.name == name)
    (registry / entry.url).write_bytes(data)
    if update_hash:
        entry = entry.model_copy(update={"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
        (registry / "registry.json").write_text(index.with_entry(entry).dumps())


def _tar_with(member: tarfile.TarInfo, files: dict[str, bytes], payload: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        tar.addfile(member, io.BytesIO(payload) if member.isreg() else None)
    return buffer.getvalue()


async def test_round_trip_over_http_installs_copies_that_pass_oracle_replay(published: Path, tmp_path: Path) -> None:
    """Published environments served over HTTP install into an empty folder, verify, and match registry.json."""
    target, lock = tmp_path / "envs", tmp_path / "autoforge.lock"
    index = _index(published)
    assert index.environments, "no bundled environment was published"
    with serving(published) as url:
        for entry in index.environments:
            result = await install(entry.reference, registry=url, to=target, lock=lock)
            assert result.changed and result.folder == target / entry.name
    for entry in index.environments:
        folder = target / entry.name
        assert content_sha256(folder) == entry.env_sha256
        assert pack_environment(folder).sha256 == entry.sha256
        report = await check_env(load_server(folder))
        assert report.passed, report.failures
        assert all(t.oracle_reward == 1.0 for t in report.tasks)
    locked = {e.reference: e for e in read_lock(lock).environments}
    assert {e.reference for e in index.environments} == set(locked)
    assert all(locked[e.reference].sha256 == e.sha256 for e in index.environments)
    assert all(v.problem is None for v in verify_installed(lock))


async def test_one_changed_byte_is_refused_and_nothing_is_written(registry_copy: Path, tmp_path: Path) -> None:
    """An archive with one byte flipped fails the sha256 check; the target folder is never created."""
    entry = _index(registry_copy).environments[0]
    data = bytearray((registry_copy / entry.url).read_bytes())
    data[len(data) // 2] ^= 0x01
    _replace_archive(registry_copy, entry.name, bytes(data), update_hash=False)
    target = tmp_path / "envs"
    with (
        serving(registry_copy) as url,
        pytest.raises(RegistryError, match="does not have the sha256 the registry pins .*refusing"),
    ):
        await install(entry.reference, registry=url, to=target, lock=tmp_path / "lock")
    assert not target.exists() and not (tmp_path / "lock").exists()
    problems = [v.problem for v in await verify_registry(registry_copy) if v.reference == entry.reference]
    assert problems and "refusing" in (problems[0] or "")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("traversal", "not a plain relative path"),
        ("absolute", "not a plain relative path"),
        ("symlink", "symbolic link"),
        ("hardlink", "hard link"),
        ("fifo", "special entry"),
    ],
)
async def test_unsafe_entries_are_refused_even_when_the_hash_matches(
    registry_copy: Path, tmp_path: Path, kind: str, message: str
) -> None:
    """An archive whose index pins it correctly but holds an unsafe entry is refused before anything is written."""
    entry = _index(registry_copy).environments[0]
    files = read_archive((registry_copy / entry.url).read_bytes(), "original")
    member = {
        "traversal": tarfile.TarInfo("../../escaped.txt"),
        "absolute": tarfile.TarInfo("/tmp/escaped.txt"),
        "symlink": tarfile.TarInfo("link"),
        "hardlink": tarfile.TarInfo("hard"),
        "fifo": tarfile.TarInfo("pipe"),
    }[kind]
    member.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE}.get(
        kind, tarfile.REGTYPE
    )
    member.linkname = "/etc/passwd" if kind in ("symlink", "hardlink") else ""
    member.size = 4 if member.isreg() else 0
    _replace_archive(registry_copy, entry.name, _tar_with(member, files, b"evil"), update_hash=True)
    target = tmp_path / "envs"
    with pytest.raises(RegistryError, match=message):
        await install(entry.reference, registry=registry_copy, to=target, lock=tmp_path / "lock")
    assert not target.exists()
    assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize("over_http", [False, True], ids=["folder", "http"])
async def test_an_index_pointing_to_a_missing_archive_is_refused(
    registry_copy: Path, tmp_path: Path, over_http: bool
) -> None:
    """registry.json naming an archive that is not there gives a clear error and writes nothing."""
    entry = _index(registry_copy).environments[0]
    (registry_copy / entry.url).unlink()
    target = tmp_path / "envs"
    if over_http:
        with serving(registry_copy) as url, pytest.raises(RegistryError, match="lists .* but the server answered 404"):
            await install(entry.reference, registry=url, to=target, lock=tmp_path / "lock")
    else:
        with pytest.raises(RegistryError, match=f"lists {entry.reference} at .* does not exist"):
            await install(entry.reference, registry=registry_copy, to=target, lock=tmp_path / "lock")
    assert not target.exists()


async def test_an_archive_holding_another_environment_is_refused(
    registry_copy: Path, tmp_path: Path, library: Path
) -> None:
    """Archive contents must be the name and version the index promises, even when the sha256 matches."""
    entry = _index(registry_copy).environments[0]
    files = read_archive((registry_copy / entry.url).read_bytes(), "original")
    spec = json.loads(files["env.json"])
    files["env.json"] = json.dumps({**spec, "version": "9.9.9"}).encode()
    _replace_archive(registry_copy, entry.name, write_archive(files), update_hash=True)
    with pytest.raises(RegistryError, match="holds .*@9.9.9"):
        await install(entry.reference, registry=registry_copy, to=tmp_path / "envs", lock=tmp_path / "lock")
    assert not (tmp_path / "envs").exists()


async def test_tool_code_outside_the_sandbox_rules_is_refused_before_anything_is_written(
    registry_copy: Path, tmp_path: Path
) -> None:
    """A well-pinned archive whose tools.py breaks the allow-list is refused, with its line, and leaves no file."""
    entry = _index(registry_copy).environments[0]
    files = read_archive((registry_copy / entry.url).read_bytes(), "original")
    files["tools.py"] += b"\n\nimport os\nos.system('touch installed-canary')\n"
    data = write_archive(files)
    _replace_archive(registry_copy, entry.name, data, update_hash=True)
    index = _index(registry_copy)
    pinned = next(e for e in index.environments if e.name == entry.name)
    (registry_copy / "registry.json").write_text(
        index.with_entry(pinned.model_copy(update={"env_sha256": files_sha256(files)})).dumps()
    )
    with pytest.raises(RegistryError, match=r"tools\.py:\d+: import of 'os' is not allowed"):
        await install(entry.reference, registry=registry_copy, to=tmp_path / "envs", lock=tmp_path / "lock")
    assert not (tmp_path / "envs").exists()
    assert not Path("installed-canary").exists()


async def test_an_existing_folder_is_kept_unless_forced(published: Path, tmp_path: Path) -> None:
    """Installing over a different folder of the same name is refused; --force replaces it whole."""
    entry = _index(published).environments[0]
    target = tmp_path / "envs"
    lock = tmp_path / "autoforge.lock"
    await install(entry.reference, registry=published, to=target, lock=lock)
    tasks = target / entry.name / "tasks.jsonl"
    tasks.write_text(tasks.read_text() + "\n")
    assert next(v.problem or "" for v in verify_installed(lock)).startswith("modified")
    with pytest.raises(RegistryError, match="already exists and is not"):
        await install(entry.reference, registry=published, to=target, lock=lock)
    result = await install(entry.reference, registry=published, to=target, lock=lock, force=True)
    assert result.changed and content_sha256(target / entry.name) == entry.env_sha256
    assert sorted(p.name for p in target.iterdir()) == [entry.name]
    again = await install(entry.reference, registry=published, to=target, lock=lock)
    assert not again.changed


async def test_unknown_names_and_versions_get_suggestions(published: Path, tmp_path: Path) -> None:
    """A misspelt name suggests the close one; an unknown version lists the published ones."""
    entry = _index(published).environments[0]
    with pytest.raises(RegistryError, match=f"did you mean {entry.name}"):
        await install(entry.name[:-1], registry=published, to=tmp_path)
    with pytest.raises(RegistryError, match=f"published versions: {entry.version}"):
        await install(f"{entry.name}@99.0.0", registry=published, to=tmp_path)


async def test_an_archive_s_own_code_is_never_installed_where_a_client_would_run_it(
    registry_copy: Path, tmp_path: Path
) -> None:
    """A server.py of the archive's own, a package that shadows autoforge, and a compiled server.py that Python
    never checks against its source are left out (none is in the content hash, all would run outside the sandbox
    when a client starts the server): the folder holds the environment's four files, the launcher and the cards.
    `verify` flags such code in a folder written by hand."""
    entry = _index(registry_copy).environments[0]
    files = read_archive((registry_copy / entry.url).read_bytes(), "original")
    files["server.py"] = SERVER_PY.encode() + b"\nopen('installed-canary', 'w')\n"
    files["autoforge/__init__.py"] = b"open('installed-canary', 'w')\n"
    files["__pycache__/server.cpython-311.pyc"] = importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little") + bytes(16)
    _replace_archive(registry_copy, entry.name, write_archive(files), update_hash=True)
    target, lock = tmp_path / "envs", tmp_path / "autoforge.lock"
    result = await install(entry.reference, registry=registry_copy, to=target, lock=lock)
    folder = target / entry.name
    assert sorted(p.name for p in folder.iterdir()) == sorted([*ENV_FILES, "README.md", "server.json", "server.py"])
    assert (folder / "server.py").read_text() == SERVER_PY
    assert {"autoforge/__init__.py", "__pycache__/server.cpython-311.pyc"} <= set(result.left_out)
    assert [v.problem for v in verify_installed(lock)] == [None]
    (folder / "server.py").write_text(SERVER_PY + "\nimport os\n")
    (folder / "autoforge").mkdir()
    (folder / "autoforge" / "__init__.py").write_text("")
    problem = next(v.problem for v in verify_installed(lock))
    assert problem is not None and "server.py (not the launcher)" in problem and "autoforge/__init__.py" in problem
    assert not Path("installed-canary").exists()


async def test_a_lock_s_pin_is_kept_unless_forced(registry_copy: Path, published: Path, tmp_path: Path) -> None:
    """Once a lock pins name@version to an archive, another archive under the same name and version (another
    registry's, or one rewritten in place) is refused, and the pin stays, unless --force takes it."""
    entry = _index(published).environments[0]
    target, lock = tmp_path / "envs", tmp_path / "autoforge.lock"
    await install(entry.reference, registry=published, to=target, lock=lock)
    files = read_archive((registry_copy / entry.url).read_bytes(), "original")
    files["README.md"] = b"# the same environment, packed again\n"
    _replace_archive(registry_copy, entry.name, write_archive(files), update_hash=True)
    with pytest.raises(RegistryError, match="pins .* to the archive"):
        await install(entry.reference, registry=registry_copy, to=target, lock=lock)
    assert read_lock(lock).environments[0].sha256 == entry.sha256
    await install(entry.reference, registry=registry_copy, to=target, lock=lock, force=True)
    assert read_lock(lock).environments[0].sha256 != entry.sha256


@pytest.mark.parametrize("env_json", [b"[1, 2]", b"[" * 100_000 + b"]" * 100_000, b"{not json"])
async def test_an_env_json_that_is_no_json_object_is_refused_by_name(
    registry_copy: Path, tmp_path: Path, env_json: bytes
) -> None:
    """A list, JSON nested past what a parser follows, or no JSON at all: refused, saying so, not a traceback."""
    entry = _index(registry_copy).environments[0]
    files = read_archive((registry_copy / entry.url).read_bytes(), "original")
    files["env.json"] = env_json
    _replace_archive(registry_copy, entry.name, write_archive(files), update_hash=True)
    with pytest.raises(RegistryError, match="env.json is not a JSON object"):
        await install(entry.reference, registry=registry_copy, to=tmp_path / "envs", lock=tmp_path / "lock")


async def test_a_remote_index_may_not_send_the_installer_to_another_host(registry_copy: Path, tmp_path: Path) -> None:
    """An index served over HTTP that names an archive on another host (a service on this machine's loopback, a
    cloud metadata address) is refused before anything is fetched; the same archive on its own host installs."""
    index = _index(registry_copy)
    entry = index.environments[0]
    with serving(registry_copy) as url:
        elsewhere = entry.model_copy(update={"url": f"http://127.0.0.2:9/{entry.url}"})
        (registry_copy / "registry.json").write_text(index.with_entry(elsewhere).dumps())
        with pytest.raises(RegistryError, match="may only name archives on its own host"):
            await install(entry.reference, registry=url, to=tmp_path / "envs", lock=tmp_path / "lock")
        own = entry.model_copy(update={"url": f"{url}/{entry.url}"})
        (registry_copy / "registry.json").write_text(index.with_entry(own).dumps())
        assert (await install(entry.reference, registry=url, to=tmp_path / "envs", lock=tmp_path / "lock")).changed
