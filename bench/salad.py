"""Calibrate the word-salad judge: SmolLM2's per-token nats of real values against faker's lorem in the same places.

Real values are the bundled environments' quoted instruction values and free-text seed values, with ordinary
English phrases; each gets a lorem twin of the same word count in the same context (faker `sentence` where
the value ends with a full stop, `words` otherwise). Prints the spread of each group, the separation (AUC), the
spread by word count against the judge's bar, and the share of real values flagged and of lorem caught by the
judge and by flat thresholds. Values shorter than the judge's MIN_WORDS are scored too, to show why they are
not judged. The numbers are the ones rl/salad.py states.

    python bench/salad.py [--seed 2026]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from autoforge.rl.salad import ALLOWANCE, MIN_WORDS, THRESHOLD, WordSaladJudge
from autoforge.servers import load_environment
from autoforge.servers.quality import QUOTED, SEED_TEXT, salad_items
from faker import Faker

SERVERS = Path(__file__).resolve().parents[1] / "servers"
PHRASES = (
    "Please leave the parcel with my neighbour", "The heating in our room stopped working last night",
    "Thank you for the quick reply", "I would like to change the delivery address", "Running late, start without me",
    "Birthday dinner for my mother", "Can we move the meeting to Thursday afternoon?", "Window seat if possible",
    "The screen cracked after two days", "Quarterly report for the board", "Bring the blue folder to the office",
    "Cancel my subscription at the end of the month", "Our flight was delayed by three hours",
    "Keep the change", "Weekly team meeting", "The invoice lists the wrong amount", "Spare keys for the flat",
    "Gift for my sister's wedding", "A table by the window for two", "Groceries for the weekend",
    "Pay back Sam for the concert tickets", "The password reset link has expired", "Morning yoga in the park",
    "Rent for March", "Extra pillows and a late checkout, please", "Please call me after five",
    "Summer holiday in Portugal", "The app crashes when I open my photos", "School trip to the science museum",
    "Dinner with the new clients",
)  # fmt: skip
CONTEXTS = ("note:", "subject:", "description:", "message:", "title:")


def real_values() -> dict[str, list[tuple[str, str]]]:
    """(context, value) pairs by group: quoted in bundled instructions, bundled seed text, ordinary phrases."""
    places: dict[str, set[tuple[str, str]]] = {QUOTED: set(), SEED_TEXT: set()}
    for folder in sorted(p.parent for p in SERVERS.glob("*/env.json")):
        for place, item in salad_items(load_environment(folder)):
            places[place].add(item)
    phrases = [(CONTEXTS[i % len(CONTEXTS)], phrase) for i, phrase in enumerate(PHRASES)]
    return {"quoted": sorted(places[QUOTED]), "seed": sorted(places[SEED_TEXT]), "phrases": phrases}


def lorem_twin(fake: Faker, context: str, value: str) -> tuple[str, str]:
    """Faker lorem with the value's word count, in the value's context."""
    count = len(value.split())
    if value.endswith("."):
        return context, fake.sentence(nb_words=count, variable_nb_words=False)
    return context, " ".join(fake.words(count)).capitalize()


def auc(high: list[float], low: list[float]) -> float:
    """Probability that a random `high` score exceeds a random `low` one (ties count half)."""
    wins = sum((h > l) + 0.5 * (h == l) for h in high for l in low)
    return wins / (len(high) * len(low)) if high and low else float("nan")


def spread(scores: list[float]) -> str:
    """Count, percentiles 5/25/50/75/95 and max of nats per token, with per-token perplexity at the median."""
    cuts = statistics.quantiles(scores, n=20, method="inclusive") if len(scores) > 1 else scores * 19
    median = statistics.median(scores)
    return (f"n={len(scores):4}  p5 {cuts[0]:5.2f}  p25 {cuts[4]:5.2f}  p50 {median:5.2f}  p75 {cuts[14]:5.2f}  "
            f"p95 {cuts[18]:5.2f}  max {max(scores):5.2f}  (median perplexity {2.718281828 ** median:,.0f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026, help="faker's seed for the lorem twins")
    args = parser.parse_args()
    fake = Faker()
    fake.seed_instance(args.seed)
    groups = real_values()
    lorem = {name: [lorem_twin(fake, *item) for item in items] for name, items in groups.items()}
    started = time.perf_counter()
    judge = WordSaladJudge()
    loaded = time.perf_counter()
    values = {**groups, **{f"lorem/{name}": items for name, items in lorem.items()}}
    scored = {name: judge.nats(items) for name, items in values.items()}
    print(f"SmolLM2 loaded in {loaded - started:.1f}s; {sum(map(len, values.values()))} values scored in "
          f"{time.perf_counter() - loaded:.1f}s\n")  # fmt: skip
    real = [(v, s) for name in groups for (_, v), s in zip(values[name], scored[name], strict=True)]
    lorem_scores = [(v, s) for name in lorem for (_, v), s in zip(values[f"lorem/{name}"], scored[f"lorem/{name}"],
                                                                   strict=True)]  # fmt: skip
    print(f"values of {MIN_WORDS}+ words: nats per token")
    for name, items in values.items():
        kept = [s for (_, v), s in zip(items, scored[name], strict=True) if len(v.split()) >= MIN_WORDS]
        print(f"  {name:15} {spread(kept)}")
    long_real = [(v, s) for v, s in real if len(v.split()) >= MIN_WORDS]
    long_lorem = [(v, s) for v, s in lorem_scores if len(v.split()) >= MIN_WORDS]
    print(f"  AUC (lorem above real) {auc([s for _, s in long_lorem], [s for _, s in long_real]):.3f}\n")
    print("by word count: real values (median, max) against lorem twins (min, median) and the judge's bar")
    for words in sorted({len(v.split()) for v, _ in long_real}):
        r = [s for v, s in long_real if len(v.split()) == words]
        f = [s for v, s in long_lorem if len(v.split()) == words]
        print(
            f"  {words:2} words  n={len(r):3}  real {statistics.median(r):5.2f} {max(r):5.2f}  "
            f"lorem {min(f):5.2f} {statistics.median(f):5.2f}  bar {judge.bar(' '.join(['w'] * words)):5.2f}"
        )
    flagged = [(v, s) for v, s in long_real if s > judge.bar(v)]
    caught = sum(s > judge.bar(v) for v, s in long_lorem) / len(long_lorem)
    print(
        f"\nthe judge ({THRESHOLD:g} + {ALLOWANCE:g} / words): real flagged {len(flagged)} of {len(long_real)} "
        f"({len(flagged) / len(long_real):.1%}) {flagged}, lorem caught {caught:.1%}"
    )
    for flat in (9.0, 10.0, 11.0):
        share = sum(s > flat for _, s in long_real) / len(long_real)
        print(
            f"  flat {flat:4.1f}: real flagged {share:5.1%}, lorem caught "
            f"{sum(s > flat for _, s in long_lorem) / len(long_lorem):5.1%}"
        )
    short_real = [s for v, s in real if len(v.split()) < MIN_WORDS]
    short_lorem = [s for v, s in lorem_scores if len(v.split()) < MIN_WORDS]
    print(
        f"\nvalues of fewer than {MIN_WORDS} words (not judged): {len(short_real)} real, AUC "
        f"{auc(short_lorem, short_real):.3f}; at a flat 11.0 real flagged "
        f"{sum(s > 11 for s in short_real) / len(short_real):.1%}, lorem caught "
        f"{sum(s > 11 for s in short_lorem) / len(short_lorem):.1%}"
    )


if __name__ == "__main__":
    main()
