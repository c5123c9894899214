"""The user-error detector: did the simulated user keep to its scenario?

An episode whose user broke its scenario is labelled `user` and left out of pass^k, so agents are
not blamed for a simulator's mistakes. Flagged: an empty turn; a turn that speaks as the agent; a
stop in the first message or before the goal was stated; and identifiers the user could not know
(ids, emails, phone numbers, dates that appear neither in its scenario nor in what the agent told it:
revealed unknown facts, or facts contradicting the scenario).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from autoforge.servers import Task, normalise_text

from .users import STOP, TRANSFER

__all__ = ["detect_user_errors"]

_IDENTIFIERS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # email
    r"|\b\d{4}-\d{2}-\d{2}\b"  # ISO date
    r"|\b\d{3}-\d{4}\b"  # phone number
    r"|\b[A-Za-z]{1,5}-\d{2,}\b"  # id such as M-1004
    r"|\b[A-Z]{1,5}\d{3,}\b"  # id such as ORD12345
)
_AGENT_VOICE = ("how can i help you", "how may i help you", "how may i assist you", "how can i assist you")
_STOPWORDS = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "been",
        "before",
        "being",
        "could",
        "does",
        "doing",
        "from",
        "have",
        "into",
        "just",
        "like",
        "make",
        "more",
        "need",
        "only",
        "other",
        "over",
        "please",
        "some",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "today",
        "want",
        "what",
        "when",
        "where",
        "which",
        "while",
        "with",
        "would",
        "your",
    ]
)


def detect_user_errors(
    task: Task, user_messages: list[str], agent_messages: Sequence[str] = (), *, ordered: bool = False
) -> list[str]:
    """Reasons the simulated user broke its scenario; [] when it kept to it.

    `agent_messages` (what the agent said to the user) excuses identifiers the agent told the user.
    With `ordered`, the two lists alternate (user turn i answers agent message i - 1), and a turn is
    excused only by what the agent said before it: a user that states an id the agent repeats later
    still invented it.
    """
    reasons: list[str] = []
    for number, message in enumerate(user_messages, start=1):
        text = message.replace(STOP, "").replace(TRANSFER, "").strip()
        lowered = text.lower()
        if not text and STOP not in message and TRANSFER not in message:
            reasons.append(f"turn {number} is empty")
        if any(phrase in lowered for phrase in _AGENT_VOICE):
            reasons.append(f"turn {number} speaks as the agent ({text[:60]!r})")
    reasons += _early_stop(task, user_messages)
    reasons += _unknown_identifiers(task, user_messages, agent_messages, ordered)
    return reasons


def _early_stop(task: Task, user_messages: list[str]) -> list[str]:
    ends = [i for i, m in enumerate(user_messages) if STOP in m or TRANSFER in m]
    if not ends:
        return []
    end = ends[0]
    if end == 0:
        return ["the user ended the conversation in its first message, before the agent could act"]
    goal = _content_words(task.instruction)
    stated = _content_words(" ".join(user_messages[:end]))
    if len(goal & stated) < min(2, len(goal)):
        return ["the user ended the conversation before stating its goal"]
    return []


def _unknown_identifiers(
    task: Task, user_messages: list[str], agent_messages: Sequence[str], ordered: bool
) -> list[str]:
    scenario = task.user
    known = [
        task.instruction,
        scenario.persona,
        scenario.behavior,
        json.dumps(scenario.known_facts, ensure_ascii=False),
        *(str(v) for v in scenario.known_facts.values()),
    ]
    reasons = []
    for number, message in enumerate(user_messages, start=1):
        told = agent_messages[: number - 1] if ordered else agent_messages
        allowed = normalise_text(" ".join([*known, *told]))
        for token in dict.fromkeys(_IDENTIFIERS.findall(message)):
            if normalise_text(token) not in allowed:
                reasons.append(
                    f"turn {number} mentions {token!r}, which neither its scenario nor the agent gave it "
                    "(a simulated user must not invent or reveal facts it does not have)"
                )
    return reasons


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) >= 4 and w not in _STOPWORDS}
