"""Defaults the synthesizer's command line shows (a module of its own, so `--help` loads no models)."""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MIN_CALLS"]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
"""32 MiB: the largest public API descriptions (GitHub's REST API, about 12 MB as JSON; Stripe's, about
7 MB) fit; a bigger file is almost certainly not one API."""
DEFAULT_MIN_CALLS = 4
"""Where task length starts when `min_calls` is unset; an API whose tools do not chain that far gets shorter tasks."""
