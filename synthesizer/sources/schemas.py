"""JSON Schema as tools expose it: OpenAPI dialects reduced to a subset every validator agrees on."""

from __future__ import annotations

import json
import re
from typing import Any

from autoforge.servers.constraints import compiles

from ..naming import normal

__all__ = [
    "DOC_KEY",
    "JSON_TYPES",
    "clean_schema",
    "doc_notes",
    "json_api_resource",
    "json_type",
    "merged_properties",
    "nested",
    "object_schema",
    "row_schema",
    "schema_type",
    "structure_of",
    "without_notes",
]

JSON_TYPES = ("string", "integer", "number", "boolean", "object", "array")
MAX_NESTING = 3
MAX_DESCRIPTION = 400
_PAGING = frozenset(
    ["offset", "limit", "count", "total", "totalcount", "totalitems", "page", "pagesize", "perpage", "pages", "pagecount", "next", "previous", "prev", "cursor", "nextcursor", "nextpagetoken", "hasmore", "more", "links", "meta", "pagination", "object", "url", "start", "end", "size"]
)
"""Fields of a page of results beside its records (`normal` spelling)."""
_WRAPPERS = ("data", "items", "results", "records", "content", "value", "values", "entries", "list", "objects")
_KEEP_NUMBERS = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems")
DOC_KEY = "x-doc"
"""Where a cleaned schema keeps what the document says but a validator must not check as written: the format
(validators reject dates without a time zone), the pattern (it may be ECMAScript) and example values.
`without_notes` drops it from the schemas agents are given."""
MAX_EXAMPLES = 12


def merged_properties(schema: Any) -> tuple[dict[str, Any], list[str]]:
    """The properties and required names of an object schema, with allOf merged and the first oneOf/anyOf taken."""
    if not isinstance(schema, dict):
        return {}, []
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in schema.get("allOf") or []:
        more, needed = merged_properties(part)
        properties.update(more)
        required += needed
    for key in ("oneOf", "anyOf"):
        variants = [v for v in schema.get(key) or [] if isinstance(v, dict) and v.get("type") != "null"]
        if variants and not schema.get("properties"):
            more, needed = merged_properties(variants[0])
            properties.update(more)
            required += needed
    own = schema.get("properties")
    if isinstance(own, dict):
        properties.update({k: v for k, v in own.items() if isinstance(k, str)})
    names = schema.get("required")
    if isinstance(names, list):
        required += [n for n in names if isinstance(n, str)]
    return properties, [n for n in dict.fromkeys(required) if n in properties]


_TYPE_ALIASES = {"float": "number", "double": "number", "decimal": "number", "int": "integer", "long": "integer",
                 "str": "string", "text": "string", "bool": "boolean", "dict": "object", "map": "object",
                 "list": "array", "tuple": "array", "numeric": "number"}  # fmt: skip
"""Type names that function-call documents borrow from Python or other languages (`"type": "float"`)."""


_SIZED = re.compile(r"^(?:json\s+)?(u?int|float)(?:8|16|32|64|128)?$|^json\s+(\w+)$")
"""A sized or JSON-qualified type name: `int64`, `uint32`, `float64`, `JSON array`."""


def json_type(name: str) -> str | None:
    """The JSON type a type name means (`integer`, or an alias such as `int`, `int64`, `numeric` or `JSON array`)."""
    sized = _SIZED.match(name.strip().lower())
    if sized is not None:
        name = "int" if (sized.group(1) or "").endswith("int") else sized.group(1) or sized.group(2)
    found = _TYPE_ALIASES.get(name, name)
    return found if found in JSON_TYPES else None


