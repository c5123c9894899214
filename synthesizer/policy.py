"""The policy of an environment, written from its document: who the users are and how they are identified,
which records each may act on, which operations are staff-only, what needs the user's explicit yes, and
the service's rules (what a cancelled order, a delivered one, a future stay allows).

`roles_of` reads the roles from the blueprint as data (`Roles`, in env.json); `policy_text` says the same
in words, served to agents as the MCP server's instructions and as a resource. The customer table is the
people whose records the others hang from (customers, guests, passengers); staff are a table of people who
work there (agents), or, when the document names staff-only operations but lists no staff, a roster the
policy itself holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from autoforge.servers import Roles, StaffMember, Table, TableRules

from .models import Blueprint, ToolPlan
from .naming import humanize, indefinite, plural, singular, split_words
from .semantics import is_person_table
from .speech import field_words
from .values import Values

__all__ = ["BILLED", "STAFF_FIELDS", "owned_tables", "policy_text", "roles_of"]

_STAFF_NOUNS = frozenset(["agent", "employee", "staff", "operator", "admin", "administrator", "manager", "clerk",
                          "organiser", "organizer", "technician", "doctor", "nurse", "teacher", "instructor",
                          "driver", "courier", "representative", "rep", "user_admin"])  # fmt: skip
_DECISIONS = frozenset(["approve", "reject", "decline", "verify", "assign", "reassign", "dispatch", "ship", "deliver",
                        "fulfill", "fulfil", "publish", "unpublish", "suspend", "log", "grant", "revoke"])  # fmt: skip
_MODERATION = frozenset(["block", "unblock", "ban", "unban", "archive", "unarchive", "restore", "merge", "flag", "unflag",
                         "blacklist", "whitelist", "blocklist", "allowlist"])  # fmt: skip
"""What the business does to a customer's account (block it, archive it, merge it with another), never at the
customer's own request."""
STAFF_FIELDS = frozenset(["tier", "loyalty", "points", "miles", "segment", "role", "roles", "permissions", "balance",
                          "credit", "discount", "verified", "vip", "score", "priority", "blocked", "banned", "flagged",
                          "suspended", "blacklisted", "blocklisted", "spam"])  # fmt: skip
_STAFF_ONLY = re.compile(
    r"\b(organi[sz]ers?|admins?|administrators?|staff|managers?|agents?|employees?|internal)( use)? only\b"
    r"|\bonly (organi[sz]ers?|admins?|administrators?|staff|managers?)\b|\bback[- ]office\b",
    re.IGNORECASE,
)
BILLED = frozenset(["charge", "charges", "fee", "fees", "fine", "fines", "penalty", "penalties", "surcharge",
                     "surcharges", "adjustment", "adjustments"])  # fmt: skip
"""Lines of what a customer owes: the business adds and removes them, a customer never bills themselves."""
_HANDOFF = re.compile(
    r"(transfer\w*?(human|agent|support|staff|representative|operator)|hand[_ -]?off|handover|escalat)", re.IGNORECASE
)
"""A tool that hands the case to a person (`transfer_to_human_agents`, `escalate_ticket`); `transfer_ticket` moves a
ticket to another holder and `transfer_funds` moves money, so a transfer must name whom it goes to."""
_TITLES = {"organiser": "event organiser", "organizer": "event organizer", "admin": "administrator"}


def owned_tables(blueprint: Blueprint, customer: str) -> tuple[str, ...]:
    """Tables whose rows belong to one customer: reached from it through required references."""
    owned = [customer]
    changed = True
    while changed:
        changed = False
        for table in blueprint.tables:
            if table.name in owned:
                continue
            for column in table.columns:
                target = column.references.split(".")[0] if column.references else None
                if target in owned and not column.nullable and target != table.name and not _is_staff(table.name):
                    owned.append(table.name)
                    changed = True
                    break
    return tuple(owned[1:])


def _is_staff(table: str) -> bool:
    return singular(table).split("_")[-1] in _STAFF_NOUNS


def _customer(blueprint: Blueprint) -> str | None:
    """The people the service serves: the person table most other tables belong to."""
    people = [t.name for t in blueprint.tables if is_person_table(t.name) and not _is_staff(t.name)]
    ranked = sorted(((len(owned_tables(blueprint, p)), p) for p in people), key=lambda x: (-x[0], people.index(x[1])))
    return ranked[0][1] if ranked and ranked[0][0] > 0 else None


def _identify(blueprint: Blueprint, table: Table) -> tuple[tuple[str, ...], ...]:
    """Column sets that single out one customer: the email, or the full name with a phone number or zip code; where
    the document finds customers by neither, their key (a user id, a customer number), when a tool reads by it."""
    kinds = {c.name: blueprint.semantic(table.name, c.name) for c in table.columns}
    email = [c for c, k in kinds.items() if k == "email"]
    name = [c for c, k in kinds.items() if k == "person"] or (
        [c for c, k in kinds.items() if k == "first_name"] + [c for c, k in kinds.items() if k == "last_name"]
    )
    second = [c for c, k in kinds.items() if k in ("phone", "zip")][:1]
    sets: list[tuple[str, ...]] = [(email[0],)] if email else []
    if name and second:
        sets.append((*name, second[0]))
    if not sets and blueprint.getter(table.name) is not None:
        sets.append((table.primary_key,))
    return tuple(sets)


