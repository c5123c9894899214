"""How people say things: dates relative to today, fields in words, values as they would type them, and why
they get in touch (a reason for each kind of request)."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from .moments import day_of, moment_of
from .naming import humanize, normal, split_words
from .semantics import is_creation_time

__all__ = ["field_words", "reason_for", "spoken_date", "spoken_value", "verb_of"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FIELD = {"qty": "quantity", "dob": "date of birth", "num": "number", "amt": "amount", "desc": "description",
          "iban": "IBAN", "sku": "SKU", "url": "web address", "pnr": "booking reference"}  # fmt: skip


_CREATION = {"placed": "order date", "created": "creation date", "booked": "booking date", "submitted": "submission date",
             "requested": "request date", "issued": "issue date", "registered": "registration date",
             "joined": "join date", "ordered": "order date", "reported": "report date", "filed": "filing date",
             "opened": "opening date", "updated": "last update", "modified": "last change", "added": "date added"}  # fmt: skip


def spoken_date(value: Any, today: dt.date, with_time: bool = False) -> str:
    """'today', 'yesterday', 'last Tuesday', 'this Friday', 'February 12', 'March 3, 2025' (+ ' at 4:45 pm')."""
    text = str(value)
    day = day_of(text)
    if day is None:
        return text
    delta = (day - today).days
    if delta == 0:
        said = "today"
    elif delta == -1:
        said = "yesterday"
    elif delta == 1:
        said = "tomorrow"
    elif -6 <= delta <= -2:
        said = f"last {_DAYS[day.weekday()]}"
    elif 2 <= delta <= 6:
        said = f"this {_DAYS[day.weekday()]}"
    elif day.year == today.year:
        said = f"{_MONTHS[day.month - 1]} {day.day}"
    else:
        said = f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"
    moment = moment_of(text) if with_time and len(text) >= 16 else None
    if moment is not None:
        said += f" at {_clock(moment.hour, moment.minute)}"
    return said


def _clock(hour: int, minute: int) -> str:
    """'4:45 pm', '9 am'."""
    return f"{(hour % 12) or 12}" + (f":{minute:02d}" if minute else "") + (" am" if hour < 12 else " pm")


def spoken_value(value: Any, kind: str, today: dt.date) -> str:
    """A value as a user types it: dates in words, amounts with two decimals, the rest as it is."""
    if kind in ("date", "datetime") and isinstance(value, str) and len(value) >= 10 and value[4] == "-":
        return spoken_date(value, today, with_time=kind == "datetime")
    if kind == "money" and isinstance(value, (int, float)):
        return f"{value:.2f}"
    if kind == "clock" and isinstance(value, str) and (moment := moment_of(f"2000-01-01T{value}")) is not None:
        return _clock(moment.hour, moment.minute)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return _spoken_object(value, today)
    if isinstance(value, list):  # a list argument: its items in turn, '(...) and (...)'
        items = [spoken_value(item, kind, today) for item in value]
        return " and ".join(filter(None, [", ".join(items[:-1]), *items[-1:]])) or "none"
    if kind != "enum":
        return str(value)
    text = str(value).replace("_", " ")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower() if re.search(r"[a-z][A-Z]", text) else text


_NAME_PARTS = (("firstname", "givenname", "forename"), ("lastname", "familyname", "surname"), ("name", "fullname"))


def _spoken_object(value: dict[str, Any], today: dt.date) -> str:
    """An object argument in words: a person's leads with their name, 'Noah Brown (date of birth May 1, 1990)';
    others give each field, '(street 12 Elm Road, city Leeds)'."""
    names = [k for spellings in _NAME_PARTS for k in value if normal(k) in spellings and isinstance(value[k], str)]
    names = names[:2] if len(names) >= 2 and normal(names[0]) in _NAME_PARTS[0] else names[-1:]
    fields = ", ".join(
        f"{field_words(k)} {spoken_value(v, _kind_of(v), today)}" for k, v in value.items() if k not in names
    )
    if not names:
        return f"({fields})"
    name = " ".join(str(value[k]) for k in names)
    return f"{name} ({fields})" if fields else name


def _kind_of(value: Any) -> str:
    """A field's kind as its value shows it: a date or a time written as the document writes them, an amount."""
    if isinstance(value, float):
        return "money"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "date"
    return "datetime" if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value) else ""


_COMPOUNDS = {"check in": "check-in date", "check out": "check-out date", "checkin": "check-in date",
              "checkout": "check-out date", "guests": "number of guests", "passengers": "number of passengers",
              "seats": "number of seats", "tickets": "number of tickets", "nights": "number of nights",
              "to": "recipient", "cc": "cc address", "bcc": "bcc address", "due": "due date"}  # fmt: skip


_UNITS = {"cm": "cm", "mm": "mm", "m": "metres", "km": "km", "kg": "kg", "g": "grams", "lb": "pounds",
          "lbs": "pounds", "ml": "ml", "sec": "seconds", "secs": "seconds", "ms": "milliseconds",
          "mins": "minutes", "min": "minutes", "hrs": "hours", "usd": "dollars", "eur": "euros", "pct": "percent"}  # fmt: skip
