"""Where `autoforge rl config` writes (a module of its own, so the CLI names it without loading the config)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CONFIG_NAME", "DEFAULT_FOLDER", "LAUNCH_SCRIPT"]

CONFIG_NAME = "erpo"
DEFAULT_FOLDER = Path("runs/rl-config")
LAUNCH_SCRIPT = "train.sh"
