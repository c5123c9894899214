"""Tools of the library-loans environment: members borrow copies of books from branches."""

from autoforge.servers.toolkit import ToolError

LOAN_LIMITS = {"standard": 3, "premium": 6}
MAX_FINES_FOR_BORROWING = 10.0
MAX_RENEWALS = 2
LATE_FEE_PER_DAY = 0.25
DAMAGE_FEE = 5.0


def _member(db, member_id):
    member = db.one("SELECT * FROM members WHERE id = ?", member_id)
    if member is None:
        raise ToolError(f"No member {member_id!r}. Use find_member with the member's email, phone or name.")
    return member


def _loan(db, loan_id):
    loan = db.one("SELECT * FROM loans WHERE id = ?", loan_id)
    if loan is None:
        raise ToolError(f"No loan {loan_id!r}. Use list_member_loans to see a member's loans.")
    return loan


def _days_between(db, start, end):
    return int(db.value("SELECT CAST(julianday(?) - julianday(?) AS INTEGER)", end, start))


def find_member(db, email=None, phone=None, name=None):
    if email is None and phone is None and name is None:
        raise ToolError("Give at least one of email, phone or name.")
    rows = db.query(
        "SELECT id, name, email, phone, tier, status FROM members WHERE (? IS NULL OR lower(email) = lower(?)) "
        "AND (? IS NULL OR phone = ?) AND (? IS NULL OR lower(name) LIKE '%' || lower(?) || '%') ORDER BY id",
        email, email, phone, phone, name, name,
    )
    if not rows:
        raise ToolError("No member matches; check the spelling or try another detail.")
    return rows


def get_member(db, member_id):
    member = _member(db, member_id)
    member["active_loans"] = db.value(
        "SELECT COUNT(*) FROM loans WHERE member_id = ? AND status = 'active'", member_id
    )
    member["loan_limit"] = LOAN_LIMITS[member["tier"]]
    return member


def search_books(db, title=None, author=None, genre=None):
    rows = db.query(
        "SELECT id, title, author, genre, year FROM books WHERE (? IS NULL OR lower(title) LIKE '%' || lower(?) || '%') "
        "AND (? IS NULL OR lower(author) LIKE '%' || lower(?) || '%') AND (? IS NULL OR lower(genre) = lower(?)) "
        "ORDER BY title LIMIT 25",
        title, title, author, author, genre, genre,
    )
    return rows


def get_book_availability(db, book_id):
    book = db.one("SELECT id, title, author, replacement_cost FROM books WHERE id = ?", book_id)
    if book is None:
        raise ToolError(f"No book {book_id!r}. Use search_books to find its id.")
    book["copies"] = db.query(
        "SELECT c.id AS copy_id, c.branch_id, b.name AS branch, c.status FROM copies c "
        "JOIN branches b ON b.id = c.branch_id WHERE c.book_id = ? ORDER BY c.id",
        book_id,
    )
    book["waiting_holds"] = db.value(
        "SELECT COUNT(*) FROM holds WHERE book_id = ? AND status = 'waiting'", book_id
    )
    return book


def list_branches(db):
    return db.query("SELECT id, name, city, phone FROM branches ORDER BY id")


def list_member_loans(db, member_id, status=None):
    _member(db, member_id)
    return db.query(
        "SELECT l.id AS loan_id, l.copy_id, k.title, l.loaned_on, l.due_on, l.returned_on, l.status, l.renewals "
        "FROM loans l JOIN copies c ON c.id = l.copy_id JOIN books k ON k.id = c.book_id "
        "WHERE l.member_id = ? AND (? IS NULL OR l.status = ?) ORDER BY l.loaned_on, l.id",
        member_id, status, status,
    )


def list_member_holds(db, member_id):
    _member(db, member_id)
    return db.query(
        "SELECT h.id AS hold_id, h.book_id, k.title, h.branch_id, h.placed_on, h.status FROM holds h "
        "JOIN books k ON k.id = h.book_id WHERE h.member_id = ? ORDER BY h.placed_on, h.id",
        member_id,
    )


