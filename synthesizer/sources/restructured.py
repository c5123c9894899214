"""reStructuredText documentation (Sphinx pages, `.rst` READMEs) read as markdown.

docutils parses the text; sections, paragraphs, literal blocks, lists, option and definition lists are written
back as the markdown the prose readers take (`prose.py`, `reference.py`): a section is a heading, a literal
block a fenced block, an option or a term a `**term**: text` paragraph. Sphinx's own directives (`option`,
`code-block`, `program`) and roles (`:command:`) are read as their plain equivalents.
"""

from __future__ import annotations

import io
from typing import Any, ClassVar

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles

__all__ = ["rst_to_markdown"]

_LITERAL_ROLES = ("command", "program", "option", "samp", "file", "envvar", "kbd", "code", "makevar", "mailheader",
                  "ref", "doc", "term", "class", "func", "meth", "mod", "attr", "data", "obj", "exc", "abbr", "guilabel",
                  "menuselection", "any", "py:func", "py:class", "py:meth")  # fmt: skip
_SETTINGS = {"report_level": 5, "halt_level": 5, "file_insertion_enabled": False, "raw_enabled": False,
             "input_encoding": "unicode", "traceback": True}  # fmt: skip
"""Nothing reported or halted on; no file included (`.. include:: /etc/passwd`) and no raw markup passed through."""


class _Described(Directive):
    """`.. option:: --format FORMAT` (Sphinx's `option`, `describe`, `object`): a term and what it does."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        definition = nodes.definition()
        self.state.nested_parse(self.content, self.content_offset, definition)
        item = nodes.definition_list_item("", nodes.term("", " ".join(self.arguments)), definition)
        return [nodes.definition_list("", item)]


class _Code(Directive):
    """`.. code-block:: console` and its kin: a literal block."""

    has_content = True
    optional_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"linenos": directives.flag, "caption": directives.unchanged,
                                             "emphasize-lines": directives.unchanged, "name": directives.unchanged}  # fmt: skip

    def run(self) -> list[nodes.Node]:
        text = "\n".join(self.content)
        return [nodes.literal_block(text, text)]


class _Contents(Directive):
    """A directive whose content is read as it stands (`note`, `versionadded`, `only`) or left out (`toctree`)."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Any]] = {}

    def run(self) -> list[nodes.Node]:
        holder = nodes.container()
        if self.name not in ("toctree", "program", "currentmodule", "highlight", "index", "module"):
            self.state.nested_parse(self.content, self.content_offset, holder)
        return [holder]


def _register() -> None:
    for name in ("option", "cmdoption", "describe", "object", "envvar", "confval", "function", "method"):
        directives.register_directive(name, _Described)
    for name in ("code-block", "sourcecode", "code", "prompt"):
        directives.register_directive(name, _Code)
    for name in ("versionadded", "versionchanged", "deprecated", "seealso", "toctree", "program", "only", "index",
                 "currentmodule", "highlight", "module", "tabs", "tab", "group-tab", "click"):  # fmt: skip
        directives.register_directive(name, _Contents)
    for name in _LITERAL_ROLES:
        roles.register_generic_role(name, nodes.literal)


_register()


def rst_to_markdown(text: str) -> str:
    """`text`, a reStructuredText document, as markdown."""
    document = publish_doctree(text, settings_overrides={**_SETTINGS, "warning_stream": io.StringIO()})
    blocks: list[str] = []
    _blocks(document, 1, blocks)
    return "\n\n".join(b for b in blocks if b.strip()) + "\n"


def _blocks(node: nodes.Node, depth: int, out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, (nodes.system_message, nodes.comment, nodes.substitution_definition, nodes.target)):
            continue
        if isinstance(child, nodes.title):
            out.append(f"{'#' * min(depth, 6)} {_inline(child)}")
        elif isinstance(child, nodes.section):
            _blocks(child, depth + 1, out)
        elif isinstance(child, nodes.paragraph):
            out.append(_inline(child))
        elif isinstance(child, (nodes.literal_block, nodes.doctest_block)):
            out.append(f"```\n{child.astext()}\n```")
        elif isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
            out.append("\n".join(f"- {_flat(item)}" for item in child.children))
        elif isinstance(child, nodes.definition_list):
            out.extend(_term(item, nodes.term, nodes.definition) for item in child.children)
        elif isinstance(child, nodes.option_list):
            out.extend(_term(item, nodes.option_group, nodes.description) for item in child.children)
        elif isinstance(child, nodes.field_list):
            out.extend(_term(item, nodes.field_name, nodes.field_body) for item in child.children)
        elif isinstance(child, nodes.Element):
            _blocks(child, depth, out)


def _term(item: nodes.Node, head: type[nodes.Element], body: type[nodes.Element]) -> str:
    """A definition, an option or a field as `**term**: what it is`."""
    named = next((c for c in item.children if isinstance(c, head)), None)
    said = next((c for c in item.children if isinstance(c, body)), None)
    term = named.astext().strip() if named is not None else ""
    return f"**{term}**: {_flat(said) if said is not None else ''}".rstrip()


def _flat(node: nodes.Node) -> str:
    """A node's paragraphs as one line of inline markdown."""
    paragraphs = [_inline(p) for p in node.findall(nodes.paragraph) if not _in_message(p)]
    return " ".join(paragraphs) if paragraphs else node.astext().replace("\n", " ")


def _in_message(node: nodes.Node) -> bool:
    """Whether `node` is part of a message docutils left in the tree (an unknown role's note)."""
    parent = node.parent
    while parent is not None and not isinstance(parent, nodes.system_message):
        parent = parent.parent
    return parent is not None


def _inline(node: nodes.Node) -> str:
    parts = []
    for child in node.children:
        if isinstance(child, nodes.literal):
            parts.append(f"`{child.astext()}`")
        elif isinstance(child, nodes.strong):
            parts.append(f"**{child.astext()}**")
        elif isinstance(child, (nodes.system_message, nodes.problematic)):
            parts.append(child.astext() if isinstance(child, nodes.problematic) else "")
        else:
            parts.append(child.astext())
    return "".join(parts).replace("\n", " ").strip()
