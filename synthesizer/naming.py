"""Names: identifiers from arbitrary strings, singular and plural nouns, words for people to read."""

from __future__ import annotations

import keyword
import re
from functools import lru_cache

import inflection

__all__ = [
    "humanize",
    "identifier",
    "indefinite",
    "is_identifier",
    "normal",
    "object_noun",
    "plural",
    "sentence_words",
    "service_title",
    "singular",
    "snake",
    "split_words",
    "table_name",
    "without_subject",
]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")
_RESERVED = frozenset(
    [
        "db",
        "ToolError",
        "json",
        "math",
        "re",
        "datetime",
        "None",
        "True",
        "False",
        "TABLES",
        "LIST_LIMIT",
        "isinstance",
        "str",
        "int",
        "float",
        "bool",
        "len",
        "round",
        "range",
        "sorted",
        "list",
        "dict",
        "set",
        "min",
        "max",
        "sum",
        "any",
        "all",
    ]
)
"""Names generated tool code relies on, which a tool or argument must not shadow."""
UNCOUNTABLE = frozenset({"data", "news", "information", "metadata", "maintenance", "inventory", "feedback", "health",
                         "sms", "mms", "gps", "dns", "rss", "os", "ios"})  # fmt: skip
_SINGULAR_ENDINGS = ("ss", "us", "is")
_SINGULARS = {"leaves": "leave"}
"""Plurals the inflection rules get wrong for APIs ('leaves' of absence, not 'leafe')."""


def split_words(text: str) -> list[str]:
    """'getOrderById', 'get-order_by id' -> ['get', 'order', 'by', 'id'] (lower case)."""
    return list(_words(text))


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    spaced = _CAMEL.sub(" ", text)
    return tuple(w.lower() for w in _NON_WORD.split(spaced) if w)


def snake(text: str) -> str:
    """'specialEvents', 'special-events' -> 'special_events'."""
    return "_".join(split_words(text))


def normal(text: str) -> str:
    """A spelling-insensitive form for matching names: 'customerId', 'customer_id' -> 'customerid'."""
    return "".join(split_words(text))


def identifier(text: str, fallback: str = "item") -> str:
    """A Python identifier (and valid SQL column / tool name) for `text`, at most 60 characters."""
    name = snake(text)[:60].strip("_") or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"[:60]
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _RESERVED:
        name = f"{name}_"
    return name


def is_identifier(name: str) -> bool:
    """Whether `name` can stand as it is for a tool function, a parameter or a column."""
    return (
        name.isidentifier()
        and name.isascii()
        and len(name) <= 60
        and not name.startswith("_")
        and not keyword.iskeyword(name)
        and not keyword.issoftkeyword(name)
        and name not in _RESERVED
    )


@lru_cache(maxsize=4096)
def singular(word: str) -> str:
    """The singular of the last word of a snake_case noun: 'order_items' -> 'order_item'."""
    head, _, last = word.rpartition("_")
    if last in UNCOUNTABLE or last.endswith(_SINGULAR_ENDINGS) or not last:
        return word
    result = _SINGULARS.get(last) or inflection.singularize(last) or last
    return f"{head}_{result}" if head else result


@lru_cache(maxsize=4096)
def plural(word: str) -> str:
    """The plural of the last word of a snake_case noun: 'order_item' -> 'order_items'."""
    head, _, last = word.rpartition("_")
    if last in UNCOUNTABLE or not last or singular(last) != last:
        return word
    result = inflection.pluralize(last)
    return f"{head}_{result}" if head else result


def table_name(text: str) -> str:
    """The table for a resource name: plural snake_case, a valid identifier; the signed-in user (`/me`,
    `/self`) is a profile."""
    word = snake(text)
    return identifier(plural("profile" if word in _SELF else word), "records")


_SELF = frozenset({"me", "self", "myself", "current_user", "currentuser", "whoami"})


def humanize(name: str) -> str:
    """'order_items' -> 'order items', 'createdAt' -> 'created at'."""
    return " ".join(split_words(name))


_SOUNDS_LIKE_YOU = ("uni", "use", "usu", "ute", "eu", "one", "once")
_SILENT_H = ("hour", "honest", "honor", "honour", "heir")


def indefinite(noun: str) -> str:
    """The noun with its indefinite article: 'an event organiser', 'a user', 'an hour', 'a ticket'."""
    word = noun.lower()
    vowel = word[:1] in tuple("aeiou") and not word.startswith(_SOUNDS_LIKE_YOU)
    return f"{'an' if vowel or word.startswith(_SILENT_H) else 'a'} {noun}"


