"""bench/corpus.py's manifest of real tool documents: well formed, clear of the holdout, and runnable offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "bench" / "corpus-manifest.json"
SHAPES = {"openapi-3.0", "openapi-3.1", "swagger-2.0", "mcp-tools", "functions", "prose-cli", "prose-jsonrpc"}
HOLDOUT = (
    "azure-dev", "realworld", "libraryagent", "library-agent", "petclinic", "easyappointments", "redmine",
    "src/memory", "src/git", "todoist", "linear-mcp", "kanboard", "watson", "petstore",
)  # fmt: skip


def _documents() -> list[dict[str, object]]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["documents"]


def test_every_manifest_entry_names_its_source_license_shape_and_size() -> None:
    """Each document has a file name, repository, path, 40-hex commit, license, known shape and operation count."""
    documents = _documents()
    assert len(documents) >= 40
    assert len({d["file"] for d in documents}) == len(documents)
    for document in documents:
        assert document["repository"] and document["path"] and document["license"], document["file"]
        assert len(str(document["commit"])) == 40, document["file"]
        assert document["shape"] in SHAPES, document["file"]
        assert isinstance(document["operations"], int), document["file"]
        if document["shape"] in ("mcp-tools", "functions"):
            assert document.get("transcription"), f"{document['file']} does not say how its tool list was transcribed"


def test_the_manifest_holds_nothing_from_the_holdout_and_nothing_non_commercial() -> None:
    """No document comes from a holdout source, and no license is a non-commercial one."""
    for document in _documents():
        where = f"{document['repository']}/{document['path']}/{document['file']}".lower()
        assert not any(name in where for name in HOLDOUT), where
        assert "non-commercial" not in str(document["license"]).lower()
        assert "-nc" not in str(document["license"]).lower()


def test_documents_missing_from_the_folder_are_skipped_and_listed(tmp_path: Path) -> None:
    """With none of the documents at hand (CI has no network), the bench lists them as skipped and runs nothing."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "corpus.py"), "--manifest", str(MANIFEST), "--from", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "skipped, not in" in run.stdout
    assert all(d["file"] in run.stdout for d in _documents())
    assert "no documents to run" in run.stdout
