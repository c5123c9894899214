"""`validate_folder` reports every problem of a broken environment folder with its location."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from autoforge.servers import validate_folder

from .conftest import bundled_ids, bundled_path


def test_bundled_environments_are_valid() -> None:
    """Every bundled folder meets the contract."""
    for name in bundled_ids():
        assert validate_folder(bundled_path(name)) == [], name


def test_broken_folder_lists_every_problem_with_location(tmp_path: Path) -> None:
    """Spec errors, task errors and sandbox violations are all reported, each with where it is."""
    folder = tmp_path / "library-loans"
    shutil.copytree(bundled_path("library-loans"), folder)
    spec = json.loads((folder / "env.json").read_text())
    spec["tools"][0]["name"] = "bad name!"
    spec["tables"][3]["columns"][0]["type"] = "BLOB"
    (folder / "env.json").write_text(json.dumps(spec))
    lines = (folder / "tasks.jsonl").read_text().splitlines()
    task = json.loads(lines[1])
    task["solution"]["nodes"][0]["arguments"] = {"phone": 5551234}
    lines[1] = json.dumps(task)
    lines[2] = '{"id": "broken"}'
    (folder / "tasks.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "tools.py").write_text((folder / "tools.py").read_text() + "\nimport os\n")
    problems = validate_folder(folder)
    locations = " ".join(p.location for p in problems)
    assert "env.json: tools.0.name" in locations
    assert "tasks.jsonl:3" in locations
    assert any(p.location.startswith("tools.py:") and "'os'" in p.message for p in problems)
    assert "env.json: tables.3.columns.0.type" in locations


def test_dangling_foreign_key_is_reported(tmp_path: Path) -> None:
    """A column referencing a table that does not exist is named in the report."""
    folder = tmp_path / "library-loans"
    shutil.copytree(bundled_path("library-loans"), folder)
    spec = json.loads((folder / "env.json").read_text())
    spec["tables"][3]["columns"][1]["references"] = "nowhere.id"
    (folder / "env.json").write_text(json.dumps(spec))
    assert any("copies.book_id references unknown nowhere.id" in p.message for p in validate_folder(folder))


def test_task_arguments_are_checked_against_tool_schemas(tmp_path: Path) -> None:
    """A solution call whose arguments break the tool's schema is reported with its line and node."""
    folder = tmp_path / "library-loans"
    shutil.copytree(bundled_path("library-loans"), folder)
    lines = (folder / "tasks.jsonl").read_text().splitlines()
    task = json.loads(lines[0])
    task["solution"]["nodes"][0]["arguments"] = {"phone": 5551234}
    lines[0] = json.dumps(task)
    (folder / "tasks.jsonl").write_text("\n".join(lines) + "\n")
    problems = validate_folder(folder)
    assert any(p.location.startswith("tasks.jsonl:1") and "find_member" in p.message for p in problems), problems


def test_missing_files_and_name_mismatch(tmp_path: Path) -> None:
    """A folder without its files, or named unlike its spec, says so."""
    folder = tmp_path / "other-name"
    shutil.copytree(bundled_path("library-loans"), folder)
    (folder / "seed.sql").unlink()
    messages = {(p.location, p.message) for p in validate_folder(folder)}
    assert ("seed.sql", "missing") in messages
    assert any("other-name" in m for _, m in messages)


def test_a_seed_that_computes_rows_instead_of_listing_them_is_refused_quickly(tmp_path: Path) -> None:
    """A seed of a few bytes whose cross join would insert 10 billion rows is refused within its step budget,
    not left to run for hours (or to fill memory) in whatever loads the folder."""
    folder = tmp_path / "library-loans"
    shutil.copytree(bundled_path("library-loans"), folder)
    ten = "(VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10))"
    crossed = ", ".join(f"{ten} AS x{i}" for i in range(10))
    never = " + ".join(f"x{i}.column1" for i in range(10)) + " = 0"  # every combination is tried
    (folder / "seed.sql").write_text(f"INSERT INTO members (name) SELECT 'x' FROM {crossed} WHERE {never};\n")
    started = time.monotonic()
    problems = validate_folder(folder)
    assert any("seed.sql takes too long to load" in p.message for p in problems), problems
    assert time.monotonic() - started < 30


