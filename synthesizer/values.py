"""Realistic values for a column, seeded: documented examples first, then faker (and the data of its community
providers: airports, vehicles, dishes, drawn with our own seeded random source since the providers draw from
Python's global one) and small domain vocabularies chosen by the column's name, its table and the rest of its row.

A product's name sounds like a product of its category, an event's title like an event of its kind, a
ticket's subject like a support request, a gift message like a gift message; a number keeps to the
document's range, a text to its length and pattern. Nothing is lorem ipsum.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autoforge.servers import Column, Table
from autoforge.servers.constraints import column_rule, compiles, problem
from faker import Faker
from faker_airtravel.constants import airport_list
from faker_food.dishes import dishes
from faker_vehicle.vehicle_dict import vehicles

from . import vocab
from .moments import epoch_seconds, moment_of, written_for
from .naming import plural, singular, split_words
from .semantics import ADULT_AGE_DAYS, SECRET_WORDS, column_kind, is_birth_date, is_person_table

__all__ = [
    "Person",
    "Values",
    "fits",
    "full_name",
    "names_someone",
    "pattern_value",
    "person_of",
    "split_extension",
    "topic",
    "written_moment",
]

_COMPANY_NOUNS = frozenset(["company", "organization", "organisation", "vendor", "supplier", "merchant", "brand",
                            "employer", "client", "partner", "publisher", "carrier", "bank", "agency", "payee"])  # fmt: skip
_PLACE_NOUNS = frozenset(["venue", "place", "location", "hotel", "restaurant", "store", "shop", "branch", "office",
                          "clinic", "warehouse", "site", "property", "listing", "room_type", "dock"])  # fmt: skip
_SUPPORT_NOUNS = frozenset(["ticket", "issue", "case", "request", "incident", "complaint", "inquiry", "enquiry",
                            "bug", "question", "problem", "conversation", "thread"])  # fmt: skip
_EVENT_NOUNS = frozenset(["event", "show", "concert", "performance", "session", "class", "workshop", "course",
                          "match", "game", "exhibition", "screening", "meetup", "webinar", "special_event"])  # fmt: skip
_TASK_NOUNS = frozenset(["task", "todo", "reminder", "chore", "job", "action_item", "checklist_item"])
_NOTE_NOUNS = frozenset(["note", "page", "document", "file", "post", "article", "bookmark", "entry", "memo",
                         "draft", "snippet", "journal"])  # fmt: skip
_PRODUCT_NOUNS = frozenset(["product", "item", "article", "good", "sku", "variant", "menu_item", "dish", "book",
                            "listing_item", "merchandise", "part"])  # fmt: skip
_FREE_TEXT = frozenset({"description", "details", "summary", "about", "info", "information", "comment", "comments",
                        "notes", "note", "remarks", "text", "content", "body", "message", "overview"})  # fmt: skip
"""Words of a field that holds free text about its record."""
_ATTRIBUTES: dict[str, str] = {
    "job_title": "job", "title": "job", "position": "job", "occupation": "job", "job": "job",
    "initials": "initials", "location": "location",
    "department": "department", "team": "department", "division": "department",
    "language": "language", "locale": "language", "timezone": "timezone", "time_zone": "timezone",
    "pronouns": "pronouns", "salutation": "salutation", "honorific": "salutation", "marital_status": "marital",
    "gender": "gender", "sex": "gender",
    "version": "version", "tag": "tag", "tags": "tag", "keyword": "tag", "keywords": "tag",
}  # fmt: skip
"""Short attributes a text column holds, by its name (or its last word): a job title in a person's row, initials,
a place, a language, a time zone, a version, a tag. 'title' is a job only in a person's row."""
_GROUP_NOUNS = frozenset(["department", "team", "group", "division", "unit"])
_COLLECTION_NOUNS = frozenset(["list", "tasklist", "task_list", "collection", "folder", "calendar", "playlist",
                               "album", "board", "notebook", "category", "label", "tag", "shelf"])  # fmt: skip
_NAMED_THINGS = frozenset(["project", "workspace", "campaign", "course", "venue", "store", "team", "channel"])
"""Things with names that a record may hold by name alone (`project: "Garden redesign"`, not a setting word)."""
_NAME_QUALIFIERS = frozenset({"display", "full", "first", "last", "middle", "nick", "user", "file", "host", "domain",
                              "short", "long", "given", "family", "legal", "preferred", "sur", "screen", "real",
                              "friendly", "common", "canonical", "internal", "external", "public", "unique", "sub",
                              "job", "account", "business", "company", "brand", "street", "city", "country", "state",
                              "bank", "product", "item", "contact", "customer", "person", "maiden", "official"})  # fmt: skip
"""First words of `X_name` columns that say which name it is, not which thing it names."""
_PERSON_WORDS = frozenset({"recipient", "sender", "author", "owner", "assignee", "reporter", "contact", "approver",
                           "reviewer", "driver", "beneficiary", "payee", "holder", "creator", "organizer", "organiser",
                           "host", "attendee", "guest", "passenger", "patient", "doctor", "teacher", "instructor",
                           "watcher", "follower", "subscriber", "participant", "invitee", "requester", "requestor",
                           "manager", "supervisor", "technician", "employee", "person", "student"})  # fmt: skip
_ORGANISATION_WORDS = frozenset({"vendor", "supplier", "manufacturer", "brand", "publisher", "insurer", "carrier",
                                 "employer", "organization", "organisation", "institution", "agency", "provider",
                                 "merchant", "retailer", "maker", "sponsor", "lender", "issuer"})  # fmt: skip
