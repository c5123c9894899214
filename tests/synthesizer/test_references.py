"""Hand-written markdown references, read offline: method references (tables, JSON-RPC samples) and
command-line references (listings, usage lines, examples), each on a small document written for the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autoforge.synthesizer import SynthOptions, synthesize
from autoforge.synthesizer.models import SourceDoc
from autoforge.synthesizer.schema import infer_blueprint
from autoforge.synthesizer.sources import RawSource, parse_structured
from autoforge.synthesizer.sources.reference import parse_reference

from .conftest import write

METHODS = """# Garden RPC

Plants and beds of a community garden, over JSON-RPC.

## Methods

| Method | Description |
|---|---|
| `bed_water` | water the beds now |
| `bed_drain` | drain the beds |

Request parameters: `bed_ids`, which beds to use.

### 2.1 Planting: `plant_add`

Method name: `plant_add`

Put a new plant in a bed.

| Key | Value Type | Required | Description |
|---|---|---|---|
| `species` | string | yes | what is planted |
| `bed_id` | integer | yes | the bed it goes in |
| `height_cm` | double | no | its height today |
| `organic` | boolean | no | grown without pesticide |

Response parameters:

| Key | Value Type | Description |
|---|---|---|
| `plant_id` | number | the new plant's id |

### `plantFind`

*   Finds plants by species.

    ```json
    {"method": "plantFind", "params": {"species": "tomato", "limit": 5, "tags": ["veg"]}}
    ```

    ```json
    {"result": [12, 14], "error": null}
    ```

    ```json
    {"method": "bedList", "params": {"zone": "north"}}
    ```
"""

CLI = """# kb

A kanban board in the terminal.

## Usage

```
$ kb --help

  Usage
    $ kb [<options> ...]

    Options
      --card, -c         Create card
      --done, -d         Finish card
      --remove, -r       Remove card
      --rename, -n       Rename card
      --find, -f         Search for cards
      --help, -h         Display help message
      --version, -v      Display installed version

    Examples
      $ kb --card Fix the login page
      $ kb --done 3
      $ kb --remove 2 5
      $ kb --rename @4 Polish the login page
      $ kb --find login
```
"""

TIMER = """# Punch

Punch keeps time sheets of work entries.

    $ punch in writing docs
    $ punch out

Commands
--------

**in**
  Start an entry on the current sheet, with notes.

  usage: ``punch in [--at TIME] [NOTES]``

**kill**
  Delete an entry by its id.

  usage: ``punch kill --id ID``

**sheet**
  Switch to a sheet, creating it if necessary.

  usage: ``punch sheet SHEET``
"""

BOOKS = """# Shelf

Shelf keeps a home library of books and the friends who borrow them.

```
usage: shelf [--help] <command> [args]

commands:
  add                : Add a book
  lend               : Lend a book to a friend
  return             : Return a borrowed book
  remove             : Remove a book
  list               : List books on the shelf
  help               : Show this message
```

Examples:

```
shelf add "Dune" --author "Frank Herbert" --year 1965
shelf lend 3 --friend Ana
shelf return 3
shelf remove 4
```

### add

usage: `shelf add TITLE --author AUTHOR [--year YEAR] [--genre GENRE]`

### lend

usage: `shelf lend BOOK_ID --friend FRIEND`

### return

usage: `shelf return BOOK_ID`

### remove

usage: `shelf remove BOOK_ID`
"""


SIGNATURES = """# Notes SDK

### `create_note(title: str, body: str, pinned: bool = False)`

Write a new note.

### `delete_note(note_id: int)`

Delete a note for good.

### `findNotes(query, limit?)`

Notes whose title matches.
"""

TODO = """# todo

A to-do list for the shell.

## Commands

