"""Seed data: deterministic, referentially consistent, realistic, with unique labels."""

from __future__ import annotations

import datetime as dt
import json
import re

from autoforge.servers import EnvSpec, Provenance, ToolSpec, build_environment
from autoforge.synthesizer.rules import terminal_values
from autoforge.synthesizer.schema import infer_blueprint
from autoforge.synthesizer.seed import build_seed, to_sql
from autoforge.synthesizer.sources import parse_structured, read_source

from .conftest import BUNDLED_DOCS, write


async def retail():
    doc = parse_structured(await read_source(BUNDLED_DOCS / "retail-orders.yaml", 2**25))
    return infer_blueprint(doc)


async def test_same_seed_same_rows_other_seed_other_rows() -> None:
    """The seed fixes every value; another seed gives other values."""
    bp = await retail()
    assert to_sql(bp, build_seed(bp, 7, 20)) == to_sql(bp, build_seed(bp, 7, 20))
    assert to_sql(bp, build_seed(bp, 7, 20)) != to_sql(bp, build_seed(bp, 8, 20))


async def test_seed_loads_with_every_reference_intact() -> None:
    """seed.sql loads into the STRICT schema with foreign keys checked (build_environment refuses violations)."""
    bp = await retail()
    spec = EnvSpec(name="x", description="x", tables=bp.tables, provenance=Provenance(source="x"),
                   tools=(ToolSpec(name="noop", description="x", input_schema={"type": "object"}, writes=False),))  # fmt: skip
    environment = build_environment(spec, "def noop(db):\n    return None\n", to_sql(bp, build_seed(bp, 0, 20)))
    count = environment.template.execute('SELECT COUNT(*) FROM "orders"').fetchone()[0]
    assert count >= 20


async def test_labels_are_unique_and_values_realistic() -> None:
    """Customer emails are unique and look like emails; people's emails match their names."""
    bp = await retail()
    customers = build_seed(bp, 3, 30)["customers"]
    emails = [c["email"] for c in customers]
    assert len(set(emails)) == len(emails)
    assert all("@" in e and e.endswith(".test") for e in emails)
    for customer in customers:
        assert customer["name"].split()[-1].lower().replace("'", "") in customer["email"]


async def test_people_in_one_table_never_share_a_whole_name() -> None:
    """Customers may share a last name (a lookup must tell them apart) but never a full name, so no name is
    told apart by a number ('Megan Rose 20')."""
    bp = await retail()
    for seed in range(4):
        names = [c["name"] for c in build_seed(bp, seed, 80)["customers"]]
        assert len({n.lower() for n in names}) == len(names)
        assert not any(re.search(r"\d", n) for n in names)
        assert len({n.split()[-1] for n in names}) < len(names)


async def test_children_point_at_existing_parents_and_statuses_are_mostly_open() -> None:
    """Every order names a seeded customer; most orders are in a state that can still change."""
    bp = await retail()
    data = build_seed(bp, 0, 24)
    customers = {c["id"] for c in data["customers"]}
    assert all(o["customer_id"] in customers for o in data["orders"])
    ended = sum(o["status"] in ("cancelled", "delivered") for o in data["orders"])
    assert ended < len(data["orders"]) / 2


async def _blueprint(tmp_path, name: str, text: str):
    return infer_blueprint(parse_structured(await read_source(write(tmp_path, name, text), 2**25)))


PROJECTS = """
openapi: 3.0.3
info: {title: Projects, version: 1.0.0}
paths:
  /projects:
    get:
      operationId: listProjects
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Project'}}}}}}
  /projects/{project_id}:
    delete:
      operationId: deleteProject
      parameters: [{name: project_id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
  /projects/{project_id}/tasks:
    get:
      operationId: listTasks
      parameters: [{name: project_id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Task'}}}}}}
components:
  schemas:
    Project: {type: object, properties: {id: {type: string}, name: {type: string}}}
    Task: {type: object, properties: {id: {type: string}, title: {type: string}}}
"""


