"""Walks, merged DAGs and executed ground truth: every step works on the seed, every call is needed."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest
from autoforge.servers import CallNode, ReasoningNode
from autoforge.synthesizer.dags import TaskPlan, compatible, fits, grow
from autoforge.synthesizer.goals import Walker
from autoforge.synthesizer.graph import tool_graph
from autoforge.synthesizer.instantiate import Rejected, instantiate
from autoforge.synthesizer.values import Values
from autoforge.synthesizer.walks import Entity, Goal, KeyOf, Known, Pick, Resolution, Walk

from .conftest import BUNDLED_DOCS, built


@pytest.fixture(scope="module")
def retail():
    """The retail-orders environment as the pipeline builds it before the task stage."""
    return asyncio.run(built(BUNDLED_DOCS / "retail-orders.yaml"))


def walker(retail, seed: int = 1) -> Walker:
    bp, env, draft = retail
    made = Walker(env, bp, tool_graph(bp, draft.edges), random.Random(seed), Values(seed, env.spec.clock), 0.6)
    made.govern(None, Counter())
    return made


async def test_a_write_walk_starts_from_what_the_user_knows(retail) -> None:
    """Cancelling an order resolves the order through its customer, found by a label the user knows."""
    bp, _, _ = retail
    w = walker(retail)
    plan = bp.plan("cancelOrder")
    row = w._candidates(plan, 1)[0]
    found: dict = {}
    args = w._targeted(plan, row, found)
    order = Entity("orders", row["id"])
    assert args == (("orderId", KeyOf(order)),)
    assert found[order].tool == "listCustomerOrders"
    customer = Entity("customers", row["customer_id"])
    assert found[customer].tool == "listCustomers"


async def test_executed_ground_truth_has_choices_and_no_filler(retail) -> None:
    """Instantiating walks gives call nodes whose outputs feed later nodes and reasoning nodes with outcomes."""
    bp, env, _ = retail
    w = walker(retail, 3)
    built_tasks = 0
    for _ in range(40):
        walk = w.sample()
        if walk is None:
            continue
        plan = TaskPlan()
        plan.add(walk)
        try:
            result = instantiate(env, bp, plan, w.tools)
        except Rejected:
            continue
        built_tasks += 1
        nodes = {n.id: n for n in result.nodes}
        used = {d for n in result.nodes for d in n.depends_on}
        reads = [n for n in result.nodes if isinstance(n, CallNode) and not bp.plan(n.tool).writes]
        facts_from = {n.id for n in result.nodes if isinstance(n, (CallNode, ReasoningNode))} if result.facts else set()
        for read in reads:  # every read feeds a later node or, for fact tasks, the fact
            assert read.id in used or read.id in facts_from
        assert all(isinstance(nodes[d], (CallNode, ReasoningNode)) for d in used)
    assert built_tasks >= 10


async def test_merged_walks_share_a_row_and_fork(retail) -> None:
    """Two walks on the same customer merge into one DAG that lists the customer once."""
    bp, env, _ = retail
    w = walker(retail, 5)
    merged = None
    for _ in range(60):
        first = w.sample()
        if first is None:
            continue
        plan = TaskPlan()
        plan.add(first)
        for _ in range(8):
            partner = w.sample({e for e in first.entities()})
            if partner is not None and grow(plan, partner, bp, 14):
                merged = plan
                break
        if merged:
            break
    assert merged is not None and len(merged.walks) == 2
    result = instantiate(env, bp, merged, w.tools)
    lookups = [n for n in result.nodes if isinstance(n, CallNode) and n.tool == "listCustomers"]
    assert len({str(n.arguments) for n in lookups}) == len(lookups)


async def test_walks_changing_the_same_columns_of_a_row_do_not_merge(retail) -> None:
    """Two requests changing one column of a row, or one changing its state, cannot share a task (the outcome
    would depend on their order); changes of different columns (a new phone, a new city) can."""
    bp, _, _ = retail
    order = Entity("orders", "ORD-1001")
    cancel = Walk(Goal("action", "cancelOrder", (("orderId", KeyOf(order)),), order))
    update = Walk(Goal("update", "updateOrder", (("orderId", KeyOf(order)),), order))
    assert not compatible(cancel, update, bp)
    note = Known("Happy birthday!", "gift_message")  # a row found by comparing (no key argument names it)
    rewrite = Walk(Goal("update", "updateOrder", (("gift_message", note),), order))
    assert not compatible(Walk(Goal("action", "cancelOrder", (), order)), rewrite, bp)
    shipping = Known("express", "shipping_method")  # "if its total is over 50 change its note, else cancel it"
    branch = Goal("branch", entity=order, then=rewrite.goal, otherwise=Goal("action", "cancelOrder", (), order))
    faster = Walk(Goal("update", "updateOrder", (("shipping_method", shipping),), order))
    assert not compatible(Walk(branch), faster, bp)  # the arm that runs may be either
    customer = Entity("customers", "CUS-1001")

    def change(field: str, value: str) -> Walk:
        return Walk(
            Goal("update", "updateCustomer", (("customerId", KeyOf(customer)), (field, Known(value, field))), customer)
        )

    assert compatible(change("phone", "555-0100"), change("city", "Lyon"), bp)
    assert not compatible(change("city", "Nice"), change("city", "Lyon"), bp)


async def test_a_row_is_not_changed_under_a_parent_another_request_may_cancel(retail) -> None:
    """'If my order is for pickup, cancel it; if not, change its note', then 'change the quantity of its cheapest
    item': a customer would not ask for both. A write to a row found under another (an item listed by its order)
    cannot share a task with a request that may cancel or delete that parent; a change of the parent's other fields
    can."""
    bp, _, _ = retail
    order, item = Entity("orders", "ORD-1001"), Entity("order_items", "OI-1001")
    listed = Resolution(item, "listOrderItems", (("orderId", KeyOf(order)),), pick=Pick("unit_price", 5, "min"))
    quantity = Walk(Goal("update", "updateOrderItem", (("itemId", KeyOf(item)), ("quantity", Known(2, "quantity"))),
                         item), {item: listed})  # fmt: skip
    note = Goal("update", "updateOrder", (("orderId", KeyOf(order)), ("gift_message", Known("Hi", "gift_message"))),
                order)  # fmt: skip
    cancel = Goal("action", "cancelOrder", (("orderId", KeyOf(order)),), order)
    assert not compatible(Walk(Goal("branch", entity=order, then=cancel, otherwise=note)), quantity, bp)
    assert not compatible(quantity, Walk(cancel), bp)
    assert compatible(Walk(note), quantity, bp)
    other, second = Entity("orders", "ORD-1002"), Entity("order_items", "OI-1002")  # "remove the dearer of the two"
    found = {item: listed, second: Resolution(second, "listOrderItems", (("orderId", KeyOf(other)),))}
    dearer = Walk(
        Goal("compare", "removeOrderItem", (), second, "unit_price", "higher", entities=(item, second)), found
    )
    assert not compatible(dearer, Walk(cancel), bp)  # the other item is the one removed, but the user weighed both
    orders = Walk(Goal("compare", "cancelOrder", (), other, "total", "higher", entities=(order, other)))
    assert not compatible(orders, Walk(cancel), bp)  # 'cancel the dearer of A and B; and cancel A'
    assert not compatible(orders, Walk(note), bp)  # '... and change A's note': the user may have cancelled A


async def test_the_same_record_is_not_asked_for_twice(retail) -> None:
    """Two creates by one tool naming the same rows are one request asked twice (returning an order for one reason,
    then for another); the same create on other rows, or another create on the same row, may share a task."""
    bp, _, _ = retail
    order, other = Entity("orders", "ORD-1001"), Entity("orders", "ORD-1002")

    def ret(row: Entity, reason: str) -> Walk:
        return Walk(Goal("create", "requestReturn", (("orderId", KeyOf(row)), ("reason", Known(reason, "reason")))))

    assert not compatible(ret(order, "Wrong size"), ret(order, "Arrived too late"), bp)
    assert compatible(ret(order, "Wrong size"), ret(other, "Arrived too late"), bp)
    item = Walk(Goal("create", "addOrderItem", (("orderId", KeyOf(order)),
                                                ("product_id", KeyOf(Entity("products", "PRO-1001"))))))  # fmt: skip
    assert compatible(ret(order, "Wrong size"), item, bp)


async def test_a_request_that_only_adds_a_new_row_takes_any_partner(retail) -> None:
    """A plan whose one request makes a row that refers to nothing shares no row with anything, so any request
    that does not spoil it may join; once joined, the next one must share a row again."""
    bp, _, _ = retail
    lone = TaskPlan()
    lone.add(Walk(Goal("create", "createOrder", (("shipping_method", Known("pickup", "shipping_method")),))))
    customer = Entity("customers", "CUS-1001")
    phone = Walk(Goal("update", "updateCustomer", (("customerId", KeyOf(customer)),
                                                   ("phone", Known("555-0100", "phone"))), customer))  # fmt: skip
    assert fits(lone, phone, bp, 14)
    lone.add(phone)
    other = Entity("customers", "CUS-1002")
    city = Walk(
        Goal("update", "updateCustomer", (("customerId", KeyOf(other)), ("city", Known("Lyon", "city"))), other)
    )
    assert not fits(lone, city, bp, 14)


async def test_a_pick_that_no_longer_singles_out_its_row_is_rejected(retail) -> None:
    """Execution re-does every pick; a plan whose pick matches two rows is rejected with the reason."""
    bp, env, _ = retail
    w = walker(retail, 7)
    for _ in range(60):
        walk = w.sample()
        picked = [r for r in walk.resolutions.values() if r.pick is not None and not r.pick.extreme] if walk else []
        if picked:
            break
    resolution = picked[0]
    other = next(k for k in resolution.listed if k != resolution.entity.key)
    wrong = resolution.__class__(resolution.entity, resolution.tool, resolution.args,
                                 resolution.pick.__class__(resolution.pick.column, w.by_key[resolution.entity.table][other][resolution.pick.column]),
                                 listed=resolution.listed)  # fmt: skip
    walk.resolutions[resolution.entity] = wrong
    plan = TaskPlan()
    plan.add(walk)
    with pytest.raises(Rejected, match="does not single out"):
        instantiate(env, bp, plan, w.tools)
