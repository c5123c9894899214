"""Reading tool documentation: every supported format, and a clear error for each kind of bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from autoforge.servers import SynthesisError
from autoforge.synthesizer.sources import parse_structured, read_source

from .conftest import BUNDLED_DOCS, write


async def parse(path: Path | str, max_bytes: int = 2**25):
    return parse_structured(await read_source(path, max_bytes))


async def test_openapi_yaml_gives_one_tool_per_operation_with_refs_resolved(small_api: Path) -> None:
    """Path, query and body parameters become one input schema; $refs in responses are inlined."""
    doc = await parse(small_api)
    tools = {op.name: op for op in doc.operations}
    assert doc.format == "openapi-3.0.3"
    assert set(tools) == {"listCustomers", "updateCustomer", "listOrders", "createOrder", "updateOrder", "cancelOrder"}
    create = tools["createOrder"]
    assert create.input_schema["required"] == ["customerId", "note"]
    assert create.locations == {"customerId": "path", "note": "body"}
    assert create.output_schema is not None and "status" in create.output_schema["properties"]


async def test_swagger_2_body_parameters_are_flattened() -> None:
    """A Swagger 2.0 `in: body` parameter contributes its properties as arguments."""
    doc = await parse(BUNDLED_DOCS / "hotel-reservations.yaml")
    create = next(op for op in doc.operations if op.name == "createReservation")
    assert doc.format == "swagger-2.0"
    assert {"guestId", "room_id", "check_in", "check_out", "guests"} <= set(create.input_schema["properties"])


@pytest.mark.parametrize(
    ("doc", "fmt"),
    [
        ("helpdesk-tickets.tools.json", "mcp-tools"),
        ("personal-banking.functions.json", "openai-tools"),
        ("event-ticketing.tools.json", "anthropic-tools"),
        ("flight-booking.json", "openapi-3.1.0"),
    ],
)
async def test_each_bundled_format_is_recognised(doc: str, fmt: str) -> None:
    """MCP tools/list, OpenAI and Anthropic tool schemas and OpenAPI JSON are told apart by their shape."""
    parsed = await parse(BUNDLED_DOCS / doc)
    assert parsed.format == fmt
    assert len(parsed.operations) >= 15


async def test_openai_responses_shape_is_read(tmp_path: Path) -> None:
    """Flat Responses-API tools ({type, name, parameters}) are read like Chat Completions ones."""
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ]
    doc = await parse(write(tmp_path, "tools.json", json.dumps(tools)))
    assert doc.format == "openai-tools" and doc.operations[0].input_schema["properties"] == {"city": {"type": "string"}}


async def test_markdown_in_the_convention_is_parsed(tmp_path: Path) -> None:
    """`## name` sections with '- `arg` (type, required): text' items become tools."""
    text = "# Notes\n\nA notebook.\n\n## create_note\nWrite a new note.\n- `title` (string, required): the title\n- `pinned` (boolean, optional, default false): keep on top\n"
    doc = await parse(write(tmp_path, "notes.md", text))
    note = doc.operations[0]
    assert (note.name, note.input_schema["required"], note.input_schema["properties"]["pinned"]["default"]) == (
        "create_note",
        ["title"],
        False,
    )


async def test_restructured_text_is_read_as_markdown(tmp_path: Path) -> None:
    """A `.rst` page (Sphinx's `option` directive and `:command:` role included) is read like its markdown: sections
    are headings, options terms, and a tool documented in the convention becomes a tool."""
    from autoforge.synthesizer.sources.restructured import rst_to_markdown

    text = (
        "Notes\n=====\n\nA notebook, driven by :command:`notes`.\n\n.. option:: --color WHEN\n\n   Colour the output.\n\n"
        "create_note\n-----------\n\nWrite a new note.\n\n- ``title`` (string, required): the title\n"
        "- ``pinned`` (boolean, optional, default false): keep on top\n\n.. code-block:: console\n\n   $ notes add Hi\n"
    )
    markdown = rst_to_markdown(text)
    assert markdown.startswith("# Notes\n") and "## create_note" in markdown and "`notes`" in markdown
    assert "**--color WHEN**: Colour the output." in markdown and "```\n$ notes add Hi\n```" in markdown
    doc = await parse(write(tmp_path, "notes.rst", text))
    assert [op.name for op in doc.operations] == ["create_note"]
    assert doc.operations[0].input_schema["required"] == ["title"]


async def test_free_prose_is_not_parsed_offline(tmp_path: Path) -> None:
    """Markdown outside the convention yields nothing offline (the pipeline then asks for an LLM)."""
    assert (
        await parse(write(tmp_path, "prose.md", "# Shop\n\nOur API lets you fetch orders and cancel them.\n")) is None
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.yaml", "   \n", "is empty"),
        ("bad.yaml", "openapi: 3.0.0\npaths: [unclosed\n", "not valid YAML at line"),
        ("bad.json", '{"openapi": ', "not valid JSON"),
        ("other.yaml", "name: not an api\nversion: 2\n", "not a recognised kind"),
        ("nopaths.yaml", "openapi: 3.0.0\ninfo: {title: x, version: '1'}\n", "no `paths`"),
        ("old.yaml", "swagger: '1.2'\npaths: {}\n", "Swagger version"),
    ],
)
async def test_bad_documents_are_refused_with_a_reason(tmp_path: Path, name: str, text: str, message: str) -> None:
    """Empty, malformed or unrecognised input raises SynthesisError naming the file and the problem."""
    with pytest.raises(SynthesisError, match=message) as error:
        await parse(write(tmp_path, name, text))
    assert name in str(error.value)
    assert error.value.exit_code == 2


async def test_broken_ref_is_named(tmp_path: Path) -> None:
    """A $ref to nothing names the reference and where it was used."""
    text = (
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n"
        "          description: ok\n          content: {application/json: {schema: {$ref: '#/components/schemas/Missing'}}}\n"
    )
    with pytest.raises(SynthesisError, match="broken \\$ref '#/components/schemas/Missing'"):
        await parse(write(tmp_path, "broken.yaml", text))


async def test_a_broken_ref_leaves_out_only_its_path(tmp_path: Path) -> None:
    """Among several paths, the one whose schema points at nothing is left out with the reason; the rest parse."""
    text = (
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n"
        "          description: ok\n          content: {application/json: {schema: {$ref: '#/components/schemas/Missing'}}}\n"
        "  /b:\n    get:\n      operationId: listB\n      responses: {'200': {description: ok}}\n"
    )
    doc = await parse(write(tmp_path, "partly.yaml", text))
    assert [op.name for op in doc.operations] == ["listB"]
    assert [(s.name, s.reason.startswith("broken $ref")) for s in doc.skipped] == [("/a", True)]


async def test_remote_ref_asks_for_a_bundled_document(tmp_path: Path) -> None:
    """A $ref into another file is refused with the advice to bundle the document first."""
    text = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: [{$ref: 'common.yaml#/Limit'}]\n      responses: {'200': {description: ok}}\n"
    with pytest.raises(SynthesisError, match="remote \\$ref 'common.yaml#/Limit'.*bundle"):
        await parse(write(tmp_path, "remote.yaml", text))


async def test_tools_without_input_schemas_are_refused(tmp_path: Path) -> None:
    """An MCP tools list whose entries lack inputSchema names them and says what to add."""
    tools = {"tools": [{"name": "ping", "description": "Ping."}, {"name": "pong", "description": "Pong."}]}
    with pytest.raises(SynthesisError, match="2 tool\\(s\\) have no input schema \\(ping, pong\\)"):
        await parse(write(tmp_path, "tools.json", json.dumps(tools)))


async def test_a_file_over_max_bytes_is_refused(small_api: Path) -> None:
    """--max-bytes bounds the input; the message gives both sizes and the option to raise."""
    with pytest.raises(SynthesisError, match="over the --max-bytes limit"):
        await read_source(small_api, max_bytes=100)


async def test_recursive_schemas_are_cut_not_looped(tmp_path: Path) -> None:
    """A schema that refers to itself is inlined a few levels deep, then cut to a plain object."""
    text = (
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths:\n  /nodes:\n    get:\n      operationId: listNodes\n"
        "      responses:\n        '200':\n          description: ok\n          content: {application/json: {schema: {$ref: '#/components/schemas/Node'}}}\n"
        "components:\n  schemas:\n    Node:\n      type: object\n      properties:\n        id: {type: string}\n        child: {$ref: '#/components/schemas/Node'}\n"
    )
    doc = await parse(write(tmp_path, "tree.yaml", text))
    assert doc.operations[0].output_schema["properties"]["child"]["type"] == "object"


async def test_a_live_mcp_server_is_listed_over_stdio() -> None:
    """'mcp:COMMAND' starts the server over stdio and reads its tools/list (here the library reference)."""
    server = Path(__file__).resolve().parents[2] / "servers" / "library-loans" / "server.py"
    mcp = Path(sys.executable).with_name("mcp")
    doc = await parse(f"mcp:{mcp} run {server}")
    assert doc.format == "mcp-tools"
    assert "renew_loan" in {op.name for op in doc.operations}


async def test_an_unreachable_live_server_is_a_clear_error() -> None:
    """A command that is not an MCP server fails with the command named, not a traceback."""
    with pytest.raises(SynthesisError, match="could not list the tools"):
        await parse(f"mcp:{sys.executable} -c pass")


def test_an_enum_written_in_a_description_is_read() -> None:
    """`[Enum]: [...]`, "one of `a`, `b` or `c`" and three choices in code ("`text`, `html`, or `markdown`") become
    the enum a schema lacks; a plain description does not, nor two names of one thing ("the `id` or `slug` of the
    project"), and Python type names ("float") are JSON types."""
    from autoforge.synthesizer.sources.schemas import clean_schema

    listed = clean_schema({"type": "string", "description": 'Mode. [Enum]: ["on", "off"]'})
    worded = clean_schema({"type": "string", "description": "Sort: one of `newest`, `oldest` or `top`."})
    plain = clean_schema({"type": "string", "description": "One of the user's notes."})
    assert (listed["enum"], worded["enum"], "enum" in plain) == (["on", "off"], ["newest", "oldest", "top"], False)
    coded = clean_schema({"type": "string", "description": "Message format: `text`, `html`, or `markdown`"})
    assert coded["enum"] == ["text", "html", "markdown"]
    for loose in ("The `id`, `slug` or `name` of the project", "Use `asc` or `desc`", "e.g. `a`, `b` or `c`"):
        assert "enum" not in clean_schema({"type": "string", "description": loose}), loose
    presence = (
        "Local time. Exactly one of `departureTime` or `arrivalTime` must be provided."  # which field, not values
    )
    assert "enum" not in clean_schema({"type": "string", "description": presence})
    assert "enum" not in clean_schema({"type": "string", "format": "date-time", "description": "one of `a` or `b`"})
    assert clean_schema({"type": "float"})["type"] == "number" and clean_schema({"type": "dict"})["type"] == "object"


async def test_tools_whose_parameters_are_listed_one_by_one_are_read(tmp_path: Path) -> None:
    """A TaskBench tool graph (`nodes` of `{id, desc, parameters: [{name, type, desc}]}`) and a ToolBench
    `api_list` (required and optional parameter lists) become tools with object schemas; a `date` type is a
    date string."""
    graph = {"nodes": [{"id": "book_table", "desc": "Book a table at a restaurant",
                        "parameters": [{"name": "restaurant", "type": "string", "desc": "where"},
                                       {"name": "date", "type": "date", "desc": "which day"}]}],
             "links": [{"source": "book_table", "target": "book_table"}]}  # fmt: skip
    doc = await parse(write(tmp_path, "graph.json", json.dumps(graph)))
    schema = doc.operations[0].input_schema
    assert doc.format == "parameter-lists" and doc.operations[0].name == "book_table"
    date = schema["properties"]["date"]
    assert date["type"] == "string" and "date" in (date.get("format"), date.get("x-doc", {}).get("format")), date
    assert (
        schema["required"] == ["restaurant", "date"] and doc.operations[0].description == "Book a table at a restaurant"
    )
    toolbench = {"tool_name": "Pets", "api_list": [{"name": "adopt pet", "description": "Adopt a pet",
                 "required_parameters": [{"name": "pet_id", "type": "NUMBER", "description": "the pet"}],
                 "optional_parameters": [{"name": "note", "type": "STRING", "description": "", "default": "none"}]}]}  # fmt: skip
    doc = await parse(write(tmp_path, "toolbench.json", json.dumps(toolbench)))
    schema = doc.operations[0].input_schema
    assert doc.operations[0].name == "adopt_pet" and schema["required"] == ["pet_id"]
    assert schema["properties"]["pet_id"]["type"] == "number" and schema["properties"]["note"]["default"] == "none"


async def test_parameters_mapped_by_name_without_types_are_string_arguments_with_their_allowed_values(
    tmp_path: Path,
) -> None:
    """NESTFUL's shape: `arguments` maps each name to `{description, required, default_value, allowed_values}`
    (one may be called `type`), and `output_parameters` lists the fields a call returns."""
    tools = [{"name": "Cars.ReserveCar", "description": "Reserve a rental car",
              "arguments": {"pickup_city": {"description": "Where", "required": True, "allowed_values": []},
                            "type": {"description": "Category", "required": True,
                                     "allowed_values": ["Compact", "Standard"]},
                            "insurance": {"description": "Cover", "required": False, "default_value": "False",
                                          "allowed_values": ["True", "False"]}},
              "output_parameters": {"price": {"description": "Total price", "possible_values": []}}}]  # fmt: skip
    doc = await parse(write(tmp_path, "nestful.json", json.dumps(tools)))
    (operation,) = doc.operations
    properties = operation.input_schema["properties"]
    assert doc.format == "parameter-lists" and operation.input_schema["required"] == ["pickup_city", "type"]
    assert properties["type"]["enum"] == ["Compact", "Standard"] and properties["pickup_city"]["type"] == "string"
    assert properties["insurance"]["default"] == "False" and "enum" not in properties["pickup_city"]
    assert operation.output_schema is not None and "price" in operation.output_schema["properties"]


LAUGHS = (
    "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 9))
    + "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {responses: {'200': {description: *a8}}}}}\n"
)
"""A kilobyte of YAML whose aliases nest ten to a level: a billion values once expanded."""
FANOUT = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/S0"}}}}}}}},
    "components": {"schemas": {
        f"S{n}": {"type": "object", "properties": {f"p{i}": {"$ref": f"#/components/schemas/S{(n + 1) % 10}"}
                                                  for i in range(12)}}
        for n in range(10)
    }},
}  # fmt: skip
"""Ten schemas that each refer twelve times to the next, in a circle: 12^8 schemas if each were inlined anew."""


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("laughs.yaml", LAUGHS, "expands to more than"),
        ("self.yaml", "openapi: 3.0.3\npaths: &p {/a: *p}\n", "refers to itself"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("nested.json", "[" * 300 + "]" * 300, "more than 200 levels"),
        ("fanout.json", json.dumps(FANOUT), "more than 50,000 schemas"),
    ],
    ids=["billion laughs", "alias inside its own anchor", "100,000 levels", "300 levels", "references fanning out"],
)
async def test_a_document_that_would_take_all_memory_is_refused_quickly(tmp_path, name, text, problem) -> None:
    """A few kilobytes can stand for billions of values (nested YAML aliases, references fanning out) or nest past
    what a reader can walk: each is refused with what it does, in well under a second, never read until memory runs
    out or the interpreter's recursion limit stops it."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SynthesisError, match=problem):
        parse_structured(await read_source(path, 1 << 22))
