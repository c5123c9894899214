"""Tools of a tau2-bench retail domain imported into AutoForge.

Same names, arguments, rules, results and error messages as tau2's retail toolkit, over the
relational layout of autoforge.synthesizer.tau2.retail. This file is tool code: it is copied into
the imported environment's tools.py and runs inside the sandbox. With TAU_BENCH set, the few rules
where the original tau-bench's tools differ from tau2's follow tau-bench (each place says how).
"""

import json

from autoforge.servers.arithmetic import evaluate
from autoforge.servers.toolkit import ToolError

TAU_BENCH = False
CANCEL_REASONS = ("no longer needed", "ordered by mistake")
CALCULATOR_CHARACTERS = "0123456789+-*/(). "
ADDRESS_FIELDS = ("address1", "address2", "city", "country", "state", "zip")


# ---- reading records ---------------------------------------------------------------------------


def _order(db, order_id):
    order = db.one("SELECT * FROM orders WHERE order_id = ?", order_id)
    if order is None:
        raise ToolError("Order not found")
    return order


def _user(db, user_id):
    user = db.one("SELECT * FROM users WHERE user_id = ?", user_id)
    if user is None:
        raise ToolError("User not found")
    return user


def _product(db, product_id):
    product = db.one("SELECT * FROM products WHERE product_id = ?", product_id)
    if product is None:
        raise ToolError("Product not found")
    return product


def _variant(db, product_id, item_id):
    _product(db, product_id)
    variant = db.one("SELECT * FROM variants WHERE product_id = ? AND item_id = ?", product_id, item_id)
    if variant is None:
        raise ToolError("Variant not found")
    return variant


def _payment_method(db, user_id, payment_method_id):
    _user(db, user_id)
    method = db.one("SELECT * FROM payment_methods WHERE user_id = ? AND id = ?", user_id, payment_method_id)
    if method is None:
        raise ToolError("Payment method not found")
    return method


def _items(db, order_id):
    return db.query("SELECT * FROM order_items WHERE order_id = ? ORDER BY position", order_id)


def _payments(db, order_id):
    return db.query("SELECT * FROM order_payments WHERE order_id = ? ORDER BY position", order_id)


def _first_item(items, item_id):
    for item in items:
        if item["item_id"] == item_id:
            return item
    return None


def _modifiable(order):
    """tau2 modifies the address and payment of 'pending (item modified)' orders too; tau-bench only of 'pending'."""
    return order["status"] == "pending" if TAU_BENCH else "pending" in order["status"]


def _json(value):
    return None if value is None else json.loads(value)


def _variant_record(row):
    return {
        "item_id": row["item_id"],
        "options": json.loads(row["options"]),
        "available": bool(row["available"]),
        "price": row["price"],
    }


def _product_record(db, product):
    variants = db.query("SELECT * FROM variants WHERE product_id = ? ORDER BY position", product["product_id"])
    return {
        "name": product["name"],
        "product_id": product["product_id"],
        "variants": {v["item_id"]: _variant_record(v) for v in variants},
    }


def _payment_method_record(row):
    record = {"source": row["source"], "id": row["id"]}
    for field in ("brand", "last_four", "balance"):
        if row[field] is not None:
            record[field] = row[field]
    return record


def _user_record(db, user):
    methods = db.query("SELECT * FROM payment_methods WHERE user_id = ? ORDER BY position", user["user_id"])
    return {
        "user_id": user["user_id"],
        "name": {"first_name": user["first_name"], "last_name": user["last_name"]},
        "address": {f: user[f] for f in ADDRESS_FIELDS},
        "email": user["email"],
        "payment_methods": {m["id"]: _payment_method_record(m) for m in methods},
        "orders": json.loads(user["orders"]),
    }


