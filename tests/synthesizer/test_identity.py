"""A user the document finds by nothing but their account's key (a user id): they say it, and speak as a person;
keys look like the ones the document quotes."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from autoforge.synthesizer import SynthOptions, synthesize

from .conftest import function_tool, write

USER_ID = {"user_id": {"type": "string", "description": "The user's id, such as 'sara_doe_496'."}}
RESERVATION_ID = {"reservation_id": {"type": "string", "description": "The reservation id, such as '8JX2WO'."}}
TOOLS = [
    function_tool("get_user_details", "Get the details of a user.", USER_ID),
    function_tool("get_reservation_details", "Get the details of a reservation.", RESERVATION_ID),
    function_tool("cancel_reservation", "Cancel a reservation.", RESERVATION_ID),
    function_tool(
        "update_reservation_cabin",
        "Change the cabin of a reservation.",
        {**RESERVATION_ID, "cabin": {"type": "string", "enum": ["basic_economy", "economy", "business"]}},
    ),
    function_tool(
        "send_certificate",
        "Send a travel certificate to a user.",
        {**USER_ID, "amount": {"type": "number", "description": "The certificate's amount."}},
    ),
]


def test_a_user_found_only_by_their_key_tells_it_and_has_the_name_it_spells(tmp_path: Path) -> None:
    path = write(tmp_path, "airline.functions.json", json.dumps(TOOLS))
    result = asyncio.run(synthesize(path, tmp_path / "out", SynthOptions(tasks=12), work_dir=tmp_path / "work"))
    assert len(result.tasks) >= 10
    spec = json.loads((tmp_path / "out" / "env.json").read_text(encoding="utf-8"))
    assert [list(way) for way in spec["roles"]["identify"]] == [["user_id"]]
    tasks = [json.loads(line) for line in (tmp_path / "out" / "tasks.jsonl").read_text(encoding="utf-8").splitlines()]
    customers = [t for t in tasks if t["metadata"].get("role") == "customer"]
    assert customers
    for task in customers:
        facts = task["user"]["known_facts"]
        handle = re.fullmatch(r"([a-z]+)_([a-z]+)_(\d{3})", facts["user id"])  # shaped like 'sara_doe_496'
        assert handle and facts["name"] == f"{handle[1].capitalize()} {handle[2].capitalize()}", facts
        assert not task["user"]["persona"].startswith(","), task["user"]["persona"]
        assert "the user number" not in task["user"]["unknown"]  # they know it: it is among their facts
        if "user id" in task["instruction"]:
            assert f"My user id is {facts['user id']}" in task["instruction"]
    said = [key for task in tasks for key in re.findall(r"reservation (\S+?)[ ,.?]", task["instruction"])]
    assert said and all(re.fullmatch(r"[A-Z0-9]{6}", key) for key in said), said  # shaped like '8JX2WO'