def _verb(plan: ToolPlan) -> str:
    words = split_words(plan.name)
    return next((w for w in words if w in _DECISIONS), "")


def roles_of(blueprint: Blueprint, values: Values) -> Roles:
    """The roles and rules as data; an environment without customers (one person's notes) has few."""
    writes = [p for p in blueprint.plans if p.writes]
    customer = _customer(blueprint)
    handoff = next((p.name for p in writes if _HANDOFF.search(p.name)), None)
    confirm = tuple(p.name for p in writes)
    if customer is None:
        return Roles(confirm=confirm, handoff=handoff)
    owned = owned_tables(blueprint, customer)
    staff_table = next((t.name for t in blueprint.tables if _is_staff(t.name) and is_person_table(t.name)), None)
    mine = {customer, *owned}
    staff_only = []
    for plan in writes:
        outside = plan.table not in mine
        documented = bool(_STAFF_ONLY.search(plan.description))
        logged = plan.kind == "create" and any(
            c.references and not c.nullable and c.references.split(".")[0] == staff_table
            for c in blueprint.table(plan.table).columns
        )
        billed = split_words(plan.table)[-1] in BILLED
        moderated = plan.table == customer and bool(_MODERATION & set(split_words(plan.name)))
        if outside or documented or _verb(plan) or logged or billed or moderated:
            staff_only.append(plan.name)
    staff_fields = {}
    for plan in writes:
        if plan.name in staff_only or plan.kind not in ("update", "create"):
            continue
        fields = tuple(p.name for p in plan.roles("field") if p.column and set(split_words(p.column)) & STAFF_FIELDS)
        if fields:
            staff_fields[plan.name] = fields
    members: tuple[StaffMember, ...] = ()
    if staff_only and staff_table is None:
        members = _roster(blueprint, values, staff_only)
    return Roles(
        customer=customer,
        identify=_identify(blueprint, blueprint.table(customer)),
        owned=owned,
        staff=staff_table,
        staff_members=members,
        staff_only=tuple(staff_only),
        staff_fields=staff_fields,
        confirm=confirm,
        handoff=handoff if handoff not in staff_only else None,
    )


def _roster(blueprint: Blueprint, values: Values, staff_only: list[str]) -> tuple[StaffMember, ...]:
    """Three staff members for the policy to list, titled for the work the document keeps to staff."""
    described = " ".join(blueprint.plan(t).description for t in staff_only)
    role = next((m.group(1).lower() for m in _STAFF_ONLY.finditer(described) if m.group(1)), "")
    title = _TITLES.get(role.rstrip("s"), role.rstrip("s")) or "staff member"
    members = []
    for _ in range(3):
        person = values.person()
        email = f"{person.first}.{person.last}@{values.brand.lower()}.example".lower()
        members.append(StaffMember(name=person.full, email=email, title=title))
    return tuple(members)


def policy_text(title: str, description: str, blueprint: Blueprint, roles: Roles, rules: dict[str, TableRules],
                clock: str) -> str:  # fmt: skip
    """The policy in words, in the order an agent needs it."""
    now = dt.datetime.fromisoformat(clock)
    lines = [
        f"# {title}: policy",
        "",
        f"You are a customer service agent for {title}. {description}".strip(),
        "",
        f"The current time is {now:%Y-%m-%d %H:%M} ({now:%A}).",
        "",
    ]
    lines += _who(blueprint, roles)
    lines += _staff(blueprint, roles)
    lines += [
        "## Before any change",
        "",
        (
            "- Before you call a tool that changes records, say exactly what you will change and ask the user to "
            "confirm; act only on an explicit yes. If the user declines or changes their mind, change nothing."
        ),
        "- Make only the changes the user asked for, with exactly the values the user gave.",
        "",
        "## Rules of the service",
        "",
        *[f"- {rule}" for rule in _service_rules(blueprint, rules)],
        "- When something cannot be done, tell the user why, naming the record (its number, and its status or date).",
        "",
        "## Finding and telling",
        "",
        "- Find records with the tools; never guess an id, and never ask the user for an internal id.",
        (
            "- Tell the user the values they ask for exactly as the tools return them (amounts like 1234.50, dates "
            "like 2026-03-02)."
        ),
    ]
    return "\n".join(lines) + "\n"


