"""Fixtures for the synthesizer: a small API described in OpenAPI, bundled docs, one synthesized environment."""

from __future__ import annotations

import asyncio
from pathlib import Path

import autoforge.synthesizer
import pytest
from autoforge.synthesizer import SynthOptions, SynthResult, synthesize

BUNDLED_DOCS = Path(autoforge.synthesizer.__file__).resolve().parent / "bundled"
CORPUS = Path("/work/shared/corpus")

SMALL_API = """
openapi: 3.0.3
info: {title: Corner Shop API, version: 1.0.0, description: Customers and their orders at a corner shop.}
paths:
  /customers:
    get:
      operationId: listCustomers
      summary: Find customers by email
      parameters:
        - {name: email, in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Customer'}}}}}
  /customers/{customerId}:
    patch:
      operationId: updateCustomer
      summary: Change a customer's phone
      parameters:
        - {name: customerId, in: path, required: true, schema: {type: string}}
      requestBody:
        content: {application/json: {schema: {type: object, properties: {phone: {type: string}}}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Customer'}}}}
  /customers/{customerId}/orders:
    get:
      operationId: listOrders
      summary: A customer's orders
      parameters:
        - {name: customerId, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Order'}}}}}
    post:
      operationId: createOrder
      summary: Open an order
      parameters:
        - {name: customerId, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [note], properties: {note: {type: string}}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
  /orders/{orderId}:
    patch:
      operationId: updateOrder
      summary: Change an order's note or total
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string}}
      requestBody:
        content: {application/json: {schema: {type: object, properties: {note: {type: string}, total: {type: number}}}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
  /orders/{orderId}/cancel:
    post:
      operationId: cancelOrder
      summary: Cancel an order
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
components:
  schemas:
    Customer:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
        email: {type: string, format: email}
        phone: {type: string}
    Order:
      type: object
      properties:
        id: {type: string}
        customer_id: {type: string}
        status: {type: string, enum: [open, paid, cancelled]}
        note: {type: string}
        total: {type: number}
        placed_at: {type: string, format: date-time}
"""


@pytest.fixture
def small_api(tmp_path: Path) -> Path:
    """The corner-shop API as an OpenAPI YAML file."""
    path = tmp_path / "corner-shop.yaml"
    path.write_text(SMALL_API, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_env(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """The corner-shop API synthesized offline once for the session (20 tasks)."""
    folder = tmp_path_factory.mktemp("small")
    source = folder / "corner-shop.yaml"
    source.write_text(SMALL_API, encoding="utf-8")
    options = SynthOptions(tasks=20, min_calls=2)
    return asyncio.run(synthesize(source, folder / "out" / "corner-shop", options, work_dir=folder / "work"))


def write(tmp_path: Path, name: str, text: str) -> Path:
    """A file under tmp_path with `text`."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def built(path: Path):
    """(blueprint, environment, draft) of a document, as the pipeline builds them before the task stage."""
    from autoforge.servers import EnvSpec, Provenance, ToolSpec, build_environment
    from autoforge.synthesizer import Draft
    from autoforge.synthesizer.derived import derive
    from autoforge.synthesizer.graph import candidate_edges
    from autoforge.synthesizer.pipeline import governed
    from autoforge.synthesizer.schema import infer_blueprint, tool_schema
    from autoforge.synthesizer.seed import build_seed, to_sql
    from autoforge.synthesizer.sources import parse_structured, read_source
    from autoforge.synthesizer.toolgen import generate_tools

    doc = parse_structured(await read_source(path, 2**25))
    bp = infer_blueprint(doc)
    ops = {o.name: o for o in doc.operations}
    schemas = {p.name: tool_schema(ops[p.name], p, bp)[0] for p in bp.plans}
    tools = tuple(
        ToolSpec(
            name=p.name, description=p.description, input_schema=schemas[p.name], writes=p.writes, tables=(p.table,)
        )
        for p in bp.plans
    )
    spec = EnvSpec(
        name="test-env", description="x", tables=bp.tables, tools=tools, provenance=Provenance(source=doc.name)
    )
    spec = governed(spec, bp, doc.title, 0)
    seed = to_sql(bp, build_seed(bp, 0, 24, derive(bp), spec.clock, doc.title))
    source = generate_tools(bp, schemas, "test-env", doc.name)
    draft = Draft(
        source=doc, blueprint=bp, spec=spec, tools_source=source, seed_sql=seed, edges=tuple(candidate_edges(bp))
    )
    return bp, build_environment(spec, source, seed), draft


def function_tool(name: str, description: str, properties: dict[str, object]) -> dict[str, object]:
    """An OpenAI-style function whose every property is required."""
    parameters = {"type": "object", "properties": properties, "required": list(properties)}
    return {"type": "function", "function": {"name": name, "description": description, "parameters": parameters}}
