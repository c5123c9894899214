"""Instructions and user scenarios: the user's goal and knowledge, nothing the agent must look up."""

from __future__ import annotations

import json
from pathlib import Path

from autoforge.synthesizer import SynthResult
from autoforge.synthesizer.instantiate import fact_text

from .conftest import write


def test_facts_are_written_the_way_the_verifier_reads_them() -> None:
    """Money has two decimals, other numbers are plain, booleans are yes or no."""
    assert (
        fact_text(1234.5, "money"),
        fact_text(3, "quantity"),
        fact_text(2.0, "number"),
        fact_text(True, "bool"),
    ) == ("1234.50", "3", "2", "yes")


def test_instructions_hide_ids_and_the_scenario_holds_what_the_user_knows(small_env: SynthResult) -> None:
    """No key the agent looks up is in the text; the user knows their name, and their email when it is asked for."""
    keys = {"customerId", "orderId"}
    for task in small_env.tasks:
        assert task.instruction and not task.instruction.startswith(" ")
        assert set(task.user.unknown) <= {"the customer number", "the order number"}
        for call in task.solution.calls:
            for name, value in call.arguments.items():
                if name in keys:
                    assert str(value) not in task.instruction
        if task.metadata["role"] == "customer" and not task.refusal:
            assert task.user.known_facts["name"] in task.instruction
            said = task.user.known_facts.get("email", "")
            assert said in task.instruction or "when the agent asks" in task.user.behavior


def test_facts_to_tell_are_not_given_away(small_env: SynthResult) -> None:
    """A fact the agent must report never already appears in the instruction."""
    for task in small_env.tasks:
        for fact in task.expected.facts:
            assert fact.lower() not in task.instruction.lower()


def test_a_unit_in_a_column_name_is_said_after_in() -> None:
    """'height_cm' is 'height in cm' and 'weight_kg' 'weight in kg', never 'height cm'; other names stay."""
    from autoforge.synthesizer.speech import field_words

    assert [field_words(c) for c in ("height_cm", "weight_kg", "duration_mins", "shipping_method")] == [
        "height in cm",
        "weight in kg",
        "duration in minutes",
        "shipping method",
    ]


def test_a_date_named_by_what_happens_on_it_is_a_date() -> None:
    """'scheduled_on' is 'scheduled date' ('move the scheduled date of the payment'), never 'the scheduled'."""
    from autoforge.synthesizer.speech import field_words

    assert [field_words(c) for c in ("scheduled_on", "due_on", "shipped_on", "starts_at", "created_on")] == [
        "scheduled date",
        "due date",
        "shipped date",
        "start time",
        "creation date",
    ]


def test_a_mails_addresses_are_its_recipient_and_copies() -> None:
    """'to', 'cc' and 'bcc' are the recipient and the copies' addresses ('the bcc address of the mail with
    recipient ...'), never 'the to of the mail'."""
    from autoforge.synthesizer.speech import field_words

    assert [field_words(c) for c in ("to", "cc", "bcc", "valid_to")] == [
        "recipient",
        "cc address",
        "bcc address",
        "valid to",
    ]


def test_the_container_a_record_sits_in_is_named_like_one() -> None:
    """A note's `folderName`, a mail's `mailbox`, a reminder's `listName` hold names of folders and lists
    ('Shared groceries'), not sentences; a `list_price` is no list."""
    from autoforge.synthesizer.values import topic

    assert [topic("notes", "folderName"), topic("mails", "mailbox"), topic("reminders", "listName")] == [
        "collection",
        "collection",
        "collection",
    ]
    assert topic("products", "list_price") != "collection"


WISHLISTS = """
openapi: 3.0.3
info: {title: Giftbox, version: 1.0.0, description: Wishlists of a shop's customers.}
paths:
  /wishlists:
    get:
      operationId: listWishlists
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Wishlist'}}}}}
    post:
      operationId: createWishlist
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Wishlist'}}}
      responses: {'201': {description: ok}}
  /wishlists/{id}:
    patch:
      operationId: updateWishlist
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Wishlist'}}}
      responses: {'200': {description: ok}}
    delete:
      operationId: deleteWishlist
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
components:
  schemas:
    Wishlist:
      type: object
      required: [name]
      properties:
        id: {type: string, readOnly: true}
        name: {type: string}
        is_private: {type: boolean}
        total: {type: string, description: The total of the wished items, as text}
        item_count: {type: string}
        country_iso: {type: string, description: Where the items ship to}
        state_name: {type: string}
"""


