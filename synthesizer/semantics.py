"""What a column's values mean (an email, money, a date, a status), read from its name, type and format."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .naming import singular, split_words

__all__ = [
    "ADULT_AGE_DAYS",
    "LABEL_KINDS",
    "PERSONAL_KINDS",
    "PERSONAL_WORDS",
    "SECRET_WORDS",
    "TERMINAL_STATUSES",
    "column_kind",
    "is_birth_date",
    "is_clock_time",
    "is_creation_time",
    "is_person_table",
    "is_secret",
    "is_status_column",
    "label_rank",
    "named_by_url",
]

TERMINAL_STATUSES = frozenset(
    [
        "cancelled",
        "canceled",
        "closed",
        "deleted",
        "archived",
        "completed",
        "complete",
        "refunded",
        "rejected",
        "declined",
        "expired",
        "voided",
        "void",
        "resolved",
        "done",
        "finished",
        "returned",
        "lost",
        "failed",
        "reverted",
        "terminated",
        "inactive",
        "disabled",
        "delivered",
        "checked_out",
        "departed",
        "used",
        "sent",
    ]
)
_PEOPLE = frozenset(
    [
        "customer",
        "user",
        "member",
        "employee",
        "passenger",
        "guest",
        "patient",
        "client",
        "contact",
        "attendee",
        "agent",
        "driver",
        "person",
        "people",
        "student",
        "teacher",
        "author",
        "owner",
        "account_holder",
        "holder",
        "buyer",
        "seller",
        "traveler",
        "traveller",
        "participant",
        "subscriber",
        "applicant",
        "candidate",
        "visitor",
        "tenant",
        "renter",
        "requester",
        "reporter",
        "assignee",
        "staff",
        "doctor",
        "submitter",
        "signer",
        "signatory",
        "recipient",
        "reviewer",
        "approver",
        "borrower",
        "donor",
        "volunteer",
        "player",
        "instructor",
        "trainer",
        "coach",
        "therapist",
        "technician",
        "worker",
        "contractor",
        "speaker",
    ]
)
LABEL_KINDS = ("email", "username", "person", "name", "title", "code", "phone", "url", "path")
"""Kinds of value a person would name a row by, best first."""
PERSONAL_KINDS = frozenset({"email", "phone", "first_name", "middle_name", "last_name", "username", "person", "street",
                            "city", "country", "region", "zip", "birthdate", "password"})  # fmt: skip
"""Kinds of value that say who a person is or how to reach them: theirs to state, never the outcome of a rule."""
PERSONAL_WORDS = frozenset({"company", "employer", "organization", "organisation", "nickname", "website", "bio",
                            "language", "locale", "timezone", "pronouns", "salutation"})  # fmt: skip
"""Last words of fields that also say who someone is (where they work, what they go by)."""
_BIRTH = re.compile(r"(^|_)(dob|birthday|birthdate|birth_date|date_of_birth)$")
ADULT_AGE_DAYS = (18 * 365, 80 * 365)
"""How long ago (in days) a grown-up customer was born: the range birth dates are drawn from."""
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("uuid", r"(^|_)(uuid|guid)$"),
        ("ip", r"(^|_)(ip|ip_address|ip_addr|remote_addr|client_ip)$"),
        ("user_agent", r"(^|_)user_agent$"),
        ("email", r"(^|_)(e?mails?|reply_to)(_address(es)?)?$"),
        ("phone", r"(^|_)(phone|mobile|telephone|tel|fax)(_number)?$"),
        ("first_name", r"^(first|given)_?name$"),
        ("middle_name", r"^middle_?name$"),
        ("last_name", r"^(last|family|sur)_?name$"),
        ("username", r"^(user_?name|login|handle|screen_name)$"),
        (
            "person",
            (
                r"^(full_name|display_name|contact_name|customer_name|passenger_name|guest_name|holder_name|"
                r"owner_name|author_name|requester_name|account_holder)$"
            ),
        ),
        ("url", r"(^|_)(url|uri|website|homepage|link|href|avatar|image|photo|picture|thumbnail)$"),
        ("path", r"(^|_)(path|file_?path|filename|file_name|dirpath)$"),
        ("street", r"(^|_)(street|(?<!ip_)(?<!mac_)(?<!web_)(?<!wallet_)address|address_line_?1|line_?1|address1)$"),
        ("city", r"(^|_)(city|town|locality)(_of_[a-z]+)?$"),  # `city_of_event`
        (
            "country",
            r"(^|_)(country(_code|_iso|_iso_code|_iso2|_iso3|_of_birth|_of_residence|_of_origin)?|nationality)$",
        ),
        ("region", r"(^|_)(state_name|state_code|state_abbr|province|region|county)$"),
        ("password", r"(^|_)(password|passphrase|passcode|pin_code|pass|pwd)$"),
        ("zip", r"(^|_)(zip|zip_code|postal_code|postcode)$"),
        ("currency", r"(^|_)currency(_code)?$"),
        (
            "airport",
            r"(^|_)(origin|destination|airport|from_airport|to_airport|departure_airport|arrival_airport)(_code)?$",
        ),
        ("seat", r"(^|_)seat(_number)?$"),
        ("birthdate", r"(^|_)(dob|birthday|birthdate|birth_date|date_of_birth)$"),
        ("color", r"(^|_)colou?r$"),
        ("latitude", r"(^|_)lat(itude)?$"),
        ("longitude", r"(^|_)(lng|lon|longitude)$"),
        ("datetime", r"(_at|_time|timestamp|_on_utc|datetime|_ts)$"),
        (
            "date",
            (
                r"(^|_)(date|day|_on|deadline|due|due_date|duedate|startdate|enddate|expirydate|start|end|check_in|check_out|"
                r"departure|arrival|from|until|expires|expiry)$|_date$|_on$"
            ),
        ),
        (
            "money",
            (
                r"(^|_)(price|cost|amount|total|subtotal|balance|fee|fees|salary|tax|discount|charge|credit|debit|"
                r"limit|budget|fare|rate|deposit|paid|refund|payment|value)(_amount|_cents|_usd)?$"
            ),
        ),
        (
            "quantity",
            (
                r"(^|_)(quantity|qty|count|seats|capacity|stock|inventory|nights|guests|units|items|size|"
                r"number_of_\w+|num_\w+|copies|tickets|age|duration|minutes|hours|days|year|years|floor|level)$"
            ),
        ),
        ("rating", r"(^|_)(rating|score|stars|priority_level)$"),
        (
            "code",
            (
                r"(^|_)(code|sku|number|no|reference|ref|confirmation|confirmation_code|locator|pnr|slug|iso|isbn|"
                r"iban|account_number|serial|tag|key|token|flight_number|room_number|uid|guid|hash|checksum|"
                r"secret|api_key|apikey)$"
            ),
        ),
        ("name", r"(^|_)(name|label|nickname)$"),
        ("title", r"(^|_)(title|subject|summary|headline|caption|topic)$"),
        (
            "text",
            (
                r"(^|_)(description|body|content|text|notes?|comment|message|bio|details|reason|remarks|"
                r"instructions|memo|feedback)$"
            ),
        ),
    )
)


_CREATED = re.compile(
    r"(^|_)(created|placed|opened|submitted|booked|ordered|requested|registered|joined|issued|added|filed|reported|"
    r"updated|modified|charged|logged|posted|recorded|received|uploaded|made)(_at|_on|_date|_time)?$"
)


_MOMENT = re.compile(r"(_at|timestamp|_ts|_on_utc|datetime)(_(after|before|from|to|since|until|min|max|[gl]te?))?$")
"""Names of a moment, as opposed to a length of time (an integer `updated_at` counts seconds since 1970)."""


SECRET_WORDS = frozenset({"secret", "token", "hash", "signature", "fingerprint", "salt", "nonce", "password", "checksum",
                          "digest"})  # fmt: skip
"""Words of a field only machines read (a `hash`, an `api_token`): nobody names a record by it."""


def is_secret(name: str) -> bool:
    """Whether a column holds something only machines read (see `SECRET_WORDS`)."""
    return bool(SECRET_WORDS & set(split_words(name)))


def is_birth_date(name: str) -> bool:
    """Whether a column holds the day someone was born."""
    return bool(_BIRTH.search("_".join(split_words(name))))


def is_creation_time(name: str) -> bool:
    """Whether a column records when a row was made or last changed (the system sets it, not the user)."""
    return bool(_CREATED.search("_".join(split_words(name))))


def is_person_table(table: str) -> bool:
    """Whether rows of `table` are people (customers, passengers, members...)."""
    return singular(table) in _PEOPLE or singular(table).split("_")[-1] in _PEOPLE


def is_status_column(name: str) -> bool:
    """Whether a column holds a row's lifecycle state."""
    words = split_words(name)
    return bool(words) and words[-1] in ("status", "state", "stage", "phase")


