"""OpenAPI 3.x and Swagger 2.0 documents (JSON or YAML) to operations: one tool per HTTP operation."""

from __future__ import annotations

import re
from typing import Any

from autoforge.servers import SynthesisError

from ..models import Operation, Skip, SourceDoc
from ..naming import identifier, is_identifier, singular, snake
from .refs import Resolver
from .schemas import (
    DOC_KEY,
    clean_schema,
    doc_notes,
    json_api_resource,
    merged_properties,
    object_schema,
    row_schema,
    schema_type,
)

__all__ = ["common_prefix", "parse_openapi"]

METHODS = ("get", "post", "put", "patch", "delete", "head")
_JSON_MEDIA = re.compile(r"json", re.IGNORECASE)
_FORM_MEDIA = ("application/x-www-form-urlencoded", "multipart/form-data")
_SUCCESS = ("200", "201", "202", "203", "2XX", "2xx", "default")
_VERB = {"get": "get", "head": "count", "post": "create", "put": "update", "patch": "update", "delete": "delete"}
MAX_DESCRIPTION = 600


def parse_openapi(document: dict[str, Any], name: str, sha256: str) -> SourceDoc:
    """The operations of an OpenAPI 3.x or Swagger 2.0 document, with every local $ref inlined."""
    version = str(document.get("openapi") or document.get("swagger") or "")
    swagger = "swagger" in document and "openapi" not in document
    if swagger and not version.startswith("2"):
        raise SynthesisError(f"{name}: Swagger version {version!r} is not supported; only 2.0 and OpenAPI 3.x are")
    if not swagger and not version.startswith("3"):
        raise SynthesisError(f"{name}: OpenAPI version {version!r} is not supported; only 3.0, 3.1 and Swagger 2.0 are")
    paths = document.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise SynthesisError(f"{name}: the document has no `paths`, so there are no operations to turn into tools")
    resolver = Resolver(document, name)
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    prefix = common_prefix([p for p in paths if isinstance(p, str)])
    operations: list[Operation] = []
    skipped: list[Skip] = []
    headers: set[str] = set()
    used: set[str] = set()
    unresolved: list[SynthesisError] = []
    for path, raw_item in paths.items():
        if not isinstance(path, str) or not isinstance(raw_item, dict):
            continue
        try:
            item = resolver.resolve(raw_item, f"paths.{path}")
        except SynthesisError as exc:  # one bad reference leaves out its path's operations, not the document
            unresolved.append(exc)
            skipped.append(Skip(name=path, reason=str(exc).removeprefix(f"{name}: ")))
            continue
        shared = item.get("parameters") if isinstance(item.get("parameters"), list) else []
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            operation = _operation(op, method, path, shared, swagger, prefix, used, headers)
            used.add(operation.name)
            operations.append(operation)
    if unresolved and not operations:
        raise unresolved[0]
    if headers:
        skipped.append(
            Skip(
                name="header parameters",
                reason=f"left out ({', '.join(sorted(headers))}): the twin needs no credentials",
            )
        )
    title = str(info.get("title") or name)
    description = " ".join(str(info.get("description") or "").split())[:MAX_DESCRIPTION]
    kind = "swagger-2.0" if swagger else f"openapi-{version}"
    return SourceDoc(
        name=name, title=title, description=description, format=kind, sha256=sha256,
        operations=tuple(operations), skipped=tuple(skipped),
    )  # fmt: skip


def _operation(
    op: dict[str, Any],
    method: str,
    path: str,
    shared: list[Any],
    swagger: bool,
    prefix: int,
    used: set[str],
    headers: set[str],
) -> Operation:
    properties: dict[str, Any] = {}
    required: list[str] = []
    locations: dict[str, str] = {}
    params = {(p.get("name"), p.get("in")): p for p in [*shared, *(op.get("parameters") or [])] if isinstance(p, dict)}
    body_schema: Any = None
    body_required = False
    form: dict[str, Any] = {}
    for (param_name, where), param in params.items():
        if not isinstance(param_name, str) or where not in ("path", "query", "header", "cookie", "body", "formData"):
            continue
        if where in ("header", "cookie"):
            headers.add(param_name)
            continue
        if where == "body":
            body_schema, body_required = param.get("schema"), bool(param.get("required"))
            continue
        schema = param.get("schema") if not swagger else param
        if schema is None and isinstance(param.get("content"), dict):
            schema = next((c.get("schema") for c in param["content"].values() if isinstance(c, dict)), None)
        cleaned = clean_schema(schema or {"type": "string"})
        notes = doc_notes(schema or {}, [param.get("example"), *_example_values(param.get("examples"))])
        if notes:
            cleaned[DOC_KEY] = notes
        if param.get("description") and "description" not in cleaned:
            cleaned["description"] = " ".join(str(param["description"]).split())[:400]
        if where == "formData":
            form[param_name] = cleaned
            if param.get("required"):
                required.append(param_name)
            locations[param_name] = "body"
            continue
        properties[param_name] = cleaned
        locations[param_name] = where
        if param.get("required") or where == "path":
            required.append(param_name)
    if not swagger and isinstance(op.get("requestBody"), dict):
        body = op["requestBody"]
        body_schema, body_required = _media_schema(body.get("content")), bool(body.get("required"))
    properties.update(form)
    if body_schema is not None:
        _add_body(body_schema, body_required, properties, required, locations)
    output = None
    responses = op.get("responses") if isinstance(op.get("responses"), dict) else {}
    for code in _SUCCESS:
        response = responses.get(code) if code in responses else responses.get(int(code)) if code.isdigit() else None
        if isinstance(response, dict):
            schema = response.get("schema") if swagger else _media_schema(response.get("content"))
            record = row_schema(schema) if schema is not None else None
            if record is not None:
                output = clean_schema(record, formats=True)
                break
    name = _tool_name(op.get("operationId"), method, path, prefix, used)
    text = ". ".join(str(x).strip().rstrip(".") for x in (op.get("summary"), op.get("description")) if x)
    text = f"{text}." if text and not text.endswith((".", "!", "?")) else text
    description = " ".join(text.split())[:MAX_DESCRIPTION] or f"{method.upper()} {path}"
    return Operation(
        name=name,
        source_name=str(op.get("operationId") or f"{method.upper()} {path}"),
        description=description,
        method=method.upper(),
        path=path,
        input_schema=object_schema(properties, required),
        locations=locations,
        output_schema=output,
    )