- `todo add <text>` - add an item to the list
- `todo done <id>` - mark an item as done
- `todo rm <id>` - remove an item
"""


def _parse(text: str, name: str = "doc.md") -> SourceDoc:
    doc = parse_reference(text, name, "0" * 64)
    assert doc is not None
    return doc


def _tools(doc: SourceDoc) -> dict[str, dict[str, Any]]:
    return {op.name: op.input_schema for op in doc.operations}


def _types(schema: dict[str, Any]) -> dict[str, str]:
    """Each argument of an input schema and its JSON type."""
    return {k: v["type"] for k, v in schema["properties"].items()}


def test_a_method_reference_reads_parameter_tables_and_method_tables() -> None:
    """A `Method name:` section's parameter table gives typed arguments (a Required column says which are
    required) and its response table is not read as arguments; a Method | Description table names several
    methods that share the arguments the next line mentions."""
    doc = _parse(METHODS)
    tools = _tools(doc)
    assert doc.format == "markdown-reference" and doc.title == "Garden RPC"
    plant = tools["plant_add"]
    assert _types(plant) == {
        "species": "string",
        "bed_id": "integer",
        "height_cm": "number",
        "organic": "boolean",
    }
    assert plant["required"] == ["species", "bed_id"]
    assert {"bed_water", "bed_drain"} <= set(tools)
    assert tools["bed_drain"]["properties"]["bed_ids"]["type"] == "array"
    described = {op.name: op.description for op in doc.operations}
    assert described["bed_water"] == "water the beds now" and described["plant_add"] == "Put a new plant in a bed."


def test_a_sample_request_types_the_arguments_of_its_own_method_only() -> None:
    """The `params` of a JSON sample request become typed arguments with the sample as an example; a sample
    result and another method's sample are not read."""
    properties = _tools(_parse(METHODS))["plantFind"]["properties"]
    assert set(properties) == {"species", "limit", "tags"}
    assert (properties["limit"]["type"], properties["tags"]["type"]) == ("integer", "array")
    assert "tomato" in str(properties["species"])


def test_a_cli_listing_names_tools_by_what_they_do_and_examples_type_their_arguments() -> None:
    """`--card, -c  Create card` becomes create_card; numbers after an option are record ids (several: an
    array), `@4` is one record and the words after it text; --help and --version are not tools."""
    doc = _parse(CLI)
    tools = _tools(doc)
    assert doc.format == "markdown-cli"
    assert set(tools) == {"create_card", "finish_card", "remove_card", "rename_card", "find_card"}
    assert set(tools["create_card"]["properties"]) == {"text"}
    assert tools["finish_card"]["properties"] == {"id": {"type": "integer"}}
    assert tools["remove_card"]["properties"]["ids"]["type"] == "array"
    assert set(tools["rename_card"]["properties"]) == {"id", "text"}
    assert set(tools["find_card"]["properties"]) == {"query"}


def test_usage_lines_give_each_command_its_arguments() -> None:
    """`**in**` paragraphs describe commands and `usage:` lines give their arguments: bracketed ones are
    optional, `--id ID` is an integer named by its option, TIME a date-time."""
    tools = _tools(_parse(TIMER))
    start = next(schema for name, schema in tools.items() if name.startswith(("start", "in")))
    assert set(start["properties"]) == {"at", "notes"} and "required" not in start
    assert start["properties"]["at"]["type"] == "string"
    kill = next(schema for name, schema in tools.items() if name.startswith(("delete", "kill")))
    assert kill["properties"] == {"id": {"type": "integer"}} and kill["required"] == ["id"]
    assert any(schema["required"] == ["sheet"] for schema in tools.values() if schema.get("required"))


def test_signature_headings_give_typed_arguments() -> None:
    """`create_note(title: str, body: str, pinned: bool = False)` is a method with typed arguments, the defaulted
    one optional; `findNotes(query, limit?)` types by name and `?` marks the optional one."""
    tools = _tools(_parse(SIGNATURES))
    assert tools["create_note"]["required"] == ["title", "body"]
    assert tools["create_note"]["properties"]["pinned"]["type"] == "boolean"
    assert tools["delete_note"]["properties"]["note_id"]["type"] == "integer"
    assert (set(tools["findNotes"]["properties"]), tools["findNotes"]["required"]) == ({"query", "limit"}, ["query"])


