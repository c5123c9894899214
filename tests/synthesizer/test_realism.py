"""The bundled environments as a tau2-bench author would judge them: faithful to their documents, consistent,
covered, varied, with refusals, natural instructions, and policy rules an agent fails by breaking."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import re
from functools import cache
from typing import Any

import jsonschema
import pytest
from autoforge.servers import (
    Environment,
    EnvServer,
    EpisodeStore,
    ReasoningNode,
    Roles,
    Task,
    ToolError,
    call_tool,
    close_episode,
    load_environment,
    oracle_transcript,
    reset_episode,
    run_solution,
    verify_episode,
)
from autoforge.servers.constraints import column_rule, problem
from autoforge.servers.invariants import violations
from autoforge.servers.quality import ARTICLE, phrasing_problems, quality
from autoforge.synthesizer.dags import TaskPlan
from autoforge.synthesizer.models import Blueprint
from autoforge.synthesizer.schema import infer_blueprint
from autoforge.synthesizer.sources import parse_structured, read_source
from autoforge.synthesizer.sources.schemas import DOC_KEY, without_notes
from autoforge.synthesizer.walks import Entity, Goal, KeyOf, Known, Pick, Resolution, Walk
from autoforge.synthesizer.wording import word_task
from mcp import Client

from .conftest import BUNDLED_DOCS, built, write
from .test_bundled import BUNDLED, SERVERS

RULES = ("identification", "ownership", "staff-only", "confirmation")


@cache
def bundled(name: str) -> Environment:
    return load_environment(SERVERS / name)


@cache
def document(name: str) -> tuple[Blueprint, dict[str, dict[str, Any]]]:
    """The blueprint read from the environment's own document, and each operation's documented input schema."""
    doc = parse_structured(asyncio.run(read_source(BUNDLED_DOCS / BUNDLED[name], 2**25)))
    return infer_blueprint(doc), {op.name: op.input_schema for op in doc.operations}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_seed_rows_and_task_values_keep_the_documents_constraints_and_invariants(name: str) -> None:
    """Every seeded value and every argument of every task keeps what the document says; no invariant breaks on
    the seed or after any task's replay."""
    env = bundled(name)
    blueprint, inputs = document(name)
    found: list[str] = []
    seed = EpisodeStore(env.spec, env.template, {}).fresh(None)
    try:
        for table in blueprint.tables:
            rules = {c.name: column_rule(c) for c in table.columns if not c.primary_key and not c.references}
            for row in seed.db.query(f'SELECT * FROM "{table.name}"'):
                found += [f"{table.name}: {m}" for c, r in rules.items() if (m := problem(c, r, row.get(c)))]
        found += [str(v) for v in violations(seed.conn, env.spec.invariants, seed=True)]
    finally:
        seed.close()
    for task in env.tasks.values():
        for call in task.solution.calls:
            found += _argument_problems(call.tool, call.arguments, inputs[call.tool])
        found += [f"{task.id}: {v}" for v in run_solution(env, task).violations]
    assert found == []


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_a_new_rows_text_agrees_with_its_category(name: str) -> None:
    """A row a task creates says what its category says: a description the seed files under one category (a
    "Sauna access" charge is spa) never comes with another (laundry)."""
    env = bundled(name)
    seed = EpisodeStore(env.spec, env.template, {}).fresh(None)
    filed: dict[tuple[str, str, str], set[str]] = {}
    try:
        for table in env.spec.tables:
            classes = [
                c.name for c in table.columns if c.enum and c.name.split("_")[-1] in ("category", "type", "kind")
            ]
            texts = [
                c.name
                for c in table.columns
                if c.type == "TEXT" and not c.enum and c.name in ("description", "title", "name")
            ]
            for row in seed.db.query(f'SELECT * FROM "{table.name}"') if classes and texts else ():
                for cls in classes:
                    for text in texts:
                        filed.setdefault((table.name, text, str(row[text])), set()).add(str(row[cls]))
    finally:
        seed.close()
    checked = 0
    for task in env.tasks.values():
        for change in task.expected.changes:
            for (table, text, value), classes in filed.items():
                if change.op == "insert" and change.table == table and change.values.get(text) == value:
                    assert {str(v) for k, v in change.values.items() if k not in (text,)} & classes, (task.id, value)
                    checked += 1
    assert checked or name != "hotel-reservations"


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_what_the_user_knows_is_labelled_by_what_it_is(name: str) -> None:
    """A hotel's name is the 'hotel name' and a room's number the 'room number': a bare 'name' is the user's
    own, no fact needs a 'name 2', and another person's email is their 'guest email', not a 'guest detail'."""
    for task in bundled(name).tasks.values():
        assert not [label for label in task.user.known_facts if re.fullmatch(r"(name|title|number) \d+", label)]
        assert not [label for label in task.user.known_facts if re.search(r"\bdetails?\b", label)]


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_only_a_newcomer_opens_an_account(name: str) -> None:
    """A customer who has an account never asks for another one under someone else's name: every task that adds
    a row of the customer table is a newcomer's, who says so."""
    environment = bundled(name)
    customers = environment.spec.roles.customer if environment.spec.roles else None
    for task in environment.tasks.values():
        if any(c.op == "insert" and c.table == customers for c in task.expected.changes):
            assert "I'm new here" in task.instruction, task.id


