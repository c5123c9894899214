"""How one operation touches the state, read from its HTTP path (`/customers/{id}/orders`) or its tool name
(`cancel_order(order_id)`): the resource, the kind of operation, its key and parent arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from .batches import BATCH_SEGMENTS, batch_argument
from .models import Operation, SourceDoc
from .naming import normal, object_noun, plural, sentence_words, singular, snake, split_words, without_subject
from .semantics import column_kind
from .sources.schemas import schema_type

__all__ = [
    "ACTION_TARGETS",
    "NAMES",
    "SEARCH_ARGS",
    "SWITCHES",
    "TOGGLES",
    "VERBS",
    "Shape",
    "base_verb",
    "entities_of",
    "http_shape",
    "id_entity",
    "item_segments",
    "lookup_column",
    "name_shape",
    "required_args",
    "summary_of",
    "toggle_of",
    "unknown_verb",
    "vendor_prefix",
]

ACTION_TARGETS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancelled", "canceled"), "close": ("closed",), "reopen": ("open", "reopened"),
    "approve": ("approved",), "reject": ("rejected", "declined"), "complete": ("completed", "complete", "done"),
    "finish": ("finished", "completed", "done"), "archive": ("archived",), "unarchive": ("active", "open"),
    "resolve": ("resolved", "closed"), "confirm": ("confirmed",), "ship": ("shipped",), "refund": ("refunded",),
    "revert": ("reverted",), "activate": ("active", "activated", "enabled"), "deactivate": ("inactive", "deactivated"),
    "enable": ("enabled", "active"), "disable": ("disabled", "inactive"), "suspend": ("suspended",),
    "publish": ("published",), "unpublish": ("draft", "unpublished"), "lock": ("locked",), "unlock": ("unlocked",),
    "pause": ("paused",), "resume": ("active", "resumed", "running", "playing", "in_progress"), "escalate": ("escalated",),
    "void": ("void", "voided"), "accept": ("accepted",), "decline": ("declined", "rejected"),
    "fulfill": ("fulfilled",), "start": ("started", "in_progress", "active"), "stop": ("stopped",),
    "block": ("blocked",), "unblock": ("active", "unblocked"), "restore": ("active", "restored"),
    "verify": ("verified",), "expire": ("expired",), "hold": ("on_hold", "held"), "checkin": ("checked_in",),
    "deliver": ("delivered",), "dispatch": ("dispatched",), "pay": ("paid",), "freeze": ("frozen",),
    "unfreeze": ("active",), "terminate": ("terminated",), "renew": ("active", "renewed"), "submit": ("submitted",),
    "dispute": ("disputed",), "merge": ("merged",), "restart": ("active", "running"),
    "borrow": ("borrowed", "checked_out", "on_loan"), "return": ("returned", "available", "in_stock"),
    "on": ("on",), "off": ("off",),
}  # fmt: skip
SWITCHES = ("on", "off")
"""Actions that switch a device (`turn_on_light`, an `action: on | off`): verbs only after turn, switch or power."""
_SWITCH_LEADS = frozenset({"turn", "switch", "power"})
VERBS: dict[str, str] = {
    **{v: "list" for v in ["list", "search", "find", "query", "browse", "filter", "lookup", "all", "index"]},
    **{v: "get" for v in ["get", "fetch", "read", "retrieve", "show", "display", "describe", "view", "one", "info", "details", "detail", "check"]},
    "count": "count",
    **{v: "create" for v in ["create", "add", "new", "insert", "post", "make", "register", "place", "book", "schedule", "reserve", "issue", "log", "record", "open", "buy", "purchase", "file", "request", "send", "invite", "enroll", "upload"]},
    **{v: "update" for v in ["update", "edit", "modify", "change", "set", "rename", "patch", "put", "move", "reschedule", "replace", "adjust", "upsert", "assign", "transfer"]},
    **{v: "delete" for v in ["delete", "remove", "destroy", "drop", "purge", "erase", "clear", "unsubscribe"]},
    **{v: "action" for v in ACTION_TARGETS if v not in ("open",)},
    "mark": "action",
}  # fmt: skip
_METHOD_KINDS = {
    "GET": "get",
    "HEAD": "count",
    "POST": "update",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}
TOGGLES: dict[str, str] = {
    "follow": "follow", "star": "star", "favourite": "favourite", "favorite": "favorite", "pin": "pin",
    "mute": "mute", "like": "like", "watch": "watch", "bookmark": "bookmark", "reblog": "reblog",
    "endorse": "endorsement", "subscribe": "subscription", "upvote": "upvote",
}  # fmt: skip
"""Verbs that switch a relation to a record on (their `un-` twin, or DELETE, switches it off) -> the noun of one
such relation: a follow of an account is a row of `account_follows`, keyed by the account."""
SEARCH_ARGS = frozenset({"q", "query", "search", "keyword", "keywords", "term", "text", "searchterm", "searchtext",
                         "searchquery", "searchstring", "querystring", "filterquery"})  # fmt: skip
"""Argument names (`normal` spelling) of a read that searches the records' text rather than a column."""
_QUALIFIERS = frozenset({"by", "for", "from", "in", "of", "to", "with", "on", "at", "as"})
_HISTORY = frozenset({"history", "histories"})
"""Words after a noun that make a read list that noun's records over time."""
_FILLER = frozenset(
    {"a", "an", "the", "id", "ids", "details", "detail", "info", "all", "one", "new", "my", "item", "record"}
)
_FORMAT_WORDS = frozenset({"kml", "csv", "gpx", "xlsx", "pdf", "xml", "json", "export", "download"})