_SETTING_FIELDS = frozenset({"type", "kind", "mode", "category", "level", "tier", "plan", "style", "format", "theme",
                             "layout", "scope", "visibility", "preference", "option", "setting", "variant", "class",
                             "group", "method", "status", "state", "source", "size", "color", "colour", "unit",
                             "role", "priority", "gender", "side", "direction", "position", "order", "sort", "shape",
                             "pattern", "material", "flavor", "flavour", "mask", "icon", "parent", "operation",
                             "action", "policy", "strategy", "schedule", "frequency", "interval", "permission",
                             "access", "privacy", "license", "licence", "platform", "medium", "environment",
                             "protocol", "encoding", "algorithm", "version", "template", "filter"})  # fmt: skip
"""One-word fields that hold a setting ('standard', 'custom'), not the name of a thing."""
_CONTAINER_NOUNS = frozenset(["folder", "mailbox", "playlist", "notebook", "calendar", "album", "board", "list"])
"""What a column names when it names a container a record sits in (a note's folder, a mail's mailbox)."""
_DEVICE_NOUNS = frozenset(["device", "vehicle", "asset", "tracker", "car", "truck", "van", "bike"])
_ZONE_NOUNS = frozenset(["geofence", "zone", "area", "region", "route", "territory"])
POOL = 160
"""Faker values made per kind of value (names, cities, companies) and then drawn at random."""
_GENERIC = frozenset(["api", "the", "service", "services", "v1", "v2", "rest", "openapi", "swagger", "server", "mcp",
                      "tools", "app", "platform", "system", "booking", "reservations", "orders", "a", "an", "of"])  # fmt: skip
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip


@dataclass(frozen=True)
class Person:
    """Whom a row is about: its names agree with its email."""

    first: str
    last: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


def full_name(row: Mapping[str, Any], kinds: Mapping[str, str | None]) -> str:
    """A person's full name from a row whose columns have these semantic kinds (a full name, or first and last)."""
    full = next((row[c] for c, k in kinds.items() if k == "person" and row.get(c)), None)
    if full:
        return str(full)
    first = next((row[c] for c, k in kinds.items() if k == "first_name" and row.get(c)), "")
    last = next((row[c] for c, k in kinds.items() if k == "last_name" and row.get(c)), "")
    return f"{first} {last}".strip()


_HANDLE = re.compile(r"[a-z]+(?:[_.][a-z]+)*([_.]?)(\d+)")
"""A documented key that is a person's handle: 'sara_doe_496'."""
_KEY_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{2,39}")
"""A documented key whose shape keys can take: a code such as '8JX2WO', 'ZFA04Y', 'usr_1a2b'."""


_PREFIXED = re.compile(r"([A-Za-z]{1,8}[-_:]?)\d{2,}")
"""A documented key that is a prefix and a number ('CUS-1001', 'usr_42'): keys are numbered after that prefix."""


def key_shaped(example: Any) -> bool:
    """Whether a documented example is a key whose shape new keys can take (`shaped_like`), other than a prefix and
    a number (`documented_prefix`)."""
    return isinstance(example, str) and _KEY_SHAPE.fullmatch(example) is not None and not _PREFIXED.fullmatch(example)


def documented_prefix(example: Any) -> str | None:
    """The prefix of a documented key that is a prefix and a number: 'CUS-' of 'CUS-1001'."""
    match = _PREFIXED.fullmatch(example) if isinstance(example, str) else None
    return match.group(1) if match else None


def shaped_like(example: str, random_source: random.Random, person: Person) -> str:
    """A new key in the shape of a documented one: a handle from the person's name ('sara_doe_496' ->
    'mark_lee_207'), else each letter and digit drawn afresh in its case ('8JX2WO' -> '3KQ9TA')."""
    handle = _HANDLE.fullmatch(example)
    if handle:
        separator = next((c for c in example if c in "_."), "_")
        digits = "".join(random_source.choice(string.digits) for _ in handle.group(2))
        return f"{person.first}{separator}{person.last}{handle.group(1)}{digits}".lower().replace(" ", "")
    pools = (string.ascii_uppercase, string.ascii_lowercase, string.digits)
    return "".join(random_source.choice(next((p for p in pools if c in p), c)) for c in example)


def invented_name(table: str, key: Any) -> str:
    """A full name for someone whose record holds none (an account known only by its user id): the one their
    handle spells ('sara_doe_496' -> 'Sara Doe'), else one made up, the same for the same record."""
    handle = _HANDLE.fullmatch(str(key))
    words = re.split(r"[_.]", str(key)[: handle.start(1)]) if handle else []
    if len(words) >= 2:
        return " ".join(word.capitalize() for word in words)
    fake = _namer()
    fake.seed_instance(f"{table}/{key}")
    return f"{fake.first_name()} {fake.last_name()}"


@functools.cache
def _namer() -> Faker:
    return Faker("en_US")


def person_of(row: Mapping[str, Any], kinds: Mapping[str, str | None]) -> Person | None:
    """The person a row names (its full name of two words or more), if it names one."""
    first, _, last = full_name(row, kinds).strip().partition(" ")
    return Person(first, last) if first and last else None


def fits(column: Column, text: str) -> bool:
    """Whether `text` keeps the column's documented pattern and rule (its lengths, its format)."""
    pattern_kept = not column.pattern or (compiles(column.pattern) and re.search(column.pattern, text) is not None)
    return pattern_kept and problem(column.name, column_rule(column), text) is None


def written_moment(moment: dt.datetime, column: Column, kind: str) -> str | None:
    """`moment` in the first usual form that the column accepts (see `written_for`, `fits`), or None; a date's
    never as a time of day."""
    return written_for(moment, lambda text: fits(column, text), day=kind == "date")


def names_someone(table: Table) -> bool:
    """Whether a table's rows give one person's first and last name (a reservation's guest), whose email agrees."""
    return _split_name(table.name, tuple(c.name for c in table.columns))


@functools.lru_cache(maxsize=1024)
def _split_name(table: str, columns: tuple[str, ...]) -> bool:
    return {"first_name", "last_name"} <= {column_kind(table, name, "string", None, False) for name in columns}


