"""A safe arithmetic evaluator for tool code: Python's own parser and operators, over numbers only.

`evaluate("(120 - 30) * 1.5")` gives what Python's `eval` gives for an expression of number literals,
`+ - * / // % **`, unary signs and parentheses, and refuses everything else. Tool code (which may
not import `ast` or call `eval`) reaches it as `from autoforge.servers.arithmetic import evaluate`;
a bad expression raises `ToolError` with the message Python's own evaluation would give, so the
agent can correct itself.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

from .toolkit import ToolError

__all__ = ["MAX_RESULT_BITS", "evaluate"]

MAX_RESULT_BITS = 4096
"""Largest integer power (in bits) computed; `9**9**9` would otherwise run for hours."""

Number = int | float

_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def evaluate(expression: str) -> Number:
    """The value of an arithmetic expression, computed as Python computes it; raises ToolError otherwise."""
    try:
        tree = ast.parse(expression, filename="<string>", mode="eval")
    except SyntaxError as exc:
        raise ToolError(str(exc)) from None
    except (MemoryError, RecursionError):
        raise ToolError("the expression is nested too deeply") from None
    # Post-order walk with an explicit stack: a long chain like 1+1+...+1 must not hit the recursion limit.
    values: list[Number] = []
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            values.append(node.value)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            if ready:
                right, left = values.pop(), values.pop()
                values.append(_apply(node.op, left, right))
            else:
                stack += [(node, True), (node.right, False), (node.left, False)]
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            if ready:
                values.append(_UNARY[type(node.op)](values.pop()))
            else:
                stack += [(node, True), (node.operand, False)]
        else:
            raise ToolError(
                f"unsupported expression {ast.unparse(node)!r}: use numbers, + - * / // % ** and parentheses"
            )
    return values[0]


def _apply(op: ast.operator, left: Number, right: Number) -> Number:
    huge = (
        isinstance(left, int)
        and isinstance(right, int)
        and right > 0
        and abs(left) > 1
        and right * math.log2(abs(left)) > MAX_RESULT_BITS
    )
    if isinstance(op, ast.Pow) and huge:
        raise ToolError(f"{left} ** {right} is too large to compute")
    try:
        result = _BINARY[type(op)](left, right)
    except (ArithmeticError, ValueError) as exc:
        raise ToolError(str(exc)) from None
    if isinstance(result, complex):  # (-8) ** 0.5
        raise ToolError(f"{left} ** {right} is not a real number")
    return result