@dataclass
class Shape:
    """How one operation touches the state, before tables exist."""

    op: Operation
    resource: str
    kind: str
    key: str | None = None
    parents: list[tuple[str, str]] = field(default_factory=list)  # (argument, parent resource)
    verb: tuple[str, ...] = ()
    toggle: bool = False  # a relation switched on or off; its key argument is the linked record's key
    many: str | None = None  # a batch tool's array argument (rows to create, keys to delete)
    lookup: str | None = None  # the argument naming the row by a name or title instead of a key


# ---- reading shapes from HTTP paths ---------------------------------------------------------------


def item_segments(operations: tuple[Operation, ...]) -> set[str]:
    """Static path segments followed by a parameter somewhere: resources addressable by key."""
    found: set[str] = set()
    for op in operations:
        for (before, static), (_, param) in pairwise(_tokens(op.path or "")):
            if not static and param:
                found.add(before)
    return found


def _tokens(path: str) -> list[tuple[str, bool]]:
    """(segment, is a parameter) for each part of a path; a custom verb is a segment of its own
    (`/books/{id}:borrow` is books, id, borrow; `/books:search` is books, search)."""
    tokens: list[tuple[str, bool]] = []
    for part in (p for p in path.split("/") if p):
        head, colon, verb = part.rpartition(":") if not part.endswith("}") else ("", "", part)
        head, verb = (head, verb) if colon and head and re.fullmatch(r"[A-Za-z][\w-]*", verb) else (part, "")
        tokens.append((head[1:-1], True) if head.startswith("{") and head.endswith("}") else (head, False))
        if verb:
            tokens.append((verb, False))
    return tokens


def _first_word(segment: str) -> str:
    words = split_words(segment)
    return words[0] if words else ""


def http_shape(op: Operation, items: set[str], skip: int) -> Shape | str:
    shape = _http_shape(op, items, skip)
    if isinstance(shape, Shape) and not shape.toggle:
        shape = _unmodelled(op, _tokens(op.path or "")[skip:], items, shape.kind) or shape
    if isinstance(shape, Shape):
        shape.many = batch_argument(op, shape.kind)
    return shape


