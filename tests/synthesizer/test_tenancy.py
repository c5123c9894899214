"""The account every operation works within: left out of the tools when nothing lists it, kept when something does."""

from __future__ import annotations

import asyncio
from pathlib import Path

from autoforge.synthesizer import SynthOptions, synthesize
from autoforge.synthesizer.models import Operation, SourceDoc
from autoforge.synthesizer.sources import parse_structured, read_source
from autoforge.synthesizer.tenancy import one_tenant

from .conftest import write

DESK = """
openapi: 3.0.3
info: {title: Harbor Desk, version: 1.0.0, description: A support desk's contacts and their conversations.}
paths:
  /api/v1/accounts/{account_id}:
    get:
      operationId: getAccount
      parameters: [{name: account_id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}}
  /api/v1/accounts/{account_id}/contacts:
    get:
      operationId: listContacts
      parameters:
        - {name: account_id, in: path, required: true, schema: {type: integer}}
        - {name: email, in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Contact'}}}}}
  /api/v1/accounts/{account_id}/contacts/{id}:
    patch:
      operationId: updateContact
      parameters:
        - {name: account_id, in: path, required: true, schema: {type: integer}}
        - {name: id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content: {application/json: {schema: {type: object, properties: {phone_number: {type: string}}}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Contact'}}}}
  /api/v1/accounts/{account_id}/contacts/{id}/conversations:
    get:
      operationId: contactConversations
      parameters:
        - {name: account_id, in: path, required: true, schema: {type: integer}}
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Conversation'}}}}}
  /api/v1/accounts/{account_id}/conversations/{conversation_id}:
    patch:
      operationId: updateConversation
      parameters:
        - {name: account_id, in: path, required: true, schema: {type: integer}}
        - {name: conversation_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content: {application/json: {schema: {type: object, properties: {subject: {type: string}, priority: {type: string, enum: [low, medium, high]}}}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Conversation'}}}}
  /api/v1/accounts/{account_id}/conversations/{conversation_id}/resolve:
    post:
      operationId: resolveConversation
      parameters:
        - {name: account_id, in: path, required: true, schema: {type: integer}}
        - {name: conversation_id, in: path, required: true, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Conversation'}}}}
  /api/v2/accounts/{account_id}/conversations:
    post:
      operationId: openConversation
      parameters: [{name: account_id, in: path, required: true, schema: {type: integer}}]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [contact_id, subject], properties: {contact_id: {type: integer}, subject: {type: string}}}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Conversation'}}}}
  /api/v1/profile:
    get:
      operationId: fetchProfile
      responses: {'200': {description: ok}}
components:
  schemas:
    Account:
      type: object
      properties: {id: {type: integer}, name: {type: string}, support_email: {type: string, format: email}}
    Contact:
      type: object
      properties:
        id: {type: integer}
        account_id: {type: integer}
        name: {type: string}
        email: {type: string, format: email}
        phone_number: {type: string}
    Conversation:
      type: object
      properties:
        id: {type: integer}
        account_id: {type: integer}
        contact_id: {type: integer}
        subject: {type: string}
        priority: {type: string, enum: [low, medium, high]}
        status: {type: string, enum: [open, resolved]}
        created_at: {type: string, format: date-time}
"""

LISTED = DESK.replace(
    "  /api/v1/profile:",
    """  /api/v1/accounts:
    get:
      operationId: listAccounts
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Account'}}}}}
  /api/v1/profile:""",
)


def _parsed(tmp_path: Path, text: str) -> SourceDoc:
    path = write(tmp_path, "desk.yaml", text)
    source = parse_structured(asyncio.run(read_source(path, 1 << 20)))
    assert source is not None
    return source


def test_an_account_nothing_lists_is_left_out_and_paths_read_under_the_one_account(tmp_path: Path) -> None:
    source = one_tenant(_parsed(tmp_path, DESK))
    operations = {op.name: op for op in source.operations}
    assert not any("account_id" in op.input_schema.get("properties", {}) for op in source.operations)
    assert not any("account_id" in op.input_schema.get("required", []) for op in source.operations)
    assert operations["getAccount"].path == "/api/v1/account"
    assert operations["updateContact"].path == "/api/v1/account/contacts/{id}"
    assert operations["openConversation"].path == "/api/v2/account/conversations"  # the same account under v2
    assert operations["updateContact"].input_schema["required"] == ["id"]
    assert operations["fetchProfile"] == next(
        op for op in _parsed(tmp_path, DESK).operations if op.name == "fetchProfile"
    )
    skip = source.skipped[-1]
    assert skip.name == "account_id" and "/api/v1/accounts/{account_id}" in skip.reason