class _Someone:
    """A person made only when a value needs one (most values do not; faker names cost time)."""

    def __init__(self, values: Values) -> None:
        self._values = values
        self._person: Person | None = None

    def _made(self) -> Person:
        if self._person is None:
            self._person = self._values.person()
        return self._person

    @property
    def first(self) -> str:
        return self._made().first

    @property
    def last(self) -> str:
        return self._made().last

    @property
    def full(self) -> str:
        return self._made().full


def topic(table: str, column: str) -> str:
    """What a text column is about, from its name and its table: 'subject', 'gift', 'event', 'product', ..."""
    words = split_words(column)
    noun = singular(table)
    last = noun.split("_")[-1]
    name = "_".join(words)
    thing = _named_thing(table, column)
    if thing is not None:
        return topic(plural(thing), "name")  # an activity's `project` holds a project's name
    if "gift" in words:
        return "gift"
    if words[-1:] == ["icon"]:
        return "icon"
    container = words[-2] if len(words) > 1 and words[-1] == "name" else words[-1] if words else ""
    if container in _CONTAINER_NOUNS:
        return "collection"  # `folderName`, `mailbox`, `calendar_name`: the name of a folder, not a sentence
    if name in ("special_requests", "special_request", "requests", "preferences", "request"):
        return "request"
    if {"reason", "cause"} & set(words):
        return "reason"
    if {"memo", "reference"} & set(words):
        return "memo"
    if {"nickname", "alias"} & set(words) or (last == "account" and words[-1:] == ["name"]):
        return "nickname"
    if {"bio", "about"} & set(words):
        return "bio"
    if {"company", "employer", "organization", "organisation", "business", "vendor", "merchant"} & set(words):
        return "company"
    owner = words[-2] if len(words) > 1 and words[-1] in ("name", "title") else ""
    if owner in _COMPANY_NOUNS or owner in _GROUP_NOUNS:  # a person's `company_name`, `department_name`
        return "company" if owner in _COMPANY_NOUNS else "department"
    attribute = _ATTRIBUTES.get(name) or _ATTRIBUTES.get(words[-1] if words else "")
    if attribute == "job" and not (is_person_table(table) or "job" in words):
        attribute = None  # a book's or a meeting's title is no job
    if attribute is not None:
        return attribute
    if (
        words[-1:]
        and words[-1] in ("subject", "summary", "headline")
        or (words[-1:] == ["title"] and last in _SUPPORT_NOUNS)
    ):
        return "subject" if last in _SUPPORT_NOUNS or words[-1] == "subject" else "title"
    if words[-1:] and words[-1] in ("title", "name", "label") and not is_person_table(table):
        for nouns, kind in ((_EVENT_NOUNS, "event"), (_TASK_NOUNS, "todo"), (_NOTE_NOUNS, "note_title"),
                            (_PRODUCT_NOUNS, "product"), (_PLACE_NOUNS, "place"), (_COMPANY_NOUNS, "company"),
                            (_GROUP_NOUNS, "department"), (_COLLECTION_NOUNS, "collection"),
                            (_DEVICE_NOUNS, "device"), (_ZONE_NOUNS, "zone")):  # fmt: skip
            if last in nouns or noun in nouns:
                return kind
        return "named"
    if {"comment", "body", "message", "reply", "content", "text"} & set(words):
        if last in ("review", "rating", "feedback"):
            return "review"
        return "comment" if last in ("comment", "reply", "message", "answer") or last in _SUPPORT_NOUNS else "note"
    if {"description", "details", "summary"} & set(words):
        if last in _SUPPORT_NOUNS:
            return "problem"
        if last in ("charge", "fee", "expense", "extra", "transaction", "purchase", "line", "item"):
            return "charge"
        return "description"
    if {"note", "notes", "remark", "remarks", "instructions"} & set(words):
        return "worklog" if last in ("entry", "log", "worklog", "timesheet") or "time" in noun else "note"
    if last in ("review", "rating", "feedback") and {"comment", "text", "review"} & set(words):
        return "review"
    return "text"


_MONEY_NOUNS = frozenset(["transaction", "payment", "charge", "expense", "invoice", "bill", "transfer", "purchase",
                          "refund", "payout", "deposit", "withdrawal", "fee", "budget"])  # fmt: skip
_DELIVERY_NOUNS = frozenset(["order", "shipment", "delivery", "parcel", "package", "consignment", "pickup"])


def _note_kind(table: str) -> str:
    """What a note on a row of `table` is about: 'money', 'delivery', 'person' or '' (anything else)."""
    noun = singular(table).split("_")[-1]
    if noun in _MONEY_NOUNS:
        return "money"
    if noun in _DELIVERY_NOUNS:
        return "delivery"
    return "person" if is_person_table(table) else ""


def _named_thing(table: str, column: str) -> str | None:
    """The thing a column names by its name, if it is one: 'project' of an activity, or the camera of an event's
    `camera_name` ('Garcia Camera', never 'Garcia Name')."""
    words = split_words(column)
    if len(words) == 2 and words[1] in ("name", "title") and words[0] not in _NAME_QUALIFIERS:
        return words[0] if singular(table).split("_")[-1] != words[0] and words[0].isalpha() else None
    return words[0] if len(words) == 1 and words[0] in _NAMED_THINGS and singular(table) != words[0] else None


