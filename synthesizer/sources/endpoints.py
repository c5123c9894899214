"""REST endpoints documented in markdown, read without a model (docs/synthesizer.md, "Markdown references").

Many hand-written API references give each endpoint a section: a heading in words ("### Create a
reservation"), the request line in code (`POST /api/reservations`, `GET /reservations/:id`), a table of
its parameters, and sample requests and responses in JSON. Such a page is written out as the OpenAPI
document it describes and read like one, so that its tools are named, typed and modelled the same way.
"""

from __future__ import annotations

import re
from typing import Any

from ..models import SourceDoc
from ..naming import sentence_words, snake
from .markdown import Block, Section, markdown_blocks, sections_of
from .openapi import parse_openapi
from .reference import MIN_TOOLS, code_json, is_param_table, is_verb, sample_schema, table_params

__all__ = ["parse_endpoints"]

_REQUEST_LINE = re.compile(
    r"^(GET|POST|PUT|PATCH|DELETE)\s+(?:https?://[^/\s]+)?(/[^\s?#]*)(?:\?(\S*))?(?:\s+HTTP/[\d.]+)?$", re.IGNORECASE
)
_TITLED = re.compile(r"^(GET|POST|PUT|PATCH|DELETE)\s+`?(/[^\s`]*)`?(?:\s*[-\u2013\u2014:]\s*(.+))?$", re.IGNORECASE)
"""A heading that is a request line, with the endpoint's title after it (`POST /tickets - Create Ticket`)."""
_FAILURE_KEYS = frozenset({"error", "errors", "message", "code", "status", "detail", "details"})
"""The fields of an error's sample response, which is not what the endpoint returns."""
_PLACEHOLDER = re.compile(r"(?<=/):([A-Za-z_]\w*)|<([A-Za-z_]\w*)>|\{([A-Za-z_][\w-]*)\}")
"""A path argument: `:id` (a segment of its own, not `/items:batchGet`), `<id>` or `{id}`."""
_ANSWER = re.compile(r"\b(?:response|responses|returns?|result|output)\b", re.IGNORECASE)
_RESOURCE = re.compile(r"\b(?:object|attributes|fields|model|schema|properties)\b", re.IGNORECASE)
_BODILESS = frozenset({"get", "delete"})
_REQUIRED_HEADING = re.compile(r"\b(?:required|mandatory)\b", re.IGNORECASE)
_OPTIONAL_HEADING = re.compile(r"\boptional\b", re.IGNORECASE)


def parse_endpoints(text: str, name: str, sha256: str) -> SourceDoc | None:
    """The endpoints of a markdown reference whose sections each open with a request line, or None when fewer than
    `MIN_TOOLS` do."""
    blocks = markdown_blocks(text)
    sections = sections_of(blocks)
    paths: dict[str, dict[str, Any]] = {}
    resource: dict[str, Any] | None = None  # the last "The reservation object" table: what a sample-less read returns
    inside = 7  # the level of the endpoint section the sections read now belong to (7: none)
    for position, section in enumerate(sections):
        if section.level > inside:
            continue  # a part of the endpoint above ("### Updateable properties"), read with it
        inside = 7
        parts = [(section.heading, section.body)]
        for sub in sections[position + 1 :]:
            if sub.level <= section.level:
                break
            parts.append((sub.heading, sub.body))
        titled = _TITLED.match(section.heading.strip("` "))
        request = (
            (titled.group(1).lower(), titled.group(2).split("?")[0], "")
            if titled
            else next(filter(None, map(_request_line, section.body)), None)
        )
        if request is None:
            if _RESOURCE.search(section.heading) and (found := _table_schema(parts)) is not None:
                resource = found
            continue
        method, path, query = request
        inside = section.level
        title = (titled.group(3) or "") if titled else section.heading.strip("` ")
        operation = _operation(section, title, parts, method, path, query, resource)
        paths.setdefault(_PLACEHOLDER.sub(_braced, path), {}).setdefault(method, operation)
    if sum(len(methods) for methods in paths.values()) < MIN_TOOLS:
        return None
    title = next((b.text for b in blocks if b.kind == "heading"), "").strip("# ")
    description = next((" ".join(b.text.split()) for b in blocks if b.kind == "paragraph"), "")
    document = {"openapi": "3.0.3", "info": {"title": title, "version": "1", "description": description[:400]},
                "paths": paths}  # fmt: skip
    return parse_openapi(document, name, sha256).model_copy(update={"format": "markdown-http"})


def _braced(match: re.Match[str]) -> str:
    return "{" + next(group for group in match.groups() if group) + "}"


def _request_line(block: Block) -> tuple[str, str, str] | None:
    """(method, path, query) of a block that is a request line: a code block that opens with one, a paragraph
    that gives one in code (`GET /api/reservations`), or a table of the endpoint's facts with its URL and method
    on rows of their own (`| URL | https://[API endpoint]/requests/[id].[format] |`, `| HTTP Method | GET |`)."""
    if block.kind == "table":
        return _table_request(block.rows)
    if block.kind == "code":
        line = next((line.strip() for line in block.text.splitlines() if line.strip()), "")
    elif block.kind in ("paragraph", "item"):
        spans = re.findall(r"`([^`]+)`", block.text)
        line = spans[0].strip() if len(spans) == 1 else ""
    else:
        return None
    match = _REQUEST_LINE.match(line)
    return None if match is None else (match.group(1).lower(), match.group(2), match.group(3) or "")


