"""Tools of a tau2-bench airline domain imported into AutoForge.

Same names, arguments, rules, results and error messages as tau2's airline toolkit, over the
relational layout of autoforge.synthesizer.tau2.airline. This file is tool code: it is copied into
the imported environment's tools.py (with AIRPORTS read from the checkout) and runs in the sandbox.
With TAU_BENCH set, the few rules where the original tau-bench's tools differ from tau2's follow
tau-bench (each place says how).
"""

import json

from autoforge.servers.arithmetic import evaluate
from autoforge.servers.toolkit import ToolError

TAU_BENCH = False
AIRPORTS = []
NEW_RESERVATION_IDS = ("HATHAT", "HATHAU", "HATHAV")
NEW_CERTIFICATE_IDS = ("certificate_3221322", "certificate_3221323", "certificate_3221324")
CALCULATOR_CHARACTERS = "0123456789+-*/(). "
INSURANCE_PER_PASSENGER = 30
PRICE_PER_BAG = 50


# ---- reading records ---------------------------------------------------------------------------


def _user(db, user_id):
    user = db.one("SELECT * FROM users WHERE user_id = ?", user_id)
    if user is None:
        raise ToolError(f"User {user_id} not found")
    return user


def _reservation(db, reservation_id):
    reservation = db.one("SELECT * FROM reservations WHERE reservation_id = ?", reservation_id)
    if reservation is None:
        raise ToolError(f"Reservation {reservation_id} not found")
    return reservation


def _flight(db, flight_number):
    flight = db.one("SELECT * FROM flights WHERE flight_number = ?", flight_number)
    if flight is None:
        raise ToolError(f"Flight {flight_number} not found")
    return flight


def _flight_date(db, flight_number, date):
    _flight(db, flight_number)
    instance = db.one("SELECT * FROM flight_dates WHERE flight_number = ? AND date = ?", flight_number, date)
    if instance is None:
        raise ToolError(f"Flight {flight_number} not found on date {date}")
    return instance


def _methods(db, user_id):
    return db.query("SELECT * FROM payment_methods WHERE user_id = ? ORDER BY position", user_id)


def _method(db, user_id, payment_id):
    return db.one("SELECT * FROM payment_methods WHERE user_id = ? AND id = ?", user_id, payment_id)


def _rows(db, table, reservation_id):
    return db.query(f"SELECT * FROM {table} WHERE reservation_id = ? ORDER BY position", reservation_id)


def _passenger(row):
    return {"first_name": row["first_name"], "last_name": row["last_name"], "dob": row["dob"]}


def _method_record(row):
    record = {"source": row["source"], "id": row["id"]}
    for field in ("brand", "last_four", "amount"):
        if row[field] is not None:
            record[field] = row[field]
    return record


def _user_record(db, user):
    passengers = db.query("SELECT * FROM saved_passengers WHERE user_id = ? ORDER BY position", user["user_id"])
    return {
        "user_id": user["user_id"],
        "name": {"first_name": user["first_name"], "last_name": user["last_name"]},
        "address": {f: user[f] for f in ("address1", "address2", "city", "country", "state", "zip")},
        "email": user["email"],
        "dob": user["dob"],
        "payment_methods": {m["id"]: _method_record(m) for m in _methods(db, user["user_id"])},
        "saved_passengers": [_passenger(p) for p in passengers],
        "membership": user["membership"],
        "reservations": json.loads(user["reservations"]),
    }


def _flight_record(row):
    return {
        "flight_number": row["flight_number"],
        "origin": row["origin"],
        "destination": row["destination"],
        "date": row["date"],
        "price": row["price"],
    }


def _reservation_record(db, reservation_id):
    reservation = _reservation(db, reservation_id)
    return {
        "reservation_id": reservation["reservation_id"],
        "user_id": reservation["user_id"],
        "origin": reservation["origin"],
        "destination": reservation["destination"],
        "flight_type": reservation["flight_type"],
        "cabin": reservation["cabin"],
        "flights": [_flight_record(f) for f in _rows(db, "reservation_flights", reservation_id)],
        "passengers": [_passenger(p) for p in _rows(db, "reservation_passengers", reservation_id)],
        "payment_history": [
            {"payment_id": p["payment_id"], "amount": p["amount"]}
            for p in _rows(db, "reservation_payments", reservation_id)
        ],
        "created_at": reservation["created_at"],
        "total_baggages": reservation["total_baggages"],
        "nonfree_baggages": reservation["nonfree_baggages"],
        "insurance": reservation["insurance"],
        "status": reservation["status"],
    }