def test_imported_benchmarks_are_not_bundled(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A benchmark imported into servers/ from the user's checkout is built locally, so it is not a bundled one."""
    from autoforge.servers import locate

    for name, backend in (("library-loans", None), ("tau2-retail", "import")):
        shutil.copytree(bundled_path("library-loans"), tmp_path / name)
        if backend:
            spec = json.loads((tmp_path / name / "env.json").read_text())
            spec["provenance"]["backend"] = backend
            (tmp_path / name / "env.json").write_text(json.dumps(spec))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "env.json").write_text("{not json")
    monkeypatch.setattr(locate, "BUNDLED_DIR", tmp_path)
    assert [p.name for p in locate.bundled_environments()] == ["broken", "library-loans"]


def test_a_task_whose_initial_state_cannot_apply_is_reported(tmp_path: Path) -> None:
    """An initial state that updates a row the seed lacks would fail every reset of its task: validate says so."""
    folder = tmp_path / "library-loans"
    shutil.copytree(bundled_path("library-loans"), folder)
    lines = (folder / "tasks.jsonl").read_text().splitlines()
    task = json.loads(lines[0])
    task["initial_state"] = {"changes": [{"table": "members", "op": "update", "key": "NOPE", "values": {"phone": "1"}}]}
    lines[0] = json.dumps(task)
    (folder / "tasks.jsonl").write_text("\n".join(lines) + "\n")
    problems = validate_folder(folder)
    assert [p.location for p in problems] == [f"tasks.jsonl:1 ({task['id']}): initial_state"], problems


def test_a_number_no_spec_uses_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """A bound of thousands of digits, NaN or Infinity in env.json, nesting past what a parser can read, and a task
    value no SQLite integer holds are each reported as a problem of their file, not a crash."""
    for number in ("9" * 5000, "NaN", "Infinity", "1e999"):  # 1e999 reads as infinity
        folder = tmp_path / number[:8] / "library-loans"
        shutil.copytree(bundled_path("library-loans"), folder)
        text = (folder / "env.json").read_text()
        (folder / "env.json").write_text(
            text.replace('"type": "INTEGER"', f'"type": "INTEGER", "minimum": {number}', 1)
        )
        problems = validate_folder(folder)
        assert problems and all(p.location.startswith("env.json") for p in problems), (number[:8], problems)
    folder = tmp_path / "deep" / "library-loans"
    shutil.copytree(bundled_path("library-loans"), folder)
    (folder / "env.json").write_text("[" * 100_000 + "]" * 100_000)
    assert [p.message for p in validate_folder(folder)] == ["nesting too deep"]
    folder = tmp_path / "wide" / "library-loans"
    shutil.copytree(bundled_path("library-loans"), folder)
    lines = (folder / "tasks.jsonl").read_text().splitlines()
    task = json.loads(lines[0])
    task["initial_state"] = {
        "changes": [{"table": "members", "op": "update", "key": "M-1", "values": {"phone": 10**20}}]
    }
    (folder / "tasks.jsonl").write_text("\n".join([json.dumps(task), *lines[1:]]) + "\n")
    assert [p.message for p in validate_folder(folder)] == [
        "Value error, 100000000000000000000 is past the integers SQLite stores (64 bits)"
    ]


def test_code_beside_the_tools_that_mcp_run_would_run_is_reported(tmp_path: Path) -> None:
    """A server.py that is not AutoForge's launcher, or a module beside it (which its import could pick up), is
    code outside the sandbox: validate names each."""
    folder = tmp_path / "library-loans"
    shutil.copytree(bundled_path("library-loans"), folder)
    (folder / "server.py").write_text("import os\n")
    (folder / "pathlib.py").write_text("import os\n")
    assert {p.location for p in validate_folder(folder)} == {"server.py (not the launcher)", "pathlib.py"}
