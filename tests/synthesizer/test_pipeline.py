"""The pipeline end to end: a verified folder, reproducible bytes, resumable stages, clear refusals."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from autoforge.servers import CallNode, Solution, SynthesisError, Task, load_environment, validate_folder
from autoforge.servers.environment import SERVER_PY
from autoforge.synthesizer import STAGES, Event, SynthOptions, SynthResult, synthesize
from autoforge.synthesizer.leeway import FIRST_USE_BATCH, FIRST_USE_CALLS, Leeway
from autoforge.synthesizer.pipeline import _select
from autoforge.synthesizer.writer import SYNTH_FILES

from ..conftest import default_sigint
from .conftest import SMALL_API, write

AUTOFORGE = str(Path(sys.executable).with_name("autoforge"))
FAST = SynthOptions(tasks=10, min_calls=2)


def files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in SYNTH_FILES}


def test_synthesis_writes_a_valid_verified_environment(small_env: SynthResult) -> None:
    """The folder validates, loads, holds the tasks asked for and the three-line server.py."""
    assert validate_folder(small_env.path) == []
    environment = load_environment(small_env.path)
    assert len(environment.tasks) == 20
    assert (small_env.path / "server.py").read_text() == SERVER_PY
    assert environment.spec.provenance.backend == "offline" and environment.spec.provenance.seed == 0
    for task in environment.tasks.values():
        assert task.expected.changes or task.expected.facts
        assert task.difficulty.calls == len(task.solution.calls) >= 2
    assert set(small_env.seconds) == {*STAGES, "write"}


async def test_same_input_and_seed_give_the_same_bytes(small_api: Path, tmp_path: Path) -> None:
    """Two runs with separate work folders write byte-identical files; another seed writes other tasks."""
    first = await synthesize(small_api, tmp_path / "a" / "shop", FAST, work_dir=tmp_path / "w1")
    second = await synthesize(small_api, tmp_path / "b" / "shop", FAST, work_dir=tmp_path / "w2")
    assert files(first.path) == files(second.path)
    other = await synthesize(
        small_api, tmp_path / "c" / "shop", FAST.model_copy(update={"seed": 1}), work_dir=tmp_path / "w3"
    )
    assert files(other.path)["tasks.jsonl"] != files(first.path)["tasks.jsonl"]


async def test_an_interrupted_run_resumes_from_its_checkpoints(small_api: Path, tmp_path: Path) -> None:
    """Stopping at the task stage and running again reuses the finished stages and gives the same folder."""

    def stop(event: Event) -> None:
        if event.stage == "tasks" and event.message == "started":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        await synthesize(small_api, tmp_path / "out" / "shop", FAST, work_dir=tmp_path / "work", on_event=stop)
    assert not (tmp_path / "out" / "shop").exists()
    resumed = await synthesize(small_api, tmp_path / "out" / "shop", FAST, work_dir=tmp_path / "work")
    assert resumed.resumed == ["parse", "schema", "seed", "tools", "graph"]
    fresh = await synthesize(small_api, tmp_path / "fresh" / "shop", FAST, work_dir=tmp_path / "other")
    assert files(resumed.path) == files(fresh.path)


async def test_a_batch_made_while_an_interrupt_was_pending_is_never_kept(tmp_path: Path) -> None:
    """The listener hears of each batch before it is saved: a Ctrl-C whose exception something swallowed while the
    batch was made (it may have cut a call short) stops the run there, and a rerun makes that batch afresh."""

    def listener(event: Event) -> None:
        if event.message == "checked batch 2":
            raise KeyboardInterrupt

    source = write(tmp_path, "shop.yaml", SMALL_API)
    options = SynthOptions(tasks=90, min_calls=2)
    with pytest.raises(KeyboardInterrupt):
        await synthesize(source, tmp_path / "out" / "shop", options, work_dir=tmp_path / "work", on_event=listener)
    saved = sorted(p.name for p in (tmp_path / "work").glob("*/batches/*.json"))
    assert saved == ["0000.json"]


def test_sigint_mid_task_stage_then_rerun_equals_an_uninterrupted_run(tmp_path: Path, run_until) -> None:
    """SIGINT after the first task batch is saved exits 130; the rerun resumes from the batch and matches."""
    source = write(tmp_path, "shop.yaml", SMALL_API)
    args = ["synth", str(source), "--tasks", "90", "--min-calls", "2"]
    env = {**os.environ, "AUTOFORGE_WORK_DIR": str(tmp_path / "work")}
    process = subprocess.Popen(
        [AUTOFORGE, *args, "--out", str(tmp_path / "out" / "shop")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,  # noqa: PLW1509 - a background job ignores SIGINT, and children inherit that
    )
    run_until(process, lambda: bool(list((tmp_path / "work").glob("*/batches/0000.json"))))
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGCONT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr.decode()[-400:]
    assert not (tmp_path / "out" / "shop").exists()
    rerun = subprocess.run(
        [AUTOFORGE, *args, "--out", str(tmp_path / "out" / "shop")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr[-600:]
    assert "resumed" in rerun.stderr
    fresh_env = {**os.environ, "AUTOFORGE_WORK_DIR": str(tmp_path / "fresh-work")}
    fresh = subprocess.run(
        [AUTOFORGE, *args, "--out", str(tmp_path / "fresh" / "shop")],
        env=fresh_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fresh.returncode == 0, fresh.stderr[-600:]
    assert files(tmp_path / "out" / "shop") == files(tmp_path / "fresh" / "shop")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.yaml", "", "is empty"),
        (
            "broken.yaml",
            "openapi: 3.0.0\npaths: {/a: {get: {responses: {'200': {$ref: '#/nowhere'}}}}}\n",
            "broken \\$ref",
        ),
        ("notools.json", json.dumps({"tools": [{"name": "only_name"}]}), "no input schema"),
        (
            "chat.md",
            "# Shop\n\nYou can ask the shop about your orders and it will answer.\n",
            "in no shape the offline backend reads",
        ),
        (
            "multiplexed.json",
            json.dumps(
                [
                    {
                        "name": "notes",
                        "description": "d",
                        "inputSchema": {
                            "type": "object",
                            "properties": {"operation": {"type": "string", "enum": ["a", "b"]}},
                        },
                    }
                ]
            ),
            "could be turned into a tool",
        ),
    ],
)
def test_bad_input_exits_2_with_a_reason_and_writes_nothing(tmp_path: Path, name: str, text: str, message: str) -> None:
    """The CLI prints one clear error (no traceback), exits 2 and leaves no folder behind."""
    source = write(tmp_path, name, text)
    out = tmp_path / "out" / "bad"
    result = subprocess.run(
        [AUTOFORGE, "synth", str(source), "--out", str(out), "--work-dir", str(tmp_path / "w")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert re.search(message, " ".join(result.stderr.split())), result.stderr


async def test_zero_verified_tasks_is_an_error_with_the_reason(tmp_path: Path) -> None:
    """Tools that never chain into tasks long enough are refused, naming --min-calls as the way out."""
    source = write(tmp_path, "shop.yaml", SMALL_API)
    with pytest.raises(SynthesisError, match="no task passed the checks.*--min-calls") as error:
        await synthesize(
            source,
            tmp_path / "out" / "shop",
            SynthOptions(tasks=5, min_calls=30, max_calls=40),
            work_dir=tmp_path / "w",
        )
    assert error.value.exit_code == 2
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


TINY_API = [
    {
        "name": "list_lamps",
        "description": "All lamps.",
        "inputSchema": {"type": "object", "properties": {}},
        "outputSchema": {
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "lamp_id": {"type": "string"},
                            "name": {"type": "string"},
                            "status": {"type": "string", "enum": ["active", "archived"]},
                        },
                    },
                }
            },
        },
    },
    {
        "name": "archive_lamp",
        "description": "Archive a lamp.",
        "inputSchema": {"type": "object", "properties": {"lamp_id": {"type": "string"}}, "required": ["lamp_id"]},
    },
]


async def test_fewer_tasks_than_asked_is_a_note_not_an_error(tmp_path: Path) -> None:
    """When the tools cannot give N distinct tasks, the run writes what passed and says how many."""
    source = write(tmp_path, "lamps.json", json.dumps(TINY_API))
    options = SynthOptions(tasks=60, max_intents=1, rows=8)
    result = await synthesize(source, tmp_path / "out" / "lamps", options, work_dir=tmp_path / "w")
    assert 10 <= len(result.tasks) < 60
    assert any("of the 60 tasks asked for" in note for note in result.notes)


async def test_an_existing_environment_is_replaced_and_its_extra_files_kept(small_api: Path, tmp_path: Path) -> None:
    """A rerun swaps the synthesized files, keeps files others added, and writes a fresh card and manifest."""
    out = tmp_path / "shop"
    out.mkdir()
    (out / "env.json").write_text("{}")
    (out / "NOTES.txt").write_text("mine")
    (out / "README.md").write_text("stale card")
    await synthesize(small_api, out, FAST, work_dir=tmp_path / "w")
    assert (out / "NOTES.txt").read_text() == "mine"
    assert json.loads((out / "env.json").read_text())["name"] == "shop"
    assert (out / "README.md").read_text().startswith("# shop")
    assert json.loads((out / "server.json").read_text())["name"].endswith("shop")


async def test_a_folder_that_is_not_an_environment_is_never_overwritten(small_api: Path, tmp_path: Path) -> None:
    """Pointing --out at an unrelated folder is refused before anything is written."""
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_text("x")
    with pytest.raises(SynthesisError, match="not an environment folder"):
        await synthesize(small_api, out, FAST, work_dir=tmp_path / "w")
    assert [p.name for p in out.iterdir()] == ["holiday.jpg"]


async def test_the_folder_name_must_be_an_environment_name(small_api: Path, tmp_path: Path) -> None:
    """--out names the environment; a name with capitals or spaces is refused with an example."""
    with pytest.raises(SynthesisError, match="cannot name an environment"):
        await synthesize(small_api, tmp_path / "My Shop", FAST, work_dir=tmp_path / "w")


def test_the_checkpoint_key_covers_input_options_seed_and_backend() -> None:
    """Changing the input hash, the seed, a knob or the backend changes the work folder."""
    base = SynthOptions()
    keys = {
        base.key("a" * 64),
        base.key("b" * 64),
        base.model_copy(update={"seed": 1}).key("a" * 64),
        base.model_copy(update={"min_calls": 5}).key("a" * 64),
        base.model_copy(update={"backend": "openai"}).key("a" * 64),
    }
    assert len(keys) == 5


def test_refusals_never_pass_a_quarter_of_the_kept_tasks() -> None:
    """With the others short, more refusals fill the gap only up to a quarter of what is kept (or up to the 10
    tasks an environment needs); with enough others, the quota holds and every slot is filled."""

    def made(count: int, refusal: bool) -> list[Task]:
        return [Task(id=f"{refusal}-{i}", instruction="x", solution=Solution(nodes=()), refusal=refusal)
                for i in range(count)]  # fmt: skip

    short = _select([*made(12, False), *made(30, True)], total=40, quota=6, writing=set())
    assert (sum(not t.refusal for t in short), sum(t.refusal for t in short)) == (12, 4)
    plenty = _select([*made(60, False), *made(30, True)], total=40, quota=6, writing=set())
    assert (sum(not t.refusal for t in plenty), sum(t.refusal for t in plenty)) == (34, 6)
    few = _select(
        [*made(7, False), *made(30, True)], total=40, quota=6, writing=set()
    )  # a quarter would leave 9 tasks: 10 kept
    assert (sum(not t.refusal for t in few), sum(t.refusal for t in few)) == (7, 3)


def test_a_later_task_giving_a_writing_tool_its_only_use_replaces_one_whose_tools_others_call() -> None:
    """Selection keeps the count; a task made past it that calls an uncovered writing tool takes the place of the
    last kept task whose writing tools another kept task calls too, and sequences of refusals vary first."""

    def task(name: str, *tools: str, refusal: bool = False) -> Task:
        nodes = tuple(CallNode(id=f"c{i}", tool=tool, arguments={}) for i, tool in enumerate(tools))
        return Task(id=name, instruction="x", solution=Solution(nodes=nodes), refusal=refusal)

    made = [task("a", "add"), task("b", "add", "edit"), task("c", "edit"), task("d", "remove"), task("e", "add")]
    kept = _select(made, total=3, quota=0, writing={"add", "edit", "remove"})
    assert [t.id for t in kept] == ["a", "b", "d"]  # c (edit, also in b) made way for d, the only remove
    refusals = [task(f"r{i}", "list", refusal=True) for i in range(3)] + [task("r3", "get", refusal=True)]
    kept = _select([*made[:2], *refusals], total=4, quota=2, writing={"add", "edit"})
    assert [t.id for t in kept if t.refusal] == ["r0", "r3"]


def test_a_tools_first_use_may_be_short_only_later_and_never_under_a_fixed_floor() -> None:
    """Early batches keep the floor; from FIRST_USE_BATCH on, a task giving a writing tool its first use may have
    FIRST_USE_CALLS calls, unless the user fixed --min-calls."""
    adapting, fixed = Leeway(SynthOptions()), Leeway(SynthOptions(min_calls=3))
    assert adapting.first_use(FIRST_USE_BATCH - 1) == adapting.floor > FIRST_USE_CALLS
    assert adapting.first_use(FIRST_USE_BATCH) == FIRST_USE_CALLS
    assert fixed.first_use(FIRST_USE_BATCH + 5) == 3


ORGANISATIONS = """
openapi: 3.0.3
info: {title: Orgs, version: "1"}
paths:
  /organizations:
    get:
      operationId: listOrganizations
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Organization"}}
  /organizations/{id}:
    put:
      operationId: updateOrganization
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [name, firstname, lastname, email, language]
              properties:
                name: {type: string}
                firstname: {type: string}
                lastname: {type: string}
                email: {type: string}
                language: {type: string, enum: [en, de, fr]}
      responses: {"200": {description: ok}}
components:
  schemas:
    Organization:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        firstname: {type: string}
        lastname: {type: string}
        email: {type: string}
        language: {type: string, enum: [en, de, fr]}
"""


def test_the_same_document_gives_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    """A PUT that needs five fields restated is written with its arguments in one order: two runs under different
    PYTHONHASHSEEDs give the same tasks, byte for byte (the order once followed a set's, and the hash with it)."""
    source = write(tmp_path, "orgs.yaml", ORGANISATIONS)
    written = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "AUTOFORGE_WORK_DIR": str(tmp_path / f"work-{seed}")}
        out = tmp_path / f"run-{seed}" / "orgs"
        done = subprocess.run([AUTOFORGE, "synth", str(source), "--tasks", "20", "--out", str(out)], env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr[-600:]
        written.append((out / "tasks.jsonl").read_bytes())
    assert written[0] == written[1]
    assert b'"tool": "updateOrganization"' in written[0]