def _example_values(examples: Any) -> list[Any]:
    """Values of a parameter's OpenAPI `examples` map ({name: {value: ...}})."""
    if not isinstance(examples, dict):
        return []
    return [e.get("value") for e in examples.values() if isinstance(e, dict)]


def _media_schema(content: Any) -> Any:
    if not isinstance(content, dict) or not content:
        return None
    ordered = sorted(content, key=lambda m: (not _JSON_MEDIA.search(str(m)), str(m) not in _FORM_MEDIA))
    media = content[ordered[0]]
    return media.get("schema") if isinstance(media, dict) else None


def _add_body(
    schema: Any, body_required: bool, properties: dict[str, Any], required: list[str], locations: dict[str, str]
) -> None:
    kind, _ = schema_type(schema)
    if kind == "string" and isinstance(schema, dict) and schema.get("format") in ("binary", "byte"):
        return  # a file upload carries no state the twin keeps
    fields, needed = _unwrapped(*merged_properties(schema)) if kind in ("object", None) else ({}, [])
    if not fields:
        if kind is None and not isinstance(schema, dict):
            return
        properties["body"] = clean_schema(schema)
        locations["body"] = "body"
        if body_required:
            required.append("body")
        return
    for field, sub in fields.items():
        if (isinstance(sub, dict) and sub.get("readOnly") is True) or locations.get(field) == "path":
            continue  # the server sets it, or the path already names it (`PUT /tags/{id}` with a tag's `id`)
        target = field if field not in properties else f"body_{field}"
        properties[target] = clean_schema(sub)
        locations[target] = "body"
        if field in needed:
            required.append(target)


def _unwrapped(fields: dict[str, Any], needed: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The record's fields of a body that only wraps one record: JSON:API's `{data: {type, attributes}}` or
    Rails' `{user: {email, ...}}`. An optional id there repeats the path's, so it is dropped."""
    if len(fields) != 1:
        return fields, needed
    ((name, inner),) = fields.items()
    record = (json_api_resource(inner) if name == "data" else None) or inner
    properties, required = merged_properties(record) if schema_type(record)[0] in ("object", None) else ({}, [])
    if not properties:
        return fields, needed
    return {k: v for k, v in properties.items() if k != "id" or k in required}, required


def common_prefix(paths: list[str]) -> int:
    """How many leading static segments every path shares (`/api/v1`), to leave out of derived names."""
    split = [[s for s in p.split("/") if s] for p in paths]
    if len(split) < 2:
        return 0
    count = 0
    for parts in zip(*split):
        if len(set(parts)) != 1 or parts[0].startswith("{"):
            break
        count += 1
    # a shared segment that a path parameter follows names a resource (/collections/{id}): keep it
    while count and any(len(p) > count and p[count].startswith("{") for p in split):
        count -= 1
    return count


def _tool_name(operation_id: Any, method: str, path: str, prefix: int, used: set[str]) -> str:
    if isinstance(operation_id, str) and operation_id.strip():
        base = operation_id if is_identifier(operation_id) else identifier(operation_id, "op")
    else:
        segments = [s for s in path.split("/") if s][prefix:]
        static = [snake(s) for s in segments if not s.startswith("{")]
        item = bool(segments) and segments[-1].startswith("{")
        verb = _VERB[method]
        if method == "get" and not item:
            verb = "list"
        words = static[:-1] + [singular(static[-1]) if item or verb != "list" else static[-1]] if static else ["root"]
        base = identifier(f"{verb}_{'_'.join(words)}", "op")
    name, number = base, 2
    while name in used:
        name = f"{base[:56]}_{number}"
        number += 1
    return name
