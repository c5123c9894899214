"""Local `$ref` resolution for OpenAPI and JSON Schema documents, with clear errors for bad references."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from autoforge.servers import SynthesisError

__all__ = ["MAX_DEPTH", "MAX_EXPANSIONS", "Resolver"]

_SKIPPED = frozenset({"example", "examples", "externalDocs", "xml", "links", "callbacks", "security"})
_NAME_MAPS = frozenset({"properties", "patternProperties", "definitions", "schemas", "parameters", "responses"})
MAX_DEPTH = 8
"""Nesting of references inlined before a recursive schema is cut to a plain object."""
MAX_EXPANSIONS = 50_000
"""References one document may inline anew: ten schemas that each refer twelve times to the next, in a circle,
would otherwise inline 12^8 times (gigabytes from a few kilobytes)."""


class Resolver:
    """Inlines `#/...` references of one document; remote and broken references raise SynthesisError."""

    def __init__(self, document: dict[str, Any], source: str) -> None:
        self.document = document
        self.source = source
        self._done: dict[str, Any] = {}
        self._cuts = 0
        self.expansions = 0
        """References inlined anew (a cached one costs nothing): bounded by `MAX_EXPANSIONS`."""

    def resolve(self, node: Any, where: str, stack: tuple[str, ...] = (), names: bool = False) -> Any:
        """`node` with every reference inside it inlined (shared subtrees are not copied).

        Examples, links and vendor extensions are dropped unless `node` maps names (like `properties`).
        """
        if isinstance(node, list):
            return [self.resolve(item, f"{where}[{i}]", stack) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = self._follow(ref, where, stack)
            siblings = {k: self.resolve(v, f"{where}.{k}", stack) for k, v in node.items() if k != "$ref"}
            if siblings and isinstance(target, dict):
                return {**target, **siblings}
            return target
        return {
            key: self.resolve(value, f"{where}.{key}", stack, key in _NAME_MAPS)
            for key, value in node.items()
            if names or (key not in _SKIPPED and not (isinstance(key, str) and key.startswith("x-")))
        }

    def _follow(self, ref: str, where: str, stack: tuple[str, ...]) -> Any:
        if not ref.startswith("#"):
            raise SynthesisError(
                f"{self.source}: remote $ref {ref!r} at {where} is not supported; bundle the document into one "
                "file first (for example `redocly bundle` or `swagger-cli bundle`) and synthesize that"
            )
        if ref in self._done:
            return self._done[ref]
        if ref in stack or len(stack) >= MAX_DEPTH:
            self._cuts += 1
            return {"type": "object", "description": "(recursive structure)"}
        target = self._pointer(ref, where)
        self.expansions += 1
        if self.expansions > MAX_EXPANSIONS:
            raise SynthesisError(
                f"{self.source}: its references inline into more than {MAX_EXPANSIONS:,} schemas (schemas that "
                f"refer to each other many times over, as at {where}); no tool needs that much"
            )
        cuts = self._cuts
        resolved = self.resolve(target, ref, (*stack, ref))
        if self._cuts == cuts:  # nothing below was cut, so the result does not depend on the path here
            self._done[ref] = resolved
        return resolved

    def _pointer(self, ref: str, where: str) -> Any:
        node: Any = self.document
        for raw in ref[1:].split("/")[1:] if ref.startswith("#/") else ([] if ref == "#" else [None]):
            if raw is None:
                node = None
                break
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = None
                break
        if node is None:
            raise SynthesisError(
                f"{self.source}: broken $ref {ref!r} at {where}: nothing in the document has that path; "
                "fix the reference or add the missing definition"
            )
        return node
