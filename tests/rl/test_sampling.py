"""Interleaved batches: the training rows reordered so that every stretch mixes environments, a few prompts each."""

from __future__ import annotations

from collections import Counter

import pytest

pytest.importorskip("verl", reason="veRL is not installed (pip install -e '.[rl]' after the CPU torch wheel)")

from autoforge.rl import interleaved_order
from hypothesis import given
from hypothesis import strategies as st

SIZES = st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), st.integers(1, 40), min_size=1)


def rows(sizes: dict[str, int]) -> list[str]:
    """An environment-blocked export: each environment's rows contiguous."""
    return [name for name, count in sizes.items() for _ in range(count)]


@given(SIZES, st.integers(1, 6), st.integers(0, 3))
def test_the_order_is_a_permutation_of_runs(sizes: dict[str, int], per: int, seed: int) -> None:
    """Every row appears once, in runs of `per` rows of one environment (the last run of each may be shorter)."""
    envs = rows(sizes)
    order = interleaved_order(envs, per, seed)
    assert sorted(order) == list(range(len(envs)))
    assert order == interleaved_order(envs, per, seed)
    runs: list[tuple[str, int]] = []
    for index in order:
        if runs and runs[-1][0] == envs[index] and runs[-1][1] < per:
            runs[-1] = (envs[index], runs[-1][1] + 1)
        else:
            runs.append((envs[index], 1))
    short = Counter(name for name, length in runs if length < per)
    assert all(count <= 1 for count in short.values())


def test_batches_mix_environments_in_proportion() -> None:
    """Three environments of 80, 80 and 10 prompts, 4 prompts per run, 32 per batch: every full batch holds at least
    two environments (an environment-blocked order holds one), and the small environment is spread out rather
    than bunched at the end."""
    envs = rows({"retail": 80, "flights": 80, "library": 10})
    order = [envs[i] for i in interleaved_order(envs, 4, seed=0)]
    batches = [order[i : i + 32] for i in range(0, len(order) - 31, 32)]
    assert all(len(set(batch)) >= 2 for batch in batches)
    assert all(len(set(envs[i : i + 32])) == 1 for i in range(0, 64, 32))  # what the export order gives
    library = [i for i, name in enumerate(order) if name == "library"]
    assert library[0] < len(order) // 2 < library[-1]