def _order_record(db, order_id):
    order = _order(db, order_id)
    fulfillments = db.query("SELECT * FROM order_fulfillments WHERE order_id = ? ORDER BY position", order_id)
    return {
        "order_id": order["order_id"],
        "user_id": order["user_id"],
        "address": {f: order[f] for f in ADDRESS_FIELDS},
        "items": [
            {
                "name": i["name"],
                "product_id": i["product_id"],
                "item_id": i["item_id"],
                "price": i["price"],
                "options": json.loads(i["options"]),
            }
            for i in _items(db, order_id)
        ],
        "status": order["status"],
        "fulfillments": [
            {"tracking_id": json.loads(f["tracking_id"]), "item_ids": json.loads(f["item_ids"])} for f in fulfillments
        ],
        "payment_history": [
            {
                "transaction_type": p["transaction_type"],
                "amount": p["amount"],
                "payment_method_id": p["payment_method_id"],
            }
            for p in _payments(db, order_id)
        ],
        "cancel_reason": order["cancel_reason"],
        "exchange_items": _json(order["exchange_items"]),
        "exchange_new_items": _json(order["exchange_new_items"]),
        "exchange_payment_method_id": order["exchange_payment_method_id"],
        "exchange_price_difference": order["exchange_price_difference"],
        "return_items": _json(order["return_items"]),
        "return_payment_method_id": order["return_payment_method_id"],
    }


# ---- writing -----------------------------------------------------------------------------------


def _append_payment(db, order_id, transaction_type, amount, payment_method_id):
    position = db.value("SELECT COUNT(*) FROM order_payments WHERE order_id = ?", order_id)
    db.insert(
        "order_payments",
        {
            "key": f"{order_id}/{position}",
            "order_id": order_id,
            "position": position,
            "transaction_type": transaction_type,
            "amount": float(amount),
            "payment_method_id": payment_method_id,
        },
    )


def _set_balance(db, method, balance):
    db.execute("UPDATE payment_methods SET balance = ? WHERE key = ?", round(balance, 2), method["key"])


def _check_counts(item_ids, order_items, message):
    present = [item["item_id"] for item in order_items]
    for item_id in item_ids:
        if item_ids.count(item_id) > present.count(item_id):
            raise ToolError(message(item_id))


# ---- tools -------------------------------------------------------------------------------------


def calculate(db, expression):
    if not all(char in CALCULATOR_CHARACTERS for char in expression):
        raise ToolError("Invalid characters in expression")
    return str(round(float(evaluate(expression)), 2))


def cancel_pending_order(db, order_id, reason):
    order = _order(db, order_id)
    if order["status"] != "pending":
        raise ToolError("Non-pending order cannot be cancelled")
    if reason not in CANCEL_REASONS:
        raise ToolError("Invalid reason")
    payments = _payments(db, order_id)
    for payment in payments:
        method = _payment_method(db, order["user_id"], payment["payment_method_id"])
        if method["source"] == "gift_card":
            _set_balance(db, method, method["balance"] + payment["amount"])
    db.execute("UPDATE orders SET status = 'cancelled', cancel_reason = ? WHERE order_id = ?", reason, order_id)
    for payment in payments:
        _append_payment(db, order_id, "refund", payment["amount"], payment["payment_method_id"])
    return _order_record(db, order_id)


def exchange_delivered_order_items(db, order_id, item_ids, new_item_ids, payment_method_id):
    order = _order(db, order_id)
    if order["status"] != "delivered":
        raise ToolError("Non-delivered order cannot be exchanged")
    items = _items(db, order_id)
    _check_counts(item_ids, items, lambda item_id: f"Number of {item_id} not found.")
    if len(item_ids) != len(new_item_ids):
        raise ToolError("The number of items to be exchanged should match.")
    diff_price = 0
    for item_id, new_item_id in zip(item_ids, new_item_ids):
        item = _first_item(items, item_id)
        if item is None:
            raise ToolError(f"Item {item_id} not found")
        variant = _variant(db, item["product_id"], new_item_id)
        if not variant["available"]:
            raise ToolError(f"New item {new_item_id} not found or available")
        diff_price += variant["price"] - item["price"]
    diff_price = round(diff_price, 2)
    method = _payment_method(db, order["user_id"], payment_method_id)
    if method["source"] == "gift_card" and method["balance"] < diff_price:
        raise ToolError("Insufficient gift card balance to pay for the price difference")
    db.execute(
        "UPDATE orders SET status = 'exchange requested', exchange_items = ?, exchange_new_items = ?, "
        "exchange_payment_method_id = ?, exchange_price_difference = ? WHERE order_id = ?",
        json.dumps(sorted(item_ids)), json.dumps(sorted(new_item_ids)), payment_method_id, diff_price, order_id,
    )  # fmt: skip
    return _order_record(db, order_id)


