"""ERPO's estimator against veRL's GRPO estimators on 4,096 trajectories x 2,048 tokens, and against the
number of environments in the batch.

    python bench/erpo.py [--rows 4096] [--length 2048] [--repeats 5]

Prints median milliseconds per call and the ratios to veRL's `grpo` and `grpo_vectorized` (target: within 1.5x):
the plain function with and without environments, and the estimator as veRL's trainer calls it (from veRL's
registry, environments published by uid as the replay buffer does). Needs torch; the veRL rows need the rl extra.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from autoforge.rl import erpo_advantages

ROLLOUTS = 8


def batch(rows: int, length: int, envs: int, seed: int = 0) -> dict[str, Any]:
    """Binary outcome rewards on the last response token, random response lengths, 8 rollouts per prompt."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, length + 1, (rows,), generator=generator)
    mask = (torch.arange(length)[None, :] < lengths[:, None]).float()
    rewards = torch.zeros(rows, length)
    rewards[torch.arange(rows), lengths - 1] = torch.randint(0, 2, (rows,), generator=generator).float()
    prompts = np.arange(rows) // ROLLOUTS
    return {
        "token_level_rewards": rewards,
        "response_mask": mask,
        "index": np.array([f"uid{p}" for p in prompts], dtype=object),
        "env_index": np.array([f"env{p % envs}" for p in prompts], dtype=object),
    }


def median_ms(candidates: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median milliseconds of each candidate, timed in turns so that load from elsewhere hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for fn in candidates.values():
        fn()  # warm up
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--length", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data = batch(args.rows, args.length, envs=16)
    tensors = (data["token_level_rewards"], data["response_mask"])

    candidates: dict[str, Callable[[], Any]] = {
        "erpo (16 environments)": lambda: erpo_advantages(*tensors, data["index"], data["env_index"]),
        "erpo (no env ids: GRPO fallback)": lambda: erpo_advantages(*tensors, data["index"]),
    }
    try:
        from verl.trainer.ppo import core_algos
    except ImportError:
        print("veRL is not installed: no GRPO baseline (pip install -e '.[rl]')")
    else:
        from autoforge.rl import publish_environments

        publish_environments(dict(zip(data["index"].tolist(), data["env_index"].tolist(), strict=True)))
        estimator = core_algos.get_adv_estimator_fn("erpo")
        candidates["erpo, veRL's registry (published)"] = lambda: estimator(*tensors, index=data["index"])
        candidates["verl grpo"] = lambda: core_algos.compute_grpo_outcome_advantage(*tensors, data["index"])
        candidates["verl grpo_vectorized"] = lambda: core_algos.compute_grpo_vectorized_outcome_advantage(
            *tensors, data["index"]
        )
    timings = median_ms(candidates, args.repeats)
    torch_threads = torch.get_num_threads()
    print(f"{args.rows} trajectories x {args.length} tokens, {ROLLOUTS} rollouts per prompt, {torch_threads} threads")
    grpo, vectorized = timings.get("verl grpo"), timings.get("verl grpo_vectorized")
    for name, ms in timings.items():
        ratio = f"  {ms / grpo:5.2f}x grpo  {ms / vectorized:5.2f}x grpo_vectorized" if grpo and vectorized else ""
        print(f"  {name:34s} {ms:9.1f} ms{ratio}")

    print("environments in one batch (same shape):")
    prompts = args.rows // ROLLOUTS
    sweep: dict[str, Callable[[], Any]] = {}
    for envs in sorted({1, 8, 64, prompts, args.rows}):
        data = batch(args.rows, args.length, envs=envs)
        if envs == args.rows:  # one environment per trajectory: every rollout its own pool
            data["env_index"] = np.array([f"env{i}" for i in range(args.rows)], dtype=object)
        sweep[f"{envs:6d} environments"] = lambda data=data: erpo_advantages(
            data["token_level_rewards"], data["response_mask"], data["index"], data["env_index"]
        )
    for name, ms in median_ms(sweep, args.repeats).items():
        print(f"  {name} {ms:9.1f} ms")


if __name__ == "__main__":
    main()
