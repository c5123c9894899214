"""Hand-written markdown references, read without a model (docs/synthesizer.md, "Markdown references").

Most references people write by hand take one of two shapes, and both are read here:

- A method reference (JSON-RPC, action APIs). A heading names each method in code (`findCards`,
  "3.2 Torrent mutator: `torrent_set`"), or a `Method name:` line does, or a table lists several
  (Method | Description). Arguments come from a parameter table (Key | Type | Description), from the
  `params` of a sample request in JSON, from a `Request parameters: ids` line, or from the convention's list.
- A command-line reference. Listings put subcommands or options beside what they do (`add  : Add a task`,
  `--check, -c   Check/uncheck task`); `**command**` paragraphs, option headings (`### --change-time DATE`)
  and `usage:` lines say the same. Placeholders (`URL`, `[--at TIME]`, `<mins>`) become arguments, and
  examples (`$ tb --delete 4`) type the arguments a listing leaves unnamed.

The result is a tool list, checked like any other; what cannot be read is left to an LLM backend.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..models import SourceDoc
from ..naming import object_noun, plural, sentence_words, snake, without_subject
from .markdown import Block, Section, markdown_blocks, sections_of
from .prose import parse_param_item
from .schemas import json_type
from .toolschemas import parse_tool_list

__all__ = ["MIN_TOOLS", "code_json", "is_param_table", "is_verb", "parse_reference", "sample_schema", "table_params"]

MIN_TOOLS = 2
_CODE = re.compile(r"`([^`]+)`")
_SIGNATURE = re.compile(r"^(?:def\s+|async\s+def\s+)?(?P<name>[A-Za-z_][\w.]*)\((?P<args>[^()]*)\)")
_LINK = re.compile(r"!?\[[^[\]]*\]\([^)]*\)")
_LINK_TEXT = re.compile(r"\[([^[\]]*)\]\([^)]*\)")
_METHOD = re.compile(r"[A-Za-z_][\w.:/]*")
_NAMED_METHOD = re.compile(r"^(?:method|action|command|function|procedure)(?:\s+name)?\s*:\s*`([^`]+)`", re.IGNORECASE)
_MENTION = re.compile(r"^(?:request\s+)?(?:parameters|arguments|params|args)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
_RESPONSE = re.compile(
    r"^(?:response|result|output|return)s?(?:\s+(?:parameters|fields|format|arguments|type|value))?\s*:", re.IGNORECASE
)
_PARAM_HEADER = re.compile(
    r"^(?:key|name|param|parameter|argument|arg|field|option|property|attribute)s?(?:\s+name)?$", re.IGNORECASE
)
_METHOD_HEADER = re.compile(r"^(?:method|action|command|function|procedure|call)s?(?:\s+name)?$", re.IGNORECASE)
_TYPE_WORDS = (
    ("bool", "boolean"), ("int", "integer"), ("long", "integer"), ("number", "number"), ("double", "number"),
    ("float", "number"), ("decimal", "number"), ("array", "array"), ("list", "array"), ("[]", "array"),
    ("object", "object"), ("dict", "object"), ("map", "object"), ("str", "string"), ("text", "string"),
)  # fmt: skip
_PARAM_ROW = re.compile(r"^(?:parameters|arguments|params|args|inputs?)$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_NUMBERED_PARAM = re.compile(r"^\d+[.)]\s+([A-Za-z_][\w .-]*?)\s*(\(.*)$", re.DOTALL)
"""`1. peer (string, required) - text`: an argument in a numbered list, its name possibly several words."""
_TYPED_ITEM = re.compile(
    r"^(?P<name>[A-Za-z_][\w ]*?)\s*(?:-|:)\s*(?P<types>`[^`]+`(?:\s*\|\s*`[^`]+`)*)\s*(?:-\s*(?P<text>.*))?$",
    re.DOTALL,
)
_REQUEST_KEYS = ("params", "parameters", "arguments", "args", "input")
_LISTING_LINE = re.compile(r"^\s*(?P<term>\S.*?)(?:\s+:\s+|\s{2,})(?P<text>\S.*)$")
_COMMAND_SLOT = re.compile(r"<(?:cmd|command|subcommand)>|\[?(?:CMD|COMMAND|SUBCOMMAND)\]?", re.IGNORECASE)
_COMMAND_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_OPTION = re.compile(r"--?[A-Za-z][\w-]*")
_TERM_FIRST = re.compile(
    r"^(?:\*\*|`)(?P<term>[^*`\n]+)(?:\*\*|`)(?:\s*[:\u2013\u2014]\s*|\s+-\s+|\n)(?P<text>.+)$", re.DOTALL
)
_SLOTS = frozenset({"options", "option", "flags", "args", "arguments", "opts", "switches", "parameters", "params"})
"""Placeholders that stand for a command's options or arguments in general (`khal new [OPTIONS] SUMMARY`)."""
_SYNOPSIS = re.compile(r"\s*([a-z][\w.-]*) [a-z][a-z0-9-]* *(?:[\[<A-Z-]|$)")
"""A code block that opens with a program, a command word and its first argument or option: a synopsis."""
_SHELLS = frozenset({"bash", "sh", "shell", "console", "zsh", "shell-session", "sh-session"})
_META = frozenset(
    {"help", "version", "debug", "diagnostic", "verbose", "quiet", "color", "colors", "nc", "np", "config",
     "config-file", "config-override", "completion", "bash-completion", "zsh-completion", "fish-completion"}
)  # fmt: skip
_INTEGER_NAMES = frozenset({"id", "index", "number", "num", "n", "count", "limit", "size", "priority", "position"})


