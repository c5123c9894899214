"""The imported retail tools over MCP: tau2's results, rules and error messages, on the fixture's data."""

from __future__ import annotations

import sqlite3

import pytest
from autoforge.servers import Db, ToolError
from autoforge.synthesizer.tau2 import retail_tools


async def test_calculate_rounds_like_tau2_and_refuses_other_characters(session) -> None:
    """calculate rounds to 2 decimals and names invalid characters or a division by zero."""
    async with session("retail") as s:
        assert await s.call("calculate", expression="55.1 * 2") == "110.2"
        assert await s.call("calculate", expression="(1 + 2) / 3 - 1/3") == str(round((1 + 2) / 3 - 1 / 3, 2))
        assert await s.error("calculate", expression="2 + x") == "Error: Invalid characters in expression"
        assert await s.error("calculate", expression="10 / 0") == "Error: division by zero"


async def test_lookups_match_case_insensitively_but_zip_exactly(session) -> None:
    """Names and emails match in any case; the zip code must match exactly; misses say which record is missing."""
    async with session("retail") as s:
        assert (
            await s.call("find_user_id_by_name_zip", first_name="ADA", last_name="lane", zip="10001") == "ada_lane_101"
        )
        assert await s.call("find_user_id_by_email", email="Ada.Lane@Example.com") == "ada_lane_101"
        assert (
            await s.error("find_user_id_by_name_zip", first_name="Ada", last_name="Lane", zip="10002")
            == "Error: User not found"
        )
        assert await s.error("get_product_details", product_id="2000000011") == "Error: Product not found"
        assert await s.error("get_item_details", item_id="1000000001") == "Error: Item not found"
        assert await s.error("get_order_details", order_id="W100") == "Error: Order not found"
        assert (
            await s.call("list_all_product_types")
            == '{"Lamp": "1000000002", "Mug": "1000000001", "Notebook": "1000000003"}'
        )
        assert await s.call("transfer_to_human_agents", summary="wants a manager") == "Transfer successful"


async def test_records_have_tau2s_shape(session) -> None:
    """A user's payment methods keep their variant fields; an order carries every optional field, null until set."""
    async with session("retail") as s:
        user = await s.call("get_user_details", user_id="ben_ortiz_202")
        assert user["payment_methods"] == {
            "paypal_200": {"source": "paypal", "id": "paypal_200"},
            "gift_card_201": {"source": "gift_card", "id": "gift_card_201", "balance": 5.0},
        }
        assert user["name"] == {"first_name": "Ben", "last_name": "Ortiz"} and user["orders"] == ["#W200", "#W201"]
        order = await s.call("get_order_details", order_id="#W201")
        assert list(order)[-7:] == [
            "cancel_reason", "exchange_items", "exchange_new_items", "exchange_payment_method_id",
            "exchange_price_difference", "return_items", "return_payment_method_id",
        ]  # fmt: skip
        assert order["fulfillments"][0]["tracking_id"] == ["700000020101"]
        assert await s.call("get_item_details", item_id="2000000013") == {
            "item_id": "2000000013", "options": {"color": "red", "size": "large"}, "available": False, "price": 15.0
        }  # fmt: skip


async def test_cancelling_refunds_gift_cards_at_once(session) -> None:
    """A pending order is cancelled with a refund per payment; only gift cards are credited immediately."""
    async with session("retail") as s:
        assert (
            await s.error("cancel_pending_order", order_id="#W101", reason="no longer needed")
            == "Error: Non-pending order cannot be cancelled"
        )
        assert (
            await s.error("cancel_pending_order", order_id="#W100", reason="too expensive") == "Error: Invalid reason"
        )
        order = await s.call("cancel_pending_order", order_id="#W100", reason="no longer needed")
        assert order["status"] == "cancelled" and order["cancel_reason"] == "no longer needed"
        assert order["payment_history"][-1] == {
            "transaction_type": "refund",
            "amount": 52.5,
            "payment_method_id": "gift_card_101",
        }
        user = await s.call("get_user_details", user_id="ada_lane_101")
        assert user["payment_methods"]["gift_card_101"]["balance"] == 112.5