class Values:
    """Value generators sharing one seeded faker and random source."""

    def __init__(self, seed: int, clock: str, brand: str = "") -> None:
        self.random = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.pools: dict[str, list[str]] = {}
        self.today = dt.datetime.fromisoformat(clock)
        words = [w for w in re.findall(r"[A-Za-z]+", brand) if w.lower() not in _GENERIC]
        self.brand = words[0].capitalize() if words else self.fake.last_name()

    # ---- people ----------------------------------------------------------------------------------

    def pooled(self, kind: str) -> str:
        """A faker value of `kind` (city, first_name...), drawn from a pool made once: faker is slow per call."""
        pool = self.pools.get(kind)
        if pool is None:
            make = getattr(self.fake, kind)
            pool = self.pools[kind] = list(vocab.CITIES) if kind == "city" else [str(make()) for _ in range(POOL)]
        return self.random.choice(pool)

    def person(self) -> Person:
        return Person(self.pooled("first_name"), self.pooled("last_name"))

    def email(self, person: Person) -> str:
        """An email address that agrees with the name."""
        host = self.random.choice(["mail.test", "inbox.test", "post.test", "webmail.test"])
        style = self.random.random()
        local = f"{person.first}.{person.last}" if style < 0.6 else f"{person.first[0]}{person.last}"
        return f"{re.sub(r'[^a-z.]', '', local.lower())}@{host}"

    # ---- columns ---------------------------------------------------------------------------------

    def value(
        self,
        table: Table,
        column: Column,
        kind: str,
        row: Mapping[str, Any] | None = None,
        person: Person | None = None,
    ) -> Any:
        """A value for `column` that keeps the document's constraints (a documented example half the time)."""
        row = row or {}
        someone: Any = person or _Someone(self)
        rule = column_rule(column, boolean=kind == "bool")
        if column.examples and self.random.random() < 0.5:
            example = self.random.choice(column.examples)
            if problem(column.name, rule, example) is None:
                return example
        if (column.pattern or column.max_length) and kind in ("date", "datetime", "clock"):  # '09:30', not '36:67'
            raw = self._raw(table, column, kind, row, someone)
            moment = moment_of(raw) or (moment_of(f"2000-01-01T{raw}") if kind == "clock" else None)
            written = written_moment(moment, column, kind) if moment is not None else None
            if written is not None:
                return written
        for _ in range(8):
            raw = pattern_value(self.random, column.pattern) if column.pattern else None
            value = self._fitted(raw if raw is not None else self._raw(table, column, kind, row, someone), column)
            if problem(column.name, rule, value) is None:
                return value
        fallback = next((e for e in column.examples if problem(column.name, rule, e) is None), None)
        return fallback if fallback is not None else self._fitted(self._raw(table, column, kind, row, someone), column)

    def _fitted(self, value: Any, column: Column) -> Any:
        """`value` moved into the column's documented bounds (type, range, length, pattern)."""
        if value is None:
            return None
        if column.enum:
            return value if value in column.enum else self.random.choice(column.enum)
        if column.type == "INTEGER" and not isinstance(value, int):
            value = int(value) if isinstance(value, float) else self.random.randint(1, 10)
        if column.type == "REAL" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            value = round(self.random.uniform(1, 500), 2)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = column.minimum, column.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                low = low if low is not None else min(0.0, high or 0.0)
                high = high if high is not None else low + 100
                value = (
                    self.random.randint(int(-(-low // 1)), int(high))
                    if column.type == "INTEGER"
                    else _money(self.random.uniform(low, high))
                )
            return value
        if column.type == "TEXT" and not isinstance(value, str):
            value = str(value)
        if isinstance(value, str):
            value = self._sized(value, column)
            if column.pattern and compiles(column.pattern) and not re.search(column.pattern, value):
                matching = (pattern_value(self.random, column.pattern) for _ in range(8))
                value = next((v for v in matching if v is not None and self._sized(v, column) == v), value)
        return value

    def _sized(self, value: str, column: Column) -> str:
        """`value` cut or filled to the column's documented length."""
        if column.max_length is not None and len(value) > column.max_length:
            short = column.max_length <= 3 and " " in value  # a sentence cut to 2 letters reads 'Re': a code
            value = _letters(self.random, column.max_length) if short else _shorten(value, column.max_length)
        if column.min_length is not None and len(value) < column.min_length:  # a token of at least 20 characters
            value += _token(self.random, column.min_length - len(value))
        return value

    def _raw(self, table: Table, column: Column, kind: str, row: Mapping[str, Any], person: Person) -> Any:
        if column.enum:
            return self.random.choice(column.enum)
        generator = _KINDS.get(kind)
        if generator is not None:
            return generator(self, table, column, row, person)
        return self._text(table, column, row, person)

    # ---- text --------------------------------------------------------------------------------------

    def fill(self, template: str, person: Person | None = None) -> str:
        """A vocabulary entry with its placeholders filled in (only those it has are made)."""
        if "{" not in template:
            return template
        person = person or _Someone(self)  # type: ignore[assignment]
        makers = {
            "first": lambda: person.first, "last": lambda: person.last, "other": lambda: self.pooled("first_name"),
            "city": lambda: self.pooled("city"), "other_city": lambda: self.pooled("city"),
            "company": lambda: self.pooled("company"),
            "month": lambda: _MONTHS[(self.today.month - 2) % 12],
            "number": lambda: f"{self.random.randint(1000, 9999)}",
            "place": lambda: self.random.choice(("Old Mill", "Harbor Hall", "Corn Exchange", "Riverside", "Grand Hall")),
            "thing": lambda: self.random.choice(vocab.PRODUCTS).lower(),
            "brand": lambda: self.brand,
        }  # fmt: skip
        made: dict[str, str] = {}
        for name in dict.fromkeys(n for _, n, _, _ in string.Formatter().parse(template) if n):  # in written order
            made[name] = makers[name]()
            for _ in range(8):  # 'Austin vs Austin' never: an other_ value differs from the rest
                if not name.startswith("other") or made[name] not in list(made.values())[:-1]:
                    break
                made[name] = makers[name]()
        return template.format(**made)

    def _pick(self, bank: tuple[str, ...], person: Person | None = None) -> str:
        return self.fill(self.random.choice(bank), person)

    def _text(self, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> str:
        about = topic(table.name, column.name)
        thing = _named_thing(table.name, column.name)
        if thing is not None:  # named as that thing is: 'Garcia Project'
            table = table.model_copy(update={"name": plural(thing)})
        category = next((str(row[c.name]) for c in table.columns if c.enum and c.name != column.name
                         and split_words(c.name)[-1:] in (["category"], ["type"], ["kind"], ["genre"])
                         and row.get(c.name)), "")  # fmt: skip
        return _TOPICS.get(about, _plain)(self, table, column, row, person, category.lower())

    def product(self, category: str) -> str:
        names = vocab.CATEGORY_PRODUCTS.get(category) or vocab.CATEGORY_PRODUCTS[""]
        return f"{self.random.choice(vocab.PRODUCT_ADJECTIVES)} {self.random.choice(names)}"


def _money(value: float) -> float:
    return round(value, 2)


def _slug(title: str) -> str:
    """A title as a file or page name: 'Budget for February' -> 'budget-for-february' (faker's slugs are
    random words, 'treat-garden-seven')."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _letters(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(count))


def _token(rng: random.Random, count: int) -> str:
    """Lowercase letters and digits, as a key or a secret is written."""
    return "".join(rng.choice(_SETS["w"]) for _ in range(count))


def split_extension(text: str) -> tuple[str, str]:
    """('scan', '.pdf') of 'scan.pdf'; (text, '') when it ends in no file extension."""
    dotted = re.search(r"\.[A-Za-z0-9]{2,4}$", text)
    return (text[: dotted.start()], dotted.group()) if dotted is not None and dotted.start() > 0 else (text, "")


def _shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to fit `limit` characters; a file name keeps its extension."""
    if limit <= 0:
        return ""
    stem, extension = split_extension(text)
    if extension and len(extension) < limit - 1:
        return _shorten(stem, limit - len(extension)) + extension
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:-")


_SETS = {"d": "0123456789", "w": "abcdefghijkmnopqrstuvwxyz0123456789", "s": " ", "D": "abcdef", "W": "-", "S": "x"}


def pattern_value(rng: random.Random, pattern: str) -> str | None:
    """A short string matching a documented pattern (literals, classes, groups, alternatives, counts), or None
    when the pattern uses something else (look-arounds, back-references)."""
    try:
        text = _Pattern(pattern, rng).generate()
    except (ValueError, IndexError):
        return None
    try:
        return text if re.search(pattern, text) else None
    except re.error:
        return None


class _Pattern:
    """A tiny generator for the regular expressions API documents use."""

    def __init__(self, pattern: str, rng: random.Random) -> None:
        self.text = pattern
        self.at = 0
        self.rng = rng

    def generate(self) -> str:
        out = self._alternatives()
        if self.at != len(self.text):
            raise ValueError("unbalanced pattern")
        return out

    def _alternatives(self) -> str:
        options = [self._sequence()]
        while self._peek() == "|":
            self.at += 1
            options.append(self._sequence())
        return self.rng.choice(options)

    def _sequence(self) -> str:
        parts: list[str] = []
        while self.at < len(self.text) and self._peek() not in "|)":
            atom = self._atom()
            low, high = self._count()
            times = 1 if low is None else self.rng.randint(low, high)
            parts += [atom() if callable(atom) else atom for _ in range(times)]
        return "".join(parts)

    def _atom(self) -> Any:
        char = self.text[self.at]
        self.at += 1
        if char in "^$":
            return ""
        if char == "(":
            if self.text.startswith("?:", self.at):
                self.at += 2
            elif (flags := re.match(r"\?[aiLmsux]+\)", self.text[self.at :])) is not None:  # `(?i)`: case only
                self.at += flags.end()
                return ""
            elif self._peek() == "?":
                raise ValueError("look-arounds are not supported")
            start = self.at
            self._skip_group()
            body = self.text[start : self.at - 1]
            return lambda: _Pattern(body, self.rng).generate()
        if char == "[":
            choices = self._class()
            return lambda: self.rng.choice(choices)
        if char == ".":
            return lambda: self.rng.choice("abcdefgh")
        if char == "\\":
            escaped = self.text[self.at]
            self.at += 1
            if escaped in _SETS:
                return lambda: self.rng.choice(_SETS[escaped])
            if escaped.isdigit():
                raise ValueError("back-references are not supported")
            return escaped
        return char

    def _skip_group(self) -> None:
        depth = 1
        while depth:
            char = self.text[self.at]
            self.at += 1
            if char == "\\":
                self.at += 1
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1

    def _class(self) -> str:
        negated = self._peek() == "^"
        if negated:
            self.at += 1
        chars = ""
        while self.text[self.at] != "]" or not chars:
            char = self.text[self.at]
            self.at += 1
            if char == "\\":
                escaped = self.text[self.at]
                self.at += 1
                chars += _SETS.get(escaped, escaped)
            elif self._peek() == "-" and self.at + 1 < len(self.text) and self.text[self.at + 1] != "]":
                end = self.text[self.at + 1]
                self.at += 2
                chars += "".join(chr(c) for c in range(ord(char), ord(end) + 1))
            else:
                chars += char
        self.at += 1
        if negated:
            return "".join(c for c in "abcdefghijkmnpqrstuvwxyz0123456789" if c not in chars) or "x"
        return chars

    def _count(self) -> tuple[int | None, int]:
        char = self._peek()
        if char in ("?", "*", "+"):
            self.at += 1
            if self._peek() in ("?", "+"):
                self.at += 1
            return {"?": (0, 1), "*": (0, 2), "+": (1, 3)}[char]
        if char == "{":
            end = self.text.index("}", self.at)
            spec = self.text[self.at + 1 : end]
            self.at = end + 1
            low, _, high = spec.partition(",")
            least = int(low or 0)
            return least, (int(high) if high else least + 2) if "," in spec else least
        return None, 0

    def _peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""


# ---- generators by kind of value ---------------------------------------------------------------------


def _email(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> str:
    if is_person_table(table.name) or names_someone(table):  # a booking's guest: Tom Cook's is tom.cook@...
        return v.email(person)
    return f"{v.pooled('user_name')}@{v.pooled('domain_word')}.test"


def _person(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> str:
    """Their full name; the name they go by (a nickname, a preferred name) is their first."""
    return person.first if {"nickname", "nick", "preferred"} & set(split_words(column.name)) else person.full


def _name(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> str:
    if is_person_table(table.name) and topic(table.name, column.name) not in ("company", "department"):
        return person.full
    return v._text(table, column, row, person)


def _past(v: Values) -> dt.datetime:
    """A moment in the last 200 days."""
    return v.today - dt.timedelta(days=v.random.randint(1, 200), hours=v.random.randint(0, 10))


def _moment(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> str:
    moment = _past(v)
    if column.format == "date" or "date" in column.name and "time" not in column.name:
        return moment.date().isoformat()
    return moment.replace(minute=v.random.choice([0, 15, 30, 45]), second=0).isoformat(timespec="seconds")


def _date(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> str:
    """A day in the coming two months; a birth date of a grown-up for a date of birth."""
    if is_birth_date(column.name):
        return (v.today.date() - dt.timedelta(days=v.random.randint(*ADULT_AGE_DAYS))).isoformat()
    return (v.today.date() + dt.timedelta(days=v.random.randint(1, 60))).isoformat()


def _datetime(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> str:
    moment = v.today + dt.timedelta(days=v.random.randint(1, 60))
    return moment.replace(
        hour=v.random.choice([9, 10, 14, 18, 19, 20]), minute=v.random.choice([0, 30]), second=0
    ).isoformat(timespec="seconds")


def _money_value(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> float:
    words = set(split_words(column.name))
    if {"balance", "budget"} & words:
        low, high = 50.0, 20000.0
    elif {"salary", "income"} & words:
        low, high = 30000.0, 150000.0
    elif "limit" in words:
        low, high = 500.0, 5000.0
    elif {"fee", "tax", "discount"} & words:
        low, high = 2.0, 60.0
    elif {"fare", "rate"} & words:
        low, high = 60.0, 450.0
    elif {"amount", "charge"} & words and singular(table.name).split("_")[-1] in ("charge", "fee", "extra"):
        low, high = 5.0, 120.0
    else:
        low, high = 5.0, 250.0
    low, high = _within(low, high, column)
    if high - low < 20:
        return _money(v.random.uniform(low, high))
    value = v.random.uniform(low, high)
    return _money(min(high, int(value) + v.random.choice([0.0, 0.5, 0.99, 0.25, 0.0])))


def _within(low: float, high: float, column: Column) -> tuple[float, float]:
    """A typical range kept inside the document's bounds (the bounds alone when they do not meet)."""
    least = column.minimum if column.minimum is not None else float("-inf")
    most = column.maximum if column.maximum is not None else float("inf")
    if max(low, least) <= min(high, most):
        return max(low, least), min(high, most)
    return (least if least != float("-inf") else most - 10), (most if most != float("inf") else least + 10)


def _quantity(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> int:
    words = set(split_words(column.name))
    if "capacity" in words or "occupancy" in words:
        big = singular(table.name).split("_")[-1] in ("venue", "hall", "arena", "stadium", "theatre", "theater")
        low, high = (80, 2000) if big else (1, 6)
    elif {"seats", "stock", "inventory", "available", "remaining", "left"} & words:
        low, high = 0, 120
    elif "year" in words:
        low, high = 1990, v.today.year
    elif "age" in words:
        low, high = 18, 80
    elif {"minutes", "duration"} & words:
        low, high = 15, 120
    elif {"miles", "points", "loyalty"} & words:
        low, high = 0, 20000
    elif {"stars", "rating", "score"} & words:
        low, high = 1, 5
    else:
        low, high = 1, 4
    least, most = _within(low, high, column)
    least, most = int(-(-least // 1)), int(most // 1)
    value = v.random.randint(least, max(least, most))
    if {"minutes", "duration"} & words and most - least >= 15:
        value = max(least, min(most, round(value / 15) * 15))
    return value


def _coded(column: Column) -> bool:
    """Whether a country or region column holds its code ('US', 'CA') rather than its name (by its name, or a
    length too short for a name)."""
    short = column.max_length is not None and column.max_length <= 3
    return short or bool({"code", "iso", "iso2", "iso3", "abbr"} & set(split_words(column.name)))


def _code(v: Values, table: Table, column: Column, row: Mapping[str, Any], person: Person) -> str:
    words = [*split_words(column.name), *split_words(singular(table.name))]
    if "iban" in words:
        return v.pooled("iban")
    if "flight" in words:
        return f"{v.random.choice(['SW', 'HL', 'NR'])}{v.random.randint(100, 989)}"
    if "room" in words:
        return f"{v.random.randint(1, 6)}{v.random.randint(1, 30):02d}"
    if "sku" in words:
        return f"{''.join(v.random.choice('ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(3))}-{v.random.randint(1000, 9999)}"
    letters = "".join(v.random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(2))
    return f"{letters}{v.random.randint(100000, 999999)}"


def _simple(generate: Any) -> Any:
    return lambda v, table, column, row, person: generate(v)


_KINDS: dict[str, Any] = {
    "email": _email,
    "person": _person,
    "name": _name,
    "first_name": lambda v, t, c, r, p: p.first,
    "last_name": lambda v, t, c, r, p: p.last,
    "middle_name": _simple(lambda v: v.pooled("first_name")),
    "username": lambda v, t, c, r, p: f"{p.first.lower()}{v.random.randint(10, 99)}",
    "phone": _simple(lambda v: f"555-{v.random.randint(1000, 9999)}"),
    "url": _simple(lambda v: f"https://{v.pooled('domain_word')}.example/{_slug(v.random.choice(vocab.NOTE_TITLES))}"),
    "path": _simple(
        lambda v: (
            f"{v.random.choice(['notes', 'projects', 'journal', 'archive'])}/{_slug(v.random.choice(vocab.NOTE_TITLES))}.md"
        )
    ),
    "street": _simple(lambda v: v.pooled("street_address")),
    "city": _simple(lambda v: v.pooled("city")),
    "country": lambda v, t, c, r, p: v.pooled("country_code") if _coded(c) else v.pooled("country"),
    "region": lambda v, t, c, r, p: v.pooled("state_abbr") if _coded(c) else v.pooled("state"),
    "password": _simple(lambda v: v.fake.password(length=12)),
    "zip": _simple(lambda v: v.pooled("postcode")),
    "airport": _simple(lambda v: v.random.choice(airport_list)["iata"]),
    "seat": _simple(lambda v: f"{v.random.randint(1, 38)}{v.random.choice('ABCDEF')}"),
    "currency": _simple(lambda v: v.random.choice(["USD", "EUR", "GBP"])),
    "color": _simple(lambda v: v.pooled("color_name")),
    "latitude": _simple(lambda v: round(v.random.uniform(-60, 60), 5)),
    "longitude": _simple(lambda v: round(v.random.uniform(-150, 150), 5)),
    "date": _date,
    "datetime": _datetime,
    "clock": _simple(
        lambda v: f"{v.random.choice([9, 10, 12, 14, 17, 18, 19, 20]):02d}:{v.random.choice([0, 15, 30, 45]):02d}"
    ),
    "past": _moment,
    "timestamp": lambda v, t, c, r, p: epoch_seconds(_past(v)),
    "money": _money_value,
    "amount": lambda v, t, c, r, p: f"{_money_value(v, t, c, r, p):.2f}",
    "numeral": lambda v, t, c, r, p: str(_quantity(v, t, c, r, p)),
    "quantity": _quantity,
    "rating": _simple(lambda v: v.random.randint(1, 5)),
    "number": _simple(lambda v: round(v.random.uniform(0, 100), 2)),
    "bool": _simple(lambda v: v.random.randint(0, 1)),
    "uuid": _simple(lambda v: str(uuid.UUID(int=v.random.getrandbits(128), version=4))),
    "ip": _simple(lambda v: f"{v.random.choice(('192.0.2', '198.51.100', '203.0.113'))}.{v.random.randint(1, 254)}"),
    "user_agent": _simple(lambda v: v.random.choice(vocab.USER_AGENTS)),
    "code": _code,
    "ref": _code,
    "json": lambda v, t, c, r, p: None if c.nullable else "{}",
    "title": lambda v, t, c, r, p: v._text(t, c, r, p),
    "text": lambda v, t, c, r, p: v._text(t, c, r, p),
}


# ---- text by topic -------------------------------------------------------------------------------------


def _subject(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    return v._pick(vocab.SUBJECTS.get(category) or vocab.SUBJECTS[""], p)


def _event(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    return v._pick(vocab.EVENT_TITLES.get(category) or vocab.EVENT_TITLES[""])


def _product(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    if category in ("food", "dish", "meal", "restaurant") or "menu" in t.name or "dish" in t.name:
        return v.random.choice(dishes)
    return v.product(category)


def _charge(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    if category == "restaurant" and v.random.random() < 0.5:
        return v.random.choice(dishes)
    return v._pick(vocab.CHARGE_DESCRIPTIONS.get(category) or vocab.CHARGE_DESCRIPTIONS[""])


def _review(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    rating = next((r[k] for k in ("rating", "stars", "score") if isinstance(r.get(k), int)), 4)
    mood = "good" if rating >= 4 else "mixed" if rating == 3 else "bad"
    return v._pick(vocab.REVIEWS[mood], p)


def _comment(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    author = next((str(x) for k, x in r.items() if k in ("author", "author_type", "from", "role") and x), "")
    bank = vocab.COMMENTS.get(author) or vocab.COMMENTS["agent" if v.random.random() < 0.5 else "customer"]
    return v._pick(bank, p)


def _reason(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    noun = singular(t.name).split("_")[-1]
    key = (
        "return"
        if noun in ("return", "refund", "exchange")
        else "dispute"
        if noun in ("dispute", "claim")
        else ("cancel" if noun in ("cancellation",) else "")
    )
    return v._pick(vocab.REASONS[key], p)


def _named(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    """A name for a record of something with no vocabulary (see `_thing_name`)."""
    return _thing_name(v, split_words(singular(t.name)), p, qualified=True)


def _thing_name(v: Values, words: list[str], p: Person, qualified: bool = False) -> str:
    """The name of a thing the `words` name: a project's ('Office move'); a kind of thing's, by what it is a kind
    of ('Annual time off', not 'Hernandez Type'); else a place's proper name with the thing's noun ('Porto
    University') or, for one of many `qualified` records, now and then a plain qualifier ('Weekend submission').
    Never a surname, which would make it someone's ('Romero Reason')."""
    if words[-1:] == ["project"]:
        return v.random.choice(vocab.PROJECT_NAMES)
    if words and words[-1] in vocab.THING_NAMES:
        return v._pick(vocab.THING_NAMES[words[-1]], p)
    if len(words) > 1 and words[-1] in _KIND_NOUNS:
        return f"{v.random.choice(vocab.KIND_QUALIFIERS)} {' '.join(words[:-1])}"
    noun = words[-1] if words else "item"
    if qualified and v.random.random() < 0.5:
        return f"{v.random.choice(vocab.NAME_QUALIFIERS)} {noun}"
    return f"{v.pooled('city')} {noun.title()}"


_KIND_NOUNS = frozenset({"type", "category", "kind", "class", "tier", "level", "grade", "variety", "policy", "plan"})
"""Nouns of a table whose rows are kinds or settings of something else (`time_off_types`, `shipping_policies`)."""


def _collection(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    """A list's, folder's or calendar's name ('Groceries'); now and then a one-word name set apart from another
    of its kind ('Shared groceries'), so that many of them need not share a few names. Tags are single words."""
    if "tag" in t.name:
        return v.random.choice(vocab.TAGS)
    name = v.random.choice(vocab.COLLECTION_NAMES)
    if " " not in name and v.random.random() < 0.4:
        qualifier = v.random.choice([q for q in vocab.COLLECTION_QUALIFIERS if q.lower() != name.lower()])
        return f"{qualifier} {name[0].lower()}{name[1:]}"
    return name


def _plain(v: Values, t: Table, c: Column, r: Mapping[str, Any], p: Person, category: str) -> str:
    """A free text about the record for a field that holds one (an `info`, a `text`); a person's or a company's
    name for a field named for one (a `recipient`, a `publisher`); a token for a secret; a name for a thing
    named by one word (a `university`: 'Porto University'); and for a field whose meaning is unknown (a `type`,
    a `sort mode`), a plain setting word rather than a sentence that cannot be what it holds."""
    words = split_words(c.name)
    if set(words) & _FREE_TEXT:
        return v._pick(vocab.DESCRIPTIONS, p)
    last = words[-1] if words else ""
    if last in _PERSON_WORDS:
        return v.person().full
    if last in _ORGANISATION_WORDS:
        return v.pooled("company")
    if last in SECRET_WORDS:
        return _token(v.random, 24)
    if len(words) == 1 and last not in _SETTING_FIELDS and last != singular(t.name).split("_")[-1]:
        return _thing_name(v, [last], p)
    return v.random.choice(vocab.SETTING_WORDS)


_TOPICS: dict[str, Any] = {
    "job": lambda v, t, c, r, p, k: v.pooled("job"),
    "initials": lambda v, t, c, r, p, k: f"{p.first[:1]}{p.last[:1]}",
    "location": lambda v, t, c, r, p, k: v.random.choice(vocab.CITIES),
    "language": lambda v, t, c, r, p, k: v.random.choice(
        list(vocab.LANGUAGES.values() if _coded(c) or "locale" in split_words(c.name) else vocab.LANGUAGES)
    ),
    "timezone": lambda v, t, c, r, p, k: v.random.choice(vocab.TIMEZONES),
    "version": lambda v, t, c, r, p, k: f"{v.random.randint(1, 4)}.{v.random.randint(0, 12)}.{v.random.randint(0, 9)}",
    "tag": lambda v, t, c, r, p, k: v.random.choice(vocab.TAGS),
    "icon": lambda v, t, c, r, p, k: v.random.choice(vocab.ICONS),
    "pronouns": lambda v, t, c, r, p, k: v.random.choice(("she/her", "he/him", "they/them")),
    "salutation": lambda v, t, c, r, p, k: v.random.choice(("Mr", "Ms", "Mrs", "Dr", "Mx")),
    "marital": lambda v, t, c, r, p, k: v.random.choice(("single", "married", "divorced", "widowed")),
    "gender": lambda v, t, c, r, p, k: v.random.choice(("female", "male", "diverse")),
    "gift": lambda v, t, c, r, p, k: v._pick(vocab.GIFT_MESSAGES, p),
    "request": lambda v, t, c, r, p, k: v._pick(vocab.SPECIAL_REQUESTS, p),
    "reason": _reason,
    "memo": lambda v, t, c, r, p, k: v._pick(vocab.MEMOS, p),
    "nickname": lambda v, t, c, r, p, k: v._pick(vocab.ACCOUNT_NAMES, p),
    "bio": lambda v, t, c, r, p, k: f"{v.pooled('job')} based in {v.pooled('city')}.",
    "subject": _subject,
    "title": lambda v, t, c, r, p, k: v._pick(vocab.NOTE_TITLES, p),
    "event": _event,
    "todo": lambda v, t, c, r, p, k: v._pick(vocab.TODO_TITLES, p),
    "note_title": lambda v, t, c, r, p, k: v._pick(vocab.NOTE_TITLES, p),
    "product": _product,
    "place": lambda v, t, c, r, p, k: v._pick(
        vocab.PLACE_NAMES.get(singular(t.name).split("_")[-1]) or vocab.PLACE_NAMES[""], p
    ),
    "company": lambda v, t, c, r, p, k: v.pooled("company"),
    "department": lambda v, t, c, r, p, k: v.random.choice(vocab.DEPARTMENTS),
    "collection": _collection,
    "device": lambda v, t, c, r, p, k: (
        f"{v.random.choice(vehicles)['Make']} {v.random.choice(['Van', 'Truck', 'Car'])} {v.random.randint(1, 40)}"
    ),
    "zone": lambda v, t, c, r, p, k: f"{v.pooled('city')} {v.random.choice(['Depot', 'Yard', 'Warehouse', 'Site'])}",
    "named": _named,
    "review": _review,
    "comment": _comment,
    "note": lambda v, t, c, r, p, k: v._pick(vocab.NOTES[_note_kind(t.name)], p),
    "worklog": lambda v, t, c, r, p, k: v._pick(vocab.WORK_NOTES, p),
    "problem": lambda v, t, c, r, p, k: v.random.choice(
        vocab.TOPIC_DESCRIPTIONS.get(k) or vocab.TOPIC_DESCRIPTIONS[""]
    ),
    "charge": _charge,
    "description": _plain,
}