def test_a_list_of_commands_written_with_the_program_name_is_a_cli() -> None:
    """Items like `` `todo add <text>` - add an item `` name the program (todo) and its commands; `<id>` is an
    integer argument."""
    doc = _parse(TODO)
    tools = _tools(doc)
    assert doc.format == "markdown-cli"
    assert set(tools) == {"add_item", "mark_item", "remove_item"}
    assert tools["remove_item"]["properties"] == {"id": {"type": "integer"}}
    assert tools["add_item"]["required"] == ["text"]


MANUAL = """# shelf

## SYNOPSIS

```
shelf -f FILE SUBCOMMAND [OPTIONS]
```

## SUBCOMMANDS

### add

```
shelf add -t TITLE -a AUTHOR [-y YEAR]
```

Add a new book to the shelf. A book already there is not added twice.

**Options**

`-t TITLE`, `--title TITLE`
: The title of the book. Required.

`--year YEAR`
: The year the book came out.

### lend

```
shelf lend -t TITLE -to FRIEND
```

Lend a book to a friend.

### books

```
shelf books [--all]
```

List the books on the shelf.

`--all`
: Show lent books too.
"""


def test_a_manual_s_subcommand_sections_are_commands_and_their_options_are_arguments() -> None:
    """`### add` over a code line that runs `shelf add -t TITLE ...` is a command whose arguments are named by
    their placeholders (`title`, not `t`); the options listed under it (`--year YEAR`, `--all`) are no commands."""
    tools = _tools(_parse(MANUAL))
    add = next(schema for name, schema in tools.items() if name.startswith("add"))
    assert set(add["properties"]) == {"title", "author", "year"} and add["required"] == ["title", "author"]
    assert any(name.startswith("lend") for name in tools)
    assert not any("year" in name or name.startswith("all") for name in tools), tools


WALLET = """# Wallet RPC

### **open_account**

Open a new account in the wallet.

Inputs:

* *label* - string; The account's label.
* *currency* - string; (Optional; Default: EUR; Accepts: EUR, USD) Its currency.
* *address_indices* - array of unsigned int; (Optional) Addresses to fund it from.
* *private* - boolean; (Defaults to false) Hide it from the summary.

Outputs:

* *account_index* - unsigned int; The new account's index.

### **close_account**

Close an account.

Inputs:

* *account_index* - unsigned int; The account to close.
"""


def test_dashed_argument_items_under_bold_method_headings_are_typed_arguments() -> None:
    """`### **open_account**` is a method; `*label* - string; text` items are its arguments, `(Optional; Default:
    EUR; Accepts: EUR, USD)` make them optional with a default and a choice, `array of unsigned int` is an array of
    integers; the Outputs items are no arguments."""
    tools = _tools(_parse(WALLET))
    opened = tools["open_account"]
    assert set(opened["properties"]) == {"label", "currency", "address_indices", "private"}
    assert opened["required"] == ["label"]
    assert (
        opened["properties"]["currency"]["enum"] == ["EUR", "USD"]
        and opened["properties"]["currency"]["default"] == "EUR"
    )
    assert opened["properties"]["address_indices"]["items"] == {"type": "integer"}
    assert opened["properties"]["private"]["default"] is False
    assert tools["close_account"]["properties"]["account_index"]["type"] == "integer"


LENDING = """# Lending desk RPC

A library's loans, over JSON-RPC.

**Method Details**

|   |   |
|---|---|
|Method|lendbook|
|Parameters|1. member card (string, required) - the borrower's card number<br />2. copy id (int64, required) - the copy lent<br />3. weeks (int32, optional, default=3) - how long the loan runs<br />4. renewable (boolean, optional, default=true) - whether it may be renewed|
|Description|Lends a copy to a member.<br />The copy must be on the shelf.|
|Returns|`"loan" (string) the new loan's id`|

|   |   |
|---|---|
|Method|[getloans](#getloans)|
|Parameters|1. filter (JSON object, optional) - which loans<br />`{`<br />&nbsp;&nbsp;`"member": "card",`<br />`}`|
|Description|Returns information about open loans.|
|Returns|`[ (json array) ... ]`|
"""