def _http_shape(op: Operation, items: set[str], skip: int) -> Shape | str:
    tokens = _tokens(op.path or "")[skip:]
    method = (op.method or "GET").upper()
    if len(tokens) > 1 and not tokens[-1][1] and tokens[-1][0].lower() in BATCH_SEGMENTS and method != "GET":
        tokens = tokens[:-1]  # POST /tasks/bulk: many tasks at once
    if not tokens:
        return "the root path names no resource"
    refs: list[tuple[str | None, str]] = []
    for index, (token, is_param) in enumerate(tokens):
        if is_param:
            before = tokens[index - 1] if index else None
            refs.append((before[0] if before and not before[1] else None, token))
    last, last_is_param = tokens[-1]
    if last_is_param:
        segment, key = refs[-1]
        verb, noun = _verb_and_noun(segment or "")
        resource = noun or segment or key
        kind = {"GET": "get", "HEAD": "get"}.get(method, _METHOD_KINDS[method])
        if verb == "delete" and method != "GET":  # POST /cart/remove_line_item/{id}
            kind = "delete"
        return Shape(op, resource, kind, key, _parent_refs(refs[:-1]))
    owner = tokens[-2] if len(tokens) >= 2 else None
    if owner is not None and owner[1]:  # .../{id}/word
        segment, key = refs[-1]
        owner_resource = segment or key
        toggle = toggle_of(split_words(last), method)
        if toggle is not None:
            return _toggle_shape(op, owner_resource, key, toggle, _parent_refs(refs[:-1]))
        verb = _first_word(last)
        if method != "GET" and VERBS.get(verb) == "action":
            return Shape(op, owner_resource, "action", key, _parent_refs(refs[:-1]), tuple(split_words(last)))
        linked = _linked_argument(op, last) if method != "GET" and last in items else None
        if linked is not None:  # POST /bookmarks/{id}/tags {tag_id}: no tag is made, an existing one is linked
            verb, joint = ("unlinks", "from") if method == "DELETE" else ("links", "to")
            return (
                f"{method} {op.path} {verb} an existing {singular(snake(last)).replace('_', ' ')} {joint} a "
                f"{singular(snake(owner_resource)).replace('_', ' ')} (`{linked}`): links between records are not modelled"
            )
        if last in items or singular(snake(last)) != snake(last):
            kind = {"GET": "list", "POST": "create", "HEAD": "count"}.get(method)
            if method == "DELETE" and batch_argument(op, "delete"):
                kind = "delete"
            if kind is None:
                return f"{method} on the collection {last!r} would change every {singular(snake(last))} at once"
            return Shape(op, last, kind, None, _parent_refs(refs))
        if method in ("GET", "HEAD"):
            return Shape(op, owner_resource, "get", key, _parent_refs(refs[:-1]))
        if method == "DELETE":
            return f"cannot tell what deleting {last!r} of a {singular(snake(owner_resource))} removes"
        return Shape(op, owner_resource, "update", key, _parent_refs(refs[:-1]), tuple(split_words(last)))
    verb = _first_word(last)
    previous = tokens[-2][0] if owner is not None else None
    if previous is not None and (last in _FORMAT_WORDS or VERBS.get(verb) in ("list", "count")):
        return Shape(
            op,
            previous,
            "count" if VERBS.get(verb) == "count" or method == "HEAD" else "list",
            None,
            _parent_refs(refs),
        )
    verbal = verb in VERBS or _singular_word(last)
    if previous is not None and verbal and previous not in items and last not in items:
        if method == "GET":
            return Shape(op, previous, "get", None, _parent_refs(refs))
        kind = "action" if VERBS.get(verb) == "action" else "update"
        return Shape(op, previous, kind, None, _parent_refs(refs), tuple(split_words(last)))
    if previous is not None and verb in VERBS and last not in items:
        return f"{method} {op.path} acts on every {singular(snake(previous))} at once; only single-record operations are supported"
    if method == "GET":
        return Shape(
            op, last, "get" if last not in items and _singular_word(last) else "list", None, _parent_refs(refs)
        )
    if method == "HEAD":
        return Shape(op, last, "count", None, _parent_refs(refs))
    many = _keys_argument(op)
    if many is not None and method in ("PUT", "PATCH", "POST") and not refs:  # PUT /bookmarks/cache {ids: [...]}
        return f"{method} {op.path} acts at once on every record its `{many}` names; only single-record changes are modelled"
    if method == "POST" and previous is None and VERBS.get(verb) == "action" and len(split_words(last)) == 1:
        return f"POST {op.path} acts on the service itself ({last!r}), not on a record it keeps"
    if method == "POST" and previous is not None and previous in items and _creates_one_of(op, previous, last):
        return Shape(op, previous, "create", None, _parent_refs(refs))  # POST /attachments/external: an attachment
    if method == "POST":
        words = split_words(last)
        verbal = len(words) > 1 and VERBS.get(words[0]) == "create" and words[1] not in _QUALIFIERS
        named = "_".join(words[1:]) if verbal else None
        return Shape(op, named or last, "create", None, _parent_refs(refs))  # POST /create-note makes a note
    if method in ("PUT", "PATCH") and last not in items:
        return Shape(op, last, "update", None, _parent_refs(refs))
    if method == "DELETE" and batch_argument(op, "delete"):
        return Shape(op, last, "delete", None, _parent_refs(refs))
    return f"{method} on the whole collection {last!r} names no single record"


