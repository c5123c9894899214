"""Shapes real tool documents use, each on a small document written for it: the environment verifies (every task's
oracle replays to 1.0 over MCP) and its tools behave as the shape says."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from autoforge.servers import (
    EnvServer,
    EpisodeStore,
    ReasoningNode,
    SynthesisError,
    ToolError,
    call_tool,
    close_episode,
    load_environment,
    reset_episode,
)
from autoforge.servers.quality import quality
from autoforge.servers.tables import create_schema
from autoforge.synthesizer import SynthOptions, SynthResult, synthesize
from autoforge.synthesizer.schema import infer_blueprint
from autoforge.synthesizer.sources import parse_structured, read_source
from mcp import Client

from .conftest import built, write

OPTIONS = SynthOptions(tasks=12, rows=8)

SOCIAL = """
openapi: 3.0.3
info: {title: Birdhouse, version: 1.0.0, description: A small social network of accounts and posts.}
paths:
  /accounts:
    get:
      operationId: listAccounts
      parameters: [{name: username, in: query, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Account'}}}}}
  /accounts/{id}/follow:
    post:
      operationId: followAccount
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /accounts/{id}/unfollow:
    post:
      operationId: unfollowAccount
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /posts:
    get:
      operationId: listPosts
      parameters: [{name: account_id, in: query, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Post'}}}}}
  /posts/{id}/favourite:
    post:
      operationId: favouritePost
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /posts/{id}/unfavourite:
    post:
      operationId: unfavouritePost
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
components:
  schemas:
    Account:
      type: object
      properties: {id: {type: string}, username: {type: string}, display_name: {type: string}}
    Post:
      type: object
      properties: {id: {type: string}, account_id: {type: string}, title: {type: string}, created_at: {type: string, format: date-time}}
"""

_CHORE = {"chore_id": {"type": "string"}, "title": {"type": "string"}, "room": {"type": "string"},
          "minutes": {"type": "integer", "minimum": 5, "maximum": 240},
          "status": {"type": "string", "enum": ["todo", "done"]}}  # fmt: skip
CHORES = [
    {"name": "list_chores", "description": "List chores, optionally by room.",
     "inputSchema": {"type": "object", "properties": {"room": {"type": "string"}}},
     "outputSchema": {"type": "object", "properties": {"items": {"type": "array", "items": {
         "type": "object", "properties": _CHORE}}}}},
    {"name": "update_chore", "description": "Change a chore's title or minutes.",
     "inputSchema": {"type": "object", "required": ["chore_id"], "properties": {
         "chore_id": {"type": "string"}, "title": {"type": "string"}, "minutes": _CHORE["minutes"]}}},
    {"name": "complete_chore", "description": "Mark a chore done.",
     "inputSchema": {"type": "object", "properties": {"chore_id": {"type": "string"}}, "required": ["chore_id"]}},
    {"name": "create_chores", "description": "Add several chores at once.",
     "inputSchema": {"type": "object", "required": ["chores"], "properties": {"chores": {"type": "array", "items": {
         "type": "object", "required": ["title", "room"],
         "properties": {"title": {"type": "string"}, "room": {"type": "string"}, "minutes": _CHORE["minutes"]}}}}}},
    {"name": "delete_chores", "description": "Remove several chores at once.",
     "inputSchema": {"type": "object", "required": ["chore_ids"],
                     "properties": {"chore_ids": {"type": "array", "items": {"type": "string"}}}}},
]  # fmt: skip

_NAMED = {"type": "object", "properties": {"project_name": {"type": "string"}}, "required": ["project_name"]}
PROJECTS = [
    {"name": "list_projects", "description": "List projects.",
     "inputSchema": {"type": "object", "properties": {"owner": {"type": "string"}}},
     "outputSchema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object",
         "properties": {"project_id": {"type": "string"}, "name": {"type": "string"}, "owner": {"type": "string"},
                        "due_date": {"type": "string", "format": "date"},
                        "status": {"type": "string", "enum": ["active", "archived"]}}}}}}},
    {"name": "create_project", "description": "Start a project.",
     "inputSchema": {"type": "object", "required": ["name", "owner"],
                     "properties": {"name": {"type": "string"}, "owner": {"type": "string"}}}},
    {"name": "rename_project", "description": "Give the project with this name a new name.",
     "inputSchema": {"type": "object", "required": ["project_name", "new_name"],
                     "properties": {"project_name": {"type": "string"}, "new_name": {"type": "string"}}}},
    {"name": "delete_project", "description": "Delete the project with this name.", "inputSchema": _NAMED},
    {"name": "archive_project", "description": "Archive the project with this name.", "inputSchema": _NAMED},
]  # fmt: skip


ACTIONS = """openapi: 3.0.3
info: {title: Tracker API, version: 1.0.0, description: Issues of a small team and the books of its shelf.}
paths:
  /issues:
    get:
      operationId: listIssues
      summary: List issues
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Issue'}}}}}
    post:
      operationId: createIssue
      summary: Open an issue
      requestBody: {content: {application/json: {schema: {type: object, required: [title], properties: {title: {type: string}, body: {type: string}}}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Issue'}}}}
  /issues/{issueId}:
    get:
      operationId: getIssue
      parameters: [{name: issueId, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Issue'}}}}
  /issues/{issueId}/close:
    post:
      operationId: closeIssue
      summary: Close an open issue. Only an open issue can be closed.
      parameters: [{name: issueId, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Issue'}}}}
  /issues/{issueId}/reopen:
    post:
      operationId: reopenIssue
      summary: Reopen a closed issue.
      parameters: [{name: issueId, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Issue'}}}}
  /v1/books:
    get:
      operationId: ListBooks
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Book'}}}}}
  /v1/books/{bookId}:borrow:
    post:
      operationId: BorrowBook
      summary: Borrow an available book.
      parameters: [{name: bookId, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Book'}}}}
  /v1/books/{bookId}:return:
    post:
      operationId: ReturnBook
      summary: Return a borrowed book.
      parameters: [{name: bookId, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Book'}}}}
components:
  schemas:
    Issue:
      type: object
      properties:
        id: {type: integer}
        title: {type: string}
        body: {type: string}
        state: {type: string, enum: [open, closed]}
    Book:
      type: object
      properties:
        id: {type: string}
        title: {type: string}
        author: {type: string}
        status: {type: string, enum: [available, borrowed]}
"""


CATALOG = """openapi: 3.0.3
info: {title: Plant Catalog API, version: 1.0.0, description: A nursery's catalogue of plants, read only.}
paths:
  /plants:
    get:
      operationId: listPlants
      summary: List plants, optionally by light need
      parameters: [{name: light, in: query, schema: {type: string, enum: [sun, shade, partial]}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Plant'}}}}}
  /plants/{plantId}:
    get:
      operationId: getPlant
      parameters: [{name: plantId, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Plant'}}}}
  /suppliers:
    get:
      operationId: listSuppliers
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Supplier'}}}}}
components:
  schemas:
    Plant:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
        light: {type: string, enum: [sun, shade, partial]}
        height_cm: {type: integer, minimum: 5, maximum: 400}
        price: {type: number}
        supplier_id: {type: integer}
    Supplier:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
        city: {type: string}
"""


DEVICE = [
    {"name": "setHeadlights", "description": "Turn the headlights on or off.",
     "parameters": {"type": "object", "required": ["mode"], "properties": {
         "mode": {"type": "string", "description": 'The mode of the headlights. [Enum]: ["on", "off", "auto"]'}}}},
    {"name": "activateParkingBrake", "description": "Engage or release the parking brake.",
     "parameters": {"type": "object", "required": ["mode"], "properties": {
         "mode": {"type": "string", "description": "What to do: one of `engage` or `release`."}}}},
    {"name": "adjustClimateControl", "description": "Set the cabin temperature.",
     "parameters": {"type": "object", "required": ["temperature"], "properties": {
         "temperature": {"type": "float", "description": "Degrees Celsius."},
         "fanSpeed": {"type": "integer", "minimum": 0, "maximum": 100}}}},
]  # fmt: skip
"""A device's settings, one of each and no ids (BFCL style: Python type names, enums in the description)."""


PLAYER = """{"tools": [
 {"name": "get_playback", "description": "Get the current playback state of the player.", "inputSchema": {"type": "object", "properties": {}},
  "outputSchema": {"type": "object", "properties": {"status": {"type": "string", "enum": ["playing", "paused"]}, "volume_percent": {"type": "integer", "minimum": 0, "maximum": 100}, "shuffle": {"type": "boolean"}, "track": {"type": "string"}}}},
 {"name": "pause_playback", "description": "Pause playback on the player.", "inputSchema": {"type": "object", "properties": {}}},
 {"name": "resume_playback", "description": "Resume playback on the player.", "inputSchema": {"type": "object", "properties": {}}},
 {"name": "set_playback_volume", "description": "Set the volume of the player.", "inputSchema": {"type": "object", "required": ["volume_percent"], "properties": {"volume_percent": {"type": "integer", "minimum": 0, "maximum": 100}}}},
 {"name": "set_playback_shuffle", "description": "Turn shuffle on or off.", "inputSchema": {"type": "object", "required": ["shuffle"], "properties": {"shuffle": {"type": "boolean"}}}},
 {"name": "list_playlists", "description": "List the user's playlists.", "inputSchema": {"type": "object", "properties": {}},
  "outputSchema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "tracks": {"type": "integer"}}}}}}},
 {"name": "rename_playlist", "description": "Rename a playlist.", "inputSchema": {"type": "object", "required": ["playlist_id", "name"], "properties": {"playlist_id": {"type": "string"}, "name": {"type": "string"}}}}
]}
"""
"""A music player: its playback is one row that a keyless get shows and keyless actions and setters change."""


async def _synthesized(tmp_path: Path, name: str, text: str, options: SynthOptions = OPTIONS) -> SynthResult:
    source = write(tmp_path, name, text)
    folder = name.split(".")[0]
    result = await synthesize(source, tmp_path / "out" / folder, options, work_dir=tmp_path / "work")
    assert not [reason for reason in result.rejected if reason.startswith("internal error")]
    return result


async def _call(client: Client, episode: str, tool: str, arguments: dict[str, Any]) -> tuple[bool, Any]:
    """(whether the tool refused, its error text or its output)."""
    result = await call_tool(client, episode, tool, arguments)
    text = result.content[0].text if result.content else ""
    if result.is_error:
        return True, text
    output = result.structured_content if result.structured_content is not None else json.loads(text)
    return False, output.get("result", output) if isinstance(output, dict) and set(output) == {"result"} else output


async def test_a_toggle_writes_a_relation_row_and_switches_it_on_and_off(tmp_path: Path) -> None:
    """follow/unfollow and favourite/unfavourite verify; following twice or unfollowing what is not followed is
    refused, and unfollowing makes the account followable again."""
    result = await _synthesized(tmp_path, "social.yaml", SOCIAL)
    assert {"account_follows", "post_favourites"} <= {t.name for t in result.spec.tables}
    assert any(c.tool == "unfollowAccount" for t in result.tasks for c in t.solution.calls)
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        accounts = (await _call(client, episode, "listAccounts", {}))[1]
        outcomes = {}
        for account in accounts:
            refused, _ = await _call(client, episode, "followAccount", {"id": account["id"]})
            outcomes[account["id"]] = refused
        assert True in outcomes.values() and False in outcomes.values()  # the seed follows some accounts, not all
        account = next(a for a, already in outcomes.items() if not already)
        refused, message = await _call(client, episode, "followAccount", {"id": account})
        assert refused and "already" in message
        assert not (await _call(client, episode, "unfollowAccount", {"id": account}))[0]
        refused, message = await _call(client, episode, "unfollowAccount", {"id": account})
        assert refused and account in message
        assert not (await _call(client, episode, "followAccount", {"id": account}))[0]
        await close_episode(client, episode)


async def test_a_batch_writes_many_rows_all_or_none(tmp_path: Path) -> None:
    """create_chores adds every item, or none when one item breaks a rule; delete_chores removes every key, or
    none when one names no chore (the first was already removed inside the call, and comes back)."""
    result = await _synthesized(tmp_path, "chores.tools.json", json.dumps({"tools": CHORES}))
    plans = {t.name: t for t in result.spec.tools}
    assert plans["create_chores"].writes and plans["delete_chores"].writes
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        before = len((await _call(client, episode, "list_chores", {}))[1])
        good = {"title": "Water the ferns", "room": "Porch", "minutes": 10}
        refused, message = await _call(client, episode, "create_chores", {"chores": [good, {**good, "minutes": 999}]})
        assert refused and "minutes" in message
        assert len((await _call(client, episode, "list_chores", {}))[1]) == before
        refused, made = await _call(client, episode, "create_chores", {"chores": [good, {**good, "title": "Sweep"}]})
        assert not refused and len(made["created"]) == 2
        listed = (await _call(client, episode, "list_chores", {}))[1]
        assert len(listed) == before + 2
        keys = [row["chore_id"] for row in made["created"]]
        refused, message = await _call(client, episode, "delete_chores", {"chore_ids": [keys[0], "NO-SUCH-CHORE"]})
        assert refused and "No chores were removed" in message
        assert len((await _call(client, episode, "list_chores", {}))[1]) == before + 2
        assert not (await _call(client, episode, "delete_chores", {"chore_ids": keys}))[0]
        assert len((await _call(client, episode, "list_chores", {}))[1]) == before
        await close_episode(client, episode)


async def test_a_name_lookup_finds_one_row_and_refuses_none_or_several(tmp_path: Path) -> None:
    """delete_project(project_name) and the like query by name: one match acts on it; no match and several
    matches are clear tool errors that change nothing."""
    result = await _synthesized(tmp_path, "projects.tools.json", json.dumps({"tools": PROJECTS}))
    assert any(c.tool in ("delete_project", "archive_project") for t in result.tasks for c in t.solution.calls)
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        refused, message = await _call(client, episode, "archive_project", {"project_name": "No Such Project"})
        assert refused and "No project has the name 'No Such Project'" in message and "list_projects" in message
        for owner in ("Ann", "Bob"):
            await _call(client, episode, "create_project", {"name": "Twin Peaks", "owner": owner})
        before = (await _call(client, episode, "list_projects", {}))[1]
        refused, message = await _call(client, episode, "delete_project", {"project_name": "twin  peaks"})
        assert refused and "2 projects have the name" in message
        assert (await _call(client, episode, "list_projects", {}))[1] == before
        refused, message = await _call(
            client, episode, "rename_project", {"project_name": "Twin Peaks", "new_name": "x"}
        )
        assert refused and "rename one of them first" in message
        unique = next(p["name"] for p in before if sum(q["name"] == p["name"] for q in before) == 1)
        assert not (await _call(client, episode, "archive_project", {"project_name": unique}))[0]
        after = {p["name"]: p["status"] for p in (await _call(client, episode, "list_projects", {}))[1]}
        assert after[unique] == "archived"
        await close_episode(client, episode)


async def test_one_unmodellable_operation_never_sinks_a_document(tmp_path: Path) -> None:
    """A tool whose meaning cannot be told is left out with its reason; the rest still make an environment."""
    tools = [*PROJECTS, {"name": "frobnicate", "description": "Does something.", "inputSchema": {"type": "object"}}]
    result = await _synthesized(tmp_path, "projects.tools.json", json.dumps({"tools": tools}))
    assert "frobnicate" not in {t.name for t in result.spec.tools}
    assert any(n.startswith("left out frobnicate: cannot tell what") for n in result.notes)
    assert len(result.tasks) >= 10


async def test_a_small_api_gets_short_tasks_and_a_tiny_one_is_refused_saying_why(tmp_path: Path) -> None:
    """Task length adapts (a two-tool API gets one- and two-call tasks); fewer than ten verified tasks is an exit-2
    refusal that names the reason."""
    result = await _synthesized(tmp_path, "projects.tools.json", json.dumps({"tools": PROJECTS}))
    assert min(len(t.solution.calls) for t in result.tasks) <= 2
    tiny = json.dumps({"tools": [PROJECTS[3]]})  # one delete, four rows: four tasks at most
    with pytest.raises(SynthesisError, match=r"passed the checks \(an environment needs 10\)") as error:
        await _synthesized(tmp_path, "tiny.tools.json", tiny, OPTIONS.model_copy(update={"rows": 4}))
    assert error.value.exit_code == 2


async def test_reads_with_no_documented_result_are_refused_saying_so(tmp_path: Path) -> None:
    """`get_outages(region)` with no output schema has nothing in its records to report: exit 2 names that."""
    tools = [
        {"name": "get_outages", "description": "Get power outages for a region.",
         "inputSchema": {"type": "object", "required": ["region"], "properties": {"region": {"type": "string"}}}},
        {"name": "get_readings", "description": "Get meter readings near a place.",
         "inputSchema": {"type": "object", "required": ["latitude", "longitude"],
                         "properties": {"latitude": {"type": "number"}, "longitude": {"type": "number"}}}},
    ]  # fmt: skip
    with pytest.raises(
        SynthesisError, match=r"2 of its 2 records have no field besides .*no results to report"
    ) as error:
        await _synthesized(tmp_path, "grid.tools.json", json.dumps({"tools": tools}))
    assert error.value.exit_code == 2


MEMORY = [
    {"name": "create_entities", "description": "Create multiple new entities in the knowledge graph",
     "inputSchema": {"type": "object", "required": ["entities"], "properties": {"entities": {"type": "array", "items": {
         "type": "object", "required": ["name", "entityType"],
         "properties": {"name": {"type": "string"}, "entityType": {"type": "string"}}}}}}},
    {"name": "delete_entities", "description": "Delete multiple entities from the knowledge graph",
     "inputSchema": {"type": "object", "required": ["entityNames"],
                     "properties": {"entityNames": {"type": "array", "items": {"type": "string"}}}}},
]  # fmt: skip


async def test_a_batch_delete_by_names_looks_each_name_up(tmp_path: Path) -> None:
    """delete_entities(entityNames) finds each row by its name; a name that matches nothing undoes the whole call."""
    _, environment, _ = await built(write(tmp_path, "memory.tools.json", json.dumps({"tools": MEMORY})))
    store = EpisodeStore(environment.spec, environment.template, {})
    episode = store.fresh(None)
    tools = environment.tools
    made = tools["create_entities"].run(episode, {"entities": [{"name": "Ada", "entityType": "person"},
                                                                  {"name": "Bob", "entityType": "person"}]}).value  # fmt: skip
    assert [row["name"] for row in made["created"]] == ["Ada", "Bob"]
    count = episode.db.value('SELECT COUNT(*) FROM "entities"')
    with pytest.raises(ToolError, match="No entity has the name 'Nobody'.*No entities were removed"):
        tools["delete_entities"].run(episode, {"entityNames": ["Ada", "Nobody"]})
    assert episode.db.value('SELECT COUNT(*) FROM "entities"') == count
    assert tools["delete_entities"].run(episode, {"entityNames": ["ada", "Bob"]}).value["deleted"]
    assert episode.db.value('SELECT COUNT(*) FROM "entities"') == count - 2


async def test_custom_verbs_and_action_endpoints_are_state_transitions(tmp_path: Path) -> None:
    """`POST /books/{id}:borrow` and `/issues/{id}/close` move one row between the documented states: borrowing
    a borrowed book or closing a closed issue is refused and changes nothing, returning makes it available."""
    result = await _synthesized(tmp_path, "tracker.yaml", ACTIONS)
    assert {"BorrowBook", "ReturnBook", "closeIssue", "reopenIssue"} <= {t.name for t in result.spec.tools}
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        books = (await _call(client, episode, "ListBooks", {}))[1]
        book = next(b for b in books if b["status"] == "available")
        assert (await _call(client, episode, "BorrowBook", {"bookId": book["id"]}))[1]["status"] == "borrowed"
        refused, message = await _call(client, episode, "BorrowBook", {"bookId": book["id"]})
        assert refused and "already borrowed" in message
        assert (await _call(client, episode, "ReturnBook", {"bookId": book["id"]}))[1]["status"] == "available"
        issue = next(i for i in (await _call(client, episode, "listIssues", {}))[1] if i["state"] == "open")
        assert not (await _call(client, episode, "closeIssue", {"issueId": issue["id"]}))[0]
        refused, message = await _call(client, episode, "closeIssue", {"issueId": issue["id"]})
        assert refused and "already closed" in message
        await close_episode(client, episode)


async def test_a_read_only_api_gets_tasks_whose_answer_is_a_fact(tmp_path: Path) -> None:
    """Three reads and no write: every task asks for facts the reads show (a plant's price, a supplier's city),
    and questions answered by the same reads are different tasks when they ask different facts."""
    result = await _synthesized(tmp_path, "catalog.yaml", CATALOG, SynthOptions(tasks=20, rows=8))
    assert len(result.tasks) >= 10
    assert all(t.expected.facts and not t.expected.changes for t in result.tasks)
    reads = {t.name for t in result.spec.tools}
    assert all(c.tool in reads for t in result.tasks for c in t.solution.calls)
    asked = [tuple(c.tool for c in t.solution.calls) for t in result.tasks]
    assert len(set(asked)) < len(asked)  # the same reads, other facts


ROOMS = """openapi: 3.0.3
info: {title: Meeting Rooms API, version: 1.0.0, description: The meeting rooms of an office, read only.}
paths:
  /rooms:
    get:
      operationId: listRooms
      summary: List the meeting rooms
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Room'}}}}}
components:
  schemas:
    Room:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        capacity: {type: integer, minimum: 2, maximum: 12, description: Seats in the room}
"""


async def test_a_read_only_api_asks_for_small_counts_and_a_made_up_search_is_no_new_task(tmp_path: Path) -> None:
    """A one-list API whose only fact is a small count ('seats: 4') still gets ten tasks: a count the user asks
    for by its field is a clear answer. Each asks about another room: the same question is one task."""
    result = await _synthesized(tmp_path, "rooms.yaml", ROOMS, SynthOptions(tasks=10, rows=12))
    assert len(result.tasks) >= 10
    environment = load_environment(result.path)
    store = EpisodeStore(environment.spec, environment.template, {})
    rooms = {r["name"]: r["capacity"] for r in environment.tools["listRooms"].run(store.fresh(None), {}).value}
    questions = [t for t in result.tasks if "capacity" in t.instruction]
    assert len(questions) >= 5
    for task in questions:
        named = [n for n in rooms if f'"{n}"' in task.instruction]
        assert named and {str(rooms[n]) for n in named} <= set(task.expected.facts), task.instruction
    picked = [tuple(sorted(n.note for n in t.solution.nodes if n.kind == "reasoning")) for t in questions]
    assert len(set(picked)) == len(picked)  # no room is asked about twice


FOLDERS = [
    {"name": "mkdir", "description": "This tool belongs to the Workspace. Tool description: Create a new folder.",
     "inputSchema": {"type": "object", "required": ["folder_name"], "properties": {"folder_name": {"type": "string"}}}},
    {"name": "rmdir", "description": "This tool belongs to the Workspace. Tool description: Removes a folder.",
     "inputSchema": {"type": "object", "required": ["folder_name"], "properties": {"folder_name": {"type": "string"}}}},
    {"name": "ls", "description": "List every folder.",
     "inputSchema": {"type": "object", "properties": {}}},
    {"name": "mv", "description": "Move a folder from one place to another.",
     "inputSchema": {"type": "object", "required": ["source", "destination"],
                     "properties": {"source": {"type": "string"}, "destination": {"type": "string"}}}},
    {"name": "add", "description": "This tool belongs to the Workspace. Tool description: Add two numbers.",
     "inputSchema": {"type": "object", "required": ["a", "b"],
                     "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}},
]  # fmt: skip


async def test_a_tool_named_without_a_verb_takes_it_from_its_description_and_a_calculation_is_left_out(
    tmp_path: Path,
) -> None:
    """`mkdir` "Create a new folder" makes a folder, `rmdir` "Removes a folder" removes the one with that name (none
    or a missing name is refused); `add(a, b)` "Add two numbers" is a calculation, left out saying so; `mv`, which
    names no folder to move, is left out and its arguments are no fields of a folder."""
    result = await _synthesized(tmp_path, "workspace.tools.json", json.dumps({"tools": FOLDERS}))
    assert {t.name for t in result.spec.tools} == {"mkdir", "rmdir", "ls"}
    assert any(n.startswith("left out add:") and "calculation" in n for n in result.notes)
    assert any(n.startswith("left out mv:") and "no key argument" in n for n in result.notes)
    assert [c.name for t in result.spec.tables for c in t.columns if c.name in ("source", "destination")] == []
    assert {c.tool for t in result.tasks for c in t.solution.calls} >= {"mkdir", "rmdir"}
    environment = load_environment(result.path)
    episode = EpisodeStore(environment.spec, environment.template, {}).fresh(None)
    tools = environment.tools
    before = len(tools["ls"].run(episode, {}).value)
    tools["mkdir"].run(episode, {"folder_name": "Taxes 2026"})
    assert "Taxes 2026" in [r["folder_name"] for r in tools["ls"].run(episode, {}).value]
    tools["rmdir"].run(episode, {"folder_name": "Taxes 2026"})
    assert len(tools["ls"].run(episode, {}).value) == before
    with pytest.raises(ToolError, match="Taxes 2026"):
        tools["rmdir"].run(episode, {"folder_name": "Taxes 2026"})


TIMERS = [
    {"name": "start_timer", "description": "Start a new timer on a task.",
     "inputSchema": {"type": "object", "required": ["task_name"], "properties": {"task_name": {"type": "string"}}}},
    {"name": "list_timers", "description": "List the timers.", "inputSchema": {"type": "object", "properties": {}}},
    {"name": "stop_timer", "description": "Stop the running timer.",
     "inputSchema": {"type": "object", "properties": {}}},
]  # fmt: skip


async def test_a_keyless_stop_acts_on_the_one_running_record(tmp_path: Path) -> None:
    """`stop_timer()` takes no id: it stops the one timer still running (the seed has exactly one), refuses
    when none runs, and stops the next one started; tasks ask for it as 'the active timer'."""
    result = await _synthesized(tmp_path, "timers.tools.json", json.dumps({"tools": TIMERS}))
    stops = [t for t in result.tasks if any(c.tool == "stop_timer" for c in t.solution.calls)]
    assert stops and all("active timer" in t.instruction for t in stops)
    environment = load_environment(result.path)
    episode = EpisodeStore(environment.spec, environment.template, {}).fresh(None)
    tools = environment.tools
    running = [r for r in tools["list_timers"].run(episode, {}).value if r["status"] == "active"]
    assert len(running) == 1
    assert tools["stop_timer"].run(episode, {}).value["id"] == running[0]["id"]
    with pytest.raises(ToolError, match="No timer is active now"):
        tools["stop_timer"].run(episode, {})
    started = tools["start_timer"].run(episode, {"task_name": "Write the report"}).value
    assert tools["stop_timer"].run(episode, {}).value["id"] == started["id"]


async def test_keyless_setters_of_one_device_are_updates_of_its_one_row(tmp_path: Path) -> None:
    """setHeadlights(mode), activateParkingBrake(mode) and adjustClimateControl(temperature) take no id: each
    acts on its component's one row, the enum a description lists is enforced, and "float" is a number."""
    result = await _synthesized(tmp_path, "car.json", json.dumps(DEVICE), SynthOptions(tasks=15, rows=8))
    assert len(result.tasks) >= 10
    tools = {t.name: t for t in result.spec.tools}
    assert tools["setHeadlights"].input_schema["properties"]["mode"]["enum"] == ["on", "off", "auto"]
    assert tools["adjustClimateControl"].input_schema["properties"]["temperature"]["type"] == "number"
    assert {c.tool for t in result.tasks for c in t.solution.calls} >= {"setHeadlights", "activateParkingBrake"}
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        refused, message = await _call(client, episode, "setHeadlights", {"mode": "dazzle"})
        assert refused and "must be one of ['on', 'off', 'auto']" in message
        assert not (await _call(client, episode, "adjustClimateControl", {"temperature": 21.5}))[0]
        await close_episode(client, episode)


async def test_the_one_playback_of_a_player_is_read_paused_resumed_and_set_without_ids(tmp_path: Path) -> None:
    """get_playback() shows the one playback, pause_playback() and resume_playback() move it between the
    documented states (pausing a paused player is refused), and set_playback_volume(volume_percent) sets the
    playback's own volume rather than a 'playback volume' of its own."""
    result = await _synthesized(tmp_path, "player.tools.json", PLAYER, SynthOptions(tasks=15, rows=8))
    tables = {t.name for t in result.spec.tables}
    assert "playbacks" in tables and "playback_volumes" not in tables
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        if (await _call(client, episode, "get_playback", {}))[1]["status"] == "paused":
            assert not (await _call(client, episode, "resume_playback", {}))[0]
        assert (await _call(client, episode, "pause_playback", {}))[1]["status"] == "paused"
        refused, message = await _call(client, episode, "pause_playback", {})
        assert refused and "already paused" in message
        assert not (await _call(client, episode, "set_playback_volume", {"volume_percent": 40}))[0]
        playback = (await _call(client, episode, "get_playback", {}))[1]
        assert (playback["status"], playback["volume_percent"]) == ("paused", 40)
        await close_episode(client, episode)


def _functions(*tools: tuple[str, str, dict[str, Any], list[str]]) -> str:
    """An OpenAI function-calling document of (name, description, properties, required) tools."""
    return json.dumps([
        {"type": "function", "function": {"name": name, "description": description, "parameters": {
            "type": "object", "properties": properties, "required": required}}}
        for name, description, properties, required in tools
    ])  # fmt: skip


SUPPORT = _functions(
    ("get_order", "Show one order.", {"order_id": {"type": "string"}}, ["order_id"]),
    ("get_order_history", "A customer's past orders.", {"user_id": {"type": "string"}}, ["user_id"]),
    ("cancel_order", "Cancel an order that has not shipped.", {"order_id": {"type": "string"}}, ["order_id"]),
    ("create_refund", "Refund part of an order.",
     {"order_id": {"type": "string"}, "amount": {"type": "number"}, "reason": {"type": "string"}},
     ["order_id", "amount", "reason"]),
)  # fmt: skip


async def test_a_history_read_lists_the_records_it_names_the_history_of(tmp_path: Path) -> None:
    """get_order_history(user_id) lists orders filtered by their user, not rows of an `order_histories` table; a
    task finds the order it acts on through the user's history."""
    result = await _synthesized(tmp_path, "support.json", SUPPORT, SynthOptions(tasks=12, rows=8))
    tables = {t.name: {c.name for c in t.columns} for t in result.spec.tables}
    assert "order_histories" not in tables and "user_id" in tables["orders"]
    assert any(c.tool == "get_order_history" for t in result.tasks for c in t.solution.calls)
    environment = load_environment(result.path)
    (order_id,) = environment.template.execute("SELECT order_id FROM orders LIMIT 1").fetchone()
    async with Client(EnvServer(environment)) as client:
        episode = (await reset_episode(client)).episode_id
        order = (await _call(client, episode, "get_order", {"order_id": order_id}))[1]
        history = (await _call(client, episode, "get_order_history", {"user_id": order["user_id"]}))[1]
        assert order["order_id"] in {row["order_id"] for row in history}
        assert all(row["user_id"] == order["user_id"] for row in history)
        await close_episode(client, episode)


SHOP = _functions(
    ("list_orders", "List orders.", {"customer": {"type": "string"}}, []),
    ("get_order", "Show an order.", {"order_id": {"type": "string"}}, ["order_id"]),
    ("create_order", "Create an order.", {"customer": {"type": "string"}, "total": {"type": "number"}},
     ["customer", "total"]),
    ("update_order_status", "Change the status of an order.",
     {"order_id": {"type": "string"}, "status": {"type": "string", "enum": ["pending", "shipped"]}},
     ["order_id", "status"]),
    ("update_order_priority", "Update priority of order.",
     {"id": {"type": "string"}, "priority": {"type": "integer"}}, ["id", "priority"]),
)  # fmt: skip


async def test_an_update_named_for_one_field_sets_that_field_of_its_record(tmp_path: Path) -> None:
    """update_order_status(order_id, status) and update_order_priority(id, priority) set the order's own columns;
    they do not make tables of statuses and priorities keyed apart from the orders."""
    result = await _synthesized(tmp_path, "shop.json", SHOP, SynthOptions(tasks=12, rows=8))
    tables = {t.name: {c.name for c in t.columns} for t in result.spec.tables}
    assert set(tables) == {"orders"} and {"status", "priority"} <= tables["orders"]
    environment = load_environment(result.path)
    (order_id,) = environment.template.execute("SELECT order_id FROM orders LIMIT 1").fetchone()
    async with Client(EnvServer(environment)) as client:
        episode = (await reset_episode(client)).episode_id
        assert not (await _call(client, episode, "update_order_status", {"order_id": order_id, "status": "shipped"}))[0]
        assert not (await _call(client, episode, "update_order_priority", {"id": order_id, "priority": 2}))[0]
        order = (await _call(client, episode, "get_order", {"order_id": order_id}))[1]
        assert (order["status"], order["priority"]) == ("shipped", 2)
        refused, message = await _call(client, episode, "update_order_status", {"order_id": order_id, "status": "x"})
        assert refused and "must be one of" in message
        await close_episode(client, episode)


_BOOK = {"type": "object", "properties": {
    "id": {"type": "string"}, "type": {"type": "string", "enum": ["book"]},
    "attributes": {"type": "object", "properties": {
        "title": {"type": "string"}, "author": {"type": "string"}, "pages": {"type": "integer", "minimum": 1}}},
    "relationships": {"type": "object", "properties": {
        "shelf": {"type": "object", "properties": {"data": {"type": "object", "properties": {
            "id": {"type": "string"}, "type": {"type": "string"}}}}}}}}}  # fmt: skip
_BOOK_BODY = {"type": "object", "properties": {"data": {"type": "object", "properties": {
    "type": {"type": "string"}, "attributes": _BOOK["properties"]["attributes"]}}}}  # fmt: skip
_MEMBER = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                            "email": {"type": "string", "format": "email"}}}  # fmt: skip
_ONE_BOOK = {"content": {"application/vnd.api+json": {"schema": {"type": "object", "properties": {"data": _BOOK}}}}}
_FIELDS = {"name": "fields[book]", "in": "query", "schema": {"type": "string"}}
LIBRARY_JSON_API = json.dumps({
    "openapi": "3.0.3",
    "info": {"title": "Shelfie", "version": "1.0.0", "description": "A reading club's shared library."},
    "paths": {
        "/books": {
            "get": {"operationId": "listBooks", "parameters": [
                {"name": "filter[author]", "in": "query", "schema": {"type": "string"}}, _FIELDS,
                {"name": "page[size]", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ok", "content": {"application/vnd.api+json": {"schema": {
                    "type": "object", "properties": {"data": {"type": "array", "items": _BOOK}}}}}}}},
            "post": {"operationId": "createBook", "parameters": [_FIELDS],
                     "requestBody": {"required": True, "content": {"application/vnd.api+json": {"schema": _BOOK_BODY}}},
                     "responses": {"201": {"description": "made", **_ONE_BOOK}}}},
        "/books/{id}": {
            "get": {"operationId": "getBook", "parameters": [{"name": "id", "in": "path", "required": True,
                                                              "schema": {"type": "string"}}, _FIELDS],
                    "responses": {"200": {"description": "ok", **_ONE_BOOK}}},
            "patch": {"operationId": "updateBook", "parameters": [{"name": "id", "in": "path", "required": True,
                                                                   "schema": {"type": "string"}}, _FIELDS],
                      "requestBody": {"content": {"application/vnd.api+json": {"schema": _BOOK_BODY}}},
                      "responses": {"200": {"description": "ok", **_ONE_BOOK}}}},
        "/members": {"get": {"operationId": "listMembers", "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "array", "items": _MEMBER}}}}}}},
        "/members/{id}": {"put": {"operationId": "updateMember", "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                "member": {"type": "object", "properties": {"name": {"type": "string"},
                                                            "email": {"type": "string", "format": "email"}}}}}}}},
            "responses": {"200": {"description": "ok"}}}},
    },
})  # fmt: skip
"""JSON:API resources (`{id, type, attributes, relationships}`, `filter[...]`, `fields[...]`, `page[...]`) and a
Rails-style body that wraps its record (`{member: {...}}`)."""


async def test_json_api_resources_and_wrapped_bodies_are_flat_records(tmp_path: Path) -> None:
    """A JSON:API book is a row of its attributes with a `shelf_id`; `filter[author]` filters by author,
    `fields[book]` and `page[size]` are not columns, and the wrapped bodies set the record's own fields."""
    result = await _synthesized(tmp_path, "shelfie.json", LIBRARY_JSON_API, SynthOptions(tasks=12, rows=8))
    tables = {t.name: {c.name for c in t.columns} for t in result.spec.tables}
    assert {"title", "author", "pages", "shelf_id"} <= tables["books"]
    assert not {"attributes", "relationships", "type", "fields_book", "page_size"} & tables["books"]
    assert {"name", "email"} <= tables["members"] and "member" not in tables["members"]
    environment = load_environment(result.path)
    book_id, author = environment.template.execute("SELECT id, author FROM books LIMIT 1").fetchone()
    (member_id,) = environment.template.execute("SELECT id FROM members LIMIT 1").fetchone()
    async with Client(EnvServer(environment)) as client:
        episode = (await reset_episode(client)).episode_id
        listed = (await _call(client, episode, "listBooks", {"filter[author]": author}))[1]
        assert listed and all(row["author"] == author for row in listed)
        assert book_id in {row["id"] for row in listed}
        assert not (await _call(client, episode, "updateBook", {"id": book_id, "pages": 321}))[0]
        assert (await _call(client, episode, "getBook", {"id": book_id}))[1]["pages"] == 321
        refused, message = await _call(client, episode, "updateBook", {"id": book_id, "pages": 0})
        assert refused and "pages" in message
        assert not (await _call(client, episode, "updateMember", {"id": member_id, "name": "Ada Byron"}))[0]
        members = (await _call(client, episode, "listMembers", {}))[1]
        assert next(m for m in members if m["id"] == member_id)["name"] == "Ada Byron"
        await close_episode(client, episode)


NEARBY = """
openapi: 3.0.3
info: {title: Nearby, version: 1.0.0, description: Find restaurants near a place.}
paths:
  /restaurants:
    get:
      operationId: listRestaurants
      parameters:
        - {name: latitude, in: query, required: true, schema: {type: number, minimum: -90, maximum: 90}}
        - {name: longitude, in: query, required: true, schema: {type: number, minimum: -180, maximum: 180}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Restaurant'}}}}}
components:
  schemas:
    Restaurant:
      type: object
      properties: {id: {type: string}, name: {type: string}, phone: {type: string}, average_price: {type: number},
                   opened_on: {type: string, format: date}}
"""
"""A read that needs a location no record holds: the user states one."""


async def test_a_read_needing_a_place_no_record_holds_gets_it_from_the_user(tmp_path: Path) -> None:
    """listRestaurants requires a latitude and a longitude that select nothing the twin keeps: every task's call
    passes valid ones, and the instruction states them."""
    result = await _synthesized(tmp_path, "nearby.yaml", NEARBY, SynthOptions(tasks=10, rows=8))
    assert len(result.tasks) >= 10
    for task in result.tasks:
        for call in task.solution.calls:
            latitude, longitude = call.arguments["latitude"], call.arguments["longitude"]
            assert -90 <= latitude <= 90 and -180 <= longitude <= 180
            assert f"latitude {latitude} and longitude {longitude}" in task.instruction


BOARDS = """
openapi: 3.0.3
info: {title: Pinboard, version: 1.0.0, description: Boards of a team.}
paths:
  /teams:
    get:
      operationId: listTeams
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Team'}}}}}
  /teams/{team_id}/boards:
    get:
      operationId: listBoards
      parameters: [{name: team_id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Board'}}}}}
  /boards/{board_id}:
    get:
      operationId: getBoard
      parameters: [{name: board_id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Board'}}}}
    delete:
      operationId: deleteBoard
      parameters: [{name: board_id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
  /boards/{board_id}/archive:
    post:
      operationId: archiveBoard
      parameters: [{name: board_id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: archived}}
components:
  schemas:
    Team:
      type: object
      properties: {id: {type: string}, name: {type: string}}
    Board:
      type: object
      properties: {id: {type: string}, team_id: {type: string}, layout: {type: object}}
"""
"""Boards hold nothing a person names them by (no name, date or amount): only their id."""


async def test_records_with_nothing_to_tell_them_apart_are_named_by_their_id(tmp_path: Path) -> None:
    """A board has no name, date or amount, so no list can single one out: the user names it by its id (as
    from its address), and deleting or archiving boards makes verified tasks."""
    result = await _synthesized(tmp_path, "boards.yaml", BOARDS, SynthOptions(tasks=10, rows=12))
    named = [
        task
        for task in result.tasks
        for call in task.solution.calls
        if call.tool in ("deleteBoard", "archiveBoard") and call.arguments["board_id"] in task.instruction
    ]
    assert len(named) >= 3


GREENHOUSE = [
    {"name": "plants", "description": "Manage the plants in the greenhouse.",
     "inputSchema": {"type": "object", "required": ["action"], "properties": {
         "action": {"type": "string", "enum": ["list", "get", "create", "update", "delete"], "description": "What to do."},
         "plant_id": {"type": "string", "description": "The plant (required for get, update and delete)"},
         "name": {"type": "string", "description": "Common name of the plant (required for create, optional for update)"},
         "bed": {"type": "string", "enum": ["north", "south", "east", "west"],
                 "description": "Bed it grows in (required for create)"},
         "height_cm": {"type": "integer", "minimum": 1, "maximum": 400,
                       "description": "Height in centimetres (optional for create and update)"}}}},
    {"name": "waterings", "description": "Record and review the waterings of a plant.",
     "inputSchema": {"type": "object", "required": ["operation"], "properties": {
         "operation": {"type": "string", "enum": ["record", "list"]},
         "plant_id": {"type": "string", "description": "The plant watered (required for record and list)"},
         "litres": {"type": "number", "minimum": 0.1, "maximum": 20, "description": "Litres given (required for record)"}}}},
]  # fmt: skip
"""An MCP server whose tools multiplex their actions through an `action` / `operation` enum."""


async def test_a_tool_multiplexing_actions_is_served_as_the_document_wrote_it(tmp_path: Path) -> None:
    """Each action is modelled as a tool of its own and folded back: the environment serves `plants` and
    `waterings`, tasks call them with the action, and the tool refuses an unknown action or a missing argument
    that the chosen action needs."""
    result = await _synthesized(tmp_path, "greenhouse.tools.json", json.dumps({"tools": GREENHOUSE}))
    tools = {t.name: t for t in result.spec.tools}
    assert set(tools) == {"plants", "waterings"}
    assert tools["plants"].writes and tools["plants"].input_schema["required"] == ["action"]
    assert set(tools["plants"].input_schema["properties"]["action"]["enum"]) <= {
        "list",
        "get",
        "create",
        "update",
        "delete",
    }
    calls = [c for t in result.tasks for c in t.solution.calls]
    assert calls and all(c.tool in tools for c in calls)
    assert {c.arguments.get("action") for c in calls if c.tool == "plants"} >= {"create"}
    assert all(c.arguments.get("operation") in ("record", "list") for c in calls if c.tool == "waterings")
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        before = (await _call(client, episode, "plants", {"action": "list"}))[1]
        refused, message = await _call(client, episode, "plants", {"action": "prune"})
        assert refused and "action must be one of" in message and "'create'" in message
        refused, message = await _call(client, episode, "plants", {"action": "create", "height_cm": 30})
        assert refused and "needs name and bed" in message
        refused, made = await _call(client, episode, "plants", {"action": "create", "name": "Fig", "bed": "south"})
        assert not refused and made["name"] == "Fig"
        key = next(v for k, v in made.items() if k.endswith("id"))
        assert (await _call(client, episode, "plants", {"action": "get", "plant_id": key}))[1]["bed"] == "south"
        assert len((await _call(client, episode, "plants", {"action": "list"}))[1]) == len(before) + 1
        refused, message = await _call(client, episode, "waterings", {"operation": "record", "plant_id": key})
        assert refused and "needs litres" in message
        await close_episode(client, episode)


CHECKOUT = [
    {"name": "get_checkout", "description": "Get the current checkout of the shopper.",
     "inputSchema": {"type": "object", "properties": {}},
     "outputSchema": {"type": "object", "properties": {
         "id": {"type": "string"}, "payment_method_id": {"type": "string"}, "email": {"type": "string", "format": "email"},
         "store_credit": {"type": "number", "minimum": 0, "maximum": 500}}}},
    {"name": "list_payment_methods", "description": "List the payment methods the store accepts.",
     "inputSchema": {"type": "object", "properties": {}},
     "outputSchema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object",
         "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "fee": {"type": "number"}}}}}}},
    {"name": "set_checkout_payment_method", "description": "Choose how the checkout is paid.",
     "inputSchema": {"type": "object", "required": ["payment_method_id"], "properties": {
         "payment_method_id": {"type": "string", "description": "ID of the selected payment method"}}}},
    {"name": "set_checkout_store_credit", "description": "Use store credit on the checkout.",
     "inputSchema": {"type": "object", "required": ["store_credit"], "properties": {
         "store_credit": {"type": "string", "description": "Amount of store credit to use."}}}},
    {"name": "set_checkout_email", "description": "Change the email of the checkout.",
     "inputSchema": {"type": "object", "required": ["email"], "properties": {"email": {"type": "string", "format": "email"}}}},
]  # fmt: skip
"""A shopper's one checkout, read by a keyless get and changed by setters named for the field they set."""


async def test_setters_named_for_a_field_set_it_on_the_one_record(tmp_path: Path) -> None:
    """`set_checkout_email(email)` sets the checkout's email (the email does not find the checkout);
    `set_checkout_payment_method(payment_method_id)` points it at a listed payment method (an unknown one is
    refused); `set_checkout_store_credit` takes the amount as the text the document types it as, within the
    documented bounds. Every setter is in some task."""
    result = await _synthesized(tmp_path, "checkout.tools.json", json.dumps({"tools": CHECKOUT}))
    assert {c.tool for t in result.tasks for c in t.solution.calls} >= {
        "set_checkout_email",
        "set_checkout_payment_method",
        "set_checkout_store_credit",
    }
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        methods = (await _call(client, episode, "list_payment_methods", {}))[1]
        assert not (await _call(client, episode, "set_checkout_email", {"email": "ana@example.com"}))[0]
        assert not (
            await _call(client, episode, "set_checkout_payment_method", {"payment_method_id": methods[1]["id"]})
        )[0]
        refused, message = await _call(client, episode, "set_checkout_payment_method", {"payment_method_id": "NOPE"})
        assert refused and "NOPE" in message
        assert not (await _call(client, episode, "set_checkout_store_credit", {"store_credit": "37.50"}))[0]
        refused, message = await _call(client, episode, "set_checkout_store_credit", {"store_credit": "900"})
        assert refused and "store_credit" in message
        checkout = (await _call(client, episode, "get_checkout", {}))[1]
        assert checkout["email"] == "ana@example.com" and checkout["payment_method_id"] == methods[1]["id"]
        assert checkout["store_credit"] == 37.5
        await close_episode(client, episode)


SHIPPING = """
openapi: 3.0.3
info: {title: Parcel Desk, version: 1.0.0, description: Customers of a parcel service and where they ship from.}
paths:
  /customers:
    get:
      operationId: listCustomers
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Customer'}}}}}
    post:
      operationId: createCustomer
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Customer'}}}
      responses: {'201': {description: ok}}
  /customers/{id}:
    get:
      operationId: getCustomer
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Customer'}}}}
components:
  schemas:
    Customer:
      type: object
      required: [name, email, address]
      properties:
        id: {type: string, readOnly: true}
        name: {type: string}
        email: {type: string, format: email}
        address:
          type: object
          properties:
            id: {type: string, description: autogenerated unique ID}
            street: {type: string}
            city: {type: string}
            zip_code: {type: string}
            createdAt: {type: string, format: date-time}
"""
"""A create whose required argument is an object (an address) with fields of its own."""


async def test_a_required_object_argument_is_stated_field_by_field_and_stored_whole(tmp_path: Path) -> None:
    """A new customer's address is an object: the user states its fields in words ('address (street ..., city
    ...)'), never its id or creation time, and the ground truth sends and stores the same object."""
    result = await _synthesized(tmp_path, "parcels.yaml", SHIPPING, SynthOptions(tasks=12, rows=8, min_calls=1))
    creates = [(t, c) for t in result.tasks for c in t.solution.calls if c.tool == "createCustomer"]
    assert creates
    for task, call in creates:
        address = call.arguments["address"]
        assert set(address) == {"street", "city", "zip_code"}, address
        assert f"(street {address['street']}, city {address['city']}" in task.instruction, task.instruction
        stored = [c for c in task.expected.changes if c.table == "customers" and c.op == "insert"]
        assert not quality(load_environment(result.path), replay=False).constraint_failures  # kept as JSON text
        assert stored and any(address in (c.values.get("address"), json.loads(c.values.get("address") or "{}"))
                              for c in stored)  # fmt: skip


ENVELOPED = """
openapi: 3.0.3
info: {title: Unified Tickets, version: 1.0.0, description: Tickets kept in collections, behind a unified API.}
paths:
  /collections:
    get:
      operationId: collectionsAll
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/GetCollections'}}}}
  /collections/{collection_id}/tickets:
    get:
      operationId: collectionTicketsAll
      parameters: [{name: collection_id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/GetTickets'}}}}
    post:
      operationId: collectionTicketsAdd
      parameters: [{name: collection_id, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Ticket'}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Created'}}}}
components:
  schemas:
    Envelope:
      type: object
      properties:
        status_code: {type: integer}
        status: {type: string}
        service: {type: string}
        resource: {type: string}
        operation: {type: string}
        meta: {type: object, properties: {items_on_page: {type: integer}}}
        links: {type: object, properties: {next: {type: string}}}
        _raw: {type: object}
    GetCollections:
      allOf:
        - $ref: '#/components/schemas/Envelope'
        - type: object
          properties:
            data: {type: array, items: {$ref: '#/components/schemas/Collection'}}
    GetTickets:
      allOf:
        - $ref: '#/components/schemas/Envelope'
        - type: object
          properties:
            data: {type: array, items: {$ref: '#/components/schemas/Ticket'}}
    Created:
      allOf:
        - $ref: '#/components/schemas/Envelope'
        - type: object
          properties:
            data: {type: object, properties: {id: {type: string}}}
    Collection:
      type: object
      properties:
        id: {type: string, readOnly: true}
        name: {type: string}
    Ticket:
      type: object
      required: [subject]
      properties:
        id: {type: string, readOnly: true}
        collection_id: {type: string, readOnly: true, description: The collection the ticket is in.}
        subject: {type: string}
        priority: {type: string, enum: [low, normal, high]}
"""
"""A unified API: every response wrapped in a large envelope, and a ticket's collection read-only in its schema
but given by the path it is created under."""


async def test_records_inside_a_large_envelope_and_a_parent_given_by_the_path(tmp_path: Path) -> None:
    """The records are what `data` holds, not the envelope's `status_code` or `meta`; a ticket is created under the
    collection its path names, although the ticket's schema marks `collection_id` read-only."""
    result = await _synthesized(tmp_path, "unified.yaml", ENVELOPED, SynthOptions(tasks=12, rows=8, min_calls=1))
    tickets = result.spec.table("tickets")
    assert tickets is not None
    assert {"subject", "priority", "collection_id"} <= {c.name for c in tickets.columns}
    assert not {"status_code", "service", "operation", "meta", "links"} & {c.name for c in tickets.columns}
    assert not next(c for c in tickets.columns if c.name == "collection_id").read_only
    assert any(c.tool == "collectionTicketsAdd" for t in result.tasks for c in t.solution.calls)


GYM = """
openapi: 3.0.3
info: {title: Climbing Gym, version: 1.0.0, description: Members of a climbing gym and their class bookings.}
paths:
  /members:
    get:
      operationId: listMembers
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Member'}}}}}
    post:
      operationId: createMember
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Member'}}}
      responses: {'201': {description: ok}}
  /members/{id}:
    get:
      operationId: getMember
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Member'}}}}
    patch:
      operationId: updateMember
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Member'}}}
      responses: {'200': {description: ok}}
  /bookings:
    get:
      operationId: listBookings
      parameters: [{name: member_id, in: query, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Booking'}}}}}
    post:
      operationId: createBooking
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Booking'}}}
      responses: {'201': {description: ok}}
components:
  schemas:
    Member:
      type: object
      required: [name, email]
      properties:
        id: {type: string, readOnly: true}
        name: {type: string}
        email: {type: string, format: email}
        phone: {type: string}
    Booking:
      type: object
      required: [member_id, class_name, starts_at]
      properties:
        id: {type: string, readOnly: true}
        member_id: {type: string}
        class_name: {type: string}
        starts_at: {type: string, format: date-time}
"""
"""Members (the customers) and their bookings; no list finds a member by email."""


async def test_a_newcomer_opens_an_account_where_nothing_finds_accounts_by_email(tmp_path: Path) -> None:
    """With no way to look an email up, a new member still signs up: the task says they are new, the ground truth
    creates them with the details they give, and no other task opens an account."""
    result = await _synthesized(tmp_path, "gym.yaml", GYM, SynthOptions(tasks=30, rows=8))
    assert result.spec.roles is not None and result.spec.roles.customer == "members"
    signups = [t for t in result.tasks if any(c.tool == "createMember" for c in t.solution.calls)]
    assert signups
    for task in signups:
        assert "new here" in task.instruction, task.instruction
        created = next(c.arguments for c in task.solution.calls if c.tool == "createMember")
        assert created["email"] in task.instruction and created["name"] in task.instruction


async def test_times_sent_as_seconds_since_1970_are_moments_nobody_says(tmp_path: Path) -> None:
    """An integer `created_at` (or one with `format: date-time`, or a `created_at_after` filter) holds seconds since
    1970: the seed fills it with moments before the environment's clock, a rule keeps new rows out of the future,
    and no request states one (a newcomer does not say when they were last seen); an integer `wait_time` is a
    length, not a moment."""
    text = GYM.replace(
        "        phone: {type: string}\n",
        "        phone: {type: string}\n        created_at: {type: integer}\n"
        "        last_seen_at: {type: integer, format: date-time}\n        wait_time: {type: integer}\n",
    ).replace("        starts_at: {type: string, format: date-time}\n", "        starts_at: {type: string, format: date-time}\n"
              "        booked_at: {type: integer}\n")  # fmt: skip
    result = await _synthesized(tmp_path, "gym.yaml", text, SynthOptions(tasks=30, rows=8))
    now = int(dt.datetime.fromisoformat(result.spec.clock).replace(tzinfo=dt.UTC).timestamp())
    db = sqlite3.connect(":memory:")
    create_schema(db, load_environment(result.path).spec)
    db.executescript((result.path / "seed.sql").read_text(encoding="utf-8"))
    for table, column in (("members", "created_at"), ("members", "last_seen_at"), ("bookings", "booked_at")):
        moments = [row[0] for row in db.execute(f"SELECT {column} FROM {table}")]
        assert moments and all(isinstance(m, int) and now - 400 * 86400 < m <= now for m in moments), moments
    waits = [row[0] for row in db.execute("SELECT wait_time FROM members")]
    assert max(waits) < 10**6
    assert any(i.name == "members.created_at.past" for i in result.spec.invariants)
    assert result.tasks
    for task in result.tasks:
        assert not re.search(r"\b1[5-9]\d{8}\b", task.instruction), task.instruction


async def test_blocking_or_archiving_a_customer_s_account_is_staff_work(tmp_path: Path) -> None:
    """Blocking, archiving or merging a customer's account is done to the customer, never at their request: those
    tools are staff-only, while changing their own details is not; only staff may set their `blocked` flag."""
    text = GYM.replace(
        "  /bookings:\n",
        "  /members/{id}/block:\n    post:\n      operationId: blockMember\n"
        "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
        "      responses: {'200': {description: ok}}\n"
        "  /members/{id}/archive:\n    post:\n      operationId: archiveMember\n"
        "      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n"
        "      responses: {'200': {description: ok}}\n"
        "  /bookings:\n",
    ).replace("        phone: {type: string}\n", "        phone: {type: string}\n"
              "        status: {type: string, enum: [active, blocked, archived]}\n        blocked: {type: boolean}\n")  # fmt: skip
    _, _, draft = await built(write(tmp_path, "gym.yaml", text))
    roles = draft.spec.roles
    assert roles is not None and roles.customer == "members"
    assert {"blockMember", "archiveMember"} <= set(roles.staff_only)
    assert "updateMember" not in roles.staff_only
    assert "blocked" in roles.staff_fields["updateMember"] and "phone" not in roles.staff_fields["updateMember"]


async def test_no_request_hangs_on_a_flag_of_the_customer_s_own_record(tmp_path: Path) -> None:
    """'If my newsletter is off, change my phone' asks nobody's question: a branch never tests a yes-or-no flag of a
    person's own record (a balance or a tier it may). Seeds 0 and 2 made such branches before."""
    text = GYM.replace(
        "        phone: {type: string}\n",
        "        phone: {type: string}\n        newsletter: {type: boolean}\n        marketing_opt_in: {type: boolean}\n"
        "        plan: {type: string, enum: [basic, plus, pro]}\n        city: {type: string}\n",
    )
    for seed in (0, 2):
        options = SynthOptions(tasks=40, rows=10, seed=seed)
        (tmp_path / str(seed)).mkdir()
        result = await _synthesized(tmp_path / str(seed), "gym.yaml", text, options)
        branches = [n.note for t in result.tasks for n in t.solution.nodes
                    if isinstance(n, ReasoningNode) and n.op == "branch"]  # fmt: skip
        assert not [note for note in branches if "newsletter" in note or "marketing" in note], branches


async def test_a_date_with_room_for_five_characters_is_written_as_a_card_expiry(tmp_path: Path) -> None:
    """A card's `expiry_date` of exactly five characters ('MM/YY') is seeded and asked for in that form, never as an
    ISO date its own CHECK rule refuses (the seed of GOV.UK Pay did not load)."""
    text = GYM.replace(
        "        phone: {type: string}\n",
        "        phone: {type: string}\n        expiry_date: {type: string, minLength: 5, maxLength: 5}\n",
    )
    result = await _synthesized(tmp_path, "gym.yaml", text, SynthOptions(tasks=20, rows=8))
    db = sqlite3.connect(":memory:")
    create_schema(db, load_environment(result.path).spec)
    db.executescript((result.path / "seed.sql").read_text(encoding="utf-8"))
    expiries = [row[0] for row in db.execute("SELECT expiry_date FROM members") if row[0] is not None]
    assert expiries and all(re.fullmatch(r"(0[1-9]|1[0-2])/\d\d", e) for e in expiries), expiries


BOOKMARKS = """
openapi: 3.0.3
info: {title: Reading Shelf, version: 1.0.0, description: Bookmarks and the tags people sort them with.}
paths:
  /bookmarks:
    get:
      operationId: listBookmarks
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Bookmark'}}}}}
    post:
      operationId: createBookmark
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Bookmark'}}}
      responses: {'201': {description: ok}}
  /bookmarks/{id}/tags:
    get:
      operationId: listBookmarkTags
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Tag'}}}}}
    post:
      operationId: addTagToBookmark
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [tag_id], properties: {tag_id: {type: integer}}}}}
      responses: {'200': {description: ok}}
  /bookmarks/cache:
    put:
      operationId: updateBookmarksCache
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [ids], properties: {ids: {type: array, items: {type: integer}}, keep_metadata: {type: boolean}}}}}
      responses: {'200': {description: ok}}
  /tags:
    get:
      operationId: listTags
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Tag'}}}}}
    post:
      operationId: createTag
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Tag'}}}
      responses: {'201': {description: ok}}
  /tags/{id}:
    delete:
      operationId: deleteTag
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'204': {description: ok}}
components:
  schemas:
    Bookmark:
      type: object
      required: [url, title]
      properties:
        id: {type: integer, readOnly: true}
        url: {type: string, format: uri}
        title: {type: string}
    Tag:
      type: object
      required: [name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
"""
"""Tags made on their own (POST /tags) and listed per bookmark; a tag linked to a bookmark by its id; a cache
refreshed for many bookmarks at once."""


async def test_a_link_or_a_change_of_many_records_is_left_out_by_name_and_the_rest_still_works(
    tmp_path: Path,
) -> None:
    """Linking an existing tag to a bookmark and refreshing the cache of the bookmarks an `ids` list names are left
    out, each with why; a tag is still made on its own (the bookmark a nested list shows it under is optional)."""
    result = await _synthesized(tmp_path, "shelf.yaml", BOOKMARKS, SynthOptions(tasks=12, rows=8, min_calls=1))
    notes = " ".join(result.notes)
    assert "left out addTagToBookmark: POST /bookmarks/{id}/tags links an existing tag to a bookmark" in notes
    assert "left out updateBookmarksCache: PUT /bookmarks/cache acts at once on every record its `ids` names" in notes
    tags = result.spec.table("tags")
    assert tags is not None and next(c for c in tags.columns if c.name == "bookmark_id").nullable
    assert any(c.tool == "createTag" for t in result.tasks for c in t.solution.calls)


CALENDAR = [
    {"name": "create_event", "description": "Create a new event.",
     "inputSchema": {"type": "object", "required": ["summary", "start_datetime", "end_datetime"], "properties": {
         "summary": {"type": "string"}, "location": {"type": "string"},
         "start_datetime": {"type": "string", "format": "date-time"},
         "end_datetime": {"type": "string", "format": "date-time"}}}},
    {"name": "list_events", "description": "List events within the given datetime range.",
     "inputSchema": {"type": "object", "required": ["min_end_datetime", "max_start_datetime"], "properties": {
         "min_end_datetime": {"type": "string", "format": "date-time"},
         "max_start_datetime": {"type": "string", "format": "date-time"}}}},
    {"name": "update_event", "description": "Update an existing event.",
     "inputSchema": {"type": "object", "required": ["event_id"], "properties": {
         "event_id": {"type": "string"}, "updated_summary": {"type": "string"},
         "updated_location": {"type": "string"}}}},
    {"name": "delete_event", "description": "Delete an event.",
     "inputSchema": {"type": "object", "required": ["event_id"], "properties": {"event_id": {"type": "string"}}}},
]  # fmt: skip


async def test_a_listing_that_needs_a_time_window_is_searched_by_the_day_the_user_names(tmp_path: Path) -> None:
    """`list_events` needs both ends of a window: the user names the day of the event ('my event on March 3'),
    the agent searches from the start of that day to its end, and updates and deletions reach the event."""
    result = await _synthesized(tmp_path, "calendar.tools.json", json.dumps({"tools": CALENDAR}))
    used = {c.tool for t in result.tasks for c in t.solution.calls}
    assert {"update_event", "delete_event"} <= used, used
    windows = [c.arguments for t in result.tasks for c in t.solution.calls if c.tool == "list_events"]
    assert windows and all(w["min_end_datetime"].endswith("T00:00:00") for w in windows), windows
    assert all(w["max_start_datetime"].endswith("T23:59:59") for w in windows), windows
    listed = [t for t in result.tasks if any(c.tool == "list_events" for c in t.solution.calls)]
    assert all(re.search(r"event (?:on|between) ", t.instruction) for t in listed), listed[0].instruction


def _stated(text: str) -> dict[str, Any]:
    return {"description": text, "required": True}


TRIPS = [
    {"name": "Flights.SearchRoundtripFlights", "description": "Find round trip flights between two cities",
     "arguments": {k: _stated(k) for k in ("origin_city", "destination_city", "departure_date", "return_date")},
     "output_parameters": {k: {"description": k} for k in ("origin_city", "destination_city", "departure_date",
                                                           "return_date", "outbound_departure_time", "price")}},
    {"name": "Flights.ReserveRoundtripFlights", "description": "Reserve a round trip flight",
     "arguments": {k: _stated(k) for k in ("origin_city", "destination_city", "departure_date", "return_date",
                                           "outbound_departure_time")}},
    {"name": "Movies.FindShowtimes", "description": "Find the show times of a movie on a day",
     "arguments": {k: _stated(k) for k in ("movie_name", "show_date")},
     "output_parameters": {k: {"description": k} for k in ("movie_name", "show_date", "show_time", "price")}},
    {"name": "Movies.BuyMovieTickets", "description": "Buy tickets for a movie show",
     "arguments": {k: _stated(k) for k in ("movie_name", "show_date", "show_time", "number_of_tickets")}},
]  # fmt: skip


async def test_a_time_beside_its_day_is_a_time_of_day_and_a_return_comes_after_the_departure(tmp_path: Path) -> None:
    """`show_time` beside `show_date` (no format) holds '19:30', not a second, unrelated day; a return date comes
    after the departure date, in the seed and in the policy; and no question asks what the user's own search says
    ('the price of the flight ... with return date May 20', never 'the return date of ... with return date')."""
    result = await _synthesized(tmp_path, "trips.json", json.dumps(TRIPS), SynthOptions(tasks=12, rows=20))
    environment = load_environment(result.path)
    conn = sqlite3.connect(":memory:")
    create_schema(conn, environment.spec)
    conn.executescript((result.path / "seed.sql").read_text(encoding="utf-8"))
    times = [t for table, column in (("flights", "outbound_departure_time"), ("movie_times", "show_time"))
             for (t,) in conn.execute(f'SELECT "{column}" FROM "{table}"')]  # fmt: skip
    assert times and all(re.fullmatch(r"\d\d:\d\d", t) for t in times), times
    trips = conn.execute('SELECT departure_date, return_date FROM "flights"').fetchall()
    assert trips and all(out < back for out, back in trips), trips
    policy = environment.spec.policy
    assert "return date must come after its departure date" in policy
    past = [line for line in policy.splitlines() if "cannot be in the past" in line]
    assert past and not any(re.search(r"(?:show|departure) time\b", line) for line in past), past
    for task in result.tasks:
        assert not re.search(
            r"what is the (\w+(?: \w+)?) of [^,;?]*? with [^?]*?\b\1\b", task.instruction, re.IGNORECASE
        ), task.instruction


NOTEBOOK = """
openapi: 3.0.3
info: {title: Notebook, version: 1.0.0, description: Notes kept in a tree.}
paths:
  /create-note:
    post:
      operationId: createNote
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [title], properties: {title: {type: string}}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}}
  /notes:
    get:
      operationId: searchNotes
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Note'}}}}}
  /notes/{noteId}:
    delete:
      operationId: deleteNote
      parameters: [{name: noteId, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
  /restart:
    post:
      operationId: restart
      responses: {'204': {description: restarting}}
components:
  schemas:
    Note:
      type: object
      properties: {noteId: {type: string}, title: {type: string}}
"""
"""A note made by `POST /create-note`, and a `POST /restart` of the whole service."""


async def test_a_path_that_names_its_verb_makes_that_record_and_a_verb_on_the_service_is_left_out(
    tmp_path: Path,
) -> None:
    """`POST /create-note` makes a note in the notes the other paths list (no table of 'create notes'); `POST
    /restart` acts on the service itself, so it is left out saying so, not made into a table of restarts."""
    source = parse_structured(await read_source(write(tmp_path, "notebook.yaml", NOTEBOOK), 2**25))
    blueprint = infer_blueprint(source)
    plans = {plan.name: (plan.kind, plan.table) for plan in blueprint.plans}
    assert plans["createNote"] == ("create", "notes") and plans["deleteNote"] == ("delete", "notes")
    assert {table.name for table in blueprint.tables} == {"notes"}
    assert "acts on the service itself" in next(s.reason for s in blueprint.skipped if s.name == "restart")


HOME = json.dumps([
    {"name": "list_lights", "description": "List the lights in the house.",
     "inputSchema": {"type": "object", "properties": {"room": {"type": "string"}}}},
    {"name": "turn_on_light", "description": "Turn a light on.",
     "inputSchema": {"type": "object", "properties": {"light_id": {"type": "string"}}, "required": ["light_id"]}},
    {"name": "turn_off_light", "description": "Turn a light off.",
     "inputSchema": {"type": "object", "properties": {"light_id": {"type": "string"}}, "required": ["light_id"]}},
    {"name": "list_plugs", "description": "List the smart plugs.",
     "inputSchema": {"type": "object", "properties": {"detailed": {"type": "boolean"}}}},
    {"name": "get_light_history", "description": "Get the state changes of a light.",
     "inputSchema": {"type": "object", "required": ["light_id"], "properties": {
         "light_id": {"type": "string"}, "hours": {"type": "integer", "default": 24}}}},
    {"name": "plug_action", "description": "Perform an action on a plug (on, off).",
     "inputSchema": {"type": "object", "required": ["plug_id", "action"], "properties": {
         "plug_id": {"type": "string"}, "action": {"type": "string", "enum": ["on", "off"]}}}},
])  # fmt: skip
"""A house's lights switched by `turn_on_light` and `turn_off_light`, and plugs by one `plug_action(action)`."""


async def test_devices_turned_on_and_off_switch_between_on_and_off(tmp_path: Path) -> None:
    """`turn_on_light` and a `plug_action` whose action is `on` are switches: each row is on or off (no 'active'
    state), turning on what is on is refused, and a read's `detailed` flag is no column; users ask to turn a
    device on or off. A history's `hours=24` is how far back it looks, not a column."""
    result = await _synthesized(tmp_path, "home.tools.json", HOME, SynthOptions(tasks=15, rows=8))
    tables = {t.name: t for t in result.spec.tables}
    assert tuple(tables["lights"].column("status").enum or ()) == ("on", "off")
    assert "detailed" not in {c.name for c in tables["plugs"].columns}
    assert not [t.name for t in tables.values() if "hours" in {c.name for c in t.columns}]
    assert any(re.search(r"\bturn (on|off)\b|\bturn it (on|off)\b", t.instruction) for t in result.tasks)
    async with Client(EnvServer(load_environment(result.path))) as client:
        episode = (await reset_episode(client)).episode_id
        lights = (await _call(client, episode, "list_lights", {}))[1]
        light = next(item for item in lights if item["status"] == "off")
        assert (await _call(client, episode, "turn_on_light", {"light_id": light["light_id"]}))[1]["status"] == "on"
        refused, message = await _call(client, episode, "turn_on_light", {"light_id": light["light_id"]})
        assert refused and "already on" in message
        plug = next(p for p in (await _call(client, episode, "list_plugs", {}))[1] if p["status"] == "on")
        changed = await _call(client, episode, "plug_action", {"plug_id": plug["plug_id"], "action": "off"})
        assert changed[1]["status"] == "off"
        await close_episode(client, episode)


INVENTORY = """
openapi: 3.0.3
info: {title: Inventory, version: 1.0.0, description: Things kept at home.}
paths:
  /items:
    get:
      operationId: listItems
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Item'}}}}}
    post:
      summary: Create Item
      operationId: createItem
      requestBody:
        content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string}}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
  /items/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    put:
      summary: Update Item
      operationId: updateItem
      requestBody:
        content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}
      responses: {'200': {description: ok}}
  /items/{id}/duplicate:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post:
      summary: Duplicate Item
      operationId: duplicateItem
      requestBody:
        content: {application/json: {schema: {type: object, properties: {copyPrefix: {type: string}}}}}
      responses: {'201': {description: ok}}
  /items/{id}/finalize:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    put:
      summary: Finalize a draft item
      operationId: finalizeItem
      responses: {'200': {description: ok}}
  /items/{id}/apply-label:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    patch:
      summary: Apply a label to an item
      operationId: applyLabel
      requestBody:
        content: {application/json: {schema: {type: object, required: [label], properties: {label: {type: string}}}}}
      responses: {'200': {description: ok}}
  /items/{id}/create-copy:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post:
      summary: Create a copy of an item
      operationId: createCopy
      responses: {'201': {description: ok}}
  /items/{id}/attachments:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      operationId: listAttachments
      responses: {'200': {description: ok}}
  /items/{id}/attachments/{attachmentId}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: attachmentId, in: path, required: true, schema: {type: string}}
    delete:
      operationId: deleteAttachment
      responses: {'204': {description: gone}}
  /items/{id}/attachments/external:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post:
      summary: Create External Link Attachment
      operationId: linkAttachment
      requestBody:
        content: {application/json: {schema: {type: object, required: [url], properties: {url: {type: string}}}}}
      responses: {'201': {description: ok}}
  /notifiers:
    post:
      summary: Create Notifier
      operationId: createNotifier
      requestBody:
        content: {application/json: {schema: {type: object, required: [url], properties: {url: {type: string}}}}}
      responses: {'201': {description: ok}}
  /notifiers/{id}:
    delete:
      operationId: deleteNotifier
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
  /notifiers/test:
    post:
      summary: Test Notifier
      operationId: testNotifier
      requestBody:
        content: {application/json: {schema: {type: object, required: [url], properties: {url: {type: string}}}}}
      responses: {'204': {description: sent}}
  /actions/wipe-inventory:
    post:
      summary: Wipe Inventory
      operationId: wipeInventory
      responses: {'204': {description: wiped}}
  /users/login:
    post:
      summary: User Login
      operationId: login
      requestBody:
        content: {application/json: {schema: {type: object, properties: {username: {type: string}, password: {type: string}}}}}
      responses: {'200': {description: ok}}
components:
  schemas:
    Item:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        label: {type: string}
        status: {type: string, enum: [draft, finalized]}
"""
"""A home inventory whose paths end in words that are no records: a test of a notifier, a service action, signing
in, copying an item, and two verbs that do change an item (finalize to a status, apply a label to its field); and
one word that is a kind of what its collection holds (an external link attachment)."""


async def test_a_path_ending_in_a_verb_no_record_holds_is_left_out_saying_what_it_does(tmp_path: Path) -> None:
    """`POST /notifiers/test` ("Test Notifier") makes no table of tests, `/actions/wipe-inventory` no table of
    wipes, `/users/login` no logins, and `/items/{id}/duplicate` sets no `copyPrefix` column on items: each is
    left out with its reason. `finalize` still moves an item to 'finalized', `apply-label` still sets its label,
    and `POST /items/{id}/attachments/external` ("Create External Link Attachment") makes an attachment."""
    source = parse_structured(await read_source(write(tmp_path, "inventory.yaml", INVENTORY), 2**25))
    blueprint = infer_blueprint(source)
    plans = {plan.name: (plan.kind, plan.table) for plan in blueprint.plans}
    skipped = {skip.name: skip.reason for skip in blueprint.skipped}
    assert {table.name for table in blueprint.tables} == {"items", "attachments", "notifiers"}
    assert "copyPrefix" not in {column.name for column in blueprint.table("items").columns}
    assert "does 'test' (Test Notifier)" in skipped["testNotifier"]
    assert "does 'duplicate' (Duplicate Item)" in skipped["duplicateItem"]
    assert "the service's action 'wipe inventory'" in skipped["wipeInventory"]
    assert "signing in" in skipped["login"]
    assert "makes 'copy' from another record" in skipped["createCopy"]
    assert plans["finalizeItem"] == ("action", "items") and plans["applyLabel"] == ("update", "items")
    assert plans["createNotifier"] == ("create", "notifiers") and plans["createItem"] == ("create", "items")
    assert plans["linkAttachment"] == ("create", "attachments")  # an external link is a kind of attachment
