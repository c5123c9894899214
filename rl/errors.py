"""Errors of the training side.

AutoForgeError                 (autoforge.servers.errors)
 └── TrainingError             the training extra is missing, or a training config cannot be written
"""

from __future__ import annotations

from autoforge.servers.errors import AutoForgeError

__all__ = ["TrainingError"]


class TrainingError(AutoForgeError):
    """Training cannot be set up as asked; the message names the missing piece and how to add it."""
