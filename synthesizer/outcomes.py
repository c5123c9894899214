"""What a task's reasoning steps conclude: a value worked out from another, and whether a condition holds."""

from __future__ import annotations

from typing import Any

from .moments import shifted

__all__ = ["apply_change", "holds", "norm"]


def norm(value: Any) -> str:
    """A value as compared by people: case and spacing aside."""
    return " ".join(str(value).split()).lower() if value is not None else ""


def apply_change(op: str, amount: Any, current: Any) -> Any:
    """`current` moved by `amount`: 'days' later, 'percent' more, 'add'ed; None when it cannot be."""
    if current is None:
        return None
    if op == "days":
        return shifted(current, int(amount))
    if op == "percent" and isinstance(current, (int, float)):
        return round(current * (100 + amount) / 100, 2)
    if op == "add" and isinstance(current, (int, float)):
        return current + amount
    return None


def holds(op: str, value: Any, amount: Any) -> bool:
    """Whether `value` meets a condition: 'above' a number, or 'is' a value."""
    if op == "above":
        return isinstance(value, (int, float)) and value > amount
    if isinstance(amount, bool):
        return bool(value) == amount
    return norm(value) == norm(amount)
