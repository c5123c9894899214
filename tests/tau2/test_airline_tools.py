"""The imported airline tools over MCP: tau2's prices, ids, seat counts, rules and messages, on the fixture's data."""

from __future__ import annotations

DANA = {"first_name": "Dana", "last_name": "Reed", "dob": "1985-06-01"}
ELI = {"first_name": "Eli", "last_name": "Reed", "dob": "2010-02-03"}


def booking(**changes):
    """A valid booking for Dana on FX100 (2024-05-20, economy): 150 + one paid bag 50 + insurance 30 = 230."""
    return {
        "user_id": "dana_reed_1", "origin": "AAA", "destination": "BBB", "flight_type": "one_way", "cabin": "economy",
        "flights": [{"flight_number": "FX100", "date": "2024-05-20"}], "passengers": [DANA],
        "payment_methods": [{"payment_id": "certificate_13", "amount": 150}, {"payment_id": "gift_card_12", "amount": 80}],
        "total_baggages": 1, "nonfree_baggages": 1, "insurance": "yes", **changes,
    }  # fmt: skip


async def test_booking_charges_uses_up_certificates_and_takes_seats(session) -> None:
    """A booking gets tau2's next id, debits gift cards, removes used certificates and takes seats."""
    async with session("airline") as s:
        reservation = await s.call("book_reservation", **booking())
        assert reservation["reservation_id"] == "HATHAT" and reservation["created_at"] == "2024-05-15T15:00:00"
        assert reservation["flights"] == [
            {"flight_number": "FX100", "origin": "AAA", "destination": "BBB", "date": "2024-05-20", "price": 150}
        ]
        assert reservation["payment_history"] == booking()["payment_methods"] and reservation["status"] is None
        user = await s.call("get_user_details", user_id="dana_reed_1")
        assert list(user["payment_methods"]) == ["credit_card_11", "gift_card_12"]
        assert user["payment_methods"]["gift_card_12"]["amount"] == 120.0
        assert user["reservations"] == ["RES001", "RES002", "HATHAT"]
        (flight,) = await s.call("search_direct_flight", origin="AAA", destination="BBB", date="2024-05-20")
        assert flight["available_seats"] == {"basic_economy": 5, "economy": 2, "business": 1}
        second = await s.call(
            "book_reservation", **booking(payment_methods=[{"payment_id": "credit_card_11", "amount": 230}])
        )
        third = await s.call(
            "book_reservation", **booking(payment_methods=[{"payment_id": "credit_card_11", "amount": 230}])
        )
        assert (second["reservation_id"], third["reservation_id"]) == ("HATHAU", "HATHAV")
        assert await s.error("book_reservation", **booking()) == "Error: Too many reservations"


async def test_booking_rules_are_checked_before_anything_changes(session) -> None:
    """Unknown or unavailable flights, full cabins, short balances and wrong totals are refused with tau2's messages."""
    async with session("airline") as s:
        flights = lambda number, date: [{"flight_number": number, "date": date}]
        assert (
            await s.error("book_reservation", **booking(flights=flights("FX999", "2024-05-20")))
            == "Error: Flight FX999 not found"
        )
        assert (
            await s.error("book_reservation", **booking(flights=flights("FX100", "2024-06-01")))
            == "Error: Flight FX100 not found on date 2024-06-01"
        )
        assert (
            await s.error("book_reservation", **booking(flights=flights("FX101", "2024-05-21")))
            == "Error: Flight FX101 not available on date 2024-05-21"
        )
        assert (
            await s.error("book_reservation", **booking(cabin="business", passengers=[DANA, ELI]))
            == "Error: Not enough seats on flight FX100"
        )
        assert (
            await s.error(
                "book_reservation", **booking(payment_methods=[{"payment_id": "gift_card_12", "amount": 230}])
            )
            == "Error: Not enough balance in payment method gift_card_12"
        )
        assert await s.error(
            "book_reservation", **booking(payment_methods=[{"payment_id": "credit_card_11", "amount": 200}])
        ) == ("Error: Payment amount does not add up, total price is 230, but paid 200")
        assert (
            await s.error(
                "book_reservation", **booking(payment_methods=[{"payment_id": "credit_card_21", "amount": 230}])
            )
            == "Error: Payment method credit_card_21 not found"
        )
        assert await s.error("book_reservation", **booking(user_id="nobody")) == "Error: User nobody not found"
        assert "HATHAT" not in (await s.call("get_user_details", user_id="dana_reed_1"))["reservations"]


async def test_certificates_are_numbered_as_in_tau2_and_removed_in_order(session) -> None:
    """send_certificate adds certificate_3221322.. at the end, at most three; a used certificate leaves the others in order."""
    async with session("airline") as s:
        message = await s.call("send_certificate", user_id="dana_reed_1", amount=25)
        assert message == "Certificate certificate_3221322 added to user dana_reed_1 with amount 25."
        await s.call("book_reservation", **booking())
        user = await s.call("get_user_details", user_id="dana_reed_1")
        assert list(user["payment_methods"]) == ["credit_card_11", "gift_card_12", "certificate_3221322"]
        assert user["payment_methods"]["certificate_3221322"] == {
            "source": "certificate",
            "id": "certificate_3221322",
            "amount": 25.0,
        }
        positions = sorted((r["position"], r["id"]) for r in s.rows("payment_methods") if r["user_id"] == "dana_reed_1")
        assert positions == [(0, "credit_card_11"), (1, "gift_card_12"), (2, "certificate_3221322")]
        for _ in range(2):
            await s.call("send_certificate", user_id="dana_reed_1", amount=10)
        assert await s.error("send_certificate", user_id="dana_reed_1", amount=10) == "Error: Too many certificates"