"""Unit suffixes of column names, said after 'in'."""


def field_words(column: str, listing: bool = False) -> str:
    """A column in words: 'shipping_method' -> 'shipping method', 'qty' -> 'quantity', 'starts_at' -> 'start time';
    a `listing` field holds the things themselves ('passengers', not their number)."""
    spoken = " ".join(split_words(column))
    if spoken in _COMPOUNDS and not listing:
        return _COMPOUNDS[spoken]
    words = [_FIELD.get(w, w) for w in split_words(column)]
    if len(words) > 1 and words[-1] in ("at", "on"):
        words = words[:-1]
        if words[-1] in ("starts", "ends", "start", "end"):
            words[-1] = words[-1].rstrip("s") + " time"
        elif is_creation_time(column):
            words = _CREATION.get(words[-1], f"{words[-1]} date").split()
        elif split_words(column)[-1] == "on" and (words[-1].endswith("ed") or words[-1] == "due"):
            words.append("date")  # 'scheduled_on' is the scheduled date, not 'the scheduled'
    if len(words) > 1 and words[-1] == "id":
        words = words[:-1]
    if len(words) > 1 and words[-1] in _UNITS:  # 'height_cm' is the height in cm
        words = [*words[:-1], "in", _UNITS[words[-1]]]
    return " ".join(words) or humanize(column)


def measured(field: str, value: str) -> tuple[str, str]:
    """A field and its value with the unit said after the value: ('weight in kg', '3.6') -> ('weight', '3.6 kg')."""
    name, found, unit = field.rpartition(" in ")
    return (name, f"{value} {unit}") if found and name and unit in _UNITS.values() else (field, value)


def unitless(field: str) -> str:
    """A field without the unit it is measured in, for comparisons ('the bag with the lowest weight')."""
    return measured(field, "")[0]


_ADJECTIVES = frozenset({"public", "private", "default", "active", "enabled", "disabled", "visible", "hidden",
                         "archived", "pinned", "starred", "locked", "deleted", "done", "completed", "read", "unread",
                         "featured", "verified", "primary", "favorite", "favourite", "published", "draft", "open",
                         "closed", "muted", "paused", "shared", "flagged", "resolved", "available", "sensitive", "blocked",
                         "banned", "suspended", "confirmed", "approved", "subscribed", "online", "offline"})  # fmt: skip


def flag_phrase(column: str, on: bool) -> str | None:
    """What a yes/no field says of its record, or None when its name is no adjective: 'is_private' -> 'private' or
    'not private', 'has_wifi' -> 'has wifi' or 'has no wifi', 'archived' -> 'archived' or 'not archived'."""
    words = split_words(column)
    if len(words) > 1 and words[0] in ("is", "has"):
        rest = " ".join(words[1:])
        if words[0] == "has":
            return f"has {rest}" if on else f"has no {rest}"
        return rest if on else f"not {rest}"
    if len(words) == 1 and words[0] in _ADJECTIVES:
        return words[0] if on else f"not {words[0]}"
    return None


def verb_of(column: str) -> str:
    """The verb a creation time names: 'placed_at' -> 'placed', 'created_at' -> 'created'."""
    words = [w for w in split_words(column) if w not in ("at", "on", "date", "time")]
    return words[0] if words else "made"


