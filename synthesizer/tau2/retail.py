"""The retail domain: products with variants, users with payment methods, orders with items and payments."""

from __future__ import annotations

from .domain import Domain, Param, ToolDecl, array_of, string
from .layout import Col, Many, Obj

__all__ = ["RETAIL"]

ORDER_STATUSES = (
    "processed",
    "pending",
    "pending (item modified)",
    "delivered",
    "cancelled",
    "exchange requested",
    "return requested",
)
ADDRESS = Obj("address", tuple(Col(n) for n in ("address1", "address2", "city", "country", "state", "zip")))

LAYOUT = (
    Many(
        "products",
        "products",
        "map",
        (
            Col("name"),
            Col("product_id"),
            Many(
                "variants",
                "variants",
                "map",
                (
                    Col("item_id"),
                    Col("options", json=True, description="Option name -> value, as JSON text."),
                    Col("available", "INTEGER", boolean=True, description="1 when in stock."),
                    Col("price", "REAL"),
                ),
                map_key="item_id",
                description="The variants (items) of each product.",
            ),
        ),
        map_key="product_id",
        description="Product types.",
    ),
    Many(
        "users",
        "users",
        "map",
        (
            Col("user_id"),
            Obj("name", (Col("first_name"), Col("last_name"))),
            ADDRESS,
            Col("email"),
            Many(
                "payment_methods",
                "payment_methods",
                "map",
                (
                    Col("source", enum=("credit_card", "gift_card", "paypal")),
                    Col("id"),
                    Col("brand", omit_null=True, description="Credit cards only."),
                    Col("last_four", omit_null=True, description="Credit cards only."),
                    Col("balance", "REAL", omit_null=True, description="Gift cards only."),
                ),
                map_key="id",
                description="Each user's saved payment methods.",
            ),
            Col("orders", json=True, description="The user's order ids, as a JSON list."),
        ),
        map_key="user_id",
        description="Customers.",
    ),
    Many(
        "orders",
        "orders",
        "map",
        (
            Col("order_id"),
            Col("user_id"),
            ADDRESS,
            Many(
                "items",
                "order_items",
                "list",
                (
                    Col("name"),
                    Col("product_id"),
                    Col("item_id"),
                    Col("price", "REAL"),
                    Col("options", json=True, description="Option name -> value, as JSON text."),
                ),
                description="The items of each order.",
            ),
            Col("status", enum=ORDER_STATUSES),
            Many(
                "fulfillments",
                "order_fulfillments",
                "list",
                (Col("tracking_id", json=True), Col("item_ids", json=True)),
                description="Shipments of each order.",
            ),
            Many(
                "payment_history",
                "order_payments",
                "list",
                (
                    Col("transaction_type", enum=("payment", "refund")),
                    Col("amount", "REAL"),
                    Col("payment_method_id"),
                ),
                description="Payments and refunds of each order.",
            ),
            Col("cancel_reason", nullable=True, enum=("no longer needed", "ordered by mistake")),
            Col("exchange_items", nullable=True, json=True),
            Col("exchange_new_items", nullable=True, json=True),
            Col("exchange_payment_method_id", nullable=True),
            Col("exchange_price_difference", "REAL", nullable=True),
            Col("return_items", nullable=True, json=True),
            Col("return_payment_method_id", nullable=True),
        ),
        map_key="order_id",
        description="Orders.",
    ),
)

ORDER_ID = Param("order_id", string(), "The order id, such as '#W0000000' (with the leading '#').")
USER_ID = Param("user_id", string(), "The user id, such as 'sara_doe_496'.")
PAYMENT_METHOD_ID = Param(
    "payment_method_id",
    string(),
    "A payment method id of the user, such as 'gift_card_0000000' or 'credit_card_0000000'.",
)
ITEM_IDS = Param("item_ids", array_of(string()), "Item ids of the order; an id may repeat.")
NEW_ITEM_IDS = Param(
    "new_item_ids", array_of(string()), "The replacement item ids, position by position, of the same product."
)
ADDRESS_PARAMS = tuple(Param(n, string()) for n in ("address1", "address2", "city", "state", "country", "zip"))
ORDER_TABLES = ("orders", "order_items", "order_payments", "payment_methods", "variants")

TOOLS = (
    ToolDecl("calculate", "Evaluate an arithmetic expression and round the result to 2 decimals.",
             (Param("expression", string(), "Numbers, + - * /, parentheses and spaces, such as '2 + 2'."),)),
    ToolDecl("cancel_pending_order", "Cancel a pending order and refund its payments (gift cards at once).",
             (ORDER_ID, Param("reason", string(), "'no longer needed' or 'ordered by mistake'.")), True, ORDER_TABLES),
    ToolDecl("exchange_delivered_order_items", "Request an exchange of delivered items for other variants of the same products.",
             (ORDER_ID, ITEM_IDS, NEW_ITEM_IDS, PAYMENT_METHOD_ID), True, ORDER_TABLES),
    ToolDecl("find_user_id_by_name_zip", "Find a user id by first name, last name and zip code.",
             (Param("first_name", string()), Param("last_name", string()), Param("zip", string())), tables=("users",)),
    ToolDecl("find_user_id_by_email", "Find a user id by email.", (Param("email", string()),), tables=("users",)),
    ToolDecl("get_order_details", "The status and details of an order.", (ORDER_ID,), tables=ORDER_TABLES[:3]),
    ToolDecl("get_product_details", "A product and all its variants.",
             (Param("product_id", string(), "The product id (not an item id), such as '6086499569'."),),
             tables=("products", "variants")),
    ToolDecl("get_item_details", "One item (variant): its options, availability and price.",
             (Param("item_id", string(), "The item id (not a product id), such as '6086499569'."),),
             tables=("products", "variants")),
    ToolDecl("get_user_details", "A user's profile, payment methods and order ids.", (USER_ID,),
             tables=("users", "payment_methods")),
    ToolDecl("list_all_product_types", "Every product type's name and product id, as JSON sorted by name.",
             tables=("products",)),
    ToolDecl("modify_pending_order_address", "Change the shipping address of a pending order.",
             (ORDER_ID, *ADDRESS_PARAMS), True, ("orders",)),
    ToolDecl("modify_pending_order_items", "Swap items of a pending order for other variants of the same products (once).",
             (ORDER_ID, ITEM_IDS, NEW_ITEM_IDS, PAYMENT_METHOD_ID), True, ORDER_TABLES),
    ToolDecl("modify_pending_order_payment", "Pay a pending order with another payment method.",
             (ORDER_ID, PAYMENT_METHOD_ID), True, ORDER_TABLES),
    ToolDecl("modify_user_address", "Change a user's default address.", (USER_ID, *ADDRESS_PARAMS), True, ("users",)),
    ToolDecl("return_delivered_order_items", "Request a return of delivered items.",
             (ORDER_ID, ITEM_IDS, PAYMENT_METHOD_ID), True, ORDER_TABLES),
    ToolDecl("transfer_to_human_agents", "Hand the user over to a human agent, with a summary of the issue.",
             (Param("summary", string()),)),
)  # fmt: skip

RETAIL = Domain(
    name="retail",
    description="tau2-bench retail: a customer-service agent cancels, modifies, returns and exchanges orders "
    "of an online store under a written policy.",
    layout=LAYOUT,
    tools=TOOLS,
    tools_file="retail_tools.py",
)