def test_an_account_that_a_tool_lists_is_a_record_like_any_other(tmp_path: Path) -> None:
    source = _parsed(tmp_path, LISTED)
    assert one_tenant(source) == source


def test_a_workspace_every_tool_needs_is_left_out_of_a_tool_list() -> None:
    def tool(tool_name: str, **properties: dict[str, str]) -> Operation:
        schema = {"type": "object", "properties": {"workspace_id": {"type": "string"}, **properties}}
        return Operation(
            name=tool_name, source_name=tool_name, input_schema={**schema, "required": ["workspace_id", *properties]}
        )

    operations = (
        tool("list_projects"),
        tool("create_project", title={"type": "string"}),
        tool("archive_project", project_id={"type": "string"}),
        tool("list_tasks", project_id={"type": "string"}),
    )
    source = SourceDoc(name="work.json", title="Work", format="mcp-tools", sha256="0", operations=operations)
    tenant = one_tenant(source)
    assert [op.input_schema["required"] for op in tenant.operations] == [[], ["title"], ["project_id"], ["project_id"]]
    assert tenant.skipped[-1].name == "workspace_id" and "(" not in tenant.skipped[-1].reason  # no path names it
    workspaces = Operation(name="list_workspaces", source_name="list_workspaces", input_schema={"type": "object"})
    listed = source.model_copy(update={"operations": (*operations, workspaces)})
    assert one_tenant(listed) == listed  # the user can find the workspace: it stays an argument


def test_a_record_every_tool_is_named_for_is_no_account() -> None:
    """`get_booking_details`, `cancel_booking` and `update_booking_seats` all take a booking id and nothing lists
    bookings: they act on the booking itself, which keeps its key (a customer states their booking code)."""

    def tool(tool_name: str) -> Operation:
        schema = {"type": "object", "properties": {"booking_id": {"type": "string"}}, "required": ["booking_id"]}
        return Operation(name=tool_name, source_name=tool_name, input_schema=schema)

    operations = (
        tool("get_booking_details"),
        tool("cancel_booking"),
        tool("update_booking_seats"),
        tool("send_receipt"),
    )
    source = SourceDoc(name="coach.json", title="Coach", format="function-list", sha256="0", operations=operations)
    assert one_tenant(source) == source


def test_a_record_every_path_describes_is_no_account() -> None:
    def operation(name: str, method: str, path: str) -> Operation:
        required = ["consent_id"] if "{consent_id}" in path else []
        properties = {"consent_id": {"type": "string"}} if required else {}
        return Operation(
            name=name,
            source_name=name,
            method=method,
            path=path,
            input_schema={"type": "object", "properties": properties, "required": required},
            locations=dict.fromkeys(required, "path"),
        )

    operations = (
        operation("getStatus", "get", "/quotes/request/{consent_id}/status"),
        operation("updateRequest", "patch", "/quotes/request/{consent_id}"),
        operation("getOffer", "get", "/quotes/request/{consent_id}/offer"),
        operation("getTerms", "get", "/quotes/request/{consent_id}/terms"),
        operation("updateLead", "patch", "/quotes/request/{consent_id}/lead"),
        operation("openRequest", "post", "/quotes/request"),
    )
    source = SourceDoc(name="quotes.yaml", title="Quotes", format="openapi-3.0.3", sha256="0", operations=operations)
    assert one_tenant(source) == source  # `POST /quotes/request` makes the record the others name


def test_a_desk_whose_every_call_names_the_account_makes_tasks(tmp_path: Path) -> None:
    path = write(tmp_path, "desk.yaml", DESK)
    result = asyncio.run(
        synthesize(path, tmp_path / "desk", SynthOptions(tasks=12, rows=8), work_dir=tmp_path / "work")
    )
    tools = {t.name: t for t in result.spec.tools}
    assert not any("account_id" in t.input_schema.get("properties", {}) for t in tools.values())
    assert tools["getAccount"].input_schema.get("required", []) == []  # the one account: nothing names it
    assert len(result.tasks) >= 10