_OBJECT_FILLER = frozenset(
    {"a", "an", "the", "all", "one", "or", "more", "given", "selected", "specified", "existing", "new", "current",
     "your", "my", "each", "every", "any", "some", "to", "from", "for", "with", "in", "on", "by", "and", "of", "un",
     "most", "its", "their", "that", "this", "these", "those", "if", "when", "as", "at", "into", "between",
     "currently", "recently", "previously", "permanently", "temporarily", "automatically", "immediately", "only",
     "also", "just", "whether", "how", "often", "up", "is", "are", "was", "were", "be", "either", "neither",
     "about", "regarding", "concerning", "who", "whom", "whose", "which", "where", "has", "have", "had", "do",
     "does", "did", "will", "can", "may", "must", "should", "would", "could"}
)  # fmt: skip
_GENERIC = frozenset({"information", "info", "detail", "data", "metadata", "summary", "overview"})
"""Nouns that stand for facts about something: "information about a block" is about a block."""
_ADVERB_ENDINGS = ("ally", "ously", "ively", "edly", "fully", "lessly")
_ANY = frozenset({"any", "all", "each", "every", "some"})
"""Words after 'of' that make it no owner: "a file of any extension" is a file."""
_ADJECTIVE_ENDINGS = ("ed", "ing", "able", "ible", "al", "ful", "ive", "ous")


def sentence_words(text: str) -> list[str]:
    """Lower-case words and punctuation marks of a text, a slash alternative cut to its first ('Check/uncheck')."""
    return [w.split("/")[0] for w in re.findall(r"[A-Za-z][\w/-]*|[^\sA-Za-z]", text.lower())]


_ENABLERS = frozenset({"help", "helps", "let", "lets", "allow", "allows", "enable", "enables"})
_SUBJECTS = frozenset({"command", "subcommand", "tool", "method", "function", "endpoint", "operation", "call"})


def without_subject(words: list[str]) -> list[str]:
    """A description's words after a subject naming the tool itself ("The `add` command adds packages" ->
    "adds packages") and an enabling phrase ("will help you create a file" -> "create a file")."""
    if words[:1] in (["the"], ["this"]):
        cut = next((i for i, w in enumerate(words[:5]) if w in _SUBJECTS), None)
        if cut is not None and cut + 1 < len(words):
            words = words[cut + 1 :]
    if words[:2] in (["makes", "sure"], ["make", "sure"]):  # "makes sure that ..." makes nothing
        return words[2:]
    helps = next((i for i, w in enumerate(words[:4]) if w in _ENABLERS), None)  # "will help you create a file"
    if helps is not None:
        start = helps + 1
        start += next((len(who) for who in (["the", "user"], ["the", "users"], ["users"], ["you"])
                       if words[start : start + len(who)] == who), 0)  # fmt: skip
        gerund = words[start].endswith("ing") if start < len(words) else False  # "allows editing an event"
        if start > helps + 1 or gerund or words[start : start + 1] in (["to"], ["for"]):  # "allows for adding"
            words = words[start + (words[start : start + 1] in (["to"], ["for"])) :]  # "allows you to create"
    return words


def object_noun(words: list[str], head: bool = True) -> str:
    """The thing a description's verb acts on: `task` of "a task", `task_priority` of "priority of task";
    of a compound ("task template") the head noun, or the first noun when the command itself is the verb
    (`start`: "Change task status to active" acts on a task)."""
    run: list[str] = []
    words = _unbracketed(words)
    for position, word in enumerate(words):
        if word in ("of", "for") and run and run[-1].endswith(("ed", "ing")) and len(run) > 1:
            break  # "events scheduled for a date range": the events, not a range's
        if word in ("of", "for") and run and position + 1 < len(words) and words[position + 1] not in _ANY:
            owner = object_noun(words[position + 1 :])
            return f"{owner}_{run[-1]}" if owner else run[-1]
        if word in ("about", "regarding", "concerning", "on") and run and set(run) <= _GENERIC:
            run = []
            continue
        if word in _OBJECT_FILLER or word.endswith(_ADVERB_ENDINGS) or not word.isalpha():
            if run:
                break
            continue
        run.append(singular(word))
    nouns = [w for w in run if not w.endswith(_ADJECTIVE_ENDINGS)] or run
    return "" if not nouns else nouns[-1] if head else nouns[0]


def _unbracketed(words: list[str]) -> list[str]:
    """Words outside parentheses: "manually added (persistent) peers" reads as "manually added peers"."""
    kept: list[str] = []
    depth = 0
    for word in words:
        if word == "(":
            depth += 1
        elif word == ")":
            depth = max(depth - 1, 0)
        elif not depth:
            kept.append(word)
    return kept


def service_title(title: str) -> str:
    """A document's title as a service's name: 'helpdesk-tickets.tools' -> 'Helpdesk Tickets', 'Harborline
    Hotels Reservations API' -> 'Harborline Hotels Reservations' (a customer deals with the service, not its API)."""
    if " " in title.strip() or not re.search(r"[-_.]", title):
        named = re.sub(r"\s+(?:REST\s+)?API$", "", title.strip(), flags=re.IGNORECASE) or title.strip()
        return named[:1].upper() + named[1:] or "the service"
    stem = re.sub(r"(\.(json|ya?ml|md|tools|functions|openapi|swagger))+$", "", title, flags=re.IGNORECASE)
    return " ".join(w.capitalize() for w in re.split(r"[-_.\s]+", stem) if w) or title