def test_a_two_column_table_per_method_gives_its_name_description_and_numbered_arguments() -> None:
    """`|Method|lendbook|` starts a method's own table: its numbered Parameters (several words to a name, sized
    types, `default=` values) are typed arguments, the sample JSON between them is not, and the first line of its
    Description describes it; a linked method name counts as its name."""
    doc = _parse(LENDING)
    lend = _tools(doc)["lendbook"]
    assert _types(lend) == {
        "member_card": "string",
        "copy_id": "integer",
        "weeks": "integer",
        "renewable": "boolean",
    }
    assert lend["required"] == ["member_card", "copy_id"]
    assert lend["properties"]["weeks"]["default"] == 3 and lend["properties"]["renewable"]["default"] is True
    assert set(_tools(doc)["getloans"]["properties"]) == {"filter"}
    described = {op.name: op.description for op in doc.operations}
    assert described["lendbook"] == "Lends a copy to a member."


AQUARIUM = """# Aquarium control API

Tanks and their pumps, over JSON-RPC 2.0. Tanks hold pumps; call `Server.GetStatus` for everything.

## Requests

### Tank.GetStatus

#### Request

```json
{"id": 1, "jsonrpc": "2.0", "method": "Tank.GetStatus", "params": {"id": "tank-1"}}
```

#### Response

```json
{"id": 1, "jsonrpc": "2.0", "result": {"tank": {"id": "tank-1", "name": "Reef", "temperature": 25, "litres": 300}}}
```

### Tank.SetTemperature

#### Request

```json
{"id": 2, "jsonrpc": "2.0", "method": "Tank.SetTemperature", "params": {"id": "tank-1", "temperature": 26}}
```

#### Notification

```json
{"jsonrpc": "2.0", "method": "Tank.OnTemperatureChanged", "params": {"id": "tank-1", "temperature": 26}}
```

### Tank.SetName

#### Request

```json
{"id": 3, "jsonrpc": "2.0", "method": "Tank.SetName", "params": {"id": "tank-1", "name": "Lagoon"}}
```

### Server.GetStatus

#### Request

```json
{"id": 4, "jsonrpc": "2.0", "method": "Server.GetStatus"}
```

#### Response

```json
{"id": 4, "jsonrpc": "2.0", "result": {"tanks": [{"id": "tank-1", "name": "Reef", "temperature": 25, "litres": 300}]}}
```

### Server.AddTank

#### Request

```json
{"id": 5, "jsonrpc": "2.0", "method": "Server.AddTank", "params": {"name": "Shallows", "litres": 120}}
```

### Server.RemoveTank

#### Request

```json
{"id": 6, "jsonrpc": "2.0", "method": "Server.RemoveTank", "params": {"id": "tank-2"}}
```

## Notifications

### Tank.OnTemperatureChanged

```json
{"jsonrpc": "2.0", "method": "Tank.OnTemperatureChanged", "params": {"id": "tank-1", "temperature": 26}}
```
"""


def test_a_heading_over_a_sample_request_is_a_method_and_its_area_is_the_record_it_acts_on() -> None:
    """`### Tank.SetTemperature` over a `#### Request` sample calling it is a method whose arguments are the sample's
    `params`; a notification (a sample without `id`) is none. `Area.VerbNoun` reads the area's record for a read
    or a change and the noun for a create or a delete."""
    from autoforge.synthesizer.schema import infer_blueprint

    doc = _parse(AQUARIUM)
    tools = _tools(doc)
    assert set(tools) == {
        "tank_get_status", "tank_set_temperature", "tank_set_name", "server_get_status", "server_add_tank",
        "server_remove_tank",
    }  # fmt: skip
    assert set(tools["tank_set_temperature"]["properties"]) == {"id", "temperature"}
    assert tools["tank_set_temperature"]["properties"]["temperature"]["type"] == "integer"
    plans = {plan.name: (plan.kind, plan.table) for plan in infer_blueprint(doc).plans}
    assert plans["tank_set_temperature"] == ("update", "tanks")
    assert plans["tank_get_status"] == ("get", "tanks")
    assert plans["server_add_tank"] == ("create", "tanks")
    assert plans["server_remove_tank"] == ("delete", "tanks")