def find_user_id_by_name_zip(db, first_name, last_name, zip):
    # The zip must match exactly, so SQLite narrows the users to those at it; the names compare as tau2's do.
    for user in db.query("SELECT user_id, first_name, last_name FROM users WHERE zip = ? ORDER BY position", zip):
        if user["first_name"].lower() == first_name.lower() and user["last_name"].lower() == last_name.lower():
            return user["user_id"]
    raise ToolError("User not found")


def find_user_id_by_email(db, email):
    # SQLite's lower() folds ASCII only: it finds every ASCII address equal to the lowered one, and every
    # address holding another character (more bytes than characters) is a candidate too, compared here
    # with Python's lower() as in tau2.
    wanted = email.lower()
    candidates = db.query(
        "SELECT user_id, email FROM users WHERE lower(email) = ? "
        "OR length(CAST(email AS BLOB)) > length(email) ORDER BY position",
        wanted,
    )
    for user in candidates:
        if user["email"].lower() == wanted:
            return user["user_id"]
    raise ToolError("User not found")


def get_order_details(db, order_id):
    return _order_record(db, order_id)


def get_product_details(db, product_id):
    return _product_record(db, _product(db, product_id))


def get_item_details(db, item_id):
    variant = db.one(
        "SELECT v.* FROM variants v JOIN products p ON p.product_id = v.product_id "
        "WHERE v.item_id = ? ORDER BY p.position, v.position LIMIT 1",
        item_id,
    )
    if variant is None:
        raise ToolError("Item not found")
    return _variant_record(variant)


def get_user_details(db, user_id):
    return _user_record(db, _user(db, user_id))


def list_all_product_types(db):
    names = {p["name"]: p["product_id"] for p in db.query("SELECT name, product_id FROM products ORDER BY position")}
    return json.dumps(names, sort_keys=True)


def modify_pending_order_address(db, order_id, address1, address2, city, state, country, zip):
    order = _order(db, order_id)
    if not _modifiable(order):
        raise ToolError("Non-pending order cannot be modified")
    db.execute(
        "UPDATE orders SET address1 = ?, address2 = ?, city = ?, country = ?, state = ?, zip = ? WHERE order_id = ?",
        address1, address2, city, country, state, zip, order_id,
    )  # fmt: skip
    return _order_record(db, order_id)