_ACTION_FOLDERS = frozenset({"action", "actions", "command", "commands"})
"""Path segments under which each name is an operation of the service, not a collection (`/actions/wipe-inventory`)."""
_SIGN_IN = frozenset(
    {"login", "logout", "signin", "signout", "signup", "oauth", "oauth2", "oidc", "sso", "saml", "forgot"}
)
"""Words of a path segment that make it part of signing in: the server's sessions, not records a user works on."""
_MAKING = frozenset({"create", "make", "new"})


def _unmodelled(op: Operation, tokens: list[tuple[str, bool]], items: set[str], kind: str) -> str | None:
    """Why an operation read as a `kind` of a record ending in a word is none: part of signing in (`/users/login`),
    a service action (`/actions/ensure-asset-ids`), a create of a word the summary uses as its verb (`POST
    /notifiers/test` "Test Notifier"), or a record made from another (`/templates/{id}/create-item`); None for
    an operation that is what it was read as (an update named by a verb is judged with its table, `plan_of`)."""
    method = (op.method or "GET").upper()
    if not tokens or tokens[-1][1]:
        return None
    last, static = tokens[-1][0], [token for token, is_param in tokens if not is_param]
    if any(word in _SIGN_IN for token in static for word in split_words(token)):
        return f"{method} {op.path} is part of signing in, which keeps no record a user works on"
    words = [word for word in split_words(last) if word not in _FORMAT_WORDS]
    if kind not in ("create", "update") or not words or len(tokens) < 2 or last in items:
        return None
    if words[0] in BATCH_SEGMENTS or toggle_of(words[:1], method) is not None:
        return None
    if any(token.lower() in _ACTION_FOLDERS for token in static[:-1]):
        return f"{method} {op.path} runs the service's action {' '.join(words)!r} over its data, not a change to one record"
    if kind == "create" and unknown_verb(op, words):
        return f"{method} {op.path} does {words[0]!r} ({summary_of(op)}), which makes no record"
    if tokens[-2][1] and words[0] in _MAKING and len(words) > 1:
        return f"{method} {op.path} makes {' '.join(words[1:])!r} from another record, which is not modelled"
    return None


def summary_of(op: Operation) -> str:
    """The first sentence of an operation's description (its summary, for an OpenAPI operation)."""
    return op.description.split(".", 1)[0].strip()


def unknown_verb(op: Operation, words: list[str]) -> bool:
    """Whether `words` (a path's last word, a tool's verb) start with a verb the vocabulary does not know, which the
    summary uses as its own verb ("Test Notifier" for `/notifiers/test`), and do not go on to name an argument
    (`apply_coupon_code` sets `coupon_code`)."""
    summary = split_words(summary_of(op))
    field = "_".join(words[1:]) in {snake(name) for name in op.input_schema.get("properties", {})}
    return words[0] not in VERBS and len(summary) > 1 and summary[0] == words[0] and not field


def _creates_one_of(op: Operation, collection: str, kind: str) -> bool:
    """Whether the summary says the operation makes one of `collection` of a `kind`: "Create External Link
    Attachment" for `POST /attachments/external`, whose last word qualifies an attachment (it comes before the
    noun), not a collection of its own or an action on one ("Create downloadclient test")."""
    words = split_words(summary_of(op))
    noun, qualifier = singular(snake(collection)), split_words(kind)[:1]
    if len(words) < 3 or base_verb(words[0]) not in ("create", "add") or noun not in words or not qualifier:
        return False
    return qualifier[0] in words[1 : words.index(noun)]


def _linked_argument(op: Operation, collection: str) -> str | None:
    """The argument of a write on `/owners/{id}/collection` that names an existing record of the collection (its
    `tag_id`), when that is all the write needs beside the owner: the write links the two, it makes no record."""
    required = [a for a in op.input_schema.get("required", []) if op.locations.get(a) != "path"]
    noun = singular(snake(collection))
    if len(required) == 1 and (id_entity(required[0]) == noun or normal(required[0]) == f"{noun}id"):
        return required[0]
    return None


def _keys_argument(op: Operation) -> str | None:
    """A required argument that lists the keys of the records a write changes (`ids: [1, 2]`), if any."""
    properties: dict[str, Any] = op.input_schema.get("properties", {})
    for name in op.input_schema.get("required", []):
        schema = properties.get(name) if isinstance(properties.get(name), dict) else {}
        keys = normal(name) in ("ids", "keys") or (id_entity(name) is not None and name.lower().endswith("ids"))
        if keys and schema_type(schema)[0] == "array" and schema_type(schema.get("items"))[0] in ("string", "integer"):
            return name
    return None