async def test_some_rows_a_tool_deletes_have_no_children(tmp_path) -> None:
    """A project others refer to cannot be deleted, so a sixth of the projects get no tasks."""
    bp = await _blueprint(tmp_path, "projects.yaml", PROJECTS)
    for seed in range(5):
        rows = build_seed(bp, seed, 24)
        used = {task["project_id"] for task in rows["tasks"]}
        projects = rows["projects"]
        assert len([p for p in projects if p["id"] not in used]) >= max(1, len(projects) // 6)


_STATES = {
    "state": {"type": "string", "enum": ["open", "paid", "cancelled"]},
    "shipment_state": {"type": "string", "enum": ["pending", "shipped", "cancelled"]},
    "email": {"type": "string"},
}
SUBSCRIPTION = json.dumps({"tools": [
    {"name": "get_subscription", "description": "Get the current subscription of the account.",
     "inputSchema": {"type": "object", "properties": {}}, "outputSchema": {"type": "object", "properties": _STATES}},
    {"name": "cancel_subscription", "description": "Cancel the subscription.", "inputSchema": {"type": "object", "properties": {}}},
    {"name": "set_subscription_plan", "description": "Set the plan of the subscription.", "inputSchema": {
        "type": "object", "required": ["plan"], "properties": {"plan": {"type": "string", "enum": ["basic", "pro"]}}}},
    {"name": "list_orders", "description": "List the user's orders.", "inputSchema": {"type": "object", "properties": {}},
     "outputSchema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object",
         "properties": {"id": {"type": "string"}, "total": {"type": "number"}}}}}}},
]})  # fmt: skip


async def test_the_one_session_row_starts_afresh(tmp_path) -> None:
    """A keyless subscription is one row, in its first state and in no state that ends it, whatever the seed."""
    bp = await _blueprint(tmp_path, "subscription.json", SUBSCRIPTION)
    table = next(t for t in bp.tables if t.name in bp.singletons)
    ended = set(terminal_values(table))
    assert ended
    for seed in range(12):
        (row,) = build_seed(bp, seed, 24)[table.name]
        assert row["state"] == "open" and not {row["state"], row["shipment_state"]} & ended


