"""The relational layout: nested records to rows and back, exactly, through SQLite and seed.sql."""

from __future__ import annotations

import sqlite3

import pytest
from autoforge.servers import EnvSpec, Provenance, ToolSpec
from autoforge.servers.environment import create_schema
from autoforge.synthesizer.tau2.importer import DOMAINS, seed_sql
from autoforge.synthesizer.tau2.layout import Col, Many, Obj, flatten, tables, unflatten
from autoforge.synthesizer.tau2.parity import rows_of, table_differences, tau2_hash
from hypothesis import given, settings
from hypothesis import strategies as st

LAYOUT = (
    Many(
        "shops",
        "shops",
        "map",
        (
            Col("shop_id"),
            Obj("owner", (Col("first"), Col("last", nullable=True))),
            Col("tags", json=True),
            Col("rating", "REAL", nullable=True),
            Col("open", "INTEGER", boolean=True),
            Many("items", "shop_items", "list", (Col("name"), Col("price", "REAL"), Col("note", omit_null=True))),
            Many("hours", "shop_hours", "map", (Col("opens"), Col("closes", "INTEGER")), map_key="day"),
        ),
        map_key="shop_id",
    ),
)

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
reals = st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f + 0.0)  # SQLite keeps no -0.0
shop = st.fixed_dictionaries(
    {
        "owner": st.fixed_dictionaries({"first": text, "last": st.none() | text}),
        "tags": st.lists(text, max_size=3) | st.dictionaries(text, text, max_size=2),
        "rating": st.none() | reals,
        "open": st.booleans(),
        "items": st.lists(st.fixed_dictionaries({"name": text, "price": reals}, optional={"note": text}), max_size=3),
        "hours": st.dictionaries(
            text, st.fixed_dictionaries({"opens": text, "closes": st.integers(-(2**63), 2**63 - 1)}), max_size=3
        ),
    }
)
databases = st.dictionaries(text, shop, max_size=4).map(
    lambda shops: {"shops": {k: {"shop_id": k, **v} for k, v in shops.items()}}
)


def _spec(layout) -> EnvSpec:
    tool = ToolSpec(name="noop", description="Nothing.", input_schema={"type": "object"}, writes=False)
    return EnvSpec(
        name="layout-test",
        description="Layout test.",
        tables=tuple(tables(layout)),
        tools=(tool,),
        provenance=Provenance(source="test"),
    )


def _through_sqlite(layout, database):
    spec = _spec(layout)
    conn = sqlite3.connect(":memory:")
    create_schema(conn, spec)
    conn.executescript(seed_sql(spec, flatten(layout, database)))
    return spec, conn


@settings(deadline=None, max_examples=80)
@given(databases)
def test_records_survive_seed_sql_and_sqlite_exactly(database) -> None:
    """flatten -> seed.sql -> SQLite -> unflatten gives back the very same records, floats, order and nulls included."""
    spec, conn = _through_sqlite(LAYOUT, database)
    back = unflatten(LAYOUT, rows_of(conn, spec))
    assert back == database
    assert [list(s["hours"]) for s in back["shops"].values()] == [list(s["hours"]) for s in database["shops"].values()]
    assert tau2_hash(back) == tau2_hash(database)


def test_tables_follow_the_nesting() -> None:
    """Each collection is a table keyed by its id or '<parent>/<key or position>', with its parent's key and a position."""
    shops, items, hours = tables(LAYOUT)
    assert [c.name for c in shops.columns] == ["shop_id", "position", "first", "last", "tags", "rating", "open"]
    assert [c.name for c in items.columns] == ["key", "shop_id", "position", "name", "price", "note"]
    assert items.column("shop_id").references == "shops.shop_id"
    assert [c.name for c in hours.columns][:4] == ["key", "shop_id", "day", "position"]
    assert items.column("note").nullable and not items.column("name").nullable


def test_rows_carry_parent_keys_and_positions() -> None:
    """Child rows are keyed by their parent and key or position; optional fields read back as null, variant fields absent."""
    database = {"shops": {"s1": {"shop_id": "s1", "owner": {"first": "A"}, "tags": [], "rating": None, "open": True,
                                 "items": [{"name": "x", "price": 1}], "hours": {"mon": {"opens": "9", "closes": 17}}}}}  # fmt: skip
    rows = flatten(LAYOUT, database)
    assert rows["shop_items"] == [
        {"key": "s1/0", "shop_id": "s1", "position": 0, "name": "x", "price": 1.0, "note": None}
    ]
    assert rows["shop_hours"][0]["key"] == "s1/mon" and rows["shops"][0]["open"] == 1
    record = unflatten(LAYOUT, rows)["shops"]["s1"]
    assert record["owner"] == {"first": "A", "last": None} and record["items"] == [{"name": "x", "price": 1.0}]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(extra=1), r"shops\['s1'\]: unknown field\(s\) extra"),
        (lambda s: s.update(shop_id="s2"), r"its shop_id 's2' differs from its key 's1'"),
        (lambda s: s.update(open="yes"), r"open: expected true or false"),
        (lambda s: s["items"].append({"name": "y", "price": "free"}), r"items\[0\]\.price: expected real, got 'free'"),
        (lambda s: s.update(owner="A B"), r"owner: expected an object"),
        (lambda s: s["owner"].pop("first"), r"missing first"),
    ],
)
def test_data_that_does_not_fit_is_named(change, message) -> None:
    """A record that does not fit the layout is refused with its path and what is wrong."""
    record = {
        "shop_id": "s1",
        "owner": {"first": "A", "last": "B"},
        "tags": [],
        "rating": 1.5,
        "open": False,
        "items": [],
        "hours": {},
    }
    change(record)
    with pytest.raises(ValueError, match=message):
        flatten(LAYOUT, {"shops": {"s1": record}})


def test_unknown_or_missing_collections_are_refused() -> None:
    """The database must hold exactly the layout's collections."""
    with pytest.raises(ValueError, match="collections this importer does not know: pets"):
        flatten(LAYOUT, {"shops": {}, "pets": {}})
    with pytest.raises(ValueError, match="lacks its 'shops' collection"):
        flatten(LAYOUT, {})


def test_table_differences_name_the_rows(retail) -> None:
    """Comparing a database with an episode's rows names missing, unexpected and changed rows per table."""
    spec = retail.report.spec
    layout = DOMAINS["retail"].layout
    conn = retail.server.environment.template
    database = unflatten(layout, rows_of(conn, spec))
    assert table_differences(layout, database, rows_of(conn, spec)) == {}
    database["orders"]["#W100"]["status"] = "cancelled"
    del database["users"]["cy_moss_303"]["payment_methods"]["credit_card_300"]
    differences = table_differences(layout, database, rows_of(conn, spec))
    assert differences["orders"] == ["#W100: status: tau2 'cancelled', ours 'pending'"]
    assert differences["payment_methods"] == ["unexpected cy_moss_303/credit_card_300"]