SHELF_CLI = """---
title: shelf
---

# Commands

The commands of the `shelf` tool, which keeps your bookshelf.

## add

The `add` command adds books to your shelf.

```bash
shelf add dune
shelf add emma --room study
```

#### Options

* `--room (-r)`: The room the shelf is in.

## remove

The `remove` command removes a book from your shelf.

```bash
shelf remove dune
```

## search

This command searches for books on your shelf.

```bash
shelf search dune
```
"""


def test_a_command_reference_run_in_shell_blocks_names_its_tools_from_what_each_command_does() -> None:
    """Lines of a `bash` block run the program with no `$` prompt; "The `add` command adds books" makes
    add_book, whose one-word examples are the book it takes; the options under a command are no tools."""
    doc = parse_structured(RawSource(name="shelf.md", text=SHELF_CLI, sha256="0" * 64, markdown=True))
    assert doc is not None and doc.format == "markdown-cli"
    tools = _tools(doc)
    assert set(tools) == {"add_book", "remove_book", "search_book"}
    assert set(tools["add_book"]["properties"]) == {"book"} and "dune" in str(tools["add_book"]["properties"])
    assert set(tools["search_book"]["properties"]) == {"query"}


KENNEL = """# Kennel JSON-RPC

## Dog

 - name: `string`
 - action: `Action`

## ping
Checks that the server answers.

Params: No parameters
Return Type: `string`

Request Example
```
  curl -H 'Content-Type: application/json' \\
    -d '{"jsonrpc": "2.0", "method": "ping", "params": [], "id": null}' localhost:8080
```

## kennel_getDog
Gets the dog with the given name.

Params:
 1. dog name - `string`
 2. block number: `number` | `null`
 3. chip: `hexadecimal string` - the chip's code

Return Type: `Dog`

## kennel_admitDog
Admits a dog to the kennel.

Params:
 1. name: `string`

Return Type: `null`
"""


def test_numbered_typed_params_a_curl_sample_and_a_record_s_field_list() -> None:
    """Items under `Params:` (`dog name - 'string'`, a `null` choice optional, the last word of a type its JSON
    type) are arguments, and "Return Type" ends them; a heading over a curl sample calling it is a method even in
    one lower-case word; a record's field list (`- action: 'Action'`) names no method."""
    tools = _tools(_parse(KENNEL))
    assert set(tools) == {"ping", "kennel_getDog", "kennel_admitDog"}
    get = tools["kennel_getDog"]
    assert _types(get) == {
        "dog_name": "string",
        "block_number": "number",
        "chip": "string",
    }
    assert get["required"] == ["dog_name", "chip"]
    assert tools["ping"]["properties"] == {} and set(tools["kennel_admitDog"]["properties"]) == {"name"}


def test_prose_without_methods_or_commands_is_not_read() -> None:
    """A README that documents neither methods nor commands yields nothing (the pipeline asks for an LLM): nor
    does one whose code headings name a library's options, or whose only command lines install it."""
    shop = "# Shop\n\nOur API lets you fetch orders and cancel them.\n\n## Installation\n\nRun `make`.\n"
    options = (
        "# body-reader\n\n```\n$ npm install body-reader\n```\n\n```\n$ npm install body-reader --save\n```\n\n"
        "## Options\n\n#### `defaultCharset`\n\nThe charset when none is given.\n\n"
        "#### `parameterLimit`\n\nHow many parameters are read.\n"
    )
    assert parse_reference(shop, "shop.md", "0" * 64) is None
    assert parse_reference(options, "README.md", "0" * 64) is None