def checkout_copy(db, member_id, copy_id):
    member = _member(db, member_id)
    if member["status"] != "active":
        raise ToolError(f"Member {member_id} is {member['status']}; only active members may borrow.")
    if member["fines_owed"] >= MAX_FINES_FOR_BORROWING:
        raise ToolError(
            f"Member {member_id} owes {member['fines_owed']:.2f} in fines; borrowing needs less than "
            f"{MAX_FINES_FOR_BORROWING:.2f}. Take a payment with pay_fine first."
        )
    active = db.value("SELECT COUNT(*) FROM loans WHERE member_id = ? AND status = 'active'", member_id)
    if active >= LOAN_LIMITS[member["tier"]]:
        raise ToolError(f"Member {member_id} already has {active} active loans, the {member['tier']} limit.")
    copy = db.one("SELECT * FROM copies WHERE id = ?", copy_id)
    if copy is None:
        raise ToolError(f"No copy {copy_id!r}. Use get_book_availability to list a book's copies.")
    if copy["status"] != "available":
        raise ToolError(f"Copy {copy_id} is {copy['status']}, not available.")
    loan_id = db.new_id("loans", "L-")
    due = db.value("SELECT date(?, '+21 days')", db.today())
    db.insert(
        "loans",
        {"id": loan_id, "copy_id": copy_id, "member_id": member_id, "loaned_on": db.today(), "due_on": due,
         "returned_on": None, "status": "active", "renewals": 0},
    )
    db.execute("UPDATE copies SET status = 'on_loan' WHERE id = ?", copy_id)
    db.execute(
        "UPDATE holds SET status = 'fulfilled' WHERE member_id = ? AND status = 'waiting' AND book_id = ?",
        member_id, copy["book_id"],
    )
    return {"loan_id": loan_id, "copy_id": copy_id, "due_on": due}


def renew_loan(db, loan_id, days=14):
    loan = _loan(db, loan_id)
    if loan["status"] != "active":
        raise ToolError(f"Loan {loan_id} is {loan['status']}; only active loans can be renewed.")
    if loan["renewals"] >= MAX_RENEWALS:
        raise ToolError(f"Loan {loan_id} was already renewed {MAX_RENEWALS} times, the maximum.")
    waiting = db.value(
        "SELECT COUNT(*) FROM holds h JOIN copies c ON c.book_id = h.book_id WHERE c.id = ? AND h.status = 'waiting'",
        loan["copy_id"],
    )
    if waiting:
        raise ToolError(f"Loan {loan_id} cannot be renewed: other members are waiting for this book.")
    due = db.value("SELECT date(?, ?)", loan["due_on"], f"+{days} days")
    db.execute("UPDATE loans SET due_on = ?, renewals = renewals + 1 WHERE id = ?", due, loan_id)
    return {"loan_id": loan_id, "due_on": due, "renewals": loan["renewals"] + 1}


def return_loan(db, loan_id, condition="good"):
    loan = _loan(db, loan_id)
    if loan["status"] != "active":
        raise ToolError(f"Loan {loan_id} is {loan['status']}; it cannot be returned again.")
    late_days = max(0, _days_between(db, loan["due_on"], db.today()))
    fine = round(late_days * LATE_FEE_PER_DAY + (DAMAGE_FEE if condition == "damaged" else 0.0), 2)
    db.execute("UPDATE loans SET status = 'returned', returned_on = ? WHERE id = ?", db.today(), loan_id)
    db.execute(
        "UPDATE copies SET status = ? WHERE id = ?", "repair" if condition == "damaged" else "available", loan["copy_id"]
    )
    if fine:
        db.execute("UPDATE members SET fines_owed = round(fines_owed + ?, 2) WHERE id = ?", fine, loan["member_id"])
    return {"loan_id": loan_id, "late_days": late_days, "fine": fine}