def _search_direct_flight(db, date, origin=None, destination=None, leave_after=None):
    rows = db.query(
        "SELECT f.*, d.status, d.available_seats, d.prices FROM flights f "
        "LEFT JOIN flight_dates d ON d.flight_number = f.flight_number AND d.date = ? ORDER BY f.position",
        date,
    )
    results = []
    for flight in rows:
        if (
            (origin is None or flight["origin"] == origin)
            and (destination is None or flight["destination"] == destination)
            and flight["status"] == "available"
            and (leave_after is None or flight["scheduled_departure_time_est"] >= leave_after)
        ):
            results.append(
                {
                    "flight_number": flight["flight_number"],
                    "origin": flight["origin"],
                    "destination": flight["destination"],
                    "status": "available",
                    "scheduled_departure_time_est": flight["scheduled_departure_time_est"],
                    "scheduled_arrival_time_est": flight["scheduled_arrival_time_est"],
                    "date": None,
                    "available_seats": json.loads(flight["available_seats"]),
                    "prices": json.loads(flight["prices"]),
                }
            )
    return results


# ---- writing -----------------------------------------------------------------------------------


def _append(db, table, reservation_id, values):
    position = db.value(f"SELECT COUNT(*) FROM {table} WHERE reservation_id = ?", reservation_id)
    db.insert(
        table, {"key": f"{reservation_id}/{position}", "reservation_id": reservation_id, "position": position, **values}
    )


def _replace(db, table, reservation_id, records):
    db.execute(f"DELETE FROM {table} WHERE reservation_id = ?", reservation_id)
    for record in records:
        _append(db, table, reservation_id, record)


def _payment_for_update(db, user_id, payment_id, total_price):
    """Charge (or refund, when negative) a change to a reservation; the payment to record, or None."""
    method = _method(db, user_id, payment_id)
    if method is None:
        raise ToolError("Payment method not found")
    if method["source"] == "certificate":
        raise ToolError("Certificate cannot be used to update reservation")
    if method["source"] == "gift_card" and method["amount"] < total_price:
        raise ToolError("Gift card balance is not enough")
    if method["source"] == "gift_card":
        db.execute("UPDATE payment_methods SET amount = ? WHERE key = ?", method["amount"] - total_price, method["key"])
    if total_price != 0:
        return {"payment_id": payment_id, "amount": total_price}
    return None


def _remove_method(db, method):
    db.execute("DELETE FROM payment_methods WHERE key = ?", method["key"])
    db.execute(
        "UPDATE payment_methods SET position = position - 1 WHERE user_id = ? AND position > ?",
        method["user_id"], method["position"],
    )  # fmt: skip


# ---- tools -------------------------------------------------------------------------------------