def modify_pending_order_items(db, order_id, item_ids, new_item_ids, payment_method_id):
    order = _order(db, order_id)
    if order["status"] != "pending":
        raise ToolError("Non-pending order cannot be modified")
    items = _items(db, order_id)
    _check_counts(item_ids, items, lambda item_id: f"{item_id} not found")
    if len(item_ids) != len(new_item_ids):
        raise ToolError("The number of items to be exchanged should match")
    diff_price = 0
    variant = None
    for item_id, new_item_id in zip(item_ids, new_item_ids):
        if item_id == new_item_id and not TAU_BENCH:  # tau-bench allows it
            raise ToolError("The new item id should be different from the old item id")
        item = _first_item(items, item_id)
        if item is None:
            raise ToolError(f"Item {item_id} not found")
        variant = _variant(db, item["product_id"], new_item_id)
        if not variant["available"]:
            raise ToolError(f"New item {new_item_id} not found or available")
        diff_price += variant["price"] - item["price"]
    method = _payment_method(db, order["user_id"], payment_method_id)
    if method["source"] == "gift_card" and method["balance"] < diff_price:
        raise ToolError("Insufficient gift card balance to pay for the new item")
    _append_payment(db, order_id, "payment" if diff_price > 0 else "refund", abs(diff_price), payment_method_id)
    if method["source"] == "gift_card":
        _set_balance(db, method, method["balance"] - diff_price)
    # As in tau2, every swapped item takes the price and options of the last new variant checked above;
    # in tau-bench, those of its own new variant.
    for item_id, new_item_id in zip(item_ids, new_item_ids):
        item = _first_item(items, item_id)
        new = _variant(db, item["product_id"], new_item_id) if TAU_BENCH else variant
        item["item_id"] = new_item_id
        db.execute(
            "UPDATE order_items SET item_id = ?, price = ?, options = ? WHERE key = ?",
            new_item_id, new["price"], new["options"], item["key"],
        )  # fmt: skip
    db.execute("UPDATE orders SET status = 'pending (item modified)' WHERE order_id = ?", order_id)
    return _order_record(db, order_id)


def modify_pending_order_payment(db, order_id, payment_method_id):
    order = _order(db, order_id)
    if not _modifiable(order):
        raise ToolError("Non-pending order cannot be modified")
    method = _payment_method(db, order["user_id"], payment_method_id)
    payments = _payments(db, order_id)
    if len(payments) != 1 or payments[0]["transaction_type"] != "payment":
        raise ToolError("There should be exactly one payment for a pending order")
    old_method_id = payments[0]["payment_method_id"]
    if old_method_id == payment_method_id:
        raise ToolError("The new payment method should be different from the current one")
    amount = payments[0]["amount"]
    if method["source"] == "gift_card" and method["balance"] < amount:
        raise ToolError("Insufficient gift card balance to pay for the order")
    _append_payment(db, order_id, "payment", amount, payment_method_id)
    _append_payment(db, order_id, "refund", amount, old_method_id)
    if method["source"] == "gift_card":
        _set_balance(db, method, method["balance"] - amount)
    old_method = _payment_method(db, order["user_id"], old_method_id)
    if old_method["source"] == "gift_card":
        _set_balance(db, old_method, old_method["balance"] + amount)
    return _order_record(db, order_id)


def modify_user_address(db, user_id, address1, address2, city, state, country, zip):
    _user(db, user_id)
    db.execute(
        "UPDATE users SET address1 = ?, address2 = ?, city = ?, country = ?, state = ?, zip = ? WHERE user_id = ?",
        address1, address2, city, country, state, zip, user_id,
    )  # fmt: skip
    return _user_record(db, _user(db, user_id))


def return_delivered_order_items(db, order_id, item_ids, payment_method_id):
    order = _order(db, order_id)
    if order["status"] != "delivered":
        raise ToolError("Non-delivered order cannot be returned")
    user = _user(db, order["user_id"])
    method = _payment_method(db, user["user_id"], payment_method_id)
    payments = _payments(db, order_id)
    if not payments and method["source"] != "gift_card":
        raise ToolError("list index out of range")
    if method["source"] != "gift_card" and payment_method_id != payments[0]["payment_method_id"]:
        raise ToolError("Payment method should be the original payment method")
    _check_counts(item_ids, _items(db, order_id), lambda item_id: "Some item not found")
    db.execute(
        "UPDATE orders SET status = 'return requested', return_items = ?, return_payment_method_id = ? WHERE order_id = ?",
        json.dumps(sorted(item_ids)), payment_method_id, order_id,
    )  # fmt: skip
    return _order_record(db, order_id)


def think(db, thought):
    return ""


def transfer_to_human_agents(db, summary):
    return "Transfer successful"