def test_only_what_something_costs_is_cheap_or_expensive() -> None:
    """An order may be 'my cheapest order'; an account is the one 'with the lowest balance', never 'cheapest'."""
    instructions = [task.instruction for task in bundled("personal-banking").tasks.values()]
    assert any("with the lowest balance" in text or "with the highest balance" in text for text in instructions)
    assert not [text for text in instructions if "cheapest account" in text or "most expensive account" in text]
    compared = r"look at my account[^.?]* and my account[^.?]*(cheaper|more expensive) one"
    assert not [text for text in instructions if re.search(compared, text)]


def test_the_case_is_handed_over_only_with_a_tool_that_hands_it_to_a_person() -> None:
    """The helpdesk escalates to the second line; the ticketing service's `transfer_ticket` puts a ticket in
    someone else's name and is no handover."""
    handoffs = {name: bundled(name).spec.roles.handoff for name in ("helpdesk-tickets", "event-ticketing")}
    assert handoffs == {"helpdesk-tickets": "escalate_ticket", "event-ticketing": None}
    assert "hand the case over with transfer_ticket" not in bundled("event-ticketing").spec.policy


def test_a_condition_agrees_with_its_noun_and_staff_bill_for_a_reason_of_their_own() -> None:
    """ "If the number of guests ... is more than 1" (the number is), and a charge staff add comes with a billing
    reason ("it was agreed at the desk"), never a guest's ("it is for a family occasion")."""
    from autoforge.synthesizer.speech import reason_for

    tasks = [t for name in sorted(BUNDLED) for t in bundled(name).tasks.values()]
    assert not [t.instruction for t in tasks if re.search(r"\bnumber of [a-z ]+? are more than", t.instruction)]
    assert any(re.search(r"\bnumber of (guests|passengers|seats|tickets|nights)\b", t.instruction) for t in tasks)
    billing = {reason_for(random.Random(seed), "bill") for seed in range(40)}
    hotel = bundled("hotel-reservations")
    writes = {tool.name for tool in hotel.spec.tools if tool.writes}
    charged = [t for t in hotel.tasks.values()  # the reason given is the first request's
               if next((c.tool for c in t.solution.calls if c.tool in writes), None) == "addCharge"]  # fmt: skip
    assert charged and all(t.user.reason.rstrip(".").lower() in {r.lower() for r in billing} for t in charged)


def test_an_article_that_does_not_fit_its_noun_is_caught() -> None:
    """'add an new order' and 'a order' read wrong; 'an hour', 'a user' and 'an API' do not."""
    spec = bundled("retail-orders").spec
    assert ARTICLE in phrasing_problems("Please add an new order for me.", spec)
    assert ARTICLE in phrasing_problems("Cancel a order of mine.", spec)
    assert phrasing_problems("Give me an hour, a user name and an API key.", spec) == []


def test_places_are_real_cities() -> None:
    """Every city a bundled seed holds is a real one, not a made-up town."""
    from autoforge.synthesizer.vocab import CITIES

    seen = set()
    for name in sorted(BUNDLED):
        env = bundled(name)
        seed = EpisodeStore(env.spec, env.template, {}).fresh(None)
        try:
            for table in env.spec.tables:
                for column in (c.name for c in table.columns if c.name.split("_")[-1] == "city"):
                    seen |= {row[column] for row in seed.db.query(f'SELECT "{column}" FROM "{table.name}"')}
        finally:
            seed.close()
    assert seen and seen <= set(CITIES), seen - set(CITIES)


