"""Outside text on the terminal: what a document, an archive or an environment folder says is shown as it is.

Rich reads `[red]...[/]` in any string it prints as markup, so a file named `a[/bogus]` in an archive once ended
`autoforge registry install` in a traceback, and control characters in a name (ANSI and OSC escapes) reached the
terminal as commands. Every such string goes through `shown` before it is printed.
"""

from __future__ import annotations

import re

from rich.markup import escape

__all__ = ["shown"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters but tab and newline (ESC starts the terminal's escape sequences)."""


def shown(value: object) -> str:
    """`value` as text rich prints as written: its markup escaped, each control character as '?'."""
    return escape(_CONTROL.sub("?", str(value)))