async def test_a_subcommand_reference_synthesizes_an_environment_that_verifies(tmp_path: Path) -> None:
    """A git-style CLI reference (a command listing and one usage line per command) becomes an environment:
    books are added and removed, and every kept task replays to 1.0 (checked by synthesis itself)."""
    source = write(tmp_path, "shelf.md", BOOKS)
    options = SynthOptions(tasks=20, min_calls=1)
    result = await synthesize(source, tmp_path / "out" / "shelf", options, work_dir=tmp_path / "work")
    assert len(result.tasks) >= 10
    tools = {tool.name: tool for tool in result.spec.tools}
    assert {"add_book", "remove_book"} <= set(tools)
    written = {call.tool for task in result.tasks for call in task.solution.calls}
    assert "add_book" in written or "remove_book" in written


AGENDA_RST = """Usage
=====

:program:`agenda` keeps appointments in local calendars.

Commands
--------

list
****
shows all appointments booked for a given day, with their times::

    agenda list [-c CALENDAR] [DAY]

new
***
allows for adding new appointments::

    agenda new [-c CALENDAR] [OPTIONS] START TITLE

cancel
******
cancels an appointment by its number::

    agenda cancel NUMBER
"""


async def test_a_man_page_in_restructured_text_gives_a_tool_per_command_section(tmp_path: Path) -> None:
    """Sections named by a command word over a synopsis (`agenda new [-c CALENDAR] [OPTIONS] START TITLE`, no `$`)
    are the commands; `[OPTIONS]` only marks where options go; "allows for adding new appointments" adds
    appointments and "shows all appointments booked for a given day" lists appointments, not a day's bookings."""
    from autoforge.synthesizer.sources import read_source

    source = parse_structured(await read_source(write(tmp_path, "agenda.rst", AGENDA_RST), 2**20))
    tools = {op.name: sorted(op.input_schema.get("properties", {})) for op in source.operations}
    assert tools["new_appointment"] == ["calendar", "start", "title"]
    assert tools["list_appointment"] == ["calendar", "day"]
    assert "number" in tools["cancel_appointment"]


BOARDING = """# Kennel API

Dogs boarding at a kennel, and their stays.

## Dogs

### The dog object

| Field | Type | Description |
|---|---|---|
| `id` | integer | the dog's number |
| `name` | string | what the dog answers to |
| `breed` | string | its breed |
| `owner_email` | string | who to call |
| `weight_kg` | number | its weight |

### List dogs

Lists the dogs boarding now.

`GET /v2/dogs`

| Parameter | Type | Description |
|---|---|---|
| `breed` | string | only dogs of this breed |

#### Response

```json
{"data": [{"id": 4, "name": "Biscuit", "breed": "beagle", "owner_email": "ann@mail.test", "weight_kg": 11.5,
           "record_hash": "9f2c61d0"}]}
```

| Field | Type | Description |
|---|---|---|
| `data` | array | the dogs |

### Register a dog

```
POST /v2/dogs
```

| Parameter | Type | Description |
|---|---|---|
| `name` | string | **Required.** what the dog answers to |
| `breed` | string | **Required.** its breed |
| `owner_email` | string | **Required.** who to call |
| `weight_kg` | number | its weight |

### Update a dog

```http
PATCH /v2/dogs/:dog_id HTTP/1.1
Content-Type: application/json

{"weight_kg": 12.0, "breed": "beagle"}
```

### Remove a dog

`DELETE /v2/dogs/{dog_id}`

## Stays

### Book a stay

```
POST /v2/dogs/:dog_id/stays
```

| Parameter | Type | Description |
|---|---|---|
| `nights` | integer | **Required.** how many nights |
| `starts_on` | string | **Required.** the first day, YYYY-MM-DD |

### List a dog's stays

```
GET /v2/dogs/:dog_id/stays
```

#### Response

```json
[{"id": 9, "dog_id": 4, "nights": 3, "starts_on": "2026-03-02", "status": "booked"}]
```

### Cancel a stay

```
POST /v2/stays/:stay_id/cancel
```
"""
"""A REST reference in markdown: a heading per endpoint over its request line, parameter tables, samples."""


