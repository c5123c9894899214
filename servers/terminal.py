"""Outside text on the terminal: what a document, an archive or an environment folder says is shown as it is.

Rich reads `[red]...[/]` in any string it prints as markup, so a file named `a[/bogus]` in an archive once ended
`autoforge registry install` in a traceback, and control characters in a name (ANSI and OSC escapes) reached the
terminal as commands. Every such string goes through `shown` before it is printed.
"""

from __future__ import annotations

import logging
import re

from rich.markup import escape

__all__ = ["plain_logging", "shown"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters but tab and newline (ESC starts the terminal's escape sequences)."""


def shown(value: object) -> str:
    """`value` as text rich prints as written: its markup escaped, each control character as '?'."""
    return escape(_CONTROL.sub("?", str(value)))


class _PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return _CONTROL.sub("?", super().format(record))


def plain_logging() -> None:
    """Warnings that libraries log (the MCP SDK's, httpx's) go to stderr with each control character as '?': a
    server's text in them (the name of an SSE event it sent) must not drive the terminal."""
    handler = logging.StreamHandler()
    handler.setFormatter(_PlainFormatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