def _who(blueprint: Blueprint, roles: Roles) -> list[str]:
    if roles.customer is None:
        return ["## Who you help", "", "- You help the owner of this account with all of its records.", ""]
    customer = humanize(singular(roles.customer))
    owned = ", ".join(humanize(plural(t)) for t in roles.owned) or "records"
    ways = (
        " or ".join(" together with ".join(f"their {humanize(c)}" for c in group) for group in roles.identify)
        or "their details"
    )
    return [
        "## Who you help",
        "",
        f"- You help {humanize(plural(roles.customer))} with their own {owned}.",
        (
            f"- Before you look at or change anything of an account, identify the user as one {customer}: by {ways}. "
            f"If no {customer}, or more than one, matches what the user tells you, do not act on any account."
        ),
        (
            f"- Help one {customer} per conversation, with their own records only. Never change another {customer}'s "
            "records, even for a relative or a friend, and do not tell the user anything about them."
        ),
        "",
    ]


def _staff(blueprint: Blueprint, roles: Roles) -> list[str]:
    if not roles.staff_only and not roles.staff_fields:
        return []
    lines = ["## What only staff may do", ""]
    for name in roles.staff_only:
        plan = blueprint.plan(name)
        lines.append(f"- {name}: {_first_sentence(plan.description)}")
    for name, fields in roles.staff_fields.items():
        lines.append(f"- changing {', '.join(humanize(f) for f in fields)} with {name}")
    if roles.staff is not None:
        table = humanize(singular(roles.staff))
        lines.append(
            f"- Staff are the {humanize(plural(roles.staff))}: do these only for a user you have found as one "
            f"{table} by their email."
        )
    elif roles.staff_members:
        lines.append("- Do these only for a member of staff, who tells you their name and work email:")
        lines += [f"  - {m.name}, {m.title}, {m.email}" for m in roles.staff_members]
    customers = humanize(plural(roles.customer)) if roles.customer else "customers"
    handoff = f" You may hand the case over with {roles.handoff}." if roles.handoff else ""
    lines += [
        (
            f"- When one of the {customers} asks for one of these, explain that staff do it and do not do it "
            f"yourself.{handoff}"
        ),
        "",
    ]
    return lines


def _service_rules(blueprint: Blueprint, rules: dict[str, TableRules]) -> list[str]:
    """The lifecycle and consistency rules the tools keep, in words."""
    found: list[str] = []
    for table in blueprint.tables:
        rule = rules.get(table.name)
        if rule is None:
            continue
        noun, nouns = humanize(singular(table.name)), humanize(plural(table.name))
        start = rule.defaults.get(rule.status) if rule.status else None  # the state a new row starts in
        for target, sources in rule.transitions.items():
            move = f"go back to being {_words(target)}" if target == start else f"be {_words(target)}"
            found.append(f"{indefinite(noun).capitalize()} can {move} only while it is {_either(sources)}.")
        ended = [v for v in rule.ended if v not in rule.transitions]
        if ended:
            found.append(f"{indefinite(noun).capitalize()} that is {_either(ended)} can no longer be changed.")
        for column, states in rule.requires.items():
            parent = humanize(singular(rule.refs[column]))
            found.append(
                f"{indefinite(noun).capitalize()} can only be added to {indefinite(parent)} that is {_either(states)}."
            )
        if rule.schedule is not None:
            moves = _either([*rule.schedule.ongoing, *rule.schedule.past])
            found.append(
                f"{indefinite(noun).capitalize()} can be {moves} only from its {field_words(rule.schedule.start)} on."
            )
        for start, end in rule.pairs:
            found.append(f"{indefinite(noun).capitalize()}'s {field_words(end)} must come after its {field_words(start)}.")
        if rule.upcoming:
            found.append(
                f"{indefinite(noun).capitalize()}'s {_either([field_words(c) for c in rule.upcoming])} cannot be in the past."
            )
        for column, total in rule.totals.items():
            parts = [f"its {humanize(plural(line.table))}" for line in total.lines]
            if total.nights is not None:
                parts.insert(0, f"its nights times the {field_words(total.nights.rate)}")
            found.append(
                f"{indefinite(noun).capitalize()}'s {field_words(column)} is {' plus '.join(parts)}; it follows every change."
            )
        for column, (ref, source) in rule.copies.items():
            found.append(
                f"A new {noun}'s {field_words(column)} is its {humanize(singular(rule.refs[ref]))}'s {field_words(source)}."
            )
        if rule.stock is not None:
            source = humanize(singular(rule.refs[rule.stock.ref]))
            found.append(
                f"New {nouns} take from their {source}'s {field_words(rule.stock.column)}; cancelled ones give it back."
            )
        for column, (ref, limit) in rule.capacity.items():
            found.append(
                f"{indefinite(noun).capitalize()}'s {field_words(column)} cannot exceed its {humanize(singular(rule.refs[ref]))}'s {field_words(limit)}."
            )
        if rule.overlap is not None:
            found.append(f"Two {nouns} of the same {humanize(singular(rule.refs[rule.overlap[0]]))} cannot overlap.")
    return found


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0]


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _either(values: Iterable[object]) -> str:
    items = [_words(v) for v in values]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