def _verb_and_noun(segment: str) -> tuple[str | None, str | None]:
    """A path segment that names a record after a verb ('remove_line_item/{id}', 'delete-item/{id}'): the verb's
    kind and the noun ('line_item'); (None, None) for a segment that is a noun."""
    words = split_words(segment)
    if len(words) > 1 and VERBS.get(words[0]) in ("get", "delete"):
        return VERBS[words[0]], "_".join(words[1:])
    return None, None


def toggle_of(words: list[str], method: str = "POST") -> tuple[str, bool] | None:
    """('follow', True) for 'follow', ('follow', False) for 'unfollow' or a DELETE of 'follow'; None for other
    words. Only a word that is the whole name counts (`follow_requests` is a collection)."""
    if len(words) != 1 or method == "GET":
        return None
    word = words[0]
    if word in TOGGLES:
        return TOGGLES[word], method != "DELETE"
    if word.startswith("un") and word[2:] in TOGGLES and method != "DELETE":
        return TOGGLES[word[2:]], False
    return None


def _toggle_shape(
    op: Operation, owner: str, key: str, toggle: tuple[str, bool], parents: list[tuple[str, str]]
) -> Shape:
    """Switching a relation on or off: a create or delete on the relation's table, keyed by the record it links."""
    noun, on = toggle
    relation = f"{singular(snake(owner))}_{noun}"
    return Shape(op, relation, "create" if on else "delete", key, [*parents, (key, owner)], (noun,), toggle=True)


def _singular_word(segment: str) -> bool:
    word = snake(segment)
    return singular(word) == word and plural(word) != word


def _parent_refs(refs: list[tuple[str | None, str]]) -> list[tuple[str, str]]:
    return [(param, segment or param) for segment, param in refs]


# ---- reading shapes from tool names -------------------------------------------------------------


def vendor_prefix(operations: tuple[Operation, ...]) -> tuple[str, ...]:
    """Leading words every tool name shares (`obsidian_`), which say nothing about the tool; a shared verb only
    when a verb follows it in most names (`close_create_lead` of the Close CRM, not `get_` of a read-only API)."""
    names = [split_words(op.name) for op in operations]
    if len(names) < 2:
        return ()
    prefix: list[str] = []
    for position, words in enumerate(zip(*names)):
        if len(set(words)) != 1:
            break
        if words[0] in VERBS:
            following = [n[position + 1] for n in names if len(n) > position + 1]
            if sum(w in VERBS for w in following) * 2 <= len(names):
                break
        prefix.append(words[0])
    return tuple(prefix)


def _split_name(op: Operation, prefix: tuple[str, ...]) -> tuple[str | None, list[str], list[str]]:
    """(verb, noun words, qualifier words) of a tool name."""
    words = split_words(op.name)[len(prefix) :]
    if not words:
        return None, [], []
    switched = next((i for i, w in enumerate(words[:-1]) if w in _SWITCH_LEADS and words[i + 1] in SWITCHES), None)
    if switched is not None:  # `turn_on_light`, `light_switch_off`
        verb, rest = words[switched + 1], words[:switched] + words[switched + 2 :]
    elif words[0] in VERBS and words[0] not in SWITCHES:
        verb, rest = words[0], words[1:]
    elif words[-1] in VERBS and words[-1] not in SWITCHES:
        verb, rest = words[-1], words[:-1]
    else:
        return None, words, []
    cut = next((i for i, w in enumerate(rest) if w in _QUALIFIERS), len(rest))
    noun = [w for w in rest[:cut] if w not in _FILLER]
    if len(noun) > 1 and noun[0] in prefix:  # `outlookMail_create_mail_folder`: a folder, like list_folders'
        noun = noun[1:]
    if VERBS[verb] in ("get", "list") and len(noun) > 1 and noun[-1] in _HISTORY:
        noun = noun[:-1]  # get_order_history(user_id): a user's orders, not a table of histories
    return verb, noun, rest[cut + 1 :]


def entities_of(source: SourceDoc, kinds: frozenset[str] | None = None) -> set[str]:
    """Resource names a tool list talks about: nouns of tool names (of tools of these `kinds` of verb only)."""
    prefix = vendor_prefix(source.operations)
    found: set[str] = set()
    for op in source.operations:
        verb, noun = _verb_and_noun_of(op, prefix)
        if verb is not None and noun and (kinds is None or VERBS[verb] in kinds):
            found.add(singular(snake("_".join(noun))))
    return found