def is_clock_time(name: str, siblings: Iterable[str]) -> bool:
    """Whether a `..._time` column holds a time of day: its row has the day apart (`show_time` beside
    `show_date`, `outbound_departure_time` beside `departure_date`, `time` beside `date`)."""
    words = split_words(name)
    if not words or words[-1] != "time":
        return False
    head = words[:-1]
    for other in siblings:
        day = split_words(other)
        if day and day[-1] == "date" and other != name and head[len(head) - len(day) + 1 :] == day[:-1]:
            return True
    return False


def column_kind(table: str, name: str, json_type: str | None, fmt: str | None, enum: bool) -> str:
    """The kind of value a column holds: email, person, money, date, enum, bool, json, ..."""
    if json_type in ("object", "array") or (json_type is None and not enum):
        return "json"
    if enum:
        return "enum"
    if json_type == "boolean":
        return "bool"
    if fmt in ("email", "idn-email"):
        return "email"
    if fmt in ("date", "date-time", "unix-time", "timestamp") and json_type in ("integer", "number"):
        return "timestamp"  # seconds since 1970 (`created_at: 1672928359`)
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "time":
        return "clock"
    if fmt in ("uri", "url", "uri-reference"):
        return "url"
    if fmt == "uuid":
        return "uuid"
    key = "_".join(split_words(name))
    if json_type == "string" and is_creation_time(key):
        return "datetime"  # `created`, `updated`: when the row was made or changed, whatever the name's ending
    if json_type in ("integer", "number") and (_MOMENT.search(key) or is_creation_time(key) and "time" not in key):
        return "timestamp"  # an integer `updated_at`, `created_at_after`: seconds since 1970
    for kind, pattern in _RULES:
        if pattern.search(key):
            return _refine(table, key, kind, json_type)
    if json_type == "integer":
        return "quantity"
    if json_type == "number":
        return "number"
    return "text"


