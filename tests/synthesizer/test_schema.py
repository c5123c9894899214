"""State schema inference: tables, keys, references and a plan per tool, from paths or from tool names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autoforge.synthesizer.derived import Derived
from autoforge.synthesizer.invariants import invariants_of
from autoforge.synthesizer.multiplex import split_operations
from autoforge.synthesizer.schema import infer_blueprint, tool_schema
from autoforge.synthesizer.sources import parse_structured, read_source

from .conftest import BUNDLED_DOCS, write


async def blueprint_of(path: Path):
    doc = parse_structured(await read_source(path, 2**25))
    return doc, infer_blueprint(doc)


async def test_paths_give_tables_keys_and_foreign_keys() -> None:
    """`/customers/{id}/orders` makes orders refer to customers; `/orders/{id}/items` is the order_items table."""
    _, bp = await blueprint_of(BUNDLED_DOCS / "retail-orders.yaml")
    orders = bp.table("orders")
    assert orders.primary_key == "id"
    assert orders.column("customer_id").references == "customers.id"
    assert {"listOrderItems", "updateOrderItem"} <= {p.name for p in bp.plans if p.table == "order_items"}
    assert bp.table("order_items").column("product_id").references == "products.id"


async def test_tool_kinds_and_action_targets() -> None:
    """GET lists and gets, PATCH updates, POST .../cancel moves the row to the enum's 'cancelled'."""
    _, bp = await blueprint_of(BUNDLED_DOCS / "retail-orders.yaml")
    kinds = {p.name: p.kind for p in bp.plans}
    assert (kinds["listCustomers"], kinds["getOrder"], kinds["updateOrder"], kinds["createOrder"]) == (
        "list",
        "get",
        "update",
        "create",
    )
    cancel = bp.plan("cancelOrder")
    assert cancel.kind == "action" and cancel.target == {"status": "cancelled"}
    assert "Refused when the order is 'delivered' or 'cancelled'" in cancel.description


async def test_tool_names_give_tables_for_tool_lists() -> None:
    """In an MCP tool list, `list_tickets(customer_id)` lists tickets of a customer; `assign_ticket` sets a reference."""
    _, bp = await blueprint_of(BUNDLED_DOCS / "helpdesk-tickets.tools.json")
    listing = bp.plan("list_tickets")
    assert listing.kind == "list" and listing.table == "tickets"
    assert [(p.name, p.role, p.table) for p in listing.params if p.role == "parent"] == [
        ("customer_id", "parent", "customers")
    ]
    assign = bp.plan("assign_ticket")
    assert assign.kind == "update" and {(p.name, p.role) for p in assign.params} == {
        ("ticket_id", "key"),
        ("agent_id", "field"),
    }
    assert bp.table("tickets").column("agent_id").references == "agents.agent_id"


async def test_natural_labels_are_found() -> None:
    """People are named by email or name, products by name or SKU; generated ids are not labels."""
    _, bp = await blueprint_of(BUNDLED_DOCS / "retail-orders.yaml")
    assert bp.labels["customers"] == ("email", "name")
    assert set(bp.labels["products"]) == {"name", "sku"}
    assert "orders" not in bp.labels


async def test_a_multiplexing_tool_splits_into_one_operation_per_action(tmp_path: Path) -> None:
    """A tool whose `operation` enum selects the action becomes one operation per action, each with the arguments
    its description gives that action (required where it says so) and those that name no action."""
    tools = [
        {
            "name": "notes",
            "description": "Search and create notes.",
            "inputSchema": {
                "type": "object",
                "required": ["operation"],
                "properties": {
                    "operation": {"type": "string", "enum": ["search", "create", "folders", "listById"]},
                    "query": {"type": "string", "description": "Text to look for (required for search operation)"},
                    "title": {"type": "string", "description": "Title (required for create, optional for search)"},
                    "listId": {"type": "string", "description": "The list (required for listById)"},
                    "limit": {"type": "integer", "description": "How many to return"},
                },
            },
        },
        {"name": "list_notes", "description": "Notes.", "inputSchema": {"type": "object", "properties": {}}},
    ]
    doc = parse_structured(await read_source(write(tmp_path, "t.json", json.dumps(tools)), 2**25))
    split = {op.name: op for op in split_operations(doc.operations)}
    assert list(split) == ["search_notes", "create_notes", "list_folders", "list_notes_by_id", "list_notes"]
    arguments = {name: (list(op.input_schema["properties"]), op.input_schema["required"])
                 for name, op in split.items() if op.branch}  # fmt: skip
    assert arguments == {
        "search_notes": (["query", "title", "limit"], ["query"]),
        "create_notes": (["title", "limit"], ["title"]),
        "list_folders": (["limit"], []),
        "list_notes_by_id": (["listId", "limit"], ["listId"]),
    }
    assert {(op.branch.tool, op.branch.value) for op in split.values() if op.branch} == {
        ("notes", "search"), ("notes", "create"), ("notes", "folders"), ("notes", "listById")
    }