async def test_modifying_items_keeps_tau2s_pricing_and_is_allowed_once(session) -> None:
    """Every swapped item takes the last new variant's price and options; the unrounded difference is charged."""
    async with session("retail") as s:
        order = await s.call(
            "modify_pending_order_items", order_id="#W100", item_ids=["2000000011", "2000000021"],
            new_item_ids=["2000000012", "2000000023"], payment_method_id="gift_card_101",
        )  # fmt: skip
        difference = 0 + (13.75 - 12.5) + (47.3 - 40.0)
        assert [i["item_id"] for i in order["items"]] == ["2000000012", "2000000023"]
        assert [i["price"] for i in order["items"]] == [47.3, 47.3]
        assert order["items"][0]["options"] == {"brightness": "medium", "power": "USB"}
        assert order["payment_history"][-1] == {
            "transaction_type": "payment",
            "amount": difference,
            "payment_method_id": "gift_card_101",
        }
        assert order["status"] == "pending (item modified)"
        user = await s.call("get_user_details", user_id="ada_lane_101")
        assert user["payment_methods"]["gift_card_101"]["balance"] == round(60.0 - difference, 2)
        again = await s.error(
            "modify_pending_order_items",
            order_id="#W100",
            item_ids=["2000000012"],
            new_item_ids=["2000000014"],
            payment_method_id="gift_card_101",
        )
        assert again == "Error: Non-pending order cannot be modified"


async def test_item_rules_are_checked_in_tau2s_order(session) -> None:
    """Missing, repeated, unchanged and unavailable items each get tau2's message, and nothing changes."""
    async with session("retail") as s:
        base = {"order_id": "#W100", "payment_method_id": "gift_card_101"}
        assert (
            await s.error(
                "modify_pending_order_items",
                item_ids=["2000000011", "2000000011"],
                new_item_ids=["2000000012", "2000000012"],
                **base,
            )
            == "Error: 2000000011 not found"
        )
        assert (
            await s.error("modify_pending_order_items", item_ids=["2000000011"], new_item_ids=["2000000011"], **base)
            == "Error: The new item id should be different from the old item id"
        )
        assert (
            await s.error("modify_pending_order_items", item_ids=["2000000011"], new_item_ids=["2000000013"], **base)
            == "Error: New item 2000000013 not found or available"
        )
        assert (
            await s.error("modify_pending_order_items", item_ids=["2000000011"], new_item_ids=[], **base)
            == "Error: The number of items to be exchanged should match"
        )
        assert (
            await s.error(
                "exchange_delivered_order_items",
                order_id="#W101",
                item_ids=["2000000012"] * 3,
                new_item_ids=["2000000014"] * 3,
                payment_method_id="credit_card_100",
            )
            == "Error: Number of 2000000012 not found."
        )
        assert (await s.call("get_order_details", order_id="#W100"))["status"] == "pending"


async def test_swapping_two_items_with_each_other_follows_tau2s_item_matching(session) -> None:
    """Swapping items A<->B changes the first item twice (tau2 matches by current id) and prices both as the last variant."""
    async with session("retail") as s:
        order = await s.call(
            "modify_pending_order_items", order_id="#W200", item_ids=["2000000031", "2000000032"],
            new_item_ids=["2000000032", "2000000031"], payment_method_id="paypal_200",
        )  # fmt: skip
        assert [i["item_id"] for i in order["items"]] == ["2000000031", "2000000032"]
        assert [i["price"] for i in order["items"]] == [3.2, 5.9]
        difference = 0 + (5.9 - 3.2) + (3.2 - 5.9)
        assert order["payment_history"][-1]["transaction_type"] == ("payment" if difference > 0 else "refund")


async def test_returns_and_exchanges_record_sorted_items(session) -> None:
    """Returns go to the original method or a gift card; exchanges record sorted ids and the rounded difference."""
    async with session("retail") as s:
        assert (
            await s.error(
                "return_delivered_order_items",
                order_id="#W201",
                item_ids=["2000000023"],
                payment_method_id="paypal_200",
            )
            == "Error: Payment method should be the original payment method"
        )
        assert (
            await s.error(
                "return_delivered_order_items",
                order_id="#W100",
                item_ids=["2000000011"],
                payment_method_id="gift_card_101",
            )
            == "Error: Non-delivered order cannot be returned"
        )
        returned = await s.call(
            "return_delivered_order_items",
            order_id="#W101",
            item_ids=["2000000031", "2000000012"],
            payment_method_id="gift_card_101",
        )
        assert returned["status"] == "return requested" and returned["return_items"] == ["2000000012", "2000000031"]
        dearer = {
            "order_id": "#W201",
            "item_ids": ["2000000023"],
            "new_item_ids": ["2000000022"],
            "payment_method_id": "gift_card_201",
        }
        assert (
            await s.error("exchange_delivered_order_items", **dearer)
            == "Error: Insufficient gift card balance to pay for the price difference"
        )
        exchanged = await s.call("exchange_delivered_order_items", **{**dearer, "new_item_ids": ["2000000021"]})
        assert exchanged["exchange_new_items"] == ["2000000021"] and exchanged["exchange_price_difference"] == round(
            40.0 - 47.3, 2
        )
        assert (
            await s.error(
                "exchange_delivered_order_items",
                order_id="#W201",
                item_ids=["2000000023"],
                new_item_ids=["2000000022"],
                payment_method_id="gift_card_201",
            )
            == "Error: Non-delivered order cannot be exchanged"
        )