_OWN_NAMES = frozenset({"preferred", "legal", "maiden", "known", "nick", "short", "birth", "chosen", "given"})
"""Words before `name` in a person's row that still name the person ('preferred_name')."""


_FLOWN = re.compile(r"flight|airline|airport|itinerar|trip|journey|reservation|booking|fare|leg|segment")
"""Tables whose origin and destination are airports: travel by air, or bookings of it."""


def _refine(table: str, key: str, kind: str, json_type: str | None) -> str:
    if kind == "name" and is_person_table(table):  # a person's own name, not their `company_name`
        qualifier = key.split("_")[:-1]
        return "person" if not qualifier or qualifier[0] in _OWN_NAMES else "name"
    if kind == "person" and key == "display_name" and table and not is_person_table(table) and singular(table) != "me":
        return "name"  # a product's display name ('UberXL') is no person's
    if kind == "money" and json_type == "integer":
        return "quantity"
    if kind in ("money", "quantity", "rating") and json_type == "string":
        return "amount" if kind == "money" else "numeral"  # '19.99', '4': an API that sends numbers as text
    if kind in ("date", "datetime") and json_type in ("integer", "number"):
        return "quantity"  # a `wait_time`, a `year`
    if kind == "birthdate":
        return "date" if json_type == "string" else "quantity"
    if kind == "airport" and table and "airport" not in key and not _FLOWN.search(table):
        return "city"  # a hotel's or a cab's destination is a place, not an airport's code
    if (
        kind in ("first_name", "last_name", "person", "username", "street", "city", "airport", "seat")
        and json_type != "string"
    ):
        return "quantity" if json_type == "integer" else "text"
    return kind


def label_rank(table: str, column: str, kind: str) -> int | None:
    """How good a column is for naming a row (lower is better), or None when it cannot name one."""
    if kind not in LABEL_KINDS or is_secret(column):
        return None
    rank = LABEL_KINDS.index(kind)
    if kind == "email" and not is_person_table(table):
        rank += 4
    if kind == "url" and not named_by_url(table):
        return None  # a task is not named by its web address; a bookmark is
    return rank


def named_by_url(table: str) -> bool:
    """Whether people name rows of `table` by their web address (a bookmark, a page, a file)."""
    return singular(table).split("_")[-1] in _LINKED


_LINKED = frozenset({"bookmark", "link", "page", "site", "website", "webhook", "feed", "url", "image", "photo",
                     "file", "document", "attachment", "video", "repository", "repo"})  # fmt: skip
"""Records a person names by their web address."""