def test_a_heading_over_a_request_line_is_an_endpoint_read_like_openapi() -> None:
    """Each section that opens with a request line (in a code block, with or without a body sample, or in code in
    a paragraph) is an endpoint: named by its heading where that says what it does, `:dog_id` and `{dog_id}` are
    path arguments, the parameter table gives the arguments with their types and what is required, a body sample
    adds its fields, a response sample gives the result (and a table after it describes the result, not the
    arguments), and a resource table stands for the result of an endpoint without a sample."""
    doc = parse_structured(RawSource("kennel.md", "0" * 64, BOARDING, markdown=True))
    assert doc is not None and doc.format == "markdown-http" and doc.title == "Kennel API"
    tools = {op.name: op for op in doc.operations}
    assert {"list_dogs", "register_dog", "update_dog", "remove_dog", "book_stay", "cancel_stay"} <= set(tools)
    register = tools["register_dog"].input_schema
    assert _types(register) == {"name": "string", "breed": "string", "owner_email": "string", "weight_kg": "number"}
    assert sorted(register["required"]) == ["breed", "name", "owner_email"]
    assert set(tools["list_dogs"].input_schema["properties"]) == {"breed"}  # not the response's `data`
    assert tools["list_dogs"].output_schema is not None
    assert {"name", "breed", "weight_kg"} <= set(tools["register_dog"].output_schema["properties"])  # the dog object
    assert set(tools["update_dog"].input_schema["properties"]) == {"dog_id", "weight_kg", "breed"}
    assert tools["remove_dog"].input_schema["required"] == ["dog_id"]
    assert _types(tools["book_stay"].input_schema) == {"dog_id": "string", "nights": "integer", "starts_on": "string"}


def test_a_page_with_one_request_line_is_no_rest_reference() -> None:
    """One endpoint is not a reference: the page is left to the other readers (or an LLM backend)."""
    single = "# Ping\n\n### Check the service\n\n```\nGET /health\n```\n"
    assert parse_structured(RawSource("ping.md", "0" * 64, single, markdown=True)) is None


async def test_a_rest_reference_in_markdown_synthesizes_an_environment_that_verifies(tmp_path: Path) -> None:
    """The kennel page becomes an environment whose tasks replay to 1.0 (checked by synthesis itself) and write
    through its endpoints; nobody names a dog by its record's hash, or asks for it."""
    source = write(tmp_path, "kennel.md", BOARDING)
    result = await synthesize(source, tmp_path / "out" / "kennel", SynthOptions(tasks=20), work_dir=tmp_path / "w")
    assert len(result.tasks) >= 10
    written = {call.tool for task in result.tasks for call in task.solution.calls}
    assert written & {"register_dog", "update_dog", "remove_dog", "book_stay", "cancel_stay"}
    assert not [t.instruction for t in result.tasks if "hash" in t.instruction]


DESK = """# Help desk API

## POST /tickets - Open Ticket

| Parameter | Type | Description |
|---|---|---|
| `subject` | string | **Required.** what it is about |
| `channel` | string | Where it came from: `email`, `phone`, or `web` |

### Response

```json
{"error": "Department not found"}
```

## PATCH /tickets/:number - Update Ticket

### Updateable properties

| Parameter | Type | Description |
|---|---|---|
| `dueDate` | string | when it is due |

## GET /tickets/:number - Get Ticket

### Response

```json
{"number": "191215", "id": 7, "subject": "Printer jam", "duedate": "2026-03-09", "channel": "web"}
```
"""
"""A REST reference whose headings are the request lines, with the endpoint's title after them."""