def schema_type(schema: Any) -> tuple[str | None, bool]:
    """(the JSON type a schema describes, or None when it is unconstrained; whether null is allowed)."""
    if not isinstance(schema, dict):
        return None, True
    nullable = bool(schema.get("nullable"))
    declared = schema.get("type")
    if isinstance(declared, list):
        nullable = nullable or "null" in declared
        declared = next((json_type(t) for t in declared if isinstance(t, str) and json_type(t)), None)
    declared = json_type(declared) if isinstance(declared, str) else declared
    if declared in JSON_TYPES:
        return declared, nullable
    for key in ("allOf", "oneOf", "anyOf"):
        variants = [v for v in schema.get(key) or [] if isinstance(v, dict)]
        if any(v.get("type") == "null" for v in variants):
            nullable = True
        for variant in variants:
            found, maybe_null = schema_type(variant)
            if found:
                return found, nullable or maybe_null
    if "properties" in schema:
        return "object", nullable
    if "items" in schema:
        return "array", nullable
    values = [v for v in schema.get("enum") or [] if v is not None]
    if values:
        return _value_type(values[0]), nullable
    return None, True


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def clean_schema(schema: Any, depth: int = 0, *, formats: bool = False) -> dict[str, Any]:
    """A validator-safe copy: one type (plus null), enums, bounds, nested shapes to a few levels, a description.

    `formats` keeps `format` (for describing stored values, not for validating arguments).
    """
    if not isinstance(schema, dict):
        return {}
    kind, nullable = schema_type(schema)
    out: dict[str, Any] = {}
    if kind is not None:
        out["type"] = [kind, "null"] if nullable else kind
    description = _description(schema)
    if description:
        out["description"] = description
    values = [
        v
        for v in schema.get("enum")
        or (described_enum(description) if kind in ("string", "integer") and not schema.get("format") else None)
        or []
        if v is not None
        and (kind is None or _value_type(v) == kind or (kind == "number" and _value_type(v) == "integer"))
    ]
    if values and len(values) == len({str(v) for v in values}):
        out["enum"] = values + ([None] if nullable else [])
    for key in _KEEP_NUMBERS:
        value = schema.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = value
    if kind == "array" and depth < MAX_NESTING:
        items = clean_schema(schema.get("items"), depth + 1, formats=formats)
        if items:
            out["items"] = items
    if kind == "object" and depth < MAX_NESTING:
        properties, _ = merged_properties(schema)
        if properties:
            out["properties"] = {k: clean_schema(v, depth + 1, formats=formats) for k, v in properties.items()}
    if formats and isinstance(schema.get("format"), str):
        out["format"] = schema["format"]
    notes = doc_notes(schema)
    if notes:
        out[DOC_KEY] = notes
    if schema.get("readOnly") is True:
        out["readOnly"] = True
    default = schema.get("default")
    if default is not None and _valid_default(default, kind, out.get("enum")):
        out["default"] = default
    return out


_ENUM_LIST = re.compile(r"\[enum\]\s*:\s*(\[[^\]]*\])", re.IGNORECASE)
_ENUM_WORDS = re.compile(
    r"\b(?:one of|possible values(?: are)?|allowed values(?: are)?|valid values(?: are)?|accepted values(?: are)?)"
    r"\s*:?\s*((?:[`'\"][^`'\"]{1,30}[`'\"](?:\s*(?:,|\bor\b|\|)\s*)?){2,})",
    re.IGNORECASE,
)


_CHOICE_BREAK = r"\s*(?:,|\bor\b|\|)\s*"
_LISTED = rf"([a-z][\w-]*(?:{_CHOICE_BREAK}[a-z][\w-]*){{2,}})"
_BARE_LIST = re.compile(_LISTED + r"\.?")
"""A description that is nothing but the choices: "low, normal, high, urgent"."""
_BRACKETED_LIST = re.compile(r"\(" + _LISTED + r"\)")
"""Choices in brackets after what they are: "Field to sort by (created_at, updated_at, priority)"."""
_PRESENCE = re.compile(
    r"\s*(?:must|should|has to|have to|needs? to|is|are|can)\s+(?:be\s+)?"
    r"(?:provided|given|set|present|specified|supplied|passed|sent|filled)\b",
    re.IGNORECASE,
)
"""After "one of `a` or `b`": which fields are given ("must be provided"), not the values one field takes."""
_CODE_CHOICES = re.compile(r"`([\w-]{1,30})`((?:\s*,\s*`[\w-]{1,30}`)*)\s*,?\s*\bor\s+`([\w-]{1,30})`")
"""Choices in code, three at least, the last after 'or': "Message format: `text`, `html`, or `markdown`"."""
_EXAMPLES = re.compile(r"\b(?:e\.g|i\.e|such as|for example|for instance|etc|like)\b", re.IGNORECASE)


