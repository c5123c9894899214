"""Fields that hold a list or an object (a booking's travellers, its legs): seed rows keep them as the document
shapes them, and a user can ask for a new one in words the agent can turn back into the argument."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path

from autoforge.synthesizer import SynthOptions, synthesize
from autoforge.synthesizer.sources.schemas import structure_of
from autoforge.synthesizer.speech import spoken_value

from .conftest import function_tool, write

BOOKING_ID = {"booking_id": {"type": "string", "description": "The booking code, such as 'K7PQ2M'."}}
TRAVELLERS = {
    "type": "array",
    "description": "Everyone travelling on the booking.",
    "items": {
        "type": "object",
        "properties": {
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "birth_date": {"type": "string", "format": "date", "description": "Date of birth, YYYY-MM-DD."},
        },
        "required": ["first_name", "last_name", "birth_date"],
    },
}
TOOLS = [
    function_tool("get_booking_details", "Get the details of a booking.", BOOKING_ID),
    function_tool("cancel_booking", "Cancel a booking.", BOOKING_ID),
    function_tool(
        "update_booking_travellers", "Replace the travellers of a booking.", {**BOOKING_ID, "travellers": TRAVELLERS}
    ),
    function_tool(
        "update_booking_seat_class",
        "Change the seat class of a booking.",
        {**BOOKING_ID, "seat_class": {"type": "string", "enum": ["standard", "premium", "first"]}},
    ),
]


def test_a_list_field_keeps_its_item_shape_in_the_seed_and_a_task_replaces_it_in_words(tmp_path: Path) -> None:
    path = write(tmp_path, "coaches.functions.json", json.dumps(TOOLS))
    result = asyncio.run(synthesize(path, tmp_path / "out", SynthOptions(tasks=16), work_dir=tmp_path / "work"))
    seed = (tmp_path / "out" / "seed.sql").read_text(encoding="utf-8")
    stored = [json.loads(text) for text in _travellers_in(seed)]
    assert len(stored) >= 5
    for travellers in stored:  # a list of people, each with a name and a real date of birth
        assert isinstance(travellers, list) and 1 <= len(travellers) <= 3
        for person in travellers:
            assert set(person) == {"first_name", "last_name", "birth_date"}
            assert person["first_name"].isalpha() and dt.date.fromisoformat(person["birth_date"])
    replacing = [
        t for t in result.tasks if any(getattr(n, "tool", "") == "update_booking_travellers" for n in t.solution.nodes)
    ]
    assert replacing, "no task replaces a booking's travellers"
    for task in replacing:
        call = next(n for n in task.solution.nodes if getattr(n, "tool", "") == "update_booking_travellers")
        for person in call.arguments["travellers"]:
            assert f"{person['first_name']} {person['last_name']}" in task.instruction  # said by name
        assert "number of travellers" not in task.instruction
        assert "birth_date" not in task.instruction and not any(
            p["birth_date"] in task.instruction for p in call.arguments["travellers"]
        )


def _travellers_in(seed: str) -> list[str]:
    """The travellers column of each seeded booking, as the SQL literal holds it."""
    return [m.replace("''", "'") for m in re.findall(r"'(\[\{\"birth_date\".*?\}\])'", seed)]


def test_a_structure_is_the_document_s_shape_pruned_and_none_for_a_free_form_object() -> None:
    assert structure_of(TRAVELLERS)["items"]["required"] == ["first_name", "last_name", "birth_date"]
    assert structure_of({"type": "object", "additionalProperties": True}) is None
    assert structure_of({"type": "array", "items": {"type": "object"}}) is None
    assert structure_of({"type": "array", "items": {"type": "string"}}) == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert structure_of({"type": "string"}) is None


def test_a_list_of_people_is_said_by_their_names_and_an_object_by_its_fields() -> None:
    today = dt.date(2026, 3, 2)
    people = [
        {"first_name": "Noah", "last_name": "Brown", "birth_date": "1990-05-01"},
        {"first_name": "Ava", "last_name": "Li", "birth_date": "1985-03-12"},
    ]
    assert (
        spoken_value(people, "json", today)
        == "Noah Brown (birth date May 1, 1990) and Ava Li (birth date March 12, 1985)"
    )
    assert spoken_value({"street": "12 Elm Road", "city": "Leeds"}, "json", today) == "(street 12 Elm Road, city Leeds)"
    assert spoken_value(["red", "green", "blue"], "json", today) == "red, green and blue"


BAGS = {"type": "integer", "minimum": 0, "maximum": 6}
BAG_TOOLS = [
    function_tool("get_booking_details", "Get the details of a booking.", BOOKING_ID),
    function_tool("create_booking", "Book a coach trip.", {"total_bags": BAGS, "paid_bags": BAGS}),
    function_tool(
        "update_booking_bags", "Change the bags of a booking.", {**BOOKING_ID, "total_bags": BAGS, "paid_bags": BAGS}
    ),
]


def test_an_update_named_for_a_record_s_things_sets_its_counts_and_a_new_part_stays_within_its_total(
    tmp_path: Path,
) -> None:
    """update_booking_bags(booking_id, total_bags, paid_bags) changes the booking's own counts (no table of bags),
    and no new booking has more paid bags than bags."""
    path = write(tmp_path, "bags.functions.json", json.dumps(BAG_TOOLS))
    result = asyncio.run(synthesize(path, tmp_path / "out", SynthOptions(tasks=16), work_dir=tmp_path / "work"))
    spec = json.loads((tmp_path / "out" / "env.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in spec["tables"]] == ["bookings"]
    assert {tuple(t["tables"]) for t in spec["tools"]} == {("bookings",)}
    calls = [
        n
        for t in result.tasks
        for n in t.solution.nodes
        if getattr(n, "tool", "") in ("create_booking", "update_booking_bags")
    ]
    assert {c.tool for c in calls} == {"create_booking", "update_booking_bags"}
    for call in calls:
        if call.tool == "create_booking":
            assert call.arguments["paid_bags"] <= call.arguments["total_bags"], call.arguments


def test_what_a_list_s_description_says_of_its_items_is_no_rule_for_the_column(tmp_path: Path) -> None:
    """'Each entry takes a name and a YYYY-MM-DD date' describes the items: the column holding the list is no date,
    and its seeded lists keep the environment's own rules."""
    stops = {
        "type": "array",
        "description": "The trip's stops. Each entry takes a town and a YYYY-MM-DD date.",
        "items": {"type": "object", "properties": {"town": {"type": "string"}, "day": {"type": "string"}}},
    }
    tools = [
        *TOOLS[:2],
        function_tool("update_booking_stops", "Replace the stops of a booking.", {**BOOKING_ID, "stops": stops}),
    ]
    path = write(tmp_path, "stops.functions.json", json.dumps(tools))
    asyncio.run(synthesize(path, tmp_path / "out", SynthOptions(tasks=10), work_dir=tmp_path / "work"))
    spec = json.loads((tmp_path / "out" / "env.json").read_text(encoding="utf-8"))
    column = next(c for t in spec["tables"] for c in t["columns"] if c["name"] == "stops")
    assert column.get("format") is None
    assert '"town": ' in (tmp_path / "out" / "seed.sql").read_text(encoding="utf-8")


