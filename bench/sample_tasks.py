"""Print tasks quoted verbatim (instruction and user scenario) from bundled synthesized environments chosen at random.

The seed makes the sample reproducible (issue 14's closing note quotes 10 tasks from 3 environments):

    python bench/sample_tasks.py [--seed 2026] [--environments 3] [--tasks 10]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from autoforge.servers import load_environment

SERVERS = Path(__file__).resolve().parents[1] / "servers"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--environments", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    synthesized = [
        environment
        for environment in (load_environment(p.parent) for p in sorted(SERVERS.glob("*/env.json")))
        if environment.spec.provenance.backend != "hand-written"
    ]
    chosen = rng.sample(synthesized, args.environments)
    picks = {environment.name: rng.sample(sorted(environment.tasks), len(environment.tasks)) for environment in chosen}
    print(f"random.Random({args.seed}): environments {', '.join(e.name for e in chosen)} "
          f"(of {', '.join(e.name for e in synthesized)})\n")  # fmt: skip
    for index in range(args.tasks):
        environment = chosen[index % len(chosen)]
        task = environment.tasks[picks[environment.name][index // len(chosen)]]
        user = task.user.model_dump(exclude_defaults=True)
        print(f"{index + 1}. {environment.name} / {task.id}" + (" (refusal)" if task.refusal else ""))
        print(f"   instruction: {task.instruction}")
        print(f"   user: {json.dumps(user, ensure_ascii=False)}\n")


if __name__ == "__main__":
    main()