def _described(op: Operation) -> tuple[str | None, list[str]]:
    """The verb and noun of the first of a description's leading sentences that starts with a verb (after a
    label such as "Tool description:"): `create`, "Create a new task in Google Tasks" -> (create, task); `rmdir`,
    "Remove a directory at current directory." -> (remove, directory)."""
    for index, sentence in enumerate(_sentences(op)[:_LEADING_SENTENCES]):
        label, colon, rest = sentence.partition(": ")
        words = without_subject(sentence_words(rest if colon and len(label.split()) <= 3 else sentence))
        verb = base_verb(words[0].rsplit("-", 1)[-1]) if words else ""  # "quick-add an event" adds
        if verb == "return" and index:
            continue  # a later "Returns { hours }" says what comes back, not what the tool acts on
        verb = "get" if verb == "return" else verb  # a description's "Return the path" reads it
        noun = object_noun(words[1:]) if verb in VERBS and verb not in SWITCHES else ""  # "On success, ..."
        if noun:
            return verb, noun.split("_")
    return None, []


def _sentences(op: Operation) -> list[str]:
    """The sentences of an operation's description (at least one, maybe empty)."""
    return _SENTENCE.split(" ".join(op.description.split()))


def _makes_new(op: Operation) -> bool:
    """Whether a tool's description says its verb makes a new record ("Start a new time tracking entry")."""
    words = sentence_words(_sentences(op)[0])
    return "new" in words[1:3]


def base_verb(word: str) -> str:
    """'adds' -> 'add', 'fetches' -> 'fetch', 'returns' -> 'return': a description's verb as VERBS spells it."""
    for cut in ("es", "s"):
        if word not in VERBS and word.endswith(cut) and (word[: -len(cut)] in VERBS or word[: -len(cut)] == "return"):
            return word[: -len(cut)]
    return word


