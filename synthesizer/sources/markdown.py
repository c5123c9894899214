"""Markdown read as a list of blocks (headings, paragraphs, list items, code, tables) and the sections its
headings open, for the readers of hand-written references."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

__all__ = ["Block", "Section", "markdown_blocks", "sections_of"]


@dataclass
class Block:
    """One block of a page: a heading (with its level), a paragraph, a list item's text, code or a table."""

    kind: str  # heading | paragraph | item | code | table
    text: str = ""
    level: int = 0
    rows: list[list[str]] = field(default_factory=list)
    info: str = ""  # a code block's language (`bash`)


@dataclass
class Section:
    """A heading and the blocks up to the next heading (of any level)."""

    heading: str
    body: list[Block]
    level: int = 0


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of a markdown page, in order (CommonMark with tables)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[Block] = []
    in_item = 0
    row: list[str] | None = None
    table: Block | None = None
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "list_item_open":
            in_item += 1
        elif kind == "list_item_close":
            in_item -= 1
        elif kind == "table_open":
            table = Block("table")
        elif kind == "table_close" and table is not None:
            blocks.append(table)
            table = None
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and table is not None and row is not None:
            table.rows.append(row)
        elif kind == "inline" and table is not None and row is not None:
            row.append(token.content.strip())
        elif kind == "inline" and tokens[index - 1].type == "heading_open":
            blocks.append(Block("heading", token.content.strip(), level=int(tokens[index - 1].tag[1])))
        elif kind == "inline" and tokens[index - 1].type == "paragraph_open":
            rows = _pipe_rows(token.content)
            if rows and not in_item:
                blocks.append(Block("table", rows=rows))
            else:
                blocks.append(Block("item" if in_item else "paragraph", token.content.strip()))
        elif kind in ("fence", "code_block"):
            blocks.append(Block("code", token.content, info=token.info.strip().lower()))
    return blocks


def _pipe_rows(text: str) -> list[list[str]] | None:
    """The rows of a table written without its header's rule (`| URL | /requests |` line after line, as kramdown
    allows), after any attribute line (`{: .table}`); None for a paragraph that is no such table."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not _ATTRIBUTES.fullmatch(line.strip())]
    if len(lines) < 2 or not all(line.startswith("|") and line.endswith("|") and len(line) > 2 for line in lines):
        return None
    return [[cell.strip() for cell in line[1:-1].split("|")] for line in lines]


_ATTRIBUTES = re.compile(r"\{:[^}]*\}")
"""A kramdown attribute list (`{: .table .table-bordered}`), which styles the block after it."""


def sections_of(blocks: list[Block]) -> list[Section]:
    """The sections the headings among `blocks` open; blocks before the first heading belong to none."""
    sections: list[Section] = []
    for block in blocks:
        if block.kind == "heading":
            sections.append(Section(block.text, [], block.level))
        elif sections:
            sections[-1].body.append(block)
    return sections
