"""Publishing: only checked environments get in, versions are immutable, HTTP registries are read-only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from autoforge.servers import EnvSpec, RegistryError, SpecError
from autoforge.servers.registry import parse_index, publish, read_archive
from autoforge.servers.registry.pack import release_version

from .conftest import serving


@pytest.fixture()
def folder(library: Path, tmp_path: Path) -> Path:
    """A private copy of the reference environment."""
    return Path(shutil.copytree(library, tmp_path / "src" / library.name, ignore=shutil.ignore_patterns("__pycache__")))


async def test_publishing_writes_the_archive_and_the_index(folder: Path, tmp_path: Path) -> None:
    """A first publish writes archives/NAME/NAME-VERSION.tar.gz and an entry whose hashes and counts match it."""
    registry = tmp_path / "registry"
    result = await publish(folder, registry=registry)
    index = parse_index((registry / "registry.json").read_bytes(), "registry.json")
    (entry,) = index.environments
    assert result.created and entry == result.entry
    assert result.archive == registry / entry.url and result.archive.is_file()
    spec = json.loads((folder / "env.json").read_text())
    tasks = [line for line in (folder / "tasks.jsonl").read_text().splitlines() if line.strip()]
    assert (entry.name, entry.version) == (spec["name"], spec["version"])
    assert (entry.counts.tools, entry.counts.tables, entry.counts.tasks) == (
        len(spec["tools"]),
        len(spec["tables"]),
        len(tasks),
    )
    assert entry.size == result.archive.stat().st_size
    assert sum(entry.difficulty.splits.values()) == len(tasks)
    assert entry.source.document == spec["provenance"]["source"]


async def test_republishing_identical_content_is_a_no_op_and_other_content_is_refused(
    folder: Path, tmp_path: Path
) -> None:
    """The same bytes again change nothing; other bytes under the same version are refused, naming the files."""
    registry = tmp_path / "registry"
    first = await publish(folder, registry=registry)
    index_before = (registry / "registry.json").read_bytes()
    again = await publish(folder, registry=registry)
    assert not again.created and again.entry == first.entry
    tools = folder / "tools.py"
    tools.write_text(tools.read_text() + "\n# a change\n")
    with pytest.raises(RegistryError, match="already published .*differs in .*tools.py.*immutable"):
        await publish(folder, registry=registry)
    assert (registry / "registry.json").read_bytes() == index_before
    bumped = await publish(folder, registry=registry, version="1.0.1-rc.1")
    index = parse_index((registry / "registry.json").read_bytes(), "registry.json")
    assert [e.version for e in index.versions(first.entry.name)] == [first.entry.version, "1.0.1-rc.1"]
    assert index.find(first.entry.name).version == first.entry.version  # pre-releases are never "latest"
    assert json.loads(read_archive(bumped.archive.read_bytes(), "bumped")["env.json"])["version"] == "1.0.1-rc.1"


async def test_an_environment_whose_tasks_fail_replay_is_not_published(folder: Path, tmp_path: Path) -> None:
    """A task whose expected changes no longer match what its solution does stops publishing; nothing is written."""
    lines = (folder / "tasks.jsonl").read_text().splitlines()
    task = json.loads(lines[0])
    task["expected"]["facts"] = [*task["expected"].get("facts", []), "a fact no oracle transcript says"]
    task["expected"]["changes"] = []
    (folder / "tasks.jsonl").write_text("\n".join([json.dumps(task), *lines[1:]]) + "\n")
    registry = tmp_path / "registry"
    with pytest.raises((RegistryError, SpecError), match="nothing was published"):
        await publish(folder, registry=registry)
    assert not registry.exists() or not any(registry.iterdir())


async def test_publishing_to_an_http_registry_is_refused(published: Path, folder: Path) -> None:
    """HTTP registries are read-only: publish says to publish into the folder instead."""
    with serving(published) as url, pytest.raises(RegistryError, match="read-only; publish to its folder"):
        await publish(folder, registry=url)


async def test_a_bad_version_is_refused_before_any_work(folder: Path, tmp_path: Path) -> None:
    """--version must be a semantic version, written in ASCII digits: '1𝟶.0.0' (a mathematical zero) would look like
    10.0.0 and rank with it."""
    for version in ("v1", "1\U0001d7f6.0.0"):
        with pytest.raises(RegistryError, match="not a semantic version"):
            await publish(folder, registry=tmp_path / "registry", version=version)


async def test_a_version_ranking_with_a_published_one_is_refused(folder: Path, tmp_path: Path) -> None:
    """'1.0.0+rebuild' beside '1.0.0' would tie for the newest: which one an install takes would be a toss."""
    await publish(folder, registry=tmp_path / "registry", version="1.0.0")
    with pytest.raises(RegistryError, match="ranks the same as the published 1.0.0"):
        await publish(folder, registry=tmp_path / "registry", version="1.0.0+rebuild")


async def test_the_source_documents_version_is_published_while_env_json_keeps_the_default(
    folder: Path, tmp_path: Path
) -> None:
    """A synthesized environment (version 0.1.0) made from an API at info.version 2.4 publishes as 2.4.0."""
    spec = json.loads((folder / "env.json").read_text())
    spec["version"], spec["provenance"]["source_version"] = "0.1.0", "2.4"
    (folder / "env.json").write_text(json.dumps(spec, indent=2) + "\n")
    result = await publish(folder, registry=tmp_path / "registry")
    assert result.entry.version == "2.4.0" and result.archive.name == f"{spec['name']}-2.4.0.tar.gz"
    assert json.loads(read_archive(result.archive.read_bytes(), "packed")["env.json"])["version"] == "2.4.0"
    assert json.loads((folder / "env.json").read_text())["version"] == "0.1.0"  # the folder is not touched


@pytest.mark.parametrize(
    ("chosen", "stated", "published"),
    [
        ("0.1.0", "2.3", "2.3.0"),
        ("0.1.0", "v4", "4.0.0"),
        ("0.1.0", "2024-05-01", "2024.5.1"),
        ("0.1.0", "1.0.0-beta.2", "1.0.0-beta.2"),
        ("0.1.0", "the spring edition", "0.1.0"),
        ("0.1.0", None, "0.1.0"),
        ("1.3.0", "2.3", "1.3.0"),
    ],
)
def test_release_version_reads_the_documents_version_only_where_nobody_chose_one(
    chosen: str, stated: str | None, published: str
) -> None:
    """A version env.json states wins; the default gives way to the document's, read as a semantic version."""
    spec = EnvSpec.model_validate(
        {
            "name": "x",
            "version": chosen,
            "description": "x",
            "tables": [{"name": "t", "columns": [{"name": "id", "type": "TEXT", "primary_key": True}]}],
            "tools": [{"name": "f", "description": "f", "input_schema": {"type": "object"}, "writes": False}],
            "provenance": {"source": "api.yaml", "source_version": stated},
        }
    )
    assert release_version(spec) == published