@dataclass
class _Command:
    term: str
    description: str = ""
    placeholders: list[str] = field(default_factory=list)
    examples: list[list[str]] = field(default_factory=list)


def parse_reference(text: str, name: str, sha256: str) -> SourceDoc | None:
    """The methods or commands a hand-written reference documents, or None when it documents neither."""
    blocks = markdown_blocks(text)
    sections = sections_of(blocks)
    methods = _method_tools(sections)
    program = _program(blocks)
    commands = _command_tools(blocks, sections, program) if program is not None else []
    tools: dict[str, dict[str, Any]] = {}
    for tool in [*methods, *commands]:
        tools.setdefault(tool["name"], tool)
    if len(tools) < MIN_TOOLS:
        return None
    parsed = parse_tool_list(list(tools.values()), name, sha256)
    heading = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    title = _unlinked(heading).strip("` ") or parsed.title
    description = next((" ".join(b.text.split()) for b in blocks if b.kind == "paragraph"), "")
    kind = "markdown-cli" if len(commands) > len(methods) else "markdown-reference"
    return parsed.model_copy(update={"title": title, "description": description[:400], "format": kind})


def _unlinked(text: str) -> str:
    """Text without its links and badges (`[![build](badge.svg)](ci)` included)."""
    while (bare := _LINK.sub("", text)) != text:
        text = bare
    return text


# -- method references -------------------------------------------------------------------------------------


def _method_tools(sections: list[Section]) -> list[dict[str, Any]]:
    """The methods of a reference; none unless at least two are plainly methods (listed in a table of methods,
    introduced by a `Method name:` line, or taking arguments), so that a README's headings naming options or
    classes in code are not read as an API."""
    tools: list[dict[str, Any]] = []
    plain = 0
    for position, section in enumerate(sections):
        name = _method_name(section)
        if name is not None:
            tools.append(_method(name, section.heading, section.body))
            stated = any(b.kind in ("paragraph", "item") and _NAMED_METHOD.match(b.text) for b in section.body)
            plain += stated or bool(tools[-1]["inputSchema"]["properties"])
        elif (requested := _requested(section, sections[position + 1 :])) is not None:
            tools.append(_method(*requested))
            plain += 1
        for index, block in enumerate(section.body):
            if block.kind == "table" and (record := _record_method(block.rows)) is not None:
                tools.append(record)
                plain += 1
            elif block.kind == "table" and _is_method_table(block.rows):
                listed = _table_methods(block.rows, section.body[index + 1 :])
                tools.extend(listed)
                plain += len(listed)
    return tools if plain >= MIN_TOOLS else []


def _method_name(section: Section) -> str | None:
    for block in section.body:
        named = _NAMED_METHOD.match(block.text) if block.kind in ("paragraph", "item") else None
        if named and block.kind == "item" and not block.text.lower().startswith("method"):
            named = None  # `- action: \`Action\`` lists a record's field
        if named and _METHOD.fullmatch(named.group(1).strip()):
            return named.group(1).strip()
    spans: list[str] = _CODE.findall(section.heading)
    if len(spans) == 1 and _METHOD.fullmatch(spans[0].strip()):
        return spans[0].strip()
    plain = _unnumbered(section.heading)
    signature = _signature(section.heading)
    if signature is not None:
        return signature.group("name")
    if _METHOD.fullmatch(plain) and plain[0].islower() and ("_" in plain or re.search(r"[a-z][A-Z]", plain)):
        return plain
    return None


