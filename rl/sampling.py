"""Batches that mix environments: the exported rows reordered so that environments interleave, a few prompts at a time.

ERPO divides by the reward spread of each environment *in the batch*, so a batch needs several
prompts of each environment it holds; batches that hold one environment each, in a fixed order,
train on one environment after another. veRL 0.9 has no sampler hook, but it loads a custom dataset
class (`data.custom_cls`); `InterleavedDataset` is veRL's RLHFDataset with its rows in this order:

    each environment's rows shuffled (seeded), cut into runs of `data.prompts_per_environment` rows,
    and the runs of all environments spread evenly over the epoch (each environment's runs at
    evenly spaced positions, from a seeded offset), so every stretch of the dataset mixes
    environments in proportion to their size.

With `data.shuffle=false` (the config's setting) veRL reads the rows in this order; every batch of
`data.train_batch_size` prompts then holds about `train_batch_size / prompts_per_environment`
runs, and the advantage still pools per environment.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from verl.utils.dataset.rl_dataset import RLHFDataset

__all__ = ["InterleavedDataset", "interleaved_order"]


def interleaved_order(environments: Sequence[str], prompts_per_environment: int, seed: int = 0) -> list[int]:
    """Row indices of a dataset whose row i belongs to `environments[i]`, interleaved as described above."""
    if prompts_per_environment < 1:
        raise ValueError(f"prompts_per_environment must be at least 1, got {prompts_per_environment}")
    rng = random.Random(seed)
    rows: dict[str, list[int]] = defaultdict(list)
    for index, name in enumerate(environments):
        rows[str(name)].append(index)
    placed: list[tuple[float, int, list[int]]] = []
    for order, name in enumerate(sorted(rows)):
        indices = rows[name]
        rng.shuffle(indices)
        runs = [indices[i : i + prompts_per_environment] for i in range(0, len(indices), prompts_per_environment)]
        offset = rng.random()
        placed += [((j + offset) / len(runs), order, run) for j, run in enumerate(runs)]
    placed.sort(key=lambda item: item[:2])
    return [index for _, _, run in placed for index in run]


class InterleavedDataset(RLHFDataset):
    """veRL's RLHF dataset with environments interleaved (`data.prompts_per_environment`, `data.seed`)."""

    def _read_files_and_tokenize(self) -> None:
        super()._read_files_and_tokenize()  # type: ignore[no-untyped-call]
        if "env_id" not in self.dataframe.column_names:
            raise ValueError("InterleavedDataset needs an env_id column; write the data with `autoforge rl export`")
        per = int(self.config.get("prompts_per_environment", None) or 1)
        seed = self.config.get("seed", None)
        order = interleaved_order(self.dataframe["env_id"], per, 0 if seed is None else int(seed))
        self.dataframe = self.dataframe.select(order)