_REASONS: dict[str, tuple[str, ...]] = {
    "cancel": ("my plans have changed", "I booked it by mistake", "I no longer need it", "I found another option"),
    "cancel by staff": ("it cannot go ahead as planned", "it was set up twice by mistake", "plans changed on our side"),
    "delete": ("I added it by mistake", "it is no longer needed", "it was a duplicate"),
    "staff": ("the customer asked for it", "it was agreed with the customer", "our records were out of date"),
    "for someone": ("our records were out of date", "they asked me to update it", "they gave us new details"),
    "delete person": ("they asked to be removed", "they have left", "the entry was made twice"),
    "address": ("I am moving next month", "I have just moved", "I gave the wrong address before"),
    "phone": ("I have a new phone number", "my old number no longer works"),
    "email": ("I changed my email address", "I no longer use my old email"),
    "date": ("my plans have changed", "my trip moved", "I need it a little later", "I can only make it then"),
    "quantity+": ("I need a few more", "more people are coming"),
    "quantity-": ("I ordered more than I need", "I need fewer than I thought"),
    "people+": ("a friend is joining us", "my family is coming along"),
    "people-": ("one of us can no longer come", "a friend had to cancel"),
    "shipping": ("I need it sooner", "I would rather pick it up myself", "it is not urgent after all"),
    "gift": ("it is a present", "I want to add a personal note", "the old message had a typo"),
    "message": ("I want to add a detail", "the old one was unclear", "I want to remember what it was for"),
    "limit": ("my spending has changed", "I want a limit that fits how I use it"),
    "limit+": ("I have a big purchase coming up", "the current limit is too low for me"),
    "limit-": ("I want to keep my spending in check", "I would feel safer with a lower limit"),
    "number": ("the old number was wrong", "my needs have changed"),
    "money": ("it needs to match the invoice", "we agreed on a new amount", "the old amount was wrong"),
    "enum": ("it was set up wrong", "my needs have changed", "the current one does not suit me"),
    "pay": ("I would like to settle it now", "I want to make sure it is paid before the deadline"),
    "refund": ("I could not use it", "I was charged but never used it"),
    "dispute": ("I do not recognise it", "I was charged twice", "the amount is wrong"),
    "block": ("I lost my card", "I think my card was stolen"),
    "freeze": ("I think someone has my card details", "I will be away and want it safe"),
    "unfreeze": ("I found my card again", "I am back from my trip"),
    "close": ("I no longer use it", "I am moving everything to one place"),
    "close case": ("the issue is solved", "I found the answer myself", "it is no longer a problem"),
    "reopen": ("the problem is back", "it was closed too early"),
    "resolve": ("it works now", "the fix did the trick"),
    "escalate": ("it has been days without an answer", "it is blocking my work"),
    "confirm": ("I am sure about it now", "I want to lock it in"),
    "checkin": ("I have just arrived", "I want to get it done before I get there"),
    "bill": (
        "it was used during the stay and is not on the bill yet",
        "it was agreed at the desk",
        "it was missed when the bill was made",
    ),
    "create": ("I want to set it up today", "I would like to get it done today", "I need it in place this week"),
    "ask for help": ("I cannot work until it is fixed", "it keeps happening", "I would like someone to look at it"),
    "new payee": ("I need to pay them soon", "I will be sending them money every month"),
    "luggage": ("I am bringing more luggage", "I need to check in one more bag"),
    "add item": ("I forgot to add it", "I need one more thing"),
    "book": ("I want to set it up today", "I need it for next week", "it is for a family occasion"),
    "review": ("I want to share how it went",),
    "comment": ("I have an update", "I want to add some details"),
    "transfer": ("I cannot go any more and a friend will use it",),
    "approve": ("the customer has sent everything we need",),
    "reject": ("it does not meet the rules",),
    "assign": ("they know this customer best",),
    "": ("it would really help me", "I would like to get this sorted today", "it is a bit urgent"),
}


_COUNTED = {"quantity", "qty", "count", "units", "items", "copies", "pieces", "tickets", "seats"}
"""Words of a field that counts things someone orders or books (more of them for more people)."""
_LIMITS = {"limit", "budget", "cap", "allowance", "threshold", "ceiling", "quota"}
"""Words of a ceiling the user sets for themselves (a card's daily limit), not an amount owed."""

_SHIPPING = (
    ({"express", "overnight", "priority", "next", "same", "expedited", "rush", "fast", "fastest"}, ("I need it sooner",)),
    ({"standard", "economy", "ground", "regular", "slow", "free"}, ("it is not urgent after all",
                                                                      "I would rather not pay for fast shipping")),
    ({"pickup", "pick", "store", "collect", "collection"}, ("I would rather pick it up myself",)),
)  # fmt: skip
"""Reasons for a new shipping method, by the words of the method chosen (no 'I need it sooner' for standard)."""


def reason_for(
    rng: random.Random, verb: str, column: str = "", kind: str = "", change: float = 0, value: object = None
) -> str:
    """Why a user asks for something, in their words; `change` is the sign of a count's change, where known
    (a reason for more people never comes with fewer), and `value` the new value, which a shipping reason
    follows."""
    words = set(split_words(column))
    key = verb if verb in _REASONS else ""
    if verb in ("update", "change", "set", "edit", "modify", "move", "reschedule", "rename"):
        if words & {"street", "address", "city", "zip", "postcode"}:
            key = "address"
        elif words & {"phone", "mobile"}:
            key = "phone"
        elif "email" in words:
            key = "email"
        elif words & {"guests", "people", "passengers", "attendees", "party"}:
            key = "people"
        elif words & {"shipping", "delivery"}:
            key = "shipping"
        elif "gift" in words:
            key = "gift"
        elif words & {"message", "note", "memo", "comment", "requests"}:
            key = "message"
        elif kind in ("date", "datetime"):
            key = "date"
        elif words & _COUNTED:
            key = "quantity"
        elif kind == "quantity":  # a break's minutes, a week's hours: no 'more people are coming'
            key = "number"
        elif words & _LIMITS:
            key = "limit"
        elif kind in ("money", "amount"):
            key = "money"
        elif kind == "enum":
            key = "enum"
    if key in ("people", "quantity"):
        key = f"{key}{'+' if change > 0 else '-'}" if change else ""
    elif key == "limit" and change:
        key = f"limit{'+' if change > 0 else '-'}"
    if key == "shipping" and value is not None:
        chosen = set(split_words(str(value)))
        return rng.choice(next((r for words, r in _SHIPPING if words & chosen), _REASONS[""]))
    return rng.choice(_REASONS.get(key) or _REASONS[""])