def described_enum(description: str) -> list[Any] | None:
    """The values a description lists where the schema has no enum: `[Enum]: ["on", "off"]`, "one of `low`,
    `normal` or `high`", three choices in code joined by 'or' ("`text`, `html`, or `markdown`"), a description that is
    only the choices ("low, normal, high, urgent") or a bracketed list of them (three at least, and no "e.g.");
    None when it lists none."""
    listed = _ENUM_LIST.search(description)
    if listed is not None:
        try:
            values = json.loads(listed.group(1))
        except ValueError:
            values = None
        if isinstance(values, list) and len(values) >= 2 and all(isinstance(v, (str, int)) for v in values):
            return values
    worded = _ENUM_WORDS.search(description)
    if worded is not None and not _PRESENCE.match(description, worded.end()):
        values = re.findall(r"[`'\"]([^`'\"]{1,30})[`'\"]", worded.group(1))
        return values if len(values) >= 2 else None
    coded = _CODE_CHOICES.search(description)
    if coded is not None and not _EXAMPLES.search(description) and not description[coded.end() :].startswith(" of "):
        choices = [coded.group(1), *re.findall(r"`([\w-]+)`", coded.group(2)), coded.group(3)]
        return choices if len(choices) >= 3 else None  # "the `id` or `slug` of the project" names no choices
    bare = _BARE_LIST.fullmatch(description.strip()) or _BRACKETED_LIST.search(description)
    if bare is not None and not _EXAMPLES.search(description):
        return re.split(_CHOICE_BREAK, bare.group(1).strip())
    return None


_INLINE_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")


def _flags_first(pattern: str) -> str:
    """A pattern whose inline flags stand mid-way (`\\.(?i)(pdf|jpeg)$`, Java's and .NET's way) with them moved to
    the start, where Python's `re` wants them; any other pattern as written."""
    if compiles(pattern):
        return pattern
    flags = "".join(dict.fromkeys("".join(_INLINE_FLAGS.findall(pattern))))
    moved = f"(?{flags}){_INLINE_FLAGS.sub('', pattern)}"
    return moved if flags and compiles(moved) else pattern


def doc_notes(schema: Any, extra_examples: Any = None) -> dict[str, Any]:
    """The format, pattern and example values a schema (or its parameter's `example(s)`) documents."""
    if not isinstance(schema, dict):
        return {}
    notes: dict[str, Any] = {}
    if isinstance(schema.get("format"), str) and schema["format"]:
        notes["format"] = schema["format"]
    if isinstance(schema.get("pattern"), str) and schema["pattern"]:
        notes["pattern"] = _flags_first(schema["pattern"])
    examples = [
        *_examples(schema.get("example")),
        *_examples(schema.get("examples")),
        *_examples(extra_examples),
    ]
    unique = list(dict.fromkeys(e for e in examples if isinstance(e, (str, int, float)) and not isinstance(e, bool)))
    if unique:
        notes["examples"] = unique[:MAX_EXAMPLES]
    return notes


def _examples(value: Any) -> list[Any]:
    """Example values from `example`, an `examples` list, or an OpenAPI examples map ({name: {value}})."""
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if not isinstance(v, (dict, list))]
    if isinstance(value, dict):
        return [
            v["value"] for v in value.values() if isinstance(v, dict) and not isinstance(v.get("value"), (dict, list))
        ]
    return [value]