def _requested(section: Section, after: list[Section]) -> tuple[str, str, list[Block]] | None:
    """A heading that names a method a sample request below it calls (`### Client.SetVolume` over a
    `#### Request` sample `{"id": 8, "method": "Client.SetVolume", "params": {...}}`): the method's name, heading
    and the blocks of its subsections. A JSON-RPC notification's sample (no `id`) makes no method."""
    name = _CODE.sub(lambda m: m.group(1), _unnumbered(section.heading)).strip()
    if not _METHOD.fullmatch(name):
        return None
    body = list(section.body)
    for sub in after:
        if sub.level <= section.level:
            break
        body += [Block("heading", sub.heading, sub.level), *sub.body]
    for block in body:
        sample = code_json(block.text) if block.kind == "code" else None
        if isinstance(sample, dict) and sample.get("method") == name and ("id" in sample or "jsonrpc" not in sample):
            return name, section.heading, [b for b in body if b.kind != "heading"]
    return None


def code_json(code: str) -> Any:
    """The JSON a code block holds, or the first object inside it (`curl -d '{"method": ...}' host`), or None. A
    sample that is JSON but for a hand-written slip (`"service_code": 001`) is read as YAML, which takes it."""
    try:
        return json.loads(code)
    except ValueError:
        pass
    if code.lstrip().startswith(("{", "[")):
        try:
            loose = yaml.safe_load(code)
        except yaml.YAMLError:
            loose = None
        if isinstance(loose, (dict, list)):
            return loose
    start = code.find("{")
    try:
        return json.JSONDecoder().raw_decode(code, start)[0] if start >= 0 else None
    except ValueError:
        return None


def _method(name: str, heading: str, body: list[Block]) -> dict[str, Any]:
    properties, required = _signature_params(heading)
    description = ""
    answered = listing = False
    for block in body:
        if block.kind == "code":
            sample = _sample_params(block.text, name)
            for key, value in (sample or {}).items():
                if key not in properties:
                    properties[key] = sample_schema(value)
                    required.append(key)
            continue
        if answered:
            continue
        if block.kind == "table" and is_param_table(block.rows):
            table_params(block.rows, properties, required)
        elif block.kind in ("paragraph", "item"):
            if _RESPONSE.match(block.text):
                answered = True
            elif (
                item := parse_param_item(block.text)
                or (_typed_item(block.text) if listing and block.kind == "item" else None)
            ) is not None:
                key, schema, needed = item
                properties.setdefault(key, schema)
                required.extend([key] if needed and key not in required else [])
            elif (mention := _MENTION.match(block.text)) is not None:
                listing = True  # "Params:" over a list of `name: type` items
                for key in _mentioned(mention.group(1)):
                    properties.setdefault(key, _named_schema(key))
            elif not description and not _NAMED_METHOD.match(block.text):
                description = block.text
            listing = listing and (block.kind == "item" or _MENTION.match(block.text) is not None)
    title = _CODE.sub("", _unnumbered(heading)).strip(" :")
    return _tool(name, description or title or name, properties, required)


def _typed_item(text: str) -> tuple[str, dict[str, Any], bool] | None:
    """An argument named before its type in code, several words to a name (`n - 'number'`, `block number:
    'number' | 'null'`, `bytes: 'hex string' - text`, each type in backticks); a `null` choice makes it optional."""
    match = _TYPED_ITEM.match(text.strip())
    if match is None:
        return None
    types = [t.strip() for t in _CODE.findall(match.group("types"))]
    kinds = [t for t in types if t.lower() != "null"]
    schema = _typed_schema(kinds[0] if kinds else "string")
    if match.group("text"):
        schema["description"] = " ".join(match.group("text").split())
    return snake(match.group("name")), schema, len(kinds) == len(types)


