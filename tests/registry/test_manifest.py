"""server.json: every generated manifest validates against the official MCP registry schema (2025-12-11)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from autoforge.servers import load_environment
from autoforge.servers.locate import bundled_environments
from autoforge.servers.registry import SERVER_SCHEMA_URL, describe_environment, server_manifest

SCHEMA = json.loads(Path(__file__).with_name("server.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _errors(document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(document)]


def test_the_kept_schema_is_the_2025_12_11_release() -> None:
    """The copy in the tests is the schema our manifests point at."""
    assert SCHEMA["$id"] == SERVER_SCHEMA_URL


@pytest.mark.parametrize("folder", bundled_environments(), ids=lambda p: p.name)
def test_every_bundled_environment_gets_a_valid_manifest(folder: Path) -> None:
    """server.json of each bundled environment validates, with our hashes under the publisher-provided key."""
    environment = load_environment(folder)
    manifest = server_manifest(
        environment, repository="https://github.com/example/autoforge", subfolder=f"servers/{folder.name}"
    )
    assert _errors(manifest) == []
    assert manifest["version"] == environment.spec.version
    assert len(manifest["description"]) <= 100
    provided = manifest["_meta"]["io.modelcontextprotocol.registry/publisher-provided"]
    assert provided["autoforge"]["env_sha256"] == environment.sha256
    assert len(json.dumps(provided)) <= 4096


def test_the_validator_rejects_what_the_registry_rejects(library: Path) -> None:
    """A too-long description or a bad name fails the same schema, so the check above has teeth."""
    manifest = server_manifest(load_environment(library))
    assert _errors({**manifest, "description": "x" * 101})
    assert _errors({**manifest, "name": "no-slash"})


def test_long_descriptions_are_cut_at_a_word_boundary(library: Path) -> None:
    """Descriptions over 100 characters end with an ellipsis after a whole word."""
    environment = load_environment(library)
    long = environment.spec.model_copy(update={"description": "word " * 40})
    environment.spec = long
    description = server_manifest(environment)["description"]
    assert len(description) <= 100 and description.endswith("word…")


def test_describe_writes_server_json_and_readme(library: Path, tmp_path: Path) -> None:
    """describe_environment writes both generated files into the folder; the manifest validates."""
    folder = Path(shutil.copytree(library, tmp_path / library.name, ignore=shutil.ignore_patterns("__pycache__")))
    written = describe_environment(folder)
    assert written == [folder / "server.json", folder / "README.md"]
    assert _errors(json.loads((folder / "server.json").read_text())) == []


def test_the_readme_card_shows_an_environment_s_own_words_as_words(library: Path) -> None:
    """A description, license or source that holds HTML, links, code fences or headings (anyone may publish an
    environment) is shown as text in README.md: nothing of it runs, links or opens a section of its own."""
    from autoforge.servers.registry.readme import readme_card

    environment = load_environment(library)
    environment.spec = environment.spec.model_copy(
        update={
            "description": "Loans.\n<script>alert(1)</script> [click](javascript:x)\n## Fake section\n```bash\ncurl x | sh\n```",
            "license": "MIT\n# Injected heading",
            "provenance": environment.spec.provenance.model_copy(update={"source": "doc.md\n```\n## More"}),
        }
    )
    card = readme_card(environment)
    assert "<script>" not in card and "[click](" not in card and "```bash\ncurl" not in card
    headings = [line for line in card.splitlines() if line.startswith("#")]
    assert headings == [h for h in headings if h.startswith(("# library-loans", "## How to run", "## Tools",
                                                               "## Tables", "## Tasks", "## Quality", "## Provenance"))]  # fmt: skip
    assert "License: MIT \\# Injected heading." in card