def without_notes(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a cleaned schema without the document notes (what agents and validators get)."""
    out = {k: v for k, v in schema.items() if k != DOC_KEY}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: without_notes(v) if isinstance(v, dict) else v for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = without_notes(out["items"])
    return out


def _description(schema: dict[str, Any]) -> str:
    text = schema.get("description") or schema.get("title") or ""
    text = " ".join(str(text).split())
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt and fmt not in text:
        text = f"{text} (format: {fmt})".strip()
    return text[:MAX_DESCRIPTION]


def _valid_default(value: Any, kind: str | None, enum: list[Any] | None) -> bool:
    if enum is not None and value not in enum:
        return False
    if kind is None:
        return isinstance(value, (str, int, float, bool))
    expected = {"string": str, "integer": int, "number": (int, float), "boolean": bool}.get(kind)
    if expected is None or (kind in ("integer", "number") and isinstance(value, bool)):
        return False
    return isinstance(value, expected)


def object_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """A tool's input schema: an object of the given (cleaned) properties, nothing else allowed."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(set(required) & set(properties), key=list(properties).index)
    schema["additionalProperties"] = False
    return schema


def row_schema(schema: Any) -> dict[str, Any] | None:
    """The schema of one record inside a response: unwraps arrays and `{data: ...}`-style envelopes."""
    for _ in range(4):
        kind, _ = schema_type(schema)
        if kind == "array":
            schema = schema.get("items")
            continue
        if kind != "object":
            return None
        properties, _ = merged_properties(schema)
        wrapper = next(
            (
                properties[w]
                for w in _WRAPPERS
                if w in properties and schema_type(properties[w])[0] in ("array", "object")
            ),
            None,
        )
        if wrapper is None:
            wrapper = _paged_list(properties)
        others = [p for p, s in properties.items() if s is not wrapper]
        if wrapper is not None and (len(properties) <= 8 or all(normal(p) in _ENVELOPE | _PAGING for p in others)):
            schema = wrapper  # a large envelope too: `{status_code, service, operation, data, meta, links}`
            continue
        return (json_api_resource(schema) or schema) if properties else None
    return None


_ENVELOPE = frozenset({"status", "statuscode", "code", "service", "resource", "operation", "meta", "links", "raw",
                       "message", "messages", "success", "ok", "error", "errors", "warnings", "requestid", "traceid",
                       "pagination", "paging", "page", "cursor", "next", "previous", "total", "count"})  # fmt: skip
"""Fields of a response envelope around its records (`normal` spelling)."""


def _paged_list(properties: dict[str, Any]) -> Any:
    """The one list of records in a page of results named for what it holds (`{prices: [...]}`, `{offset,
    limit, count, history: [...]}`), when everything beside it is paging."""
    lists = [
        p for p, s in properties.items() if schema_type(s)[0] == "array" and schema_type(s.get("items"))[0] == "object"
    ]
    others = [p for p in properties if p not in lists]
    if len(lists) == 1 and all(normal(p) in _PAGING for p in others):
        return properties[lists[0]]
    return None


def json_api_resource(schema: Any) -> dict[str, Any] | None:
    """A JSON:API resource object (`{id, type, attributes: {...}, relationships: {...}}`) as the flat record it
    stands for: its id, its attributes, and `<name>_id` for each to-one relationship. None for other schemas."""
    properties, required = merged_properties(schema)
    attributes, needed = merged_properties(properties.get("attributes"))
    if not attributes or not ({"id", "type"} & set(properties)):
        return None
    flat: dict[str, Any] = {"id": properties["id"]} if "id" in properties else {}
    flat.update(attributes)
    links, _ = merged_properties(properties.get("relationships"))
    for name, link in links.items():
        data, _ = merged_properties(link)
        target = data.get("data")
        if schema_type(target)[0] == "object" and f"{name}_id" not in flat:  # to-one: {data: {id, type}}
            flat[f"{name}_id"] = {"type": "string", "description": f"The id of the {name.replace('_', ' ')}."}
    kept = [n for n in [*(["id"] if "id" in required else []), *needed] if n in flat]
    return {"type": "object", "properties": flat, **({"required": kept} if kept else {})}


_STRUCTURE_DEPTH = 3
_STRUCTURE_FIELDS = 12
_STRUCTURE_KEPT = frozenset({"type", "required", "enum", "format", "minimum", "maximum", "minLength", "maxLength",
                             "pattern", "minItems", "maxItems", "uniqueItems", "description", "readOnly", "nullable",
                             "examples", DOC_KEY})  # fmt: skip
"""What a pruned structure keeps of each schema besides its fields and items."""


def structure_of(schema: Any, depth: int = 0) -> dict[str, Any] | None:
    """The schema of an object with fields or of a list, pruned to what values are made from (three levels, twelve
    fields each); None for a plain value, a free-form object, or a list of free-form objects."""
    if not isinstance(schema, dict) or depth > _STRUCTURE_DEPTH:
        return None
    kind = schema_type(schema)[0]
    pruned = {k: v for k, v in schema.items() if k in _STRUCTURE_KEPT and k != "description"}
    if schema.get("description"):
        pruned["description"] = str(schema["description"])[:200]
    if kind == "array":
        items = schema.get("items")
        inner = structure_of(items, depth + 1) if nested(items) else _plain(items)
        return {**pruned, "type": "array", "items": inner} if inner is not None else None
    properties = schema.get("properties")
    if kind not in ("object", None) or not isinstance(properties, dict) or not properties:
        return None
    fields: dict[str, Any] = {}
    for name, sub in list(properties.items())[:_STRUCTURE_FIELDS]:
        inner = structure_of(sub, depth + 1) if nested(sub) else _plain(sub)
        if inner is not None:
            fields[name] = inner
    required = [n for n in schema.get("required", []) if isinstance(n, str)]
    if not fields or any(n not in fields for n in required):
        return None
    return {**pruned, "type": "object", "properties": fields, **({"required": required} if required else {})}


def nested(schema: Any) -> bool:
    """Whether a schema describes an object or a list (not a plain value)."""
    return isinstance(schema, dict) and (schema_type(schema)[0] in ("object", "array") or "properties" in schema)


def _plain(schema: Any) -> dict[str, Any] | None:
    """A plain field's schema, pruned; None for a free-form object."""
    if not isinstance(schema, dict) or nested(schema):
        return None
    pruned = {k: v for k, v in schema.items() if k in _STRUCTURE_KEPT}
    if "description" in pruned:
        pruned["description"] = str(pruned["description"])[:200]
    return pruned