async def test_changing_payment_moves_the_money_between_methods(session) -> None:
    """A pending order paid once can move to another method: a payment and a refund, gift card balances updated."""
    async with session("retail") as s:
        assert (
            await s.error("modify_pending_order_payment", order_id="#W200", payment_method_id="gift_card_201")
            == "Error: Insufficient gift card balance to pay for the order"
        )
        assert (
            await s.error("modify_pending_order_payment", order_id="#W200", payment_method_id="paypal_200")
            == "Error: The new payment method should be different from the current one"
        )
        assert (
            await s.error("modify_pending_order_payment", order_id="#W200", payment_method_id="credit_card_100")
            == "Error: Payment method not found"
        )
        order = await s.call("modify_pending_order_payment", order_id="#W100", payment_method_id="credit_card_100")
        assert order["payment_history"][1:] == [
            {"transaction_type": "payment", "amount": 52.5, "payment_method_id": "credit_card_100"},
            {"transaction_type": "refund", "amount": 52.5, "payment_method_id": "gift_card_101"},
        ]
        assert (await s.call("get_user_details", user_id="ada_lane_101"))["payment_methods"]["gift_card_101"][
            "balance"
        ] == 112.5
        assert (
            await s.error("modify_pending_order_payment", order_id="#W100", payment_method_id="gift_card_101")
            == "Error: There should be exactly one payment for a pending order"
        )


async def test_addresses_change_on_pending_orders_and_users(session) -> None:
    """A pending order's or a user's address is replaced whole; other orders and unknown users are refused."""
    async with session("retail") as s:
        address = {
            "address1": "1 New Street",
            "address2": "",
            "city": "Boston",
            "state": "MA",
            "country": "USA",
            "zip": "02110",
        }
        order = await s.call("modify_pending_order_address", order_id="#W200", **address)
        assert order["address"] == {k: address[k] for k in ("address1", "address2", "city", "country", "state", "zip")}
        assert (
            await s.error("modify_pending_order_address", order_id="#W201", **address)
            == "Error: Non-pending order cannot be modified"
        )
        assert (await s.call("modify_user_address", user_id="cy_moss_303", **address))["address"]["city"] == "Boston"
        assert await s.error("modify_user_address", user_id="nobody", **address) == "Error: User not found"


def test_user_lookups_narrowed_in_sqlite_match_exactly_as_pythons_lower_does() -> None:
    """Emails with characters SQLite does not fold (É, the Kelvin sign) are still found; the first user wins."""
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.execute("CREATE TABLE users (user_id TEXT, position INTEGER, first_name TEXT, last_name TEXT, zip TEXT, email TEXT)")
    rows = [
        ("kelvin", 0, "Kai", "Lane", "10001", "\u212aai@example.com"),  # Python lowers the Kelvin sign to k
        ("elise", 1, "Élise", "Roy", "10001", "ÉLISE@Example.com"),
        ("kai", 2, "KAI", "lane", "10001", "kai@example.com"),
        ("other", 3, "Kai", "Lane", "20002", "other@example.com"),
    ]
    conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)", rows)
    db = Db(conn, "2025-01-01T00:00:00", {})
    assert retail_tools.find_user_id_by_email(db, "KAI@example.com") == "kelvin"
    assert retail_tools.find_user_id_by_email(db, "élise@example.com") == "elise"
    assert retail_tools.find_user_id_by_name_zip(db, "kai", "LANE", "10001") == "kelvin"
    assert retail_tools.find_user_id_by_name_zip(db, "élise", "roy", "10001") == "elise"
    assert retail_tools.find_user_id_by_name_zip(db, "Kai", "Lane", "20002") == "other"
    with pytest.raises(ToolError, match="User not found"):
        retail_tools.find_user_id_by_email(db, "nobody@example.com")
    with pytest.raises(ToolError, match="User not found"):
        retail_tools.find_user_id_by_name_zip(db, "Kai", "Lane", "30003")
