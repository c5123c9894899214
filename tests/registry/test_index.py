"""registry.json: its schema ships with the package, the root index validates, look-ups pick the right version."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from autoforge.servers import RegistryError
from autoforge.servers.registry import SCHEMA_PATH, index_schema, parse_index, verify_registry

ROOT_INDEX = Path(__file__).resolve().parents[2] / "registry.json"


def test_the_shipped_schema_matches_the_models() -> None:
    """registry.schema.json is current (regenerate it with index_schema() after changing the models)."""
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == index_schema()


@pytest.mark.skipif(not ROOT_INDEX.is_file(), reason="no registry.json at the repository root (installed package)")
async def test_the_repository_index_validates_and_its_archives_match() -> None:
    """The root registry.json follows its JSON schema and every archive it lists has the pinned sha256."""
    raw = json.loads(ROOT_INDEX.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(index_schema()).validate(raw)
    assert parse_index(ROOT_INDEX.read_bytes(), "registry.json").environments
    results = await verify_registry(ROOT_INDEX.parent)
    assert [r.problem for r in results] == [None] * len(results)


def test_schema_validation_catches_a_bad_entry(published: Path) -> None:
    """A sha256 that is not 64 hex digits fails both the JSON schema and the parser."""
    raw = json.loads((published / "registry.json").read_text())
    raw["environments"][0]["sha256"] = "abc"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(index_schema()).validate(raw)
    with pytest.raises(RegistryError, match="does not match the registry.json schema"):
        parse_index(json.dumps(raw), "registry.json")


def test_a_newer_format_asks_for_an_upgrade() -> None:
    """An index in a format this version cannot read says so instead of misreading it."""
    with pytest.raises(RegistryError, match="has format 2.*upgrade AutoForge"):
        parse_index('{"format": 2, "environments": []}', "registry.json")
    with pytest.raises(RegistryError, match="not valid JSON"):
        parse_index("{", "registry.json")


def test_latest_is_the_newest_release_by_semver(published: Path) -> None:
    """Versions sort as semver (1.10.0 after 1.9.0), and pre-releases are not picked as latest."""
    index = parse_index((published / "registry.json").read_bytes(), "registry.json")
    entry = index.environments[0]
    for version in ("1.9.0", "1.10.0", "2.0.0-rc.1"):
        index = index.with_entry(entry.model_copy(update={"version": version}))
    assert [e.version for e in index.versions(entry.name)][-3:] == ["1.9.0", "1.10.0", "2.0.0-rc.1"]
    assert index.find(entry.name).version == "1.10.0"
    assert index.find(entry.name, "2.0.0-rc.1").version == "2.0.0-rc.1"