_URL_ROWS = frozenset({"url", "endpoint", "resource url", "request url", "uri", "path", "resource"})
_METHOD_ROWS = frozenset({"http method", "method", "http verb", "verb", "request method"})
_LINK = re.compile(r"\[([^\[\]]*)\]\([^)]*\)")
_HOST = re.compile(r"^\W*(?:https?://)?[^/]*")
_FORMAT_SUFFIX = re.compile(r"\.(?:\[format\]|\{format\}|<format>|json|xml)$", re.IGNORECASE)
_BRACKETED = re.compile(r"\[([A-Za-z_][\w ]*)\]")
_PATH = re.compile(r"/[\w{}/.:<>-]*")


def _table_request(rows: list[list[str]]) -> tuple[str, str, str] | None:
    """(method, path, '') of a table whose rows name the endpoint's URL and its HTTP method, or None. The URL's
    host, however it is written (`https://[API endpoint]`), and a format suffix (`.[format]`, `.json`) are left
    out, and a bracketed segment is an argument (`/services/[service_code]` is `/services/{service_code}`)."""
    facts = {row[0].strip("`*: ").lower(): row[1].strip() for row in rows if len(row) >= 2}
    url = next((facts[key] for key in _URL_ROWS if facts.get(key)), "")
    method = next((facts[key] for key in _METHOD_ROWS if facts.get(key)), "").strip("`* ").upper()
    if method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        return None
    path = _HOST.sub("", _LINK.sub(r"\1", url.strip("`<> ")), count=1).split("?")[0]
    path = _BRACKETED.sub(lambda m: "{" + m.group(1).strip().replace(" ", "_") + "}", _FORMAT_SUFFIX.sub("", path))
    return (method.lower(), path, "") if _PATH.fullmatch(path) else None


def _operation(section: Section, title: str, parts: list[tuple[str, list[Block]]], method: str, path: str,
               query: str, resource: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """The OpenAPI operation a section documents (`title`: what its heading says it does): its parameters from
    tables and samples, its result from the first sample response (else the resource table read last)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    answer: Any = None
    for position, (heading, blocks) in enumerate(parts):
        answering = position > 0 and _ANSWER.search(heading) is not None
        for block in blocks:
            if block.kind == "code" and (answering or _ANSWER.search(block.info)):
                sample = code_json(block.text)
                failure = isinstance(sample, dict) and set(sample) <= _FAILURE_KEYS  # `{"error": "not found"}`
                answer = sample if answer is None and isinstance(sample, (dict, list)) and not failure else answer
            elif block.kind == "code" and method not in _BODILESS:
                for key, value in (_body_sample(block.text) or {}).items():
                    properties.setdefault(key, sample_schema(value))
            elif block.kind == "table" and not answering and answer is None and is_param_table(block.rows):
                known = set(properties)
                table_params(block.rows, properties, required)
                if position > 0 and _REQUIRED_HEADING.search(heading):  # "Required Arguments": every one it lists
                    required += [key for key in properties if key not in known and key not in required]
                elif position > 0 and _OPTIONAL_HEADING.search(heading):
                    required[:] = [key for key in required if key in known]
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        properties.setdefault(key, sample_schema(value or ""))
    placed = [next(g for g in m.groups() if g) for m in _PLACEHOLDER.finditer(path)]
    parameters = [{"name": key, "in": "path", "required": True, "schema": properties.pop(key, {"type": "string"})}
                  for key in placed]  # fmt: skip
    required = [key for key in required if key in properties]
    operation: dict[str, Any] = {"summary": title or f"{method.upper()} {path}", "parameters": parameters}
    if (named := _heading_name(title, path)) is not None:
        operation["operationId"] = named
    text = next((b.text for b in section.body if b.kind == "paragraph" and _request_line(b) is None), "")
    if text:
        operation["description"] = " ".join(text.split())
    if method in _BODILESS:
        parameters += [{"name": key, "in": "query", "required": key in required, "schema": schema}
                       for key, schema in properties.items()]  # fmt: skip
    elif properties:
        schema = {"type": "object", "properties": properties, **({"required": required} if required else {})}
        operation["requestBody"] = {"required": bool(required), "content": {"application/json": {"schema": schema}}}
    result = sample_schema(answer) if answer is not None else resource
    content = {"content": {"application/json": {"schema": result}}} if result else {}
    operation["responses"] = {"200": {"description": "ok", **content}}
    return operation


def _heading_name(heading: str, path: str) -> str | None:
    """The name a heading gives its endpoint when it says what the endpoint does ("Pause the job queue" for
    `POST /server/job_queue/pause`: `pause_job_queue`); None for a heading that only names a thing."""
    words = sentence_words(heading)
    if not 2 <= len(words) <= 6 or not all(word.isalpha() for word in words):
        return None
    action = [segment.lower() for segment in path.split("/") if segment and segment[0] not in ":<{"][-1:]
    if not is_verb(words[0]) and [words[0]] != action:
        return None
    return snake(" ".join(word for word in words if word not in ("a", "an", "the")))


def _body_sample(code: str) -> dict[str, Any] | None:
    """The JSON object a request sends: after its request line and headers, or the whole block."""
    lines = code.splitlines()
    if lines and _REQUEST_LINE.match(lines[0].strip()):
        code = "\n".join(lines[1:])
    sample = code_json(code)
    return sample if isinstance(sample, dict) and "jsonrpc" not in sample else None  # a JSON-RPC call is no body


def _table_schema(parts: list[tuple[str, list[Block]]]) -> dict[str, Any] | None:
    """The object a resource section's attribute table describes."""
    properties: dict[str, Any] = {}
    for _, blocks in parts:
        for block in blocks:
            if block.kind == "table" and is_param_table(block.rows):
                table_params(block.rows, properties, [])
    return {"type": "object", "properties": properties} if properties else None
