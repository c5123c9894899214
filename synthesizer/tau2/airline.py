"""The airline domain: flights with a status per date, users with payment methods, reservations."""

from __future__ import annotations

from .domain import Domain, Param, ToolDecl, array_of, obj, string
from .layout import Col, Many, Obj

__all__ = ["AIRLINE"]

CABINS = ("basic_economy", "economy", "business")
FLIGHT_STATUSES = ("available", "landed", "cancelled", "delayed", "flying", "on time")
PASSENGER = (Col("first_name"), Col("last_name"), Col("dob", description="YYYY-MM-DD."))

LAYOUT = (
    Many(
        "flights",
        "flights",
        "map",
        (
            Col("flight_number"),
            Col("origin", description="IATA code."),
            Col("destination", description="IATA code."),
            Col("scheduled_departure_time_est", description="HH:MM:SS (EST)."),
            Col("scheduled_arrival_time_est", description="HH:MM:SS (EST), '+1' when the next day."),
            Many(
                "dates",
                "flight_dates",
                "map",
                (
                    Col("status", enum=FLIGHT_STATUSES),
                    Col(
                        "available_seats",
                        json=True,
                        omit_null=True,
                        description="Cabin -> seats left (available only).",
                    ),
                    Col("prices", json=True, omit_null=True, description="Cabin -> price in dollars (available only)."),
                    Col("estimated_departure_time_est", omit_null=True),
                    Col("estimated_arrival_time_est", omit_null=True),
                    Col("actual_departure_time_est", omit_null=True),
                    Col("actual_arrival_time_est", omit_null=True),
                ),
                map_key="date",
                description="Each flight's status on each date.",
            ),
        ),
        map_key="flight_number",
        description="Scheduled flights.",
    ),
    Many(
        "users",
        "users",
        "map",
        (
            Col("user_id"),
            Obj("name", (Col("first_name"), Col("last_name"))),
            Obj(
                "address",
                (
                    Col("address1"),
                    Col("address2", nullable=True),
                    Col("city"),
                    Col("country"),
                    Col("state"),
                    Col("zip"),
                ),
            ),
            Col("email"),
            Col("dob"),
            Many(
                "payment_methods",
                "payment_methods",
                "map",
                (
                    Col("source", enum=("credit_card", "gift_card", "certificate")),
                    Col("id"),
                    Col("brand", omit_null=True, description="Credit cards only."),
                    Col("last_four", omit_null=True, description="Credit cards only."),
                    Col("amount", "REAL", omit_null=True, description="Balance of a gift card or certificate."),
                ),
                map_key="id",
                description="Each user's saved payment methods.",
            ),
            Many(
                "saved_passengers", "saved_passengers", "list", PASSENGER, description="Each user's saved passengers."
            ),
            Col("membership", enum=("gold", "silver", "regular")),
            Col("reservations", json=True, description="The user's reservation ids, as a JSON list."),
        ),
        map_key="user_id",
        description="Customers.",
    ),
    Many(
        "reservations",
        "reservations",
        "map",
        (
            Col("reservation_id"),
            Col("user_id"),
            Col("origin"),
            Col("destination"),
            Col("flight_type", enum=("round_trip", "one_way")),
            Col("cabin", enum=CABINS),
            Many(
                "flights",
                "reservation_flights",
                "list",
                (
                    Col("flight_number"),
                    Col("origin"),
                    Col("destination"),
                    Col("date"),
                    Col("price", "INTEGER", description="Price per passenger in dollars."),
                ),
                description="The flights of each reservation.",
            ),
            Many(
                "passengers",
                "reservation_passengers",
                "list",
                PASSENGER,
                description="The passengers of each reservation.",
            ),
            Many(
                "payment_history",
                "reservation_payments",
                "list",
                (Col("payment_id"), Col("amount", "INTEGER", description="Negative for a refund.")),
                description="Payments and refunds of each reservation.",
            ),
            Col("created_at"),
            Col("total_baggages", "INTEGER"),
            Col("nonfree_baggages", "INTEGER"),
            Col("insurance", enum=("yes", "no")),
            Col("status", nullable=True, enum=("cancelled",)),
        ),
        map_key="reservation_id",
        description="Reservations.",
    ),
)