def test_an_object_with_no_required_fields_gets_those_a_person_states_first() -> None:
    """Where an address marks no field required, a made one gives its street, town and postcode, not its second
    and third lines ('address line 2 general')."""
    from autoforge.servers import Column, Table
    from autoforge.synthesizer.structured import structured_value
    from autoforge.synthesizer.values import Values

    text = {"type": "string"}
    address = {"type": "object", "properties": {name: text for name in
               ("address_line_2", "address_line_3", "address_line_1", "locality", "postal_code")}}  # fmt: skip
    table = Table(name="customers", columns=(Column(name="id", type="TEXT", primary_key=True),))
    for seed in range(5):
        values = Values(seed, "2026-03-02T09:00:00")
        made = structured_value(values, values.random, table, address)
        assert set(made) == {"address_line_1", "locality", "postal_code"}, made
        assert made["locality"][:1].isupper() and any(ch.isdigit() for ch in made["address_line_1"]), made


def test_a_booking_tool_after_a_service_s_name_is_asked_for_with_its_own_verb(tmp_path: Path) -> None:
    """`buses_buy_bus_ticket(origin, destination, departure_time)` reads as 'buy a bus ticket ... departure time
    March 16 at 7 pm' (a time the user states), not 'add a new itinerary ticket'."""
    text = {"type": "string"}
    tools = [
        function_tool("buses_find_trips", "Find bus trips.", {"origin": text, "destination": text}),
        function_tool(
            "buses_buy_bus_ticket",
            "Buy a bus ticket.",
            {
                "origin": text,
                "destination": text,
                "departure_time": {"type": "string", "description": "HH:MM"},
                "group_size": {"type": "integer", "minimum": 1, "maximum": 5},
            },
        ),
    ]
    path = write(tmp_path, "buses.functions.json", json.dumps(tools))
    result = asyncio.run(synthesize(path, tmp_path / "out", SynthOptions(tasks=10), work_dir=tmp_path / "work"))
    buying = [
        t for t in result.tasks if any(getattr(n, "tool", "") == "buses_buy_bus_ticket" for n in t.solution.nodes)
    ]
    assert buying
    for task in buying:
        assert "buy a bus ticket" in task.instruction and "add a new" not in task.instruction, task.instruction
        assert re.search(r"departure time [\w ,]*\d{1,2}(:\d{2})? [ap]m", task.instruction), task.instruction