async def test_searches_and_status(session) -> None:
    """Direct search lists available flights with no date; one-stop search crosses midnight the way tau2 does."""
    async with session("airline") as s:
        (direct,) = await s.call("search_direct_flight", origin="AAA", destination="CCC", date="2024-05-20")
        assert direct["flight_number"] == "FX102" and direct["date"] is None and direct["status"] == "available"
        assert await s.call("search_direct_flight", origin="AAA", destination="BBB", date="2024-05-10") == []
        ((first, second),) = await s.call("search_onestop_flight", origin="AAA", destination="DDD", date="2024-05-20")
        assert (first["flight_number"], first["date"], second["flight_number"], second["date"]) == (
            "FX102",
            "2024-05-20",
            "FX103",
            "2024-05-21",
        )
        assert await s.call("get_flight_status", flight_number="FX103", date="2024-05-15") == "flying"
        assert (
            await s.error("get_flight_status", flight_number="FX103", date="2024-05-30")
            == "Error: Flight FX103 not found on date 2024-05-30"
        )
        assert await s.call("calculate", expression="3 * 90") == "270.0"
        assert await s.call("list_all_airports") == [
            {"iata": "AAA", "city": "Avalon"}, {"iata": "BBB", "city": "Brookfield"},
            {"iata": "CCC", "city": "Cedar Falls"}, {"iata": "DDD", "city": "Dunmore"},
        ]  # fmt: skip


async def test_changes_are_paid_with_cards_or_gift_cards_only(session) -> None:
    """Bags and flight changes charge or refund the difference; certificates and short gift cards are refused."""
    async with session("airline") as s:
        assert await s.error(
            "update_reservation_baggages",
            reservation_id="RES001",
            total_baggages=2,
            nonfree_baggages=2,
            payment_id="certificate_13",
        ) == ("Error: Certificate cannot be used to update reservation")
        assert await s.error(
            "update_reservation_baggages",
            reservation_id="RES003",
            total_baggages=1,
            nonfree_baggages=1,
            payment_id="gift_card_22",
        ) == ("Error: Gift card balance is not enough")
        bags = await s.call(
            "update_reservation_baggages",
            reservation_id="RES001",
            total_baggages=3,
            nonfree_baggages=2,
            payment_id="gift_card_12",
        )
        assert bags["payment_history"][-1] == {"payment_id": "gift_card_12", "amount": 100}
        fewer = await s.call(
            "update_reservation_baggages",
            reservation_id="RES001",
            total_baggages=1,
            nonfree_baggages=0,
            payment_id="credit_card_11",
        )
        assert len(fewer["payment_history"]) == 2 and fewer["nonfree_baggages"] == 0
        legs = [{"flight_number": "FX100", "date": "2024-05-20"}, {"flight_number": "FX101", "date": "2024-05-20"}]
        changed = await s.call(
            "update_reservation_flights",
            reservation_id="RES002",
            cabin="economy",
            flights=legs,
            payment_id="credit_card_11",
        )
        assert changed["cabin"] == "economy" and [f["price"] for f in changed["flights"]] == [150, 120]
        assert changed["payment_history"][-1] == {
            "payment_id": "credit_card_11",
            "amount": (150 + 120) * 2 - (400 + 300) * 2,
        }
        same = await s.call(
            "update_reservation_flights",
            reservation_id="RES002",
            cabin="economy",
            flights=legs,
            payment_id="gift_card_12",
        )
        assert same["payment_history"] == changed["payment_history"]  # nothing to pay: no payment recorded


async def test_passengers_and_cancellation(session) -> None:
    """Passengers change only in equal number; cancelling refunds every payment, again on a second cancel (as tau2)."""
    async with session("airline") as s:
        assert (
            await s.error("update_reservation_passengers", reservation_id="RES002", passengers=[DANA])
            == "Error: Number of passengers does not match"
        )
        updated = await s.call(
            "update_reservation_passengers",
            reservation_id="RES002",
            passengers=[DANA, {**ELI, "dob": "2010-03-02", "seat": "12A"}],
        )
        assert updated["passengers"][1] == {"first_name": "Eli", "last_name": "Reed", "dob": "2010-03-02"}
        cancelled = await s.call("cancel_reservation", reservation_id="RES003")
        assert cancelled["status"] == "cancelled" and cancelled["payment_history"][-1] == {
            "payment_id": "credit_card_21",
            "amount": -100,
        }
        again = await s.call("cancel_reservation", reservation_id="RES003")
        assert [p["amount"] for p in again["payment_history"]] == [100, -100, -100, 100]
        assert await s.error("cancel_reservation", reservation_id="NOPE00") == "Error: Reservation NOPE00 not found"
        assert await s.call("transfer_to_human_agents", summary="x") == "Transfer successful"