async def test_an_action_string_whose_description_quotes_its_choices_multiplexes_like_an_enum(tmp_path: Path) -> None:
    """FastMCP servers type the selector `str` and list the actions in its description, or in the docstring's
    line for it: those are its choices (an argument not named like a selector keeps its free text)."""
    action = {"type": "string", "description": "Action to perform: 'get', 'add' or 'remove'."}
    tools = [{"name": "queue", "description": "Manage the playback queue.",
              "inputSchema": {"type": "object", "required": ["action"],
                              "properties": {"action": action, "track_id": {"type": "string"}}}},
             {"name": "light", "description": "Control a light. Args: light_id: Which light action: What to do ('dim', 'brighten')",
              "inputSchema": {"type": "object", "properties": {"light_id": {"type": "string"},
                                                               "action": {"type": "string", "description": "Action"}}}},
             {"name": "search", "description": "Search tracks.",
              "inputSchema": {"type": "object", "properties": {"qtype": {"type": "string",
                                                                         "description": "'track' or 'album'"}}}}]  # fmt: skip
    doc = parse_structured(await read_source(write(tmp_path, "t.json", json.dumps(tools)), 2**25))
    split = split_operations(doc.operations)
    assert [(op.branch.tool, op.branch.value) for op in split if op.branch] == [
        ("queue", "get"), ("queue", "add"), ("queue", "remove"), ("light", "dim"), ("light", "brighten")
    ]
    assert "enum" not in split[-1].input_schema["properties"]["qtype"] and split[-1].branch is None
    assert split[0].branch is not None and split[0].branch.input_schema["properties"]["action"]["enum"] == [
        "get", "add", "remove"
    ]


async def test_key_arguments_are_typed_like_the_keys(tmp_path: Path) -> None:
    """A path id documented as integer while records carry string ids is typed string, with a note."""
    text = (
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /things:\n    get:\n      operationId: listThings\n"
        "      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Thing'}}}}}}\n"
        "  /things/{id}:\n    get:\n      operationId: getThing\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n"
        "      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}}\n"
        "components:\n  schemas:\n    Thing: {type: object, properties: {id: {type: string}, name: {type: string}}}\n"
    )
    doc, bp = await blueprint_of(write(tmp_path, "things.yaml", text))
    schema, notes = tool_schema(doc.operations[1], bp.plan("getThing"), bp)
    assert schema["properties"]["id"]["type"] == "string"
    assert notes == ["getThing.id: documented as integer, typed string like id"]


async def test_a_capitalised_id_field_is_the_key_and_no_second_id_column_is_added(tmp_path: Path) -> None:
    """Go-style fields (`ID`, `Message`): SQLite's names ignore case, so `ID` is the key, not a column beside `id`."""
    text = (
        "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths:\n  /errors:\n    get:\n      operationId: listErrors\n"
        "      responses: {'200': {description: ok, schema: {type: array, items: {$ref: '#/definitions/Error'}}}}\n"
        "definitions:\n  Error: {type: object, properties: {ID: {type: integer}, Message: {type: string}}}\n"
    )
    _, bp = await blueprint_of(write(tmp_path, "errors.yaml", text))
    names = [c.name for c in bp.table("errors").columns]
    assert bp.table("errors").primary_key == "ID" and len({n.lower() for n in names}) == len(names), names


async def test_two_references_to_one_parent_get_an_invariant_each(tmp_path: Path) -> None:
    """A task in one bucket and done in another is made after both: two invariants with names of their own
    (the same name twice made env.json unloadable), and a rule two tables imply is kept once."""
    created = {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
    }
    tools = [
        {"name": "create_bucket", "description": "Make a bucket.", "outputSchema": {"type": "object", "properties": created},
         "inputSchema": {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}},
        {"name": "create_task", "description": "Make a task.",
         "inputSchema": {"type": "object", "properties": {"title": {"type": "string"}, "bucket_id": {"type": "integer"},
                                                          "done_bucket_id": {"type": "integer"}}, "required": ["title"]},
         "outputSchema": {"type": "object", "properties": {**created, "bucket_id": {"type": "integer"},
                                                           "done_bucket_id": {"type": "integer"}}}},
    ]  # fmt: skip
    _, bp = await blueprint_of(write(tmp_path, "board.tools.json", json.dumps({"tools": tools})))
    tasks = bp.table("tasks")
    columns = [
        c.model_copy(update={"references": "buckets.id"}) if c.name == "done_bucket_id" else c for c in tasks.columns
    ]
    bp = bp.model_copy(
        update={"tables": [t if t.name != "tasks" else t.model_copy(update={"columns": columns}) for t in bp.tables]}
    )
    names = [invariant.name for invariant in invariants_of(bp, Derived(), "2026-01-01T00:00:00")]
    assert len(names) == len(set(names))
    assert {"tasks.created.after.buckets.bucket_id", "tasks.created.after.buckets.done_bucket_id"} <= set(names)


