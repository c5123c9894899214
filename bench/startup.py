"""Start-up benchmark: how long commands take to answer before doing any work.

Run: python bench/startup.py            (prints numbers, asserts nothing)

Each command runs 10 times in a fresh process; the median counts. The baseline is the bare
interpreter (`python -c pass`), measured in the same run, so the ratio shows what AutoForge adds.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 10
AUTOFORGE = str(Path(sys.executable).with_name("autoforge"))
COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "autoforge --help": [AUTOFORGE, "--help"],
    "autoforge eval --help": [AUTOFORGE, "eval", "--help"],
    "autoforge synth --help": [AUTOFORGE, "synth", "--help"],
    "a tool worker's imports": [sys.executable, "-c", "import autoforge.servers.worker"],
}


def median_seconds(command: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


if __name__ == "__main__":
    baseline = None
    print(f"start-up, median of {RUNS} runs")
    for name, command in COMMANDS.items():
        seconds = median_seconds(command)
        baseline = baseline or seconds
        target = "   (target < 0.5 s)" if name == "autoforge --help" else ""
        print(f"  {name:<28} {seconds:6.3f} s   {seconds / baseline:5.1f}x the bare interpreter{target}")
