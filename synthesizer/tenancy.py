"""The one account a service's caller works in: an argument nearly every operation needs and nothing lists.

A support desk's API puts each call under `/api/v1/accounts/{account_id}`; a workspace's tools ask each call
for its `workspace_id`. That account is the caller's context, not a record anyone looks up: no operation
lists accounts, so a user could only recite its number, which no customer knows. The twin serves one such
account. The argument is left out of every operation, and a path under it reads as a path under the one
account (`/api/v1/account/contacts`), so `GET /api/v1/accounts/{account_id}` shows that account. A record
that the paths under it only describe (`POST /requests`, then `/requests/{request_id}/status`) is no account:
an account holds several collections, and nothing reaches the collection of accounts itself.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .models import Operation, Skip, SourceDoc
from .naming import plural, singular, split_words
from .shapes import id_entity, required_args

__all__ = ["one_tenant"]

TENANT_SHARE = 0.8
"""Share of the operations that must need the argument."""
MIN_OPERATIONS = 3


def one_tenant(source: SourceDoc) -> SourceDoc:
    """`source` with its tenant argument left out of every operation (see the module); as it is when it has none."""
    found = _tenant(source.operations)
    if found is None:
        return source
    name, base = found
    operations = tuple(_outside(op, name) for op in source.operations)
    where = f" ({base})" if base else ""
    reason = (
        f"left out: every operation works within one {id_entity(name)}{where} and none lists them; "
        f"the twin serves one {id_entity(name)}"
    )
    return source.model_copy(
        update={"operations": operations, "skipped": (*source.skipped, Skip(name=name, reason=reason))}
    )


def _tenant(operations: tuple[Operation, ...]) -> tuple[str, str | None] | None:
    """The tenant argument and the path that most often names it (None outside HTTP paths), if the operations have
    one. Where it is a path parameter, the same record's name comes before it in each path (`/api/v1/accounts/`
    and `/api/v2/accounts/`)."""
    counts = Counter(a for op in operations for a in required_args(op) if id_entity(a))
    for name, count in counts.most_common(3):
        if count < max(MIN_OPERATIONS, TENANT_SHARE * len(operations)):
            break
        if _listed(operations, name) or _its_own(operations, name):
            continue
        under = [op for op in operations if name in required_args(op)]
        bases = Counter(_base(op, name) for op in under)
        paths = [b for b in bases if b]
        segments = {base.rsplit("/", 2)[1] if base else base for base in bases if base is not None}
        if len(segments) > 1 or "" in segments or (paths and not _container(operations, under, paths)):
            continue
        return name, max(paths, key=bases.__getitem__, default=None)
    return None


def _container(operations: tuple[Operation, ...], under: list[Operation], bases: list[str]) -> bool:
    """Whether the paths under `bases` hold other records (`/accounts/{id}/contacts`, `/accounts/{id}/inboxes`) and
    no operation reaches the collection itself (`POST /requests` makes the record every path names)."""
    collections = {base.rpartition("/")[0] for base in bases}
    if any(op.path in collections for op in operations):
        return False
    below = {
        (op.path or "")[len(base) + 1 :].split("/")[0]
        for op in under
        for base in bases
        if (op.path or "").startswith(base + "/")
    }
    return len(below - {""}) >= 2


def _listed(operations: tuple[Operation, ...], name: str) -> bool:
    """Whether an operation without the argument names its record (`list_accounts`, `GET /accounts`): the user
    can then find the account, and it is a record like any other."""
    entity = id_entity(name) or ""
    nouns = {entity.split("_")[-1], plural(entity).split("_")[-1]}
    for op in operations:
        if name in required_args(op):
            continue
        words = {w for part in (op.name, *(op.path or "").split("/")) for w in split_words(part)}
        if nouns & words:
            return True
    return False


def _its_own(operations: tuple[Operation, ...], name: str) -> bool:
    """Whether most tools that take the argument are named for its record itself (`get_booking_details`,
    `cancel_booking`, `update_booking_seats`): they act on that record, which is no account around other records."""
    entity = id_entity(name) or ""
    nouns = {entity.split("_")[-1], plural(entity).split("_")[-1]}
    under = [op for op in operations if not op.path and name in required_args(op)]
    return bool(under) and sum(bool(nouns & set(split_words(op.name))) for op in under) * 2 > len(under)


def _base(op: Operation, name: str) -> str | None:
    """The path up to the argument's own segment (`/api/v1/accounts/{account_id}`); None when the argument is no
    path parameter; '' when it is one that no record's name comes before (`/{account_id}/...`)."""
    if not op.path or op.locations.get(name) != "path":
        return None
    marker = "{" + name + "}"
    parts = op.path.split("/")
    if marker not in parts:
        return ""
    index = parts.index(marker)
    if index == 0 or not parts[index - 1] or parts[index - 1].startswith("{"):
        return ""
    return "/".join(parts[: index + 1])


def _outside(op: Operation, name: str) -> Operation:
    """`op` without the argument, its path under the one account."""
    if name not in op.input_schema.get("properties", {}):
        return op
    schema: dict[str, Any] = dict(op.input_schema)
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k != name}
    if "required" in schema:
        schema["required"] = [a for a in schema["required"] if a != name]
    locations = {k: v for k, v in op.locations.items() if k != name}
    path, base = op.path, _base(op, name)
    if base and path:
        parent, _, _ = base.rpartition("/")
        segment = parent.rpartition("/")[2]
        path = parent.rpartition("/")[0] + "/" + singular(segment) + path[len(base) :]
    return op.model_copy(update={"input_schema": schema, "locations": locations, "path": path})