RESERVATION_ID = Param("reservation_id", string(), "The reservation id, such as 'ZFA04Y'.")
USER_ID = Param("user_id", string(), "The user id, such as 'sara_doe_496'.")
PAYMENT_ID = Param("payment_id", string(), "A payment method id of the user, such as 'credit_card_7815826'.")
CABIN = Param("cabin", string(*CABINS), "The cabin class.")
FLIGHTS = Param(
    "flights",
    array_of(obj(flight_number=string(), date=string())),
    "The flights, each {flight_number, date (YYYY-MM-DD)}.",
)
PASSENGERS = Param(
    "passengers",
    array_of(obj(first_name=string(), last_name=string(), dob=string())),
    "The passengers, each {first_name, last_name, dob}.",
)
ROUTE = (
    Param("origin", string(), "IATA code, such as 'JFK'."),
    Param("destination", string(), "IATA code, such as 'LAX'."),
)
FLIGHT_TABLES = ("flights", "flight_dates")
BOOKING_TABLES = (
    "reservations",
    "reservation_flights",
    "reservation_passengers",
    "reservation_payments",
    "payment_methods",
)

TOOLS = (
    ToolDecl("book_reservation", "Book a reservation and pay for it.",
             (USER_ID, *ROUTE, Param("flight_type", string("round_trip", "one_way")), CABIN, FLIGHTS, PASSENGERS,
              Param("payment_methods", array_of(obj(payment_id=string(), amount={"type": "integer"})), "Payments, each {payment_id, amount}."),
              Param("total_baggages", {"type": "integer"}), Param("nonfree_baggages", {"type": "integer"}),
              Param("insurance", string("yes", "no"))),
             True, (*BOOKING_TABLES, "users", "flight_dates")),
    ToolDecl("calculate", "Evaluate an arithmetic expression and round the result to 2 decimals.",
             (Param("expression", string(), "Numbers, + - * /, parentheses and spaces, such as '2 + 2'."),)),
    ToolDecl("cancel_reservation", "Cancel a whole reservation and refund its payments.", (RESERVATION_ID,), True,
             ("reservations", "reservation_payments")),
    ToolDecl("get_reservation_details", "The details of a reservation.", (RESERVATION_ID,), tables=BOOKING_TABLES[:4]),
    ToolDecl("get_user_details", "A user's profile, payment methods and reservation ids.", (USER_ID,),
             tables=("users", "payment_methods", "saved_passengers")),
    ToolDecl("list_all_airports", "Every airport's IATA code and city."),
    ToolDecl("search_direct_flight", "Available direct flights between two airports on a date.",
             (*ROUTE, Param("date", string(), "YYYY-MM-DD.")), tables=FLIGHT_TABLES),
    ToolDecl("search_onestop_flight", "Available one-stop connections between two airports on a date.",
             (*ROUTE, Param("date", string(), "YYYY-MM-DD.")), tables=FLIGHT_TABLES),
    ToolDecl("send_certificate", "Add a travel certificate of some amount to a user.",
             (USER_ID, Param("amount", {"type": "integer"})), True, ("payment_methods",)),
    ToolDecl("transfer_to_human_agents", "Hand the user over to a human agent, with a summary of the issue.",
             (Param("summary", string()),)),
    ToolDecl("update_reservation_baggages", "Change the number of bags of a reservation, paying for extra bags.",
             (RESERVATION_ID, Param("total_baggages", {"type": "integer"}), Param("nonfree_baggages", {"type": "integer"}), PAYMENT_ID),
             True, ("reservations", "reservation_payments", "payment_methods")),
    ToolDecl("update_reservation_flights", "Change the flights or cabin of a reservation, paying or refunding the difference.",
             (RESERVATION_ID, CABIN, FLIGHTS, PAYMENT_ID), True, BOOKING_TABLES),
    ToolDecl("update_reservation_passengers", "Change the passengers of a reservation (same number).",
             (RESERVATION_ID, PASSENGERS), True, ("reservations", "reservation_passengers")),
    ToolDecl("get_flight_status", "The status of a flight on a date.",
             (Param("flight_number", string()), Param("date", string())), tables=FLIGHT_TABLES),
)  # fmt: skip

AIRLINE = Domain(
    name="airline",
    description="tau2-bench airline: a customer-service agent books, changes and cancels flight reservations "
    "under a written policy.",
    layout=LAYOUT,
    tools=TOOLS,
    tools_file="airline_tools.py",
    clock="2024-05-15T15:00:00",
)