def book_reservation(
    db, user_id, origin, destination, flight_type, cabin, flights, passengers, payment_methods,
    total_baggages, nonfree_baggages, insurance,
):  # fmt: skip
    passengers = [_passenger(p) for p in passengers]
    payments = [{"payment_id": p["payment_id"], "amount": int(p["amount"])} for p in payment_methods]
    user = _user(db, user_id)
    taken = {
        r["reservation_id"]
        for r in db.query(
            "SELECT reservation_id FROM reservations WHERE reservation_id IN (?, ?, ?)", *NEW_RESERVATION_IDS
        )
    }
    free = [r for r in NEW_RESERVATION_IDS if r not in taken]
    if not free:
        raise ToolError("Too many reservations")
    reservation_id = free[0]
    total_price = 0
    booked = []
    instances = []
    for info in flights:
        flight_number = info["flight_number"]
        flight = _flight(db, flight_number)
        instance = _flight_date(db, flight_number, info["date"])
        if instance["status"] != "available":
            raise ToolError(f"Flight {flight_number} not available on date {info['date']}")
        if json.loads(instance["available_seats"])[cabin] < len(passengers):
            raise ToolError(f"Not enough seats on flight {flight_number}")
        price = json.loads(instance["prices"])[cabin]
        booked.append(
            {
                "flight_number": flight_number,
                "origin": flight["origin"],
                "destination": flight["destination"],
                "date": info["date"],
                "price": price,
            }
        )
        instances.append(instance["key"])
        total_price += price * len(passengers)
    if insurance == "yes":
        total_price += INSURANCE_PER_PASSENGER * len(passengers)
    total_price += PRICE_PER_BAG * nonfree_baggages
    for payment in payments:
        method = _method(db, user_id, payment["payment_id"])
        if method is None:
            raise ToolError(f"Payment method {payment['payment_id']} not found")
        if method["source"] in ("gift_card", "certificate") and method["amount"] < payment["amount"]:
            raise ToolError(f"Not enough balance in payment method {payment['payment_id']}")
    total_payment = sum(p["amount"] for p in payments)
    if total_payment != total_price:
        raise ToolError(f"Payment amount does not add up, total price is {total_price}, but paid {total_payment}")
    for payment in payments:
        method = _method(db, user_id, payment["payment_id"])
        if method is None:  # a certificate listed twice: tau2's second removal fails with a KeyError
            raise ToolError(f"'{payment['payment_id']}'")
        if method["source"] == "gift_card":
            db.execute(
                "UPDATE payment_methods SET amount = ? WHERE key = ?",
                method["amount"] - payment["amount"],
                method["key"],
            )
        elif method["source"] == "certificate":
            _remove_method(db, method)
    if not TAU_BENCH:  # tau-bench leaves the seat counts as they are
        for key in instances:
            seats = json.loads(db.value("SELECT available_seats FROM flight_dates WHERE key = ?", key))
            seats[cabin] -= len(passengers)
            db.execute("UPDATE flight_dates SET available_seats = ? WHERE key = ?", json.dumps(seats), key)
    db.insert(
        "reservations",
        {
            "reservation_id": reservation_id,
            "position": db.value("SELECT COUNT(*) FROM reservations"),
            "user_id": user_id,
            "origin": origin,
            "destination": destination,
            "flight_type": flight_type,
            "cabin": cabin,
            "created_at": db.now(),
            "total_baggages": int(total_baggages),
            "nonfree_baggages": int(nonfree_baggages),
            "insurance": insurance,
            "status": None,
        },
    )
    _replace(db, "reservation_flights", reservation_id, booked)
    _replace(db, "reservation_passengers", reservation_id, passengers)
    _replace(db, "reservation_payments", reservation_id, payments)
    reservations = json.loads(user["reservations"]) + [reservation_id]
    db.execute("UPDATE users SET reservations = ? WHERE user_id = ?", json.dumps(reservations), user_id)
    return _reservation_record(db, reservation_id)


def calculate(db, expression):
    if not all(char in CALCULATOR_CHARACTERS for char in expression):
        raise ToolError("Invalid characters in expression")
    return str(round(float(evaluate(expression)), 2))


def cancel_reservation(db, reservation_id):
    _reservation(db, reservation_id)
    for payment in _rows(db, "reservation_payments", reservation_id):
        _append(
            db,
            "reservation_payments",
            reservation_id,
            {"payment_id": payment["payment_id"], "amount": -payment["amount"]},
        )
    db.execute("UPDATE reservations SET status = 'cancelled' WHERE reservation_id = ?", reservation_id)
    return _reservation_record(db, reservation_id)


def get_reservation_details(db, reservation_id):
    return _reservation_record(db, reservation_id)


def get_user_details(db, user_id):
    return _user_record(db, _user(db, user_id))


def list_all_airports(db):
    if TAU_BENCH:  # tau-bench answers with one object, IATA code -> city
        return {airport["iata"]: airport["city"] for airport in AIRPORTS}
    return [dict(airport) for airport in AIRPORTS]


def search_direct_flight(db, origin, destination, date):
    return _search_direct_flight(db, date, origin=origin, destination=destination)