def _signature_params(heading: str) -> tuple[dict[str, Any], list[str]]:
    """The arguments a signature heading lists: `get_user(user_id: int, fields=None)`, `find(query, limit?)`;
    annotated types are kept, a default or `?` makes an argument optional."""
    signature = _signature(heading)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for argument in signature.group("args").split(",") if signature else []:
        match = re.match(
            r"\s*\[?\s*\*{0,2}(?P<key>[A-Za-z_]\w*)(?P<optional>\?)?\s*(?::\s*(?P<type>[^=\]]+))?", argument
        )
        if match is None or match.group("key") in ("self", "cls"):
            continue
        key = match.group("key")
        properties[key] = _typed_schema(match.group("type")) if match.group("type") else _named_schema(key)
        if not (match.group("optional") or "=" in argument or "[" in argument or "Optional" in argument):
            required.append(key)
    return properties, required


def _unnumbered(heading: str) -> str:
    """A heading without its section number ('3.2 Torrent mutator' -> 'Torrent mutator')."""
    return re.sub(r"^[\d.]+\s+", "", heading.strip("*"))


def _signature(heading: str) -> re.Match[str] | None:
    """The signature a heading shows, in code or plain: `create_note(title: str)`."""
    spans: list[str] = _CODE.findall(heading)
    return _SIGNATURE.match(spans[0] if len(spans) == 1 else _unnumbered(heading))


def _is_method_table(rows: list[list[str]]) -> bool:
    return len(rows) > 1 and bool(rows[0]) and bool(_METHOD_HEADER.match(rows[0][0].strip("`* ")))


def _table_methods(rows: list[list[str]], after: list[Block]) -> list[dict[str, Any]]:
    header = [cell.lower() for cell in rows[0]]
    described = next((i for i, cell in enumerate(header) if "desc" in cell), len(header) - 1)
    shared: dict[str, Any] = {}
    for block in after:
        if block.kind == "table" or _RESPONSE.match(block.text):
            break
        if (mention := _MENTION.match(block.text)) is not None:
            shared.update({key: _named_schema(key) for key in _mentioned(mention.group(1))})
    tools = []
    for row in rows[1:]:
        name = row[0].strip("`* ") if row else ""
        if _METHOD.fullmatch(name) and len(row) > described:
            tools.append(_tool(name, row[described], dict(shared), []))
    return tools


def _record_method(rows: list[list[str]]) -> dict[str, Any] | None:
    """A method described by a two-column table of its own: `|Method|addnode|`, `|Parameters|1. peer (string,
    required) - text<br />2. ...|`, `|Description|...|`; None for any other table."""
    fields = {row[0].strip("`* ").lower(): row[1] for row in rows if len(row) == 2}
    named = next((value for key, value in fields.items() if _METHOD_HEADER.match(key)), None)
    name = _LINK_TEXT.sub(r"\1", named or "").strip("`* ")
    if not _METHOD.fullmatch(name) or not any(_PARAM_ROW.match(k) or k == "description" for k in fields):
        return None
    properties: dict[str, Any] = {}
    required: list[str] = []
    listed = next((value for key, value in fields.items() if _PARAM_ROW.match(key)), "")
    for line in _BREAK.split(listed):
        numbered = _NUMBERED_PARAM.match(line.strip())
        item = parse_param_item(f"{snake(numbered.group(1))} {numbered.group(2)}") if numbered else None
        if item is not None and item[0] not in properties:
            properties[item[0]] = item[1]
            required.extend([item[0]] if item[2] else [])
    description = _BREAK.split(fields.get("description", ""))[0].strip()
    return _tool(name, description or name, properties, required)


def _mentioned(text: str) -> list[str]:
    """Argument names in code in a `Params:` line, up to a line that starts the response ("Return Type: ...")."""
    lines = list(itertools.takewhile(lambda line: not _RESPONSE.match(line.strip()), text.splitlines()))
    return [key for key in _CODE.findall("\n".join(lines)) if re.fullmatch(r"[A-Za-z_]\w*", key)]


def is_param_table(rows: list[list[str]]) -> bool:
    if len(rows) < 2 or not rows[0] or not _PARAM_HEADER.match(rows[0][0].strip("`* ")):
        return False
    return len(rows[0]) > 1


_TAG = re.compile(r"<[^>]+>")