def report_lost(db, loan_id):
    loan = _loan(db, loan_id)
    if loan["status"] != "active":
        raise ToolError(f"Loan {loan_id} is {loan['status']}; only an active loan can be reported lost.")
    cost = db.value(
        "SELECT k.replacement_cost FROM copies c JOIN books k ON k.id = c.book_id WHERE c.id = ?", loan["copy_id"]
    )
    db.execute("UPDATE loans SET status = 'lost' WHERE id = ?", loan_id)
    db.execute("UPDATE copies SET status = 'lost' WHERE id = ?", loan["copy_id"])
    db.execute("UPDATE members SET fines_owed = round(fines_owed + ?, 2) WHERE id = ?", cost, loan["member_id"])
    return {"loan_id": loan_id, "charged": cost}


def place_hold(db, member_id, book_id, branch_id):
    member = _member(db, member_id)
    if member["status"] != "active":
        raise ToolError(f"Member {member_id} is {member['status']}; only active members may place holds.")
    if db.one("SELECT id FROM books WHERE id = ?", book_id) is None:
        raise ToolError(f"No book {book_id!r}. Use search_books to find its id.")
    if db.one("SELECT id FROM branches WHERE id = ?", branch_id) is None:
        raise ToolError(f"No branch {branch_id!r}. Use list_branches.")
    if db.value(
        "SELECT COUNT(*) FROM holds WHERE member_id = ? AND book_id = ? AND status = 'waiting'", member_id, book_id
    ):
        raise ToolError(f"Member {member_id} already has a waiting hold on {book_id}.")
    available = db.value(
        "SELECT COUNT(*) FROM copies WHERE book_id = ? AND branch_id = ? AND status = 'available'", book_id, branch_id
    )
    if available:
        raise ToolError(f"A copy of {book_id} is available at {branch_id} now; check it out instead of holding.")
    hold_id = db.new_id("holds", "H-")
    db.insert(
        "holds",
        {"id": hold_id, "member_id": member_id, "book_id": book_id, "branch_id": branch_id,
         "placed_on": db.today(), "status": "waiting"},
    )
    return {"hold_id": hold_id, "status": "waiting"}


def cancel_hold(db, hold_id):
    hold = db.one("SELECT * FROM holds WHERE id = ?", hold_id)
    if hold is None:
        raise ToolError(f"No hold {hold_id!r}. Use list_member_holds to see a member's holds.")
    if hold["status"] != "waiting":
        raise ToolError(f"Hold {hold_id} is {hold['status']}; only waiting holds can be cancelled.")
    db.execute("UPDATE holds SET status = 'cancelled' WHERE id = ?", hold_id)
    return {"hold_id": hold_id, "status": "cancelled"}


def pay_fine(db, member_id, amount):
    member = _member(db, member_id)
    if amount <= 0:
        raise ToolError("The amount must be positive.")
    if amount > member["fines_owed"] + 1e-9:
        raise ToolError(f"Member {member_id} owes {member['fines_owed']:.2f}; cannot take {amount:.2f}.")
    payment_id = db.new_id("payments", "P-")
    db.insert("payments", {"id": payment_id, "member_id": member_id, "amount": amount, "paid_on": db.today()})
    db.execute("UPDATE members SET fines_owed = round(fines_owed - ?, 2) WHERE id = ?", amount, member_id)
    remaining = db.value("SELECT fines_owed FROM members WHERE id = ?", member_id)
    return {"payment_id": payment_id, "paid": amount, "fines_owed": remaining}


def update_member_contact(db, member_id, email=None, phone=None):
    _member(db, member_id)
    if email is None and phone is None:
        raise ToolError("Give a new email or a new phone number.")
    if email is not None and "@" not in email:
        raise ToolError(f"{email!r} is not an email address.")
    if email is not None:
        taken = db.value("SELECT id FROM members WHERE lower(email) = lower(?) AND id != ?", email, member_id)
        if taken:
            raise ToolError("That email belongs to another member.")
        db.execute("UPDATE members SET email = ? WHERE id = ?", email, member_id)
    if phone is not None:
        db.execute("UPDATE members SET phone = ? WHERE id = ?", phone, member_id)
    return db.one("SELECT id, name, email, phone FROM members WHERE id = ?", member_id)