def test_a_heading_that_is_the_request_line_names_its_endpoint_by_the_title_after_it() -> None:
    """`## POST /tickets - Open Ticket` is the endpoint `open_ticket`; an error's sample (`{"error": ...}`) is not
    its result; a properties table under an endpoint is that endpoint's arguments, never the result of the next
    one; three choices in code make an enum."""
    doc = parse_structured(RawSource("desk.md", "0" * 64, DESK, markdown=True))
    assert doc is not None and doc.format == "markdown-http"
    tools = {op.name: op for op in doc.operations}
    assert set(tools) == {"open_ticket", "update_ticket", "get_ticket"}
    opened = tools["open_ticket"].input_schema
    assert opened["required"] == ["subject"] and opened["properties"]["channel"]["enum"] == ["email", "phone", "web"]
    assert tools["open_ticket"].output_schema is None or "error" not in tools["open_ticket"].output_schema.get(
        "properties", {}
    )
    assert set(tools["update_ticket"].input_schema["properties"]) == {"number", "dueDate"}
    assert "id" in tools["get_ticket"].output_schema["properties"]
    blueprint = infer_blueprint(doc)  # `duedate` is a date; a plain integer `id` beside the key is a reference
    assert blueprint.semantic("tickets", "duedate") == "date" and blueprint.semantic("tickets", "id") == "ref"


CITY = """# Street reports API

Report problems in the street and follow them up.

### GET Report Types

{: .table .resource-table}
| Purpose     | the kinds of problem a report may be about |
| URL         | https://[API endpoint]/kinds.[format] |
| HTTP Method | GET |

#### Example Response

~~~~
[{"kind_code": 007, "kind_name": "Broken street light", "group": "lighting"}]
~~~~

### GET Report Type

{: .table .resource-table}
| URL         | https://[API endpoint]/kinds/[kind code].[format] |
| HTTP Method | GET |

### POST Report

{: .table .resource-table}
| URL         | [https://[API](https://[API) endpoint]/reports.[format] |
| HTTP Method | POST |

#### Required Arguments

| Field Name   | Description | Notes |
|--------------|-------------|-------|
| `kind_code`  | which kind of problem | from GET Report Types |
| `lat`        | latitude | |

#### Optional Arguments

| Field Name   | Description | Notes |
|--------------|-------------|-------|
| `email`      | who reported it | This is required if no `phone` is given |
| <code class="field">phone</code> | their phone | |

### GET Report

{: .table .resource-table}
| URL         | https://[API endpoint]/reports/[report_id].[format] |
| HTTP Method | GET |
"""
"""A wiki-style reference: each endpoint's URL and method in a table of facts written without a header rule."""


def test_an_endpoint_s_url_and_method_in_a_table_of_facts_are_its_request_line() -> None:
    """`| URL | https://[API endpoint]/kinds/[kind code].[format] |` over `| HTTP Method | GET |` is `GET
    /kinds/{kind_code}`: the host and the format suffix are left out, a bracketed segment is an argument, even in a
    table written without its header rule under a kramdown attribute line; a "Required Arguments" table's rows
    are required and an "Optional Arguments" table's are not; a sample with a hand-written slip (`007`) still
    gives the result, and a report's `kind_code` refers to the kind it names (its key); `lat` is a number."""
    doc = parse_structured(RawSource("city.md", "0" * 64, CITY, markdown=True))
    assert doc is not None and doc.format == "markdown-http"
    tools = {op.name: op for op in doc.operations}
    assert {(op.method, op.path) for op in doc.operations} == {
        ("GET", "/kinds"), ("GET", "/kinds/{kind_code}"), ("POST", "/reports"), ("GET", "/reports/{report_id}"),
    }  # fmt: skip
    report = next(op for op in doc.operations if op.path == "/reports" and op.method == "POST").input_schema
    assert sorted(report["required"]) == ["kind_code", "lat"] and report["properties"]["lat"]["type"] == "number"
    assert "phone" in report["properties"]
    listing = next(op for op in doc.operations if op.path == "/kinds")
    assert listing.output_schema is not None and "kind_name" in json.dumps(listing.output_schema)
    assert len(tools) == 4
    blueprint = infer_blueprint(doc)
    assert blueprint.table("reports").column("kind_code").references == "kinds.kind_code"