async def test_pairs_come_in_order_and_times_of_day_keep_their_pattern(tmp_path) -> None:
    """A minimum and a maximum drawn apart are put in order; 'HH:mm' start and end times are times of day in
    order, never a random match of the pattern such as '52:19'."""
    text = {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$"}
    tools = [
        {"name": "list_shifts", "description": "List shifts.", "inputSchema": {"type": "object", "properties": {}}},
        {"name": "create_shift", "description": "Create a shift.",
         "inputSchema": {"type": "object", "required": ["start_time", "end_time"],
                         "properties": {"start_time": text, "end_time": text,
                                        "min_staff": {"type": "integer"}, "max_staff": {"type": "integer"}}}},
    ]  # fmt: skip
    doc = parse_structured(await read_source(write(tmp_path, "shifts.tools.json", json.dumps({"tools": tools})), 2**25))
    bp = infer_blueprint(doc)
    rows = build_seed(bp, 3, 30)["shifts"]
    assert len(rows) >= 20
    for row in rows:
        start, end = row["start_time"], row["end_time"]
        assert len(start) == len(end) == 5 and "00:00" <= start < end <= "23:59", row
        if row["min_staff"] is not None and row["max_staff"] is not None:
            assert row["min_staff"] < row["max_staff"], row


async def test_documented_patterns_hold_in_java_flag_style_within_a_length_and_written_with_a_space(tmp_path) -> None:
    """A file name pattern with its case flag mid-way (`\\.(?i)(pdf|jpeg)$`, Java's style) is enforced, within the
    documented length, even once the plain values run out; a creation time whose pattern writes it with a space
    ('2021-12-31 20:18:11.930+0100') keeps that form and stays in the past."""
    name = {"type": "string", "minLength": 4, "maxLength": 12, "pattern": "([^\\s]+(\\.(?i)(jpeg|pdf))$)"}
    stamp = {
        "type": "string",
        "pattern": "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}[+-][0-9]{4}",
    }
    tools = [
        {"name": "list_scans", "description": "List scans.", "inputSchema": {"type": "object", "properties": {}}},
        {"name": "create_scan", "description": "Create a scan.",
         "inputSchema": {"type": "object", "required": ["file_name"],
                         "properties": {"file_name": name, "date_created": stamp}}},
    ]  # fmt: skip
    doc = parse_structured(await read_source(write(tmp_path, "scans.tools.json", json.dumps({"tools": tools})), 2**25))
    bp = infer_blueprint(doc)
    rows = build_seed(bp, 3, 60)["scans"]
    assert len(rows) >= 40
    names = [row["file_name"] for row in rows]
    assert len(set(names)) == len(names)
    for row in rows:
        assert re.search(r"(?i)^\S+\.(jpeg|pdf)$", row["file_name"]) and 4 <= len(row["file_name"]) <= 12, row
        created = row["date_created"]
        assert re.fullmatch(stamp["pattern"], created) and created[:19] <= "2026-03-02 09:00:00", row


ORGANISATIONS = """
openapi: 3.0.3
info: {title: Desks, version: "1"}
paths:
  /organizations:
    get:
      operationId: listOrganizations
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    id: {type: string}
                    name: {type: string}
                    language: {type: string, minLength: 2, maxLength: 2}
                    verifyUuid: {type: string}
  /organizations/{id}:
    get:
      operationId: getOrganization
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /organizations/{id}/domains/{domain}:
    delete:
      operationId: removeDomain
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: domain, in: path, required: true, schema: {type: string}}
      responses: {"204": {description: removed}}
"""


async def test_a_key_an_argument_documents_as_a_uuid_is_one_and_a_two_letter_language_is_a_code(tmp_path) -> None:
    """An organisation's id is a UUID wherever one path says so (every id a task passes then keeps the documented
    format); a `language` of two letters is an ISO code ('de', never 'Ge'); a `verifyUuid` is a UUID."""
    import uuid

    bp = await _blueprint(tmp_path, "desks.yaml", ORGANISATIONS)
    assert bp.table("organizations").column("id").format == "uuid"
    rows = build_seed(bp, 3, 12)["organizations"]
    for row in rows:
        uuid.UUID(row["id"])
        assert row["verifyUuid"] is None or uuid.UUID(row["verifyUuid"]), row
    languages = {row["language"] for row in rows} - {None}
    assert languages and languages <= {"en", "es", "fr", "de", "pt", "it", "nl", "ja"}, languages


async def test_a_key_documented_as_long_as_a_uuid_is_one(tmp_path) -> None:
    """An organisation's `id` of `minLength: 36` leaves out a record number (`ORG-1001`): its keys are UUIDs, so the
    seed keeps the documented length; a key documented no longer than a record number keeps record numbers."""
    import uuid

    text = ORGANISATIONS.replace("format: uuid", "minLength: 1")
    long = text.replace("                    id: {type: string}\n", "                    id: {type: string, minLength: 36}\n")
    bp = await _blueprint(tmp_path, "desks.yaml", long)
    assert bp.table("organizations").column("id").format == "uuid"
    for row in build_seed(bp, 3, 12)["organizations"]:
        assert len(row["id"]) == 36 and uuid.UUID(row["id"])
    short = await _blueprint(tmp_path, "short.yaml", long.replace("minLength: 36", "minLength: 3"))
    assert short.table("organizations").column("id").format is None


LABELLED = """
openapi: 3.0.3
info: {title: People, version: "1"}
paths:
  /employees:
    get:
      operationId: listEmployees
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Employee"}}
    post:
      operationId: createEmployee
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [first_name, last_name]
              properties:
                first_name: {type: string}
                last_name: {type: string}
                hire_date: {type: string, format: date}
      responses: {"201": {description: created}}
  /employees/{id}:
    get:
      operationId: getEmployee
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Employee"}
components:
  schemas:
    Labelled:
      type: object
      properties:
        label: {example: Hire date}
        value: {example: "2014-11-09"}
        type: {type: string, enum: [standard, date]}
        universal_id: {example: hire_date}
    Employee:
      type: object
      properties:
        id: {type: integer}
        first_name: {$ref: "#/components/schemas/Labelled"}
        last_name: {$ref: "#/components/schemas/Labelled"}
        hire_date: {$ref: "#/components/schemas/Labelled"}
"""


async def test_a_field_the_document_wraps_with_its_label_holds_its_value(tmp_path) -> None:
    """Where a response wraps each field as {label, value, type} (an HR system's employee), the column holds the
    value: a first name is a name and a hire date a date, never '{}'."""
    bp = await _blueprint(tmp_path, "people.yaml", LABELLED)
    table = bp.table("employees")
    assert [table.column(c).type for c in ("first_name", "last_name", "hire_date")] == ["TEXT"] * 3
    for row in build_seed(bp, 3, 8)["employees"]:
        assert row["first_name"] not in (None, "{}") and row["first_name"][0].isupper(), row
        assert row["hire_date"] is None or dt.date.fromisoformat(row["hire_date"]), row


async def test_times_of_a_dated_record_are_times_of_day_in_order(tmp_path) -> None:
    """An attendance on a date, with 'HH:MM' start and end times (`^\\d\\d:\\d\\d$`): each is a time of day ('36:67'
    matched the pattern) and the end comes after the start."""
    clock = {"type": "string", "pattern": "^\\d\\d:\\d\\d$"}
    tools = [
        {"name": "list_attendances", "description": "List attendances.", "inputSchema": {"type": "object"}},
        {"name": "create_attendance", "description": "Record an attendance.",
         "inputSchema": {"type": "object", "required": ["date", "start_time", "end_time"],
                         "properties": {"date": {"type": "string", "format": "date"}, "start_time": clock,
                                        "end_time": clock}}},
    ]  # fmt: skip
    doc = parse_structured(await read_source(write(tmp_path, "work.tools.json", json.dumps({"tools": tools})), 2**25))
    bp = infer_blueprint(doc)
    assert bp.semantic("attendances", "start_time") == "clock"
    for row in build_seed(bp, 5, 30)["attendances"]:
        start, end = row["start_time"], row["end_time"]
        assert "00:00" <= start < end <= "23:59" and int(start[3:]) < 60 and int(end[3:]) < 60, row


BAGS = """
openapi: 3.0.3
info: {title: Bags, version: 1.0.0}
paths:
  /reservations:
    get:
      operationId: listReservations
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Reservation'}}
components:
  schemas:
    Reservation:
      type: object
      properties:
        id: {type: string}
        total_baggages: {type: integer, minimum: 0, maximum: 5}
        nonfree_baggages: {type: integer, minimum: 0, maximum: 5}
        total_amount: {type: number, minimum: 1, maximum: 500}
        paid_amount: {type: number, minimum: 1, maximum: 500}
"""


async def test_a_part_is_never_more_than_its_total(tmp_path) -> None:
    """No reservation has more non-free bags than bags, nor more paid than its total."""
    bp = await _blueprint(tmp_path, "bags.yaml", BAGS)
    rows = build_seed(bp, 3, 60)["reservations"]
    assert len(rows) >= 20
    assert all(r["nonfree_baggages"] <= r["total_baggages"] and r["paid_amount"] <= r["total_amount"] for r in rows)
    assert any(r["nonfree_baggages"] < r["total_baggages"] for r in rows)


MEMBERS = """
openapi: 3.0.3
info: {title: Club, version: 1.0.0}
paths:
  /customers:
    get:
      operationId: listCustomers
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Customer'}}
components:
  schemas:
    Customer:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        nickname: {type: string}
        email: {type: string, format: email}
"""


async def test_the_name_a_person_goes_by_is_their_first_name(tmp_path) -> None:
    """A customer's nickname is the first name they go by ('Mitchell'), not their whole name again."""
    bp = await _blueprint(tmp_path, "club.yaml", MEMBERS)
    rows = build_seed(bp, 1, 20)["customers"]
    assert rows and all(r["nickname"] == r["name"].split()[0] for r in rows if r["nickname"] is not None), rows[:3]