async def test_yes_no_fields_read_as_what_they_make_the_record_and_numbers_sent_as_text_look_like_numbers(
    tmp_path: Path,
) -> None:
    """'make the wishlist "X" private', never 'change the is private of'; a total sent as text is '52.40', a count
    '3', a country ISO field a two-letter code and a state a state, never codes like 'ZU897736' or a name."""
    import re

    from autoforge.servers import load_environment
    from autoforge.servers.quality import FLAG, phrasing_problems
    from autoforge.synthesizer import SynthOptions, synthesize
    from autoforge.synthesizer.speech import flag_phrase

    assert [flag_phrase("is_private", True), flag_phrase("is_private", False), flag_phrase("has_wifi", False)] == [
        "private",
        "not private",
        "has no wifi",
    ]
    assert flag_phrase("archived", True) == "archived" and flag_phrase("variant_included", True) is None
    assert flag_phrase("blocked", False) == "not blocked"  # never 'turn off my blocked'
    spec = load_environment(Path("servers/retail-orders")).spec
    assert FLAG in phrasing_problems("Please change the is private of the wishlist to no.", spec)

    source = write(tmp_path, "giftbox.yaml", WISHLISTS)
    await synthesize(source, tmp_path / "giftbox", SynthOptions(tasks=20, rows=10), work_dir=tmp_path / "work")
    env = load_environment(tmp_path / "giftbox")
    rows = env.template.execute("SELECT total, item_count, country_iso, state_name FROM wishlists").fetchall()
    assert rows
    for total, count, country, state in rows:
        assert total is None or re.fullmatch(r"\d+\.\d\d", total), total
        assert count is None or count.isdigit(), count
        assert country is None or re.fullmatch(r"[A-Z]{2}", country), country
        assert state is None or (re.fullmatch(r"[A-Z][a-z]+( [A-Z][a-z]+)*", state) and "Wishlist" not in state), state
    instructions = [t.instruction for t in env.tasks.values()]
    assert not [i for i in instructions if re.search(r"\bthe is private\b", i)]
    assert any(re.search(r"\b(not )?private\b", i) for i in instructions)


def test_the_signed_in_user_is_a_profile() -> None:
    """`/me` and `/self` name the signed-in user's profile (a `profiles` table), never a table of 'mes'."""
    from autoforge.synthesizer.naming import table_name

    assert [table_name(n) for n in ("me", "self", "currentUser", "order")] == [
        "profiles",
        "profiles",
        "profiles",
        "orders",
    ]


def test_the_thing_a_description_acts_on_is_its_noun_not_a_word_of_its_clauses() -> None:
    """What a description's verb acts on: "information about a block" is a block, "an invited member who has
    accepted" a member (not 'ha'), "manually added (persistent) peers" peers; "The `add` command adds packages"
    and "This command will help you create a file" start at their verb."""
    from autoforge.synthesizer.naming import object_noun, sentence_words, without_subject

    def noun(text: str) -> str:
        return object_noun(sentence_words(text))

    assert noun("information about a block given its hash") == "block"
    assert noun("an invited organization member who has accepted their invitation") == "member"
    assert noun("information about manually added (persistent) peers") == "peer"
    assert without_subject(sentence_words("The `add` command adds packages"))[:2] == ["adds", "packages"]
    assert without_subject(sentence_words("This command will help you create a file"))[:2] == ["create", "a"]
    assert without_subject(sentence_words("The sync command makes sure that it is in sync"))[0] == "that"


def test_the_reason_an_instruction_gives_is_the_one_the_user_gives_when_asked() -> None:
    """A user who says "I would like to get it done today" does not answer "I need it in place this week" when the
    agent asks why: across the bundled tasks, any reason an instruction states is its user's reason (267 of 624
    tasks had two, drawn apart)."""
    from autoforge.servers.locate import bundled_environments

    tasks = [json.loads(line) for folder in bundled_environments() for line in (folder / "tasks.jsonl").open()]
    reasons = {task["user"].get("reason") for task in tasks} - {None, ""}
    assert len(reasons) > 20
    for task in tasks:
        stated = {reason for reason in reasons if reason in task["instruction"]}
        assert not stated or task["user"].get("reason") in stated, (task["id"], task["instruction"], task["user"])


