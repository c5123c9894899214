"""JSON schema validators as the runtime uses them: compiled once per process, never fetching a reference (a
folder's schema must not make the host, or a worker, open a URL or read a file), and matching documented
patterns with RE2, in time linear in the value."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import fastjsonschema

from .patterns import linear

__all__ = ["compiled_schema"]


def compiled_schema(schema: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A validator for a JSON schema, compiled once per process (compiling takes milliseconds; synthesis and
    every environment build ask for the same schemas again and again)."""
    return _compile(json.dumps(schema, sort_keys=True))


@lru_cache(maxsize=4096)
def _compile(schema: str) -> Callable[[Any], Any]:
    validator = fastjsonschema.compile(json.loads(schema), handlers=_NO_REMOTE)
    patterns = validator.__globals__.get("REGEX_PATTERNS")  # the schema's patterns and formats, compiled by `re`
    if patterns:  # matched by RE2 instead: an agent's argument must not make the server backtrack for hours
        patterns.update({name: linear(_for_re2(compiled.pattern)) or _ANYTHING for name, compiled in patterns.items()})
    return validator


def _for_re2(pattern: str) -> str:
    """A pattern as fastjsonschema compiles it (keyed by a format's name or the pattern; its end of text `\\Z`)
    in RE2's words (`\\z`)."""
    return pattern.replace("\\Z", "\\z")


class _Anything:
    """The matcher of a pattern RE2 cannot read: not enforced."""

    def search(self, text: str) -> bool:
        return True

    def match(self, text: str) -> bool:
        return True


_ANYTHING = _Anything()


def _refuse_remote(uri: str) -> Any:
    raise fastjsonschema.JsonSchemaDefinitionException(
        f"$ref {uri[:200]!r} points outside the schema; only references within it ('#/...') are read"
    )


class _LocalOnly(Mapping[str, Callable[[str], Any]]):
    """A handler for every URI scheme, each refusing: a `$ref` is read from the schema itself, never fetched (a
    folder's schema must not make the host open a URL or read a file)."""

    def __getitem__(self, scheme: str) -> Callable[[str], Any]:
        return _refuse_remote

    def __contains__(self, scheme: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_NO_REMOTE = _LocalOnly()