def table_params(rows: list[list[str]], properties: dict[str, Any], required: list[str]) -> None:
    header = [cell.lower() for cell in rows[0]]
    typed = next((i for i, cell in enumerate(header) if "type" in cell), None)
    needed = next((i for i, cell in enumerate(header) if cell in ("required", "optional", "mandatory")), None)
    described = next(
        (i for i, cell in enumerate(header) if "desc" in cell or "meaning" in cell),
        next((i for i in range(len(header) - 1, 0, -1) if i not in (typed, needed)), None),
    )
    for row in rows[1:]:
        key = _TAG.sub("", row[0]).strip("`* ") if row else ""  # `<code class="field">token</code>` too
        if not re.fullmatch(r"[A-Za-z_][\w.-]*", key) or key in properties:
            continue
        schema = _typed_schema(row[typed]) if typed is not None and typed < len(row) else _named_schema(key)
        text = row[described] if described is not None and described < len(row) else ""
        if text:
            schema["description"] = " ".join(text.split())
        properties[key] = schema
        if _required(row[needed] if needed is not None and needed < len(row) else None, header, needed, text):
            required.append(key)


def _required(cell: str | None, header: list[str], column: int | None, text: str) -> bool:
    """A required-column says yes (an optional-column says no), or the description starts by saying so."""
    if cell is not None and column is not None:
        marked = cell.strip("`* ").lower() in ("yes", "true", "x", "\u2713", "required", "mandatory")
        return marked != (header[column] == "optional")
    return text.lower().lstrip("*( ").startswith("required")


def _typed_schema(cell: str) -> dict[str, Any]:
    word = cell.strip("`* ").lower()
    named = json_type(word.split()[-1]) if word.split() else None  # `hexadecimal string` is a string
    if named is not None:
        return {"type": named}
    for needle, kind in _TYPE_WORDS:
        if needle in word:
            return {"type": kind}
    return {"type": "string"}


def _sample_params(code: str, name: str) -> dict[str, Any] | None:
    sample = code_json(code)
    if not isinstance(sample, dict):
        return None
    called = sample.get("action", sample.get("method"))
    if isinstance(called, str) and called != name:
        return None
    return next((sample[key] for key in _REQUEST_KEYS if isinstance(sample.get(key), dict)), None)


def sample_schema(value: Any, depth: int = 0) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer", "examples": [value]}
    if isinstance(value, float):
        return {"type": "number", "examples": [value]}
    if isinstance(value, str):
        return {"type": "string", "examples": [value]}
    if isinstance(value, list):
        return {"type": "array", "items": sample_schema(value[0], depth + 1) if value else {"type": "string"}}
    if isinstance(value, dict) and depth < 4:  # a page of records of records: {"data": [{"attributes": {...}}]}
        return {"type": "object", "properties": {k: sample_schema(v, depth + 1) for k, v in value.items()}}
    return {"type": "object"} if isinstance(value, dict) else {"type": "string"}


# -- command-line references -------------------------------------------------------------------------------


def _program(blocks: list[Block]) -> str | None:
    """The command the reference documents: the one its `usage:` lines run, or else the one most of its command
    lines run (`$ tb --check 1`, list items that start `` `todo add ``, or lines that start with the document's
    one-word title; `$ npm install x` only installs it)."""
    usage: Counter[str] = Counter()
    for block in blocks:
        usage.update(m.group(1) for m in re.finditer(r"usage:\s*`*\$?\s*([\w.-]+)", block.text, re.IGNORECASE))
    if usage:
        return usage.most_common(1)[0][0]
    title = next((b.text.strip("` ") for b in blocks if b.kind == "heading" and b.level == 1), "")
    runs: Counter[str] = Counter()
    for block in blocks:
        if block.kind == "item" and (command := re.match(r"`([\w.-]+) [a-z]", block.text)):
            runs[command.group(1)] += 1
        if block.kind != "code":
            continue
        prompt = r"^\s*\$?\s*" if block.info in _SHELLS else r"^\s*\$\s+"  # a shell block's lines are commands
        runs.update(m.group(1) for m in re.finditer(prompt + r"([\w.-]+)(?! +install\b)", block.text, re.MULTILINE))
        if synopsis := _SYNOPSIS.match(block.text):  # a man page's `khal list [-a CALENDAR] [START]`
            runs[synopsis.group(1)] += 1
        if re.fullmatch(r"[a-z][\w.-]*", title):
            runs[title] += len(re.findall(rf"^\s*{re.escape(title)}\s", block.text, re.MULTILINE))
    runs.pop("sudo", None)
    best = runs.most_common(1)
    return best[0][0] if best and best[0][1] >= 2 else None