async def test_a_verb_only_tool_takes_its_record_from_its_description_or_is_left_out(tmp_path: Path) -> None:
    """`create` described "Create a new task" writes tasks; `delete`, whose description names nothing after a verb,
    names no record and is left out saying so rather than made a table named after the document; `add(a, b)`,
    "Add two numbers" after a preamble sentence, is a calculation and left out as one."""
    any_object = {"type": "object", "properties": {"title": {"type": "string"}}}
    numbers = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}
    tools = [
        {"name": "create", "description": "Create a new task in the list.", "inputSchema": any_object},
        {"name": "list", "description": "List all tasks.", "inputSchema": {"type": "object", "properties": {}}},
        {"name": "add", "description": "This tool belongs to the calculator. Add two numbers.", "inputSchema": numbers},
        {"name": "delete", "description": "Careful: this cannot be undone.", "inputSchema": any_object},
    ]
    _, bp = await blueprint_of(write(tmp_path, "helper.tools.json", json.dumps({"tools": tools})))
    assert {p.name: p.table for p in bp.plans} == {"create": "tasks", "list_": "tasks"}  # `list` is a keyword
    assert any(s.name == "delete" and "names a record" in s.reason for s in bp.skipped)
    assert any(s.name == "add" and "calculation" in s.reason for s in bp.skipped)


async def test_a_keyless_start_of_a_new_record_makes_one_and_its_arguments_stay_fields(tmp_path: Path) -> None:
    """`tt_start(description)` "Start a new time entry" makes an entry whose description is a field;
    `tt_move(source, target)`, which names no entry to move, is left out without adding its arguments."""
    text = {"type": "string"}
    tools = [
        {"name": "tt_start", "description": "Start a new time entry.",
         "inputSchema": {"type": "object", "properties": {"description": text}, "required": ["description"]}},
        {"name": "tt_list_entries", "description": "List time entries.", "inputSchema": {"type": "object", "properties": {}}},
        {"name": "tt_move", "description": "Move an entry.",
         "inputSchema": {"type": "object", "properties": {"source": text, "target": text}}},
    ]  # fmt: skip
    _, bp = await blueprint_of(write(tmp_path, "timer.tools.json", json.dumps({"tools": tools})))
    assert bp.plan("tt_start").kind == "create"
    table = bp.table(bp.plan("tt_start").table)
    assert table.name == bp.plan("tt_list_entries").table
    assert "description" in [c.name for c in table.columns]
    assert not {"source", "target"} & {c.name for t in bp.tables for c in t.columns}
    assert any(s.name == "tt_move" and "no key argument" in s.reason for s in bp.skipped)