def search_onestop_flight(db, origin, destination, date):
    results = []
    for first in _search_direct_flight(db, date, origin=origin):
        first["date"] = date
        next_date = f"2024-05-{int(date[-2:]) + 1}" if "+1" in first["scheduled_arrival_time_est"] else date
        for second in _search_direct_flight(
            db,
            next_date,
            origin=first["destination"],
            destination=destination,
            leave_after=first["scheduled_arrival_time_est"],
        ):
            second["date"] = next_date
            results.append([first, second])
    return results


def send_certificate(db, user_id, amount):
    _user(db, user_id)
    for payment_id in NEW_CERTIFICATE_IDS:
        if _method(db, user_id, payment_id) is None:
            db.insert(
                "payment_methods",
                {
                    "key": f"{user_id}/{payment_id}",
                    "user_id": user_id,
                    "id": payment_id,
                    "position": db.value("SELECT COUNT(*) FROM payment_methods WHERE user_id = ?", user_id),
                    "source": "certificate",
                    "amount": float(amount),
                },
            )
            return f"Certificate {payment_id} added to user {user_id} with amount {amount}."
    raise ToolError("Too many certificates")


def think(db, thought):
    return ""


def transfer_to_human_agents(db, summary):
    return "Transfer successful"


def update_reservation_baggages(db, reservation_id, total_baggages, nonfree_baggages, payment_id):
    reservation = _reservation(db, reservation_id)
    _user(db, reservation["user_id"])
    total_price = PRICE_PER_BAG * max(0, nonfree_baggages - reservation["nonfree_baggages"])
    payment = _payment_for_update(db, reservation["user_id"], payment_id, total_price)
    if payment is not None:
        _append(db, "reservation_payments", reservation_id, payment)
    db.execute(
        "UPDATE reservations SET total_baggages = ?, nonfree_baggages = ? WHERE reservation_id = ?",
        total_baggages, nonfree_baggages, reservation_id,
    )  # fmt: skip
    return _reservation_record(db, reservation_id)


def update_reservation_flights(db, reservation_id, cabin, flights, payment_id):
    reservation = _reservation(db, reservation_id)
    _user(db, reservation["user_id"])
    current = [_flight_record(f) for f in _rows(db, "reservation_flights", reservation_id)]
    travellers = len(_rows(db, "reservation_passengers", reservation_id))
    total_price = 0
    updated = []
    for info in flights:
        kept = None
        for booked in current:
            if (
                booked["flight_number"] == info["flight_number"]
                and booked["date"] == info["date"]
                and cabin == reservation["cabin"]
            ):
                kept = booked
                break
        if kept is not None:
            total_price += kept["price"] * travellers
            updated.append(kept)
            continue
        flight = _flight(db, info["flight_number"])
        instance = _flight_date(db, info["flight_number"], info["date"])
        if instance["status"] != "available":
            raise ToolError(f"Flight {info['flight_number']} not available on date {info['date']}")
        if json.loads(instance["available_seats"])[cabin] < travellers:
            raise ToolError(f"Not enough seats on flight {info['flight_number']}")
        price = json.loads(instance["prices"])[cabin]
        updated.append(
            {
                "flight_number": info["flight_number"],
                "origin": flight["origin"],
                "destination": flight["destination"],
                "date": info["date"],
                "price": price,
            }
        )
        total_price += price * travellers
    total_price -= sum(f["price"] for f in current) * travellers
    payment = _payment_for_update(db, reservation["user_id"], payment_id, total_price)
    if payment is not None:
        _append(db, "reservation_payments", reservation_id, payment)
    _replace(db, "reservation_flights", reservation_id, updated)
    if not TAU_BENCH:  # tau-bench prices the flights in the new cabin but leaves the reservation's cabin as it was
        db.execute("UPDATE reservations SET cabin = ? WHERE reservation_id = ?", cabin, reservation_id)
    return _reservation_record(db, reservation_id)


def update_reservation_passengers(db, reservation_id, passengers):
    passengers = [_passenger(p) for p in passengers]
    _reservation(db, reservation_id)
    if len(passengers) != len(_rows(db, "reservation_passengers", reservation_id)):
        raise ToolError("Number of passengers does not match")
    _replace(db, "reservation_passengers", reservation_id, passengers)
    return _reservation_record(db, reservation_id)


def get_flight_status(db, flight_number, date):
    return _flight_date(db, flight_number, date)["status"]