def _command_tools(blocks: list[Block], sections: list[Section], program: str) -> list[dict[str, Any]]:
    commands: dict[str, _Command] = {}
    subcommands = [s for s in sections if _runs(s, program)]
    flags_are_options = len(subcommands) >= MIN_TOOLS  # `--group` beside `add` and `remove` is an option of one
    for block in blocks:
        if block.kind == "code":
            _read_listing(block.text, program, commands)
        elif (term := _TERM_FIRST.match(block.text)) and block.kind != "table":
            named = _after_program(term.group("term"), program)
            if _command_key(named) and not (flags_are_options and named.startswith("-")):
                _describe(_command(commands, named), term.group("text"))
    for section in sections:
        heading = section.heading.strip("` ")
        if heading.startswith(f"{program} "):
            heading = _after_program(heading, program)
        elif not heading.startswith("-") and section not in subcommands:
            continue
        if _command_key(heading) is not None:
            text = next((b.text for b in section.body if b.kind in ("paragraph", "item")), "")
            _describe(_command(commands, heading), text)
    shared: list[str] = []
    for block in blocks:
        for kind, line in _run_lines(block, program):
            shared = _read_run(kind, line, commands) or shared
    tools: list[dict[str, Any]] = []
    used: set[str] = set()
    for key, command in commands.items():
        if key.lstrip("-") in _META or key == program or not command.description:
            continue
        named = _command_name(key, command.description)
        name = snake(key.lstrip("-")) if named in used else named
        used.add(name)
        properties, required = _command_params(command, shared, named)
        tools.append(_tool(name, command.description, properties, required))
    return tools


def _runs(section: Section, program: str) -> bool:
    """Whether a section is a man page's subcommand: a heading of one command word (`### start`) over a code
    line that runs it (`bartib start -p PROJECT`)."""
    word = section.heading.strip("` ")
    if not _COMMAND_WORD.fullmatch(word):
        return False
    line = re.compile(rf"^\s*\$?\s*{re.escape(program)}\s+{re.escape(word)}\b", re.MULTILINE)
    return any(b.kind == "code" and line.search(b.text) for b in section.body)


def _after_program(term: str, program: str) -> str:
    """`add <text>` of `todo add <text>`: a command written with its program's name."""
    return term[len(program) :].strip() if term.startswith(f"{program} ") else term


def _command_key(term: str) -> str | None:
    """`add`, or the long option of `--check, -c` and `-a, --add URL`: the name a command goes by."""
    words = _tokens(term)
    if not words:
        return None
    if _COMMAND_WORD.fullmatch(words[0]) and len(words[0]) > 1:
        return words[0]
    options = [w.split("=")[0] for w in words if _OPTION.fullmatch(w.split("=")[0])]
    longest = max(options, key=len, default=None)
    return longest if longest and len(longest.lstrip("-")) > 1 else None


def _tokens(text: str) -> list[str]:
    """Words of a command line, with `[a, ...]` and `<a b>` kept whole and alias commas dropped."""
    return [t.rstrip(",") for t in re.findall(r"\[[^\]]*\]|<[^>]+>|[^\s,]+,?", text) if t.rstrip(",")]


def _command(commands: dict[str, _Command], term: str) -> _Command:
    key = _command_key(term) or term
    command = commands.setdefault(key, _Command(term))
    if len(term) > len(command.term):
        command.term = term
    return command


def _describe(command: _Command, text: str) -> None:
    command.description = command.description or " ".join(text.split())


def _read_listing(code: str, program: str, commands: dict[str, _Command]) -> None:
    """Lines of `term   what it does`, with wrapped descriptions, inside a code block."""
    found: list[tuple[str, list[str], int]] = []
    for line in code.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("$", program + " ")) or stripped.endswith(":"):
            continue
        indent = len(line) - len(stripped)
        if found and indent > found[-1][2] and (not stripped.startswith("-") or found[-1][2] + 8 < indent):
            found[-1][1].append(stripped)
            continue
        match = _LISTING_LINE.match(line)
        if match is not None and _command_key(match.group("term")) is not None:
            found.append((match.group("term").strip(), [match.group("text")], indent))
        elif stripped.startswith("-") and _command_key(stripped) is not None:
            found.append((stripped, [], indent))
    if len(found) < 3:
        return
    for term, text, _ in found:
        if text:
            _describe(_command(commands, term), " ".join(text))


