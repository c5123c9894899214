"""Seed data: deterministic, referentially consistent, realistic, with unique labels."""

from __future__ import annotations

from autoforge.servers import EnvSpec, Provenance, ToolSpec, build_environment
from autoforge.synthesizer.schema import infer_blueprint
from autoforge.synthesizer.seed import build_seed, to_sql
from autoforge.synthesizer.sources import parse_structured, read_source

from .conftest import BUNDLED_DOCS


async def retail():
    doc = parse_structured(await read_source(BUNDLED_DOCS / "retail-orders.yaml", 2**25))
    return infer_blueprint(doc)


async def test_same_seed_same_rows_other_seed_other_rows() -> None:
    """The seed fixes every value; another seed gives other values."""
    bp = await retail()
    assert to_sql(bp, build_seed(bp, 7, 20)) == to_sql(bp, build_seed(bp, 7, 20))
    assert to_sql(bp, build_seed(bp, 7, 20)) != to_sql(bp, build_seed(bp, 8, 20))


async def test_seed_loads_with_every_reference_intact() -> None:
    """seed.sql loads into the STRICT schema with foreign keys checked (build_environment refuses violations)."""
    bp = await retail()
    spec = EnvSpec(name="x", description="x", tables=bp.tables, provenance=Provenance(source="x"),
                   tools=(ToolSpec(name="noop", description="x", input_schema={"type": "object"}, writes=False),))  # fmt: skip
    environment = build_environment(spec, "def noop(db):\n    return None\n", to_sql(bp, build_seed(bp, 0, 20)))
    count = environment.template.execute('SELECT COUNT(*) FROM "orders"').fetchone()[0]
    assert count >= 20


async def test_labels_are_unique_and_values_realistic() -> None:
    """Customer emails are unique and look like emails; people's emails match their names."""
    bp = await retail()
    customers = build_seed(bp, 3, 30)["customers"]
    emails = [c["email"] for c in customers]
    assert len(set(emails)) == len(emails)
    assert all("@" in e and e.endswith(".test") for e in emails)
    for customer in customers:
        assert customer["name"].split()[-1].lower().replace("'", "") in customer["email"]


async def test_children_point_at_existing_parents_and_statuses_are_mostly_open() -> None:
    """Every order names a seeded customer; most orders are in a state that can still change."""
    bp = await retail()
    data = build_seed(bp, 0, 24)
    customers = {c["id"] for c in data["customers"]}
    assert all(o["customer_id"] in customers for o in data["orders"])
    ended = sum(o["status"] in ("cancelled", "delivered") for o in data["orders"])
    assert ended < len(data["orders"]) / 2
