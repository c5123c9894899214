"""The ways a client reaches an environment server (a module of its own, so settings can name them cheaply)."""

from __future__ import annotations

from typing import Literal

__all__ = ["TRANSPORTS", "Transport"]

Transport = Literal["inprocess", "stdio", "http", "ray"]
TRANSPORTS: tuple[Transport, ...] = ("inprocess", "stdio", "http", "ray")