def test_a_limit_is_raised_or_lowered_for_a_reason_that_fits_the_direction() -> None:
    """Lowering a card's daily limit is for keeping spending in check, raising it for a big purchase; neither is 'it
    needs to match the invoice', which stays the reason for an amount owed."""
    import random

    from autoforge.synthesizer.speech import reason_for

    def reasons(column: str, change: float) -> set[str]:
        return {reason_for(random.Random(seed), "update", column, "money", change) for seed in range(30)}

    lower, higher = reasons("daily_limit", -15), reasons("spending_cap", 10)
    assert lower and higher and not lower & higher
    assert not any("invoice" in r for r in lower | higher | reasons("budget", 0))
    assert "it needs to match the invoice" in reasons("amount", -10)


def test_a_measure_is_said_with_its_unit_after_the_value() -> None:
    """'a weight of 3.6 kg', never 'weight in kg 3.6'; a field with no unit is left as it is."""
    from autoforge.synthesizer.speech import measured

    assert measured("weight in kg", "3.6") == ("weight", "3.6 kg")
    assert measured("duration in minutes", "30") == ("duration", "30 minutes")
    assert measured("check in", "May 2") == ("check in", "May 2")
    assert measured("shipping method", "express") == ("shipping method", "express")


TEMPLATES = """
openapi: 3.0.3
info: {title: Signing, version: 1.0.0, description: Document templates sent out for signing.}
paths:
  /templates:
    get:
      operationId: listTemplates
      parameters: [{name: q, in: query, schema: {type: string}, description: Filter by name}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Template'}}}}}
  /templates/{id}:
    put:
      operationId: updateTemplate
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Template'}}}
      responses: {'200': {description: ok}}
    delete:
      operationId: archiveTemplate
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
components:
  schemas:
    Template:
      type: object
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        folder_name: {type: string}
        shared_link: {type: boolean}
"""


async def test_a_row_told_apart_by_a_second_name_says_which_name_it_is(tmp_path: Path) -> None:
    """A template picked by its folder's name is 'the template with folder name "Travel"', never 'the template
    "Travel"' (which reads as its own name) nor 'the template "Travel" "Consent form"'; and no condition decides
    what a template is called ('if its link is shared, change its name to A; if not, to B')."""
    import re

    from autoforge.servers import load_environment
    from autoforge.synthesizer import SynthOptions, synthesize

    source = write(tmp_path, "signing.yaml", TEMPLATES)
    await synthesize(source, tmp_path / "signing", SynthOptions(tasks=30, rows=12), work_dir=tmp_path / "work")
    env = load_environment(tmp_path / "signing")
    folders = {f for (f,) in env.template.execute("SELECT folder_name FROM templates") if f}
    instructions = [t.instruction for t in env.tasks.values()]
    assert not [i for i in instructions if re.search(r'"[^"]+" "', i)]
    assert not [i for i in instructions for f in folders if f'the template "{f}"' in i]
    assert any("with folder name" in i for i in instructions)
    renames = r"please (change its name|rename it) to [^;]*; if not\b|if not, (change its name|rename it) to"
    assert not [i for i in instructions if re.search(renames, i)]  # what a thing is called hangs on no condition


def test_a_ticket_is_closed_because_its_issue_is_solved_and_an_account_because_it_is_not_used() -> None:
    """'Close my ticket ...? I no longer use it.' reads as an account's reason: a closed case gives a case's."""
    from autoforge.servers.locate import bundled_environments

    folders = {folder.name: folder for folder in bundled_environments()}
    tickets = [json.loads(line) for line in (folders["helpdesk-tickets"] / "tasks.jsonl").open()]
    closing = [t for t in tickets if any(n.get("tool") == "close_ticket" for n in t["solution"]["nodes"])]
    assert closing
    for task in closing:
        assert "I no longer use it" not in task["instruction"] and "moving everything" not in task["instruction"]
    assert any("issue is solved" in t["instruction"] or "no longer a problem" in t["instruction"] for t in closing)