def _argument_problems(tool: str, arguments: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """What the documented input schema says is wrong with a call's arguments (formats and patterns too)."""
    problems = [
        f"{tool}: {e.message}" for e in jsonschema.Draft202012Validator(without_notes(schema)).iter_errors(arguments)
    ]
    for name, value in arguments.items():
        notes = (schema.get("properties", {}).get(name) or {}).get(DOC_KEY, {})
        rule = {"type": "string", **{k: v for k, v in notes.items() if k in ("format", "pattern")}}
        if isinstance(value, str) and (message := problem(name, rule, value)):
            problems.append(f"{tool}: {message}")
    return problems


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_tasks_cover_the_tools_vary_and_a_share_are_refusals(name: str) -> None:
    """At least 90% of writing tools in some task, at least 80 distinct tool sequences in 100 tasks, 10-25%
    refusals, and no instruction that names a record by a timestamp or says "whose <field> is"."""
    card = quality(bundled(name))
    assert card.coverage >= 0.9, card.rows()
    assert card.sequences >= 80
    assert 0.10 <= card.refusal_share <= 0.25
    assert not card.phrasing and not card.invariant_failures and not card.constraint_failures


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_every_instruction_reads_like_a_person(name: str) -> None:
    """No timestamps, no "whose", no column or tool names; every task has a persona, a reason and behaviour."""
    env = bundled(name)
    for task in env.tasks.values():
        assert phrasing_problems(task.instruction, env.spec) == [], task.instruction
        assert task.user.persona and task.user.behavior
    personas = {t.user.persona.split(".")[-2] for t in env.tasks.values() if "." in t.user.persona}
    assert len({t.user.behavior for t in env.tasks.values()}) > 3 and len(personas) > 1


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_a_record_named_by_a_date_says_which_date_it_is(name: str) -> None:
    """A reservation the user knows by its check-out date is "ending" that day, never "starting" it, and one
    known by its check-in or start date never "ending"."""
    for task in bundled(name).tasks.values():
        for label, value in task.user.known_facts.items():
            words = set(label.replace("-", " ").split())
            if words & {"out", "end"}:
                assert f"starting {value}" not in task.instruction, (label, task.instruction)
            if words & {"in", "start"}:
                assert f"ending {value}" not in task.instruction, (label, task.instruction)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_a_row_is_named_as_people_name_it_and_no_request_asks_what_its_name_says(name: str) -> None:
    """A flight is 'the flight from TZA to BLR', never 'with origin ... with destination'; a booking with no meal
    is never 'my none booking'; no condition asks whether something is more than 0; and no request asks about,
    or branches on, the field the row is already named by ('if the meal of my booking with no meal is vegan')."""
    routes = 0
    for task in bundled(name).tasks.values():
        text = task.instruction
        routes += len(re.findall(r"the flight from [A-Z]{3} to [A-Z]{3}", text))
        assert "with origin" not in text and "my none " not in text, text
        assert not re.search(r"more than 0(?![\d.])", text), text
        assert not re.search(r"\b(?:if|is|what is) the (\w+(?: \w+)?) of [^,;?]*? with (?:no )?\1\b", text), text
    assert routes > 0 or name != "flight-booking"


def test_a_new_email_belongs_to_the_person_who_asks_for_it() -> None:
    """ "Change my email to X": X is made from the asker's own name, never from another person's."""
    changed = 0
    for name in sorted(BUNDLED):
        for task in bundled(name).tasks.values():
            asker = task.user.persona.split(",")[0]
            for email in re.findall(r"change my email to ([\w.]+)@", task.instruction):
                assert re.sub(r"[^a-z]", "", asker.split()[-1].lower()) in email, (asker, task.instruction)
                changed += 1
    assert changed >= 5


def _rule_tasks(rule: str) -> list[tuple[str, Task]]:
    return [(name, task) for name in sorted(BUNDLED) for task in bundled(name).tasks.values()
            if task.metadata.get("rule") == rule][:3]  # fmt: skip


async def _run(env: Environment, task: Task, calls: list[tuple[str, dict[str, Any]]], said: list[str]) -> float:
    async with Client(EnvServer(dataclasses.replace(env, tasks={task.id: task}))) as client:
        episode = (await reset_episode(client, task.id)).episode_id
        try:
            for tool, arguments in calls:
                await call_tool(client, episode, tool, arguments)
            return (await verify_episode(client, episode, said)).reward
        finally:
            await close_episode(client, episode)


@pytest.mark.parametrize("rule", RULES)
async def test_breaking_a_policy_rule_fails_the_task(rule: str) -> None:
    """For each rule kind: the oracle of a refusal task scores 1.0, making the forbidden change scores 0.0 (even
    with every fact told), and doing nothing scores 0.0."""
    found = _rule_tasks(rule)
    assert found, f"no bundled task relies on the {rule} rule"
    for name, task in found:
        env = bundled(name)
        assert task.refusal and task.expected.facts
        oracle = [(c.tool, c.arguments) for c in task.solution.calls]
        refused = task.metadata["refused"]
        assert await _run(env, task, oracle, oracle_transcript(task)) == 1.0
        broken = [*oracle, (refused["tool"], refused["arguments"])]
        assert await _run(env, task, broken, oracle_transcript(task)) == 0.0, (task.id, refused)
        assert await _run(env, task, [], []) == 0.0


async def test_an_empty_trajectory_fails_every_synthesized_task() -> None:
    """Refusals included: every bundled task has a change or a fact that an agent doing nothing misses."""
    for name in sorted(BUNDLED):
        for task in bundled(name).tasks.values():
            assert task.expected.changes or task.expected.facts, task.id
            assert task.expected.match == "whole"
    task = next(t for name in sorted(BUNDLED) for t in bundled(name).tasks.values() if t.refusal)
    env = next(bundled(n) for n in sorted(BUNDLED) if task.id in bundled(n).tasks)
    assert await _run(env, task, [], []) == 0.0


async def test_a_frozen_account_takes_no_new_payment_until_unfrozen() -> None:
    """personal-banking: scheduling a payment from an account the customer froze is a tool error naming the
    rule; once unfrozen, the same payment goes through."""
    env = bundled("personal-banking")
    store = EpisodeStore(env.spec, env.template, {})
    episode = store.fresh(None)
    try:
        payment = episode.conn.execute("SELECT account_id, payee_id FROM payments LIMIT 1").fetchone()
        account, payee = payment[0], payment[1]
        arguments = {"account_id": account, "payee_id": payee, "amount": 25.0, "scheduled_on": "2026-03-20"}
        status = episode.conn.execute("SELECT status FROM accounts WHERE account_id = ?", (account,)).fetchone()[0]
        if status == "frozen":
            env.tools["unfreeze_account"].run(episode, {"account_id": account}, None)
        env.tools["freeze_account"].run(episode, {"account_id": account}, None)
        with pytest.raises(ToolError, match="is frozen; a payment needs an account that is active"):
            env.tools["schedule_payment"].run(episode, arguments, None)
        env.tools["unfreeze_account"].run(episode, {"account_id": account}, None)
        assert env.tools["schedule_payment"].run(episode, arguments, None).value["status"] == "scheduled"
    finally:
        episode.close()


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_a_persona_names_the_service_not_its_documents_file(name: str) -> None:
    """'a customer of Personal Banking', never 'a customer of personal-banking.functions', and 'a guest of
    Harborline Hotels Reservations', not of its API."""
    for task in bundled(name).tasks.values():
        assert not re.search(r"\.(tools|functions|ya?ml|json)\b|\bAPI\b", task.user.persona), task.user.persona


def test_a_return_to_the_first_state_reads_as_going_back() -> None:
    """Unfreezing makes an account active again: the policy says it 'can go back to being active only while it is
    frozen', never that it 'can be active only while it is frozen'."""
    policy = bundled("personal-banking").spec.policy
    assert "An account can go back to being active only while it is frozen." in policy
    assert "can be active only while" not in policy


def test_short_attributes_get_values_of_their_kind_not_sentences() -> None:
    """A person's job title, initials, salutation, department and company names, a country of birth two letters
    long and a field of unknown meaning (a `type`) get values of their kind; free text is a sentence only where
    the field holds free text (a `description`); an activity's `project` is a project's name."""
    from autoforge.servers.spec import Column, Table
    from autoforge.synthesizer.semantics import column_kind
    from autoforge.synthesizer.values import Values
    from autoforge.synthesizer.vocab import DEPARTMENTS, PROJECT_NAMES

    def column(name: str, **extra: Any) -> Column:
        return Column(name=name, type="TEXT", **extra)

    columns = [column("id", primary_key=True), column("title"), column("initials"), column("salutation"),
               column("department_name"), column("company_name"), column("country_of_birth", max_length=2),
               column("type"), column("description"), column("gender")]  # fmt: skip
    table = Table(name="employees", columns=tuple(columns))
    values = Values(3, "2026-03-01T09:00:00")
    for _ in range(20):
        made = {c.name: values.value(table, c, column_kind(table.name, c.name, "string", None, False))
                for c in columns[1:]}  # fmt: skip
        assert " " not in made["initials"] and made["initials"].isupper() and len(made["initials"]) == 2, made
        assert made["salutation"] in ("Mr", "Ms", "Mrs", "Dr", "Mx"), made
        assert re.fullmatch(r"[A-Z]{2}", made["country_of_birth"]), made
        assert not made["title"].endswith(".") and not made["type"].endswith("."), made
        assert made["department_name"] in DEPARTMENTS, made
        assert made["company_name"] and not made["company_name"].endswith("."), made
        assert made["description"].endswith("."), made
        assert made["gender"] in ("female", "male", "diverse"), made  # never a setting word such as 'advanced'
    activities = Table(name="activities", columns=(column("id", primary_key=True), column("project")))
    for _ in range(10):  # an activity's `project` is a project's name, not a setting word such as 'standard'
        project = values.value(activities, activities.columns[1], "text")
        assert project in PROJECT_NAMES, project


def test_a_one_word_field_names_a_person_a_company_a_secret_or_a_thing_and_keeps_its_minimum_length() -> None:
    """A field of unknown meaning gets a value for what its word names: a `recipient` or a `watcher` a person's
    name, an `icon` an icon's, a `publisher` a company's, a `signing_secret` a token, a `university` a name ending in 'University'; a
    setting such as a `sort_mode` stays a setting word; a documented minimum length is kept (a reset
    token of 20 characters had made a seed that broke its own schema); a new customer's date of birth is a grown-up's,
    not a day in the coming weeks."""
    from autoforge.servers.spec import Column, Table
    from autoforge.synthesizer.values import Values
    from autoforge.synthesizer.vocab import ICONS, SETTING_WORDS

    columns = tuple(Column(name=n, type="TEXT", primary_key=n == "id")
                    for n in ("id", "recipient", "publisher", "signing_secret", "university", "sort_mode", "watcher",
                              "icon"))  # fmt: skip
    table = Table(name="shipments", columns=columns)
    token = Column(name="reset_code", type="TEXT", min_length=20)
    values = Values(5, "2026-03-01T09:00:00")
    for _ in range(10):
        made = {c.name: values.value(table, c, "text") for c in columns[1:]}
        assert len(made["recipient"].split()) >= 2 and made["recipient"] not in SETTING_WORDS, made
        assert made["publisher"] not in SETTING_WORDS and not made["publisher"].endswith("."), made
        assert re.fullmatch(r"[a-z0-9]{24}", made["signing_secret"]), made
        assert made["university"].endswith(" University") and made["university"][0].isupper(), made
        assert made["sort_mode"] in SETTING_WORDS, made
        assert len(made["watcher"].split()) >= 2 and made["icon"] in ICONS, made  # never 'advanced'
        assert len(values.value(table, token, "code")) >= 20
        born = values.value(table, Column(name="date_of_birth", type="TEXT"), "date")  # a newcomer's, in a task
        assert born <= "2008-03-01", born  # grown up, and never a day still to come


def test_a_password_a_hash_and_a_thing_s_name_get_values_of_their_kind() -> None:
    """A user's `pass` is a password, never a place's name ('Kansas City Pass'); a `hash` is a code; an event's
    `camera_name` names a camera ('Sydney Camera', 'Main camera', never 'Sydney name')."""
    from autoforge.servers.spec import Column, Table
    from autoforge.synthesizer.semantics import column_kind
    from autoforge.synthesizer.values import Values

    columns = (Column(name="id", type="TEXT", primary_key=True), Column(name="pass", type="TEXT"),
               Column(name="hash", type="TEXT"), Column(name="camera_name", type="TEXT"))  # fmt: skip
    table = Table(name="events", columns=columns)
    assert [column_kind("users", c.name, "string", None, False) for c in columns[1:3]] == ["password", "code"]
    values = Values(5, "2026-03-01T09:00:00")
    for _ in range(10):
        made = {c.name: values.value(table, c, column_kind(table.name, c.name, "string", None, False))
                for c in columns[1:]}  # fmt: skip
        assert " " not in made["pass"] and " " not in made["hash"], made
        assert made["camera_name"].lower().endswith(" camera"), made


def test_a_booking_s_guest_has_their_own_email_and_machine_fields_look_like_what_they_are() -> None:
    """A reservation that gives its guest's first and last name gives that guest's email ('tom.cook@...', never
    someone else's); an `ip_address` is an IP address and a `user_agent` a browser, not 'primary'."""
    import ipaddress

    from autoforge.servers.spec import Column, Table
    from autoforge.synthesizer.semantics import column_kind
    from autoforge.synthesizer.values import Person, Values

    names = ("id", "first_name", "last_name", "email", "ip_address", "user_agent")
    table = Table(name="reservations", columns=tuple(Column(name=n, type="TEXT", primary_key=n == "id") for n in names))
    values = Values(5, "2026-03-01T09:00:00")
    for first, last in (("Tom", "Cook"), ("Ana", "Silva")):
        guest = Person(first, last)
        made = {c.name: values.value(table, c, column_kind(table.name, c.name, "string", None, False), {}, guest)
                for c in table.columns[1:]}  # fmt: skip
        local = made["email"].split("@")[0]
        assert last.lower() in local and local[0] == first[0].lower(), made
        ipaddress.ip_address(made["ip_address"])
        assert made["user_agent"].startswith("Mozilla/5.0 ("), made


def test_a_note_fits_the_record_it_is_on() -> None:
    """A payment's note is about the money ('Keep for tax records.'), an order's about its delivery ('Ring the bell
    twice.'), a customer's about the person; a bank transaction never says 'Leave the parcel with the neighbour.'"""
    from autoforge.servers.spec import Column, Table
    from autoforge.synthesizer.values import Values
    from autoforge.synthesizer.vocab import NOTES

    note = Column(name="note", type="TEXT")
    values = Values(7, "2026-03-01T09:00:00")

    def notes(table: str) -> set[str]:
        made = Table(name=table, columns=(Column(name="id", type="TEXT", primary_key=True), note))
        return {values.value(made, note, "text") for _ in range(30)}

    money, delivery = notes("transactions"), notes("shipments")
    templates = {kind: {text.split("{")[0] for text in texts} for kind, texts in NOTES.items()}
    assert all(any(n.startswith(t) for t in templates["money"]) for n in money), money
    assert all(n in NOTES["delivery"] for n in delivery), delivery
    assert not money & set(NOTES["delivery"]) and not notes("customers") & set(NOTES["delivery"])


def test_no_rule_decides_who_someone_is() -> None:
    """A request that hangs on a condition never changes a person's email, phone, address, name or company ('if my
    miles are more than 27893, change my email to A; if not, to B'): those are the user's to state."""
    clause = r"(?:(?!\. )[^;?])*?"  # within one sentence ('more than 140.00' keeps its point)
    branch = re.compile(rf"\bif ({clause}), please ({clause}); if not, ({clause}) instead")
    personal = re.compile(r"\b(email|phone|address|street|city|name|company)\b")
    tasks = [t for name in sorted(BUNDLED) for t in bundled(name).tasks.values()]
    arms = [m.group(2) + " / " + m.group(3) for t in tasks for m in branch.finditer(t.instruction)]
    assert len(arms) > 50 and not [arm for arm in arms if personal.search(arm)]


def test_a_place_is_named_by_its_name_not_its_phone_number() -> None:
    """'the hotel "Raleigh Grand Hotel"', never 'the hotel with phone 555-2146': people name a person (or a booking's
    guest) by a phone number, not a place."""
    texts = [t.instruction for name in sorted(BUNDLED) for t in bundled(name).tasks.values()]
    assert any('the hotel "' in text for text in texts)
    assert not [text for text in texts if re.search(r"\b(hotel|room|venue|event|flight|product) with phone\b", text)]


def test_a_vague_value_is_said_after_its_field() -> None:
    """A ticket in the category 'other' is 'my ticket with category other', never 'my other ticket' (which names a
    different ticket than the one meant)."""
    instructions = [t.instruction for t in bundled("helpdesk-tickets").tasks.values()]
    assert not [text for text in instructions if re.search(r"\bmy other (ticket|tickets)\b", text)]
    blueprint, _, draft = asyncio.run(built(BUNDLED_DOCS / "helpdesk-tickets.tools.json"))
    customer, ticket = Entity("customers", "CUS-1001"), Entity("tickets", "TCK-1001")
    rows = {customer: {"id": "CUS-1001", "name": "Ann Lee", "email": "ann.lee@mail.test"},
            ticket: {"id": "TCK-1001", "customer_id": "CUS-1001", "category": "other", "status": "open"}}  # fmt: skip
    for vague in ("other", "unknown"):
        rows[ticket]["category"] = vague
        found = Resolution(ticket, "list_tickets", (("customer_id", KeyOf(customer)),), pick=Pick("category", vague))
        plan = TaskPlan(role="customer", persona=customer)
        plan.add(Walk(Goal("action", "close_ticket", (("ticket_id", KeyOf(ticket)),), ticket), {ticket: found}))
        roles = draft.spec.roles or Roles()
        text = word_task(blueprint, plan, rows.__getitem__, "Helpdesk", roles, random.Random(1), dt.date(2026, 3, 1))
        assert f"my ticket with category {vague}" in text.instruction, text.instruction


async def test_a_yes_or_no_field_that_is_no_adjective_is_turned_on_or_off(tmp_path) -> None:
    """A `newsletter` switch is turned off ('turn off my newsletter', 'turn off the newsletter for the booking'),
    never 'change my newsletter to no'; a change beside it keeps its own words."""
    from .test_shapes import GYM

    text = GYM.replace(
        "        phone: {type: string}\n", "        phone: {type: string}\n        newsletter: {type: boolean}\n"
    )
    blueprint, _, draft = await built(write(tmp_path, "gym.yaml", text))
    member = Entity("members", "MEM-1001")
    rows = {member: {"id": "MEM-1001", "name": "Ann Lee", "email": "ann.lee@mail.test", "newsletter": 1}}
    roles = draft.spec.roles or Roles()
    said = []
    for extra in ((), (("phone", Known("555-0101", "phone")),)):
        args = (("id", KeyOf(member)), ("newsletter", Known(False, "newsletter")), *extra)
        plan = TaskPlan(role="customer", persona=member)
        plan.add(Walk(Goal("update", "updateMember", args, member)))
        said.append(word_task(blueprint, plan, rows.__getitem__, "Gym", roles, random.Random(1), dt.date(2026, 3, 1)))
    assert "turn off my newsletter" in said[0].instruction, said[0].instruction
    assert "my phone to 555-0101" in said[1].instruction and "turn off my newsletter" in said[1].instruction
    assert not [w.instruction for w in said if "newsletter to" in w.instruction]


def test_an_impostor_speaks_of_their_own_records_and_a_count_left_is_asked_as_one() -> None:
    """Someone who claims to be a customer asks for 'my email' as the customer would, never for 'the email of
    Barbara Burns (...)' in the third person, and never gives as theirs the email they ask to change to; 'seats
    available' is asked as 'how many seats are available on ...'."""
    tasks = [t for name in sorted(BUNDLED) for t in bundled(name).tasks.values()]
    claimed = [t for t in tasks if any(n.note.startswith("do not identification") for n in t.solution.nodes
                                       if isinstance(n, ReasoningNode))]  # fmt: skip
    assert claimed
    for task in claimed:
        name = task.user.persona.split(",")[0]
        assert f"of {name}" not in task.instruction and f"{name} (" not in task.instruction, task.instruction
        facts = task.user.known_facts  # 'my email is X ... change my email to X' asks for nothing
        assert facts.get("email") not in {v for k, v in facts.items() if k.startswith("new email")}, task.instruction
    texts = [t.instruction for t in tasks]
    assert not [t for t in texts if re.search(r"\bwhat is the \w+s (available|left|remaining) of\b", t, re.IGNORECASE)]
    assert any("How many seats are available on the flight" in t for t in texts)


def test_a_thing_s_name_says_what_it_is_and_an_address_field_holds_an_address() -> None:
    """A holiday is named like one ('Labour Day'), a document template like one ('Consent form'), a shipping
    policy as a kind of shipping ('Standard shipping'), a dock like a place, a submitter like a person; never
    'Kansas City Holiday' or 'Chicago Submitter'. An `emails` or `reply_to` field holds an email address."""
    from autoforge.servers.spec import Column, Table
    from autoforge.synthesizer.semantics import column_kind
    from autoforge.synthesizer.values import Values
    from autoforge.synthesizer.vocab import CITIES, KIND_QUALIFIERS, THING_NAMES

    values = Values(11, "2026-03-01T09:00:00")
    name = Column(name="name", type="TEXT")

    def named(table: str) -> set[str]:
        made = Table(name=table, columns=(Column(name="id", type="TEXT", primary_key=True), name))
        return {values.value(made, name, column_kind(table, "name", "string", None, False)) for _ in range(12)}

    assert named("holidays") <= set(THING_NAMES["holiday"]) and named("templates") <= set(THING_NAMES["template"])
    assert {n.split()[0] for n in named("shipping_policies")} <= set(KIND_QUALIFIERS)
    assert all(n.endswith(" shipping") for n in named("shipping_policies"))
    assert all(len(n.split()) >= 2 and not n.endswith(" Submitter") for n in named("submitters"))
    assert not [n for n in named("docks") if n.split()[0] in {"Hernandez", "Burnett", "Cook"}]
    assert column_kind("emails", "emails", "string", None, False) == "email"
    assert column_kind("submitters", "reply_to", "string", None, False) == "email"
    unknown = named("submissions")  # nothing is known of one: a place or a plain qualifier, never a surname
    surnames = {values.pooled("last_name") for _ in range(200)} - set(CITIES)
    assert all(n.lower().endswith(" submission") and n.split()[0] not in surnames for n in unknown), unknown


def test_a_person_is_named_only_where_the_agent_can_look_them_up_and_a_record_for_them_reads_so() -> None:
    """A staff member asks to log time 'for Nancy Russo on Laura's ticket'. An agent the plan finds through another
    ticket (that ticket's agent) is described by that ticket, never by a name the agent would have no way to look
    up; and every agent a bundled helpdesk task's call is given was chosen from a list (none read off tickets that no
    request asks about)."""
    blueprint, _, draft = asyncio.run(built(BUNDLED_DOCS / "helpdesk-tickets.tools.json"))
    staff = Entity("agents", "AGE-1001")
    agent, customer = Entity("agents", "AGE-1002"), Entity("customers", "CUS-1001")
    ticket, other = Entity("tickets", "TIC-1001"), Entity("tickets", "TIC-1002")
    rows = {staff: {"agent_id": "AGE-1001", "name": "Tom Cook", "email": "tom.cook@desk.test"},
            agent: {"agent_id": "AGE-1002", "name": "Nancy Russo", "email": "nancy.russo@desk.test"},
            customer: {"customer_id": "CUS-1001", "name": "Laura Simpson", "email": "laura@mail.test"},
            ticket: {"ticket_id": "TIC-1001", "customer_id": "CUS-1001", "agent_id": None, "subject": "Refund",
                     "status": "open"},
            other: {"ticket_id": "TIC-1002", "customer_id": "CUS-1001", "agent_id": "AGE-1002", "subject": "Login",
                    "status": "open"}}  # fmt: skip
    by_name = Resolution(agent, "list_agents", (), pick=Pick("name", "Nancy Russo"))
    through = Resolution(agent, "list_tickets", (("customer_id", KeyOf(customer)),), via="agent_id", through=other)
    lookups = {ticket: Resolution(ticket, "list_tickets", (("customer_id", KeyOf(customer)),), pick=Pick("subject", "Refund")),
               other: Resolution(other, "list_tickets", (("customer_id", KeyOf(customer)),), pick=Pick("subject", "Login")),
               customer: Resolution(customer, "find_customers", (("name", Known("Laura Simpson", "name")),))}  # fmt: skip
    roles = draft.spec.roles or Roles()
    said = {}
    for how, found in (("by name", by_name), ("through", through)):
        args = (("ticket_id", KeyOf(ticket)), ("agent_id", KeyOf(agent)), ("minutes", Known(30, "minutes")))
        plan = TaskPlan(role="staff", persona=staff)
        plan.add(Walk(Goal("create", "log_time_entry", args), {**lookups, agent: found}))
        text = word_task(blueprint, plan, rows.__getitem__, "Helpdesk", roles, random.Random(1), dt.date(2026, 3, 1))
        said[how] = text.instruction
    assert "time entry for Nancy Russo on Laura's ticket" in said["by name"], said
    assert "Nancy Russo" not in said["through"] and 'of Laura\'s ticket "Login"' in said["through"], said
    for task in bundled("helpdesk-tickets").tasks.values():  # an agent a call is given was chosen from a list
        chosen = {n.output for n in task.solution.nodes if isinstance(n, ReasoningNode) and n.op == "choose"}
        for node in task.solution.nodes:
            given = getattr(node, "arguments", {}).get("agent_id")
            assert given is None or given in chosen, (task.id, node)


def test_an_origin_or_destination_is_an_airport_only_where_people_fly() -> None:
    """A flight's or a booked trip's destination is an airport code ('LIM'); a hotel's or a cab's is a place
    ('Stockholm'), not 'destination LIH'."""
    from autoforge.synthesizer.semantics import column_kind

    for table in ("flights", "reservations", "itinerary_tickets"):
        assert column_kind(table, "destination", "string", None, False) == "airport", table
    for table in ("date_hotels", "cabs", "hotels"):
        assert column_kind(table, "destination", "string", None, False) == "city", table
    assert column_kind("hotels", "nearest_airport", "string", None, False) == "airport"