def _run_lines(block: Block, program: str) -> list[tuple[str, str]]:
    """(usage | example | line, arguments) for each line of a block that runs the program."""
    if block.kind == "table":
        return []
    pattern = rf"(usage:\s*`*|^\s*\$\s+|`|^\s*)\b{re.escape(program)}\s+([^`\n]+)"
    lines = []
    for match in re.finditer(pattern, block.text, re.MULTILINE | re.IGNORECASE):
        lead = match.group(1).strip().lower()
        kind = "usage" if lead.startswith("usage") else "example" if lead == "$" else "line"
        lines.append((kind, match.group(2).split(" #")[0]))
    return lines


def _read_run(kind: str, line: str, commands: dict[str, _Command]) -> list[str] | None:
    """Record a usage line's placeholders or an example's arguments; a git-style usage line
    (`prog [id...] <cmd> [summary]`) returns the placeholders every command shares."""
    words = _tokens(line)
    if words and _is_placeholder(words[0]) and any(_COMMAND_SLOT.fullmatch(word) for word in words):
        return [word for word in words if not _COMMAND_SLOT.fullmatch(word)]
    key = _command_key(words[0]) if words else None
    if key is None or key not in commands:
        return None
    arguments = words[1:]
    if kind == "line":
        kind = "usage" if any(_is_placeholder(word) for word in arguments) else "example"
    command = commands[key]
    if kind == "usage" and len(arguments) > len(command.placeholders):
        command.placeholders = arguments
    elif kind == "example" and arguments:
        command.examples.append(arguments)
    return None


def _is_placeholder(word: str) -> bool:
    return word.startswith(("[", "<")) or bool(re.fullmatch(r"[A-Z][A-Z0-9_]*(?:\.\.\.)?", word))