def _verb_and_noun_of(op: Operation, prefix: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """A tool's verb and noun from its name; what its name lacks, from its description (`cat(file_name)`:
    "Display the contents of a file")."""
    verb, noun, _ = _split_name(op, prefix)
    if noun and verb is not None:
        return verb, noun
    described_verb, described_noun = _described(op)
    if verb is None:
        return (described_verb, described_noun) if described_verb else _namespaced(noun)
    return verb, described_noun if described_verb else []


_STATE_WORDS = frozenset({"status", "state", "info", "information", "details", "properties", "property"})


def _namespaced(words: list[str]) -> tuple[str | None, list[str]]:
    """A name whose verb comes second, after the area it belongs to (JSON-RPC's `Client.SetVolume`,
    `Server.DeleteClient`): a create, delete or list acts on the record after the verb, a read or change on
    the area's own record (the client's volume, the client's status); (None, words) for any other name."""
    if len(words) < 2 or words[1] not in VERBS:
        return None, words
    verb, area, rest = words[1], words[0], [w for w in words[2:] if w not in _FILLER]
    if VERBS[verb] in ("create", "delete", "list", "count") and rest:
        return verb, rest
    if VERBS[verb] == "get" and rest and rest[-1] in _STATE_WORDS:
        rest = rest[:-1]
    return verb, [area, *(w for w in rest if w != area)]


NAMES = ("name", "title", "person", "username")
"""Kinds of value a tool may find its row by, as a query that can match none or several rows."""


def _unprefixed(argument: str, entity: str) -> str:
    """'project_name' -> 'name' for the entity 'project': the column an argument names on the entity's rows."""
    words, own = split_words(argument), split_words(entity)
    return "_".join(words[len(own) :]) if len(words) > len(own) and words[: len(own)] == own else argument


def lookup_column(argument: str, entity: str, columns: Any) -> str | None:
    """The column of `columns` a lookup argument (`project_name`, `entityNames`) matches (`name`), if any."""
    for name in (argument, _unprefixed(argument, entity), singular(snake(_unprefixed(argument, entity)))):
        found = next((c for c in columns if normal(c) == normal(name)), None)
        if found is not None:
            return found
    return None


_SENTENCE = re.compile(r"(?<=[.!?])\s")
_LEADING_SENTENCES = 3
"""Sentences of a description read for the verb of a tool whose name has none (a preamble may come first)."""
_READ_WORDS = frozenset({"search", "find", "list", "get", "show", "return", "returns", "retrieve", "fetch", "read",
                        "view", "look", "lists", "gets", "shows", "retrieves", "fetches", "finds", "searches"})  # fmt: skip
_WRITE_WORDS = frozenset(
    {
        w + ending
        for w, kind in VERBS.items()
        if kind not in ("list", "get", "count") and w not in SWITCHES
        for ending in ("", "s", "es")
    }
    | {"dismiss", "dismisses", "marking", "write", "writes", "save", "saves", "run", "runs", "execute", "executes"}
)


def _reads(op: Operation) -> bool:
    """Whether a tool whose name has no verb says in its description's first sentence that it only reads, and
    takes no argument that would name a row to change."""
    first = _sentences(op)[0]
    words = set(split_words(first))
    return bool(words & _READ_WORDS) and not words & _WRITE_WORDS


def required_args(op: Operation) -> list[str]:
    """The arguments an operation's input schema requires (that it also describes)."""
    properties = op.input_schema.get("properties", {})
    return [p for p in op.input_schema.get("required", []) if p in properties]


def _finds(argument: str) -> bool:
    """Whether an argument only finds records (a search text, an id) rather than giving a value to store."""
    return normal(argument) in SEARCH_ARGS or id_entity(argument) is not None or normal(argument) == "id"


def _field_owner(noun: list[str], properties: dict[str, Any], entities: set[str]) -> str | None:
    """The record whose field a setter names after it: `set_checkout_store_credit(store_credit)` and
    `set_checkout_payment_method(payment_method_id)` set the checkout's, not a table of store credits."""
    for cut in range(len(noun) - 1, 0, -1):
        owner, field = singular(snake("_".join(noun[:cut]))), normal("_".join(noun[cut:]))
        named = any(normal(p) == field or normal(id_entity(p) or "") == field for p in properties)
        if owner in entities and named:
            return owner
    return None


def id_entity(argument: str) -> str | None:
    """'customer_id', 'customerId' -> 'customer'; None when the argument is no reference."""
    words = split_words(argument)
    if len(words) >= 2 and words[-1] in ("id", "ids", "key", "uuid"):
        return singular("_".join(words[:-1]))
    return None


_FIGURES = frozenset({"number", "value", "result", "sum", "difference", "product", "quotient", "total", "average"})
"""Nouns of a calculation's inputs or output: `add(a, b)` "Add two numbers" makes no record of numbers."""


def _computes(op: Operation) -> bool:
    """Whether every argument of an operation is a number or a list of numbers (operands, not a record)."""
    properties = op.input_schema.get("properties", {})

    def numeric(schema: Any) -> bool:
        kind = schema_type(schema)[0]
        return kind in ("integer", "number") or (kind == "array" and numeric(schema.get("items")))

    return bool(properties) and all(numeric(schema) for schema in properties.values())


def _says_setting(schema: Any) -> bool:
    """Whether an argument is a device's setting (a state, a flag, a level), which a keyless setter may set on
    its one row; a date or a free text without an id names nothing to change."""
    return _says_state(schema) or schema_type(schema)[0] in ("integer", "number")


def _says_state(schema: Any) -> bool:
    """Whether an argument chooses among states (an enum or a flag), as `mode: engage | release` does."""
    return isinstance(schema, dict) and (bool(schema.get("enum")) or schema_type(schema)[0] == "boolean")


def name_shape(op: Operation, entities: set[str], prefix: tuple[str, ...], read: set[str]) -> Shape | str:
    verb, noun = _verb_and_noun_of(op, prefix)
    properties: dict[str, Any] = op.input_schema.get("properties", {})
    words = split_words(op.name)[len(prefix) :]
    toggle = toggle_of(words[:1])
    if toggle is not None and len(words) > 1:
        linked = singular(snake("_".join(w for w in words[1:] if w not in _FILLER) or words[-1]))
        required = op.input_schema.get("required", [])
        key = next((p for p in properties if id_entity(p) == linked or normal(p) == "id"), None)
        key = key or (required[0] if len(required) == 1 else None)
        if key is None:
            return f"cannot tell which {linked.replace('_', ' ')} {op.name!r} switches: it takes no id"
        return _toggle_shape(op, linked, key, toggle, [])
    if verb is None and _reads(op) and words:  # `contacts(name)`: "Search contacts by name" -> a read tool
        entity = singular(snake("_".join(w for w in words if w not in _FILLER) or words[-1]))
        return Shape(op, entity, "list", None, [], tuple(words))
    if verb is None:
        return f"cannot tell what {op.name!r} does from its name (no verb such as get, list, create, update, cancel)"
    kind = VERBS[verb]
    if verb == "open" and required_args(op) and all(_finds(p) for p in required_args(op)):
        kind = "list" if any(normal(p) in SEARCH_ARGS for p in required_args(op)) else "get"  # open the event
    if not noun:  # `add(a, b)`: no record in its name, and its description names none after a verb
        return f"cannot tell what {op.name!r} {kind}s: neither its name nor its description names a record"
    entity = singular(snake("_".join(noun)))
    if entity in _FIGURES and _computes(op):
        return f"{op.name!r} computes a result from the numbers it is given: a calculation keeps no state to model"
    setter = False  # `set_checkout_payment_method(payment_method_id)`: the id is the value set, not an owner
    if kind in ("update", "action") and len(noun) > 1:
        owner = singular(snake("_".join(noun[:-1])))
        if not any(id_entity(p) or normal(p) == "id" for p in properties):
            entity = owner if owner in entities else entity  # set_playback_volume(volume): the playback's volume
        elif (
            kind == "update"
            and any(
                normal(p) == noun[-1] or id_entity(p) == noun[-1] or noun[-1] in split_words(p)[1:] for p in properties
            )
            and (owner in entities or any(id_entity(p) == owner or normal(p) == "id" for p in properties))
        ):
            entity = owner  # update_order_status(order_id, status): the order's status, not a table of statuses;
            # group_set_stream(id, stream_id): the group's stream, a reference the update sets;
            # update_reservation_baggages(reservation_id, total_baggages, ...): the reservation's bag counts
        whole = singular(snake("_".join(noun)))
        if (
            kind == "update"
            and entity == whole
            and not any(id_entity(p) == whole or normal(p) == "id" for p in properties)
        ):
            owner = _field_owner(noun, properties, entities)
            entity, setter = owner or entity, owner is not None
    plural_noun = (plural(noun[-1]) == noun[-1] and singular(noun[-1]) != noun[-1]) or words[-1] in _HISTORY
    references = {p: id_entity(p) for p in properties}
    key = next((p for p, e in references.items() if e == entity or normal(p) == "id"), None)
    parents = [(p, e) for p, e in references.items() if e and e != entity and e in entities and p != key]
    if (key is not None or setter) and kind in ("update", "action"):
        parents = []  # `assign_ticket(ticket_id, agent_id)`: the agent is a value the update sets, not an owner
    if kind == "action" and key is None and not setter and _makes_new(op):
        kind = "create"  # `toggl_start`: "Start a new time tracking entry" makes an entry
    required = op.input_schema.get("required", [])
    many = batch_argument(op, kind)
    if many is not None:
        return Shape(op, entity, kind, None, parents, (verb, *noun), many=many)
    if key is None and kind in ("get", "update", "delete", "action"):
        natural = [
            p
            for p in required
            if column_kind(entity, p, schema_type(properties[p])[0], None, False) in ("path", "code", "email", "url")
        ]
        named = [p for p in required if column_kind(entity, _unprefixed(p, entity), schema_type(properties[p])[0],
                                                    None, False) in NAMES]  # fmt: skip
        named = [p for p in named if _unprefixed(p, entity) != p] or named  # `rename(project_name, new_name)`
        if len(natural) == 1 and not parents and not (kind == "update" and list(properties) == natural):
            key = natural[0]  # `update_user(email, phone)` finds the user by email; `set_email(email)` sets it
        elif len(named) == 1 and len(required) <= 2 and kind != "get":  # `delete_project(project_name)`
            return Shape(op, entity, kind, None, parents, (verb, *noun), lookup=named[0])
        elif kind == "get" and (plural_noun or properties):  # get_playback() reads the one row
            kind = "list"
        elif kind == "delete":
            return f"cannot tell which {entity.replace('_', ' ')} {op.name!r} changes: it takes no id"
        elif kind == "action" and any(_says_state(properties.get(p)) for p in required):
            kind = "update"  # activateParkingBrake(mode: engage | release): the argument is the new state
        elif (
            kind == "update"
            and entity not in read
            and not any(_says_setting(properties.get(p)) for p in required or properties)
        ):
            return f"cannot tell which {entity.replace('_', ' ')} {op.name!r} changes: it takes no id"
        # else a setter of a record another tool reads (`set_checkout_email(email)`): of its one row, if it has one
    if kind == "get" and plural_noun and key is None:
        kind = "list"
    if kind in ("list", "count", "create") and key is not None and key in required and kind != "create":
        kind = "get"
    return Shape(op, entity, kind, key if kind not in ("list", "count", "create") else None, parents, (verb, *noun))