async def test_a_keyless_setter_sets_a_record_some_tool_reads_and_no_other(tmp_path: Path) -> None:
    """`set_checkout_email(email)` sets the email of the one checkout that `get_checkout()` reads (the email does
    not find a checkout); `change_time(date)`, of a 'time' no tool reads, is left out saying it takes no id."""
    tools = [
        {"name": "get_checkout", "description": "Get the current checkout.", "inputSchema": {"type": "object"},
         "outputSchema": {"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}}},
        {"name": "set_checkout_email", "description": "Change the checkout's email.",
         "inputSchema": {"type": "object", "required": ["email"], "properties": {"email": {"type": "string", "format": "email"}}}},
        {"name": "change_time", "description": "Change the time of the selected entries.",
         "inputSchema": {"type": "object", "required": ["date"], "properties": {"date": {"type": "string"}}}},
    ]  # fmt: skip
    _, bp = await blueprint_of(write(tmp_path, "t.json", json.dumps(tools)))
    setter = bp.plan("set_checkout_email")
    assert setter.kind == "update" and setter.table in bp.singletons
    assert [(p.name, p.role) for p in setter.params] == [("email", "field")]
    assert [(s.name, "takes no id" in s.reason) for s in bp.skipped] == [("change_time", True)]


async def test_a_search_text_searches_and_opening_a_record_reads_it(tmp_path: Path) -> None:
    """`searchText` and `searchQuery` search the records (no column of that name); `open_event(event_id)`
    opens the event to look at it (a read), while `open_account(name)` opens a new account (a create)."""
    tools = [
        {"name": "search_events", "description": "Search events.",
         "inputSchema": {"type": "object", "required": ["searchText"], "properties": {"searchText": {"type": "string"}}},
         "outputSchema": {"type": "object", "properties": {"id": {"type": "string"}, "title": {"type": "string"}}}},
        {"name": "open_event", "description": "Open an event in the app.",
         "inputSchema": {"type": "object", "required": ["event_id"], "properties": {"event_id": {"type": "string"}}}},
        {"name": "open_account", "description": "Open a new account.",
         "inputSchema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}},
    ]  # fmt: skip
    _, bp = await blueprint_of(write(tmp_path, "t.json", json.dumps(tools)))
    assert [(p.name, p.role) for p in bp.plan("search_events").params] == [("searchText", "search")]
    assert "searchText" not in [c.name for c in bp.table(bp.plan("search_events").table).columns]
    assert bp.plan("open_event").kind == "get" and bp.plan("open_account").kind == "create"


async def test_a_page_of_results_holds_the_records_of_its_one_list(tmp_path: Path) -> None:
    """`{offset, count, history: [...]}` is a page of activities: the table holds the activities' fields, not
    the page's offset and count."""
    text = """
openapi: 3.0.0
info: {title: Rides, version: '1'}
paths:
  /history:
    get:
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {offset: {type: integer}, count: {type: integer}, history: {type: array, items: {type: object, properties: {uuid: {type: string}, city: {type: string}}}}}}}}}
"""
    _, bp = await blueprint_of(write(tmp_path, "rides.yaml", text))
    table = bp.table(bp.plans[0].table)
    assert [c.name for c in table.columns if c.name != "id"] == ["uuid", "city"]


async def test_a_bare_name_filter_searches_the_records_own_name_column(tmp_path: Path) -> None:
    """`find_files(name)` beside `read_file(file_name)` filters on the files' `file_name`: no second `name`."""
    text = {"type": "string"}
    tools = [
        {"name": "read_file", "description": "Read a file.",
         "inputSchema": {"type": "object", "properties": {"file_name": text}, "required": ["file_name"]}},
        {"name": "find_files", "description": "Find files by name.",
         "inputSchema": {"type": "object", "properties": {"name": text}}},
    ]  # fmt: skip
    _, bp = await blueprint_of(write(tmp_path, "files.tools.json", json.dumps({"tools": tools})))
    files = bp.table(bp.plan("find_files").table)
    assert "name" not in [c.name for c in files.columns]
    assert [(p.role, p.column) for p in bp.plan("find_files").params] == [("filter", "file_name")]


async def test_a_vendor_prefix_that_is_a_verb_is_still_a_prefix_and_paging_or_display_arguments_are_no_fields(
    tmp_path: Path,
) -> None:
    """Every tool of the Close CRM starts `close_`, then a verb: the tools make one `leads` table (not one table a
    tool, as reading `close` as the verb did); `skip` pages and `show_archived` says what a listing shows, so
    neither is a column; `updated_name` sets the name."""
    text, integer = {"type": "string"}, {"type": "integer"}

    def tool(name: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
        schema = {"type": "object", "properties": properties, "required": required}
        return {"name": name, "description": f"{name.split('_')[1].title()} leads.", "inputSchema": schema}

    tools = [
        tool("close_create_lead", {"name": text, "url": text}, ["name"]),
        tool("close_get_lead", {"lead_id": text}, ["lead_id"]),
        tool("close_update_lead", {"lead_id": text, "updated_name": text}, ["lead_id"]),
        tool("close_delete_lead", {"lead_id": text}, ["lead_id"]),
        tool("close_list_leads", {"limit": integer, "skip": integer, "show_archived": {"type": "boolean"}}, []),
    ]
    _, bp = await blueprint_of(write(tmp_path, "close.tools.json", json.dumps({"tools": tools})))
    assert {p.table for p in bp.plans} == {"leads"}
    assert sorted(c.name for c in bp.table("leads").columns) == ["lead_id", "name", "url"]
    assert [(p.role, p.column) for p in bp.plan("close_update_lead").params][1] == ("field", "name")
    assert bp.plan("close_delete_lead").kind == "delete"


async def test_a_field_named_for_another_record_holds_its_number_not_an_amount(tmp_path: Path) -> None:
    """An attendance's integer `employee` is an employee's number: no amount to rank or sum ('the attendance with
    the largest employee'), while its `break` stays a quantity."""
    tools = [
        {"name": "list_employees", "description": "List employees.", "inputSchema": {"type": "object"},
         "outputSchema": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}},
        {"name": "list_attendances", "description": "List attendances.", "inputSchema": {"type": "object"},
         "outputSchema": {"type": "object", "properties": {"id": {"type": "integer"}, "employee": {"type": "integer"},
                                                           "break": {"type": "integer"}}}},
    ]  # fmt: skip
    _, bp = await blueprint_of(write(tmp_path, "work.tools.json", json.dumps({"tools": tools})))
    assert bp.semantic("attendances", "employee") == "ref"
    assert bp.semantic("attendances", "break") == "quantity"