def _command_params(command: _Command, shared: list[str], named: str) -> tuple[dict[str, Any], list[str]]:
    """The arguments of a command that `_command_name` named `named`."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    key = _command_key(command.term)
    own = [*_inline_placeholders(command.term), *command.placeholders]
    if not own and not command.examples:
        creates = named.split("_")[0] in ("create", "add", "new", "log")
        own = [word for word in shared if not (creates and re.search(r"\bids?\b", word, re.IGNORECASE))]
    for placeholder in _paired(own):
        inner = placeholder.strip("[]<>").replace("...", " ").split("|")[0].split()
        option = next((w.split("=")[0].lstrip("-") for w in inner if _OPTION.fullmatch(w.split("=")[0])), None)
        words = placeholder.strip("[]<>").split("/")[0].split("|")[0]
        names = [w for w in words.replace("...", " ").split() if re.fullmatch(r"[A-Za-z][\w-]*", w)]
        if option is not None and len(option) == 1 and names:  # `-p PROJECT`: the project, not `p`
            option = names[0].lower()
        name = snake(option or (" ".join(names) if option is None else names[0] if names else ""))
        if not name or (len(name) == 1 and option is None):
            name = "ids" if re.search(r"\b(?:ids?|indices|index)\b", command.description, re.IGNORECASE) else "values"
        elif "..." in placeholder and option is None:
            name = plural(name)
        if name in properties or (option is not None and name == (key or "").lstrip("-").replace("-", "_")):
            continue
        if option is None and name in _SLOTS:  # `[OPTIONS]`: where the options go, no argument of its own
            continue
        properties[name] = _placeholder_schema(name, names[0] if names else None, option is not None and not names)
        if not placeholder.startswith("["):
            required.append(name)
    if not properties and command.examples:
        return _example_params(command, named)
    return properties, required


def _paired(words: list[str]) -> list[str]:
    """`--id ID` as one placeholder, as if it were written `--id ID` inside brackets without them."""
    paired: list[str] = []
    for word in words:
        if paired and _OPTION.fullmatch(paired[-1]) and _is_placeholder(word) and not word.startswith("["):
            paired[-1] = f"{paired[-1]} {word}"
        else:
            paired.append(word)
    return paired


def _inline_placeholders(term: str) -> list[str]:
    """What follows a listed option: `URL [tag, ...]` of `-a, --add URL [tag, ...]`, or one lowercase word."""
    words = _tokens(term)
    key = _command_key(term)
    start = next((i + 1 for i, w in enumerate(words) if w.split("=")[0] == key), len(words))
    found: list[str] = []
    for word in words[start:]:
        if _is_placeholder(word) or (not found and re.fullmatch(r"[a-z]+", word)):
            found.append(word)
        elif not _OPTION.fullmatch(word):
            break
    return found


def _placeholder_schema(name: str, placeholder: str | None, flag: bool) -> dict[str, Any]:
    if flag:
        return {"type": "boolean"}
    if name in ("ids", "values"):
        return {"type": "array", "items": {"type": "integer" if name == "ids" else "string"}}
    return _named_schema(placeholder.lower() if placeholder else name)


def _example_params(command: _Command, named: str) -> tuple[dict[str, Any], list[str]]:
    """Arguments examples show: leading numbers are record ids (`@3` one record), a number after an `@id` is the
    option's value (`--priority @3 2`), and the rest is text: a search's query, what the command's noun names when
    examples give one or two words (`add pendulum`: `add_package`'s package), or else plain text."""
    properties: dict[str, Any] = {}
    texts: list[str] = []
    for example in command.examples:
        rest = list(example)
        if rest and re.fullmatch(r"@\d+", rest[0]):
            properties.setdefault("id", {"type": "integer"})
            rest = rest[1:]
            if rest and rest[0].isdigit() and command.term.startswith("-"):
                properties.setdefault(snake((_command_key(command.term) or "value").lstrip("-")), {"type": "integer"})
                rest = rest[1:]
        numbers = 0
        while numbers < len(rest) and rest[numbers].isdigit():
            numbers += 1
        if numbers:
            properties.setdefault("ids" if numbers > 1 else "id", _named_schema("ids" if numbers > 1 else "id"))
        words = list(itertools.takewhile(lambda w: not w.startswith("-"), rest[numbers:]))  # up to an option
        if words:
            texts.append(" ".join(w.strip("\"'") for w in words))
    if "ids" in properties:
        properties.pop("id", None)
    if texts:
        verb, _, noun = named.partition("_")
        searches = verb in ("search", "find", "filter") or re.match(
            r"(?:search|find|filter|list)", command.description, re.IGNORECASE
        )
        named_thing = noun and all(len(text.split()) <= 2 for text in texts)  # `add pendulum`, not prose
        name = "query" if searches else noun if named_thing else "text"
        properties[name] = {"type": "string", "examples": texts[:6]}
    return properties, list(properties)


def is_verb(word: str) -> bool:
    """Whether a word is one of the verbs tools are named by (`add`, `pause`, `follow`)."""
    from ..shapes import ACTION_TARGETS, TOGGLES, VERBS  # shapes reads schemas through this package

    return word in VERBS or word in TOGGLES or word in ACTION_TARGETS


def _command_name(key: str, description: str) -> str:
    """`create_task` for `--task` "Create task", `add_event` for `add` "add a detailed event to the calendar",
    `update_task_priority` for "Update priority of task"; the command's own name when no verb says more."""
    from ..shapes import base_verb

    words = without_subject(sentence_words(description))
    words = [base_verb(words[0]), *words[1:]] if words else []  # "adds packages": add packages
    command = snake(key.lstrip("-"))
    own = is_verb(command.split("_")[0])
    verb = command if own else (words[0] if words and is_verb(words[0]) else None)
    if verb is None:
        return command
    noun = object_noun(words[1:], head=not own)
    return verb if not noun or noun in verb.split("_") else f"{verb}_{noun}"


# -- shared ------------------------------------------------------------------------------------------------


def _named_schema(name: str) -> dict[str, Any]:
    """The type an argument's name implies when nothing else says: ids are integers, dates are dates."""
    lowered = name.lower()
    if lowered.endswith("ids") or lowered in ("indices", "indexes"):
        return {"type": "array", "items": {"type": "integer"}}
    if lowered in _INTEGER_NAMES or lowered.endswith("_id"):
        return {"type": "integer"}
    if lowered in ("date", "day", "month"):
        return {"type": "string", "format": "date"}
    if lowered in ("time", "datetime", "when", "at", "start", "end", "since", "until"):
        return {"type": "string", "format": "date-time"}
    if lowered in ("url", "uri", "link"):
        return {"type": "string", "format": "uri"}
    if lowered in _COORDINATES:
        return {"type": "number"}
    if lowered.endswith("_date"):
        return {"type": "string", "format": "date"}
    if lowered.endswith("_at"):
        return {"type": "string", "format": "date-time"}
    return {"type": "string"}


_COORDINATES = frozenset({"lat", "latitude", "long", "lng", "lon", "longitude"})


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    text = " ".join(_CODE.sub(r"\1", description).replace("**", "").split())
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(dict.fromkeys(required))
    return {"name": name, "description": text, "inputSchema": schema}
