"""Tools of the clinic-appointments environment: patients book, move and cancel visits, refill prescriptions, pay bills."""

from autoforge.servers.toolkit import ToolError

MAX_SCHEDULED = 3
LATE_CANCEL_HOURS = 24
LATE_CANCEL_FEE = 25.0


def _patient(db, patient_id):
    patient = db.one("SELECT * FROM patients WHERE id = ?", patient_id)
    if patient is None:
        raise ToolError(f"No patient {patient_id!r}. Use find_patient with their email, phone or name.")
    return patient


def _appointment(db, appointment_id):
    appointment = db.one("SELECT * FROM appointments WHERE id = ?", appointment_id)
    if appointment is None:
        raise ToolError(f"No appointment {appointment_id!r}. Use list_patient_appointments.")
    return appointment


def _open_slot(db, slot_id):
    slot = db.one("SELECT * FROM slots WHERE id = ?", slot_id)
    if slot is None:
        raise ToolError(f"No slot {slot_id!r}. Use find_open_slots to list a doctor's free times.")
    if slot["status"] != "open":
        raise ToolError(f"Slot {slot_id} is {slot['status']}, not open.")
    if slot["starts_at"] <= db.now():
        raise ToolError(f"Slot {slot_id} starts at {slot['starts_at']}, which is not in the future.")
    return slot


def _hours_until(db, when):
    return db.value("SELECT (julianday(?) - julianday(?)) * 24", when, db.now())


def find_patient(db, email=None, phone=None, name=None, date_of_birth=None):
    if email is None and phone is None and name is None:
        raise ToolError("Give at least one of email, phone or name (a name can be narrowed by date_of_birth).")
    rows = db.query(
        "SELECT id, name, email, phone, date_of_birth, insurance FROM patients "
        "WHERE (? IS NULL OR lower(email) = lower(?)) AND (? IS NULL OR phone = ?) "
        "AND (? IS NULL OR lower(name) LIKE '%' || lower(?) || '%') AND (? IS NULL OR date_of_birth = ?) ORDER BY id",
        email, email, phone, phone, name, name, date_of_birth, date_of_birth,
    )
    if not rows:
        raise ToolError("No patient matches; check the details or try another one.")
    return rows


def get_patient(db, patient_id):
    patient = _patient(db, patient_id)
    patient["scheduled_appointments"] = db.value(
        "SELECT COUNT(*) FROM appointments WHERE patient_id = ? AND status = 'scheduled'", patient_id
    )
    patient["open_balance"] = db.value(
        "SELECT round(COALESCE(SUM(amount), 0), 2) FROM invoices WHERE patient_id = ? AND status = 'open'", patient_id
    )
    return patient


def list_doctors(db, department=None, specialty=None):
    return db.query(
        "SELECT d.id, d.name, d.specialty, p.name AS department, d.accepts_new_patients FROM doctors d "
        "JOIN departments p ON p.id = d.department_id WHERE (? IS NULL OR lower(p.name) = lower(?)) "
        "AND (? IS NULL OR lower(d.specialty) = lower(?)) ORDER BY d.name",
        department, department, specialty, specialty,
    )


def find_open_slots(db, doctor_id, date_from=None, date_to=None):
    if db.one("SELECT id FROM doctors WHERE id = ?", doctor_id) is None:
        raise ToolError(f"No doctor {doctor_id!r}. Use list_doctors.")
    start = date_from or db.today()
    return db.query(
        "SELECT id AS slot_id, starts_at, minutes FROM slots WHERE doctor_id = ? AND status = 'open' "
        "AND starts_at > ? AND date(starts_at) >= date(?) AND (? IS NULL OR date(starts_at) <= date(?)) "
        "ORDER BY starts_at LIMIT 20",
        doctor_id, db.now(), start, date_to, date_to,
    )


def list_patient_appointments(db, patient_id, status=None):
    _patient(db, patient_id)
    return db.query(
        "SELECT a.id AS appointment_id, s.starts_at, d.name AS doctor, d.specialty, a.reason, a.status "
        "FROM appointments a JOIN slots s ON s.id = a.slot_id JOIN doctors d ON d.id = s.doctor_id "
        "WHERE a.patient_id = ? AND (? IS NULL OR a.status = ?) ORDER BY s.starts_at",
        patient_id, status, status,
    )


def list_prescriptions(db, patient_id):
    _patient(db, patient_id)
    return db.query(
        "SELECT r.id AS prescription_id, r.drug, r.dose, r.refills_left, r.status, d.name AS prescriber "
        "FROM prescriptions r JOIN doctors d ON d.id = r.doctor_id WHERE r.patient_id = ? ORDER BY r.id",
        patient_id,
    )


def list_invoices(db, patient_id, status=None):
    _patient(db, patient_id)
    return db.query(
        "SELECT i.id AS invoice_id, i.description, i.amount, i.status, i.due_on FROM invoices i "
        "WHERE i.patient_id = ? AND (? IS NULL OR i.status = ?) ORDER BY i.due_on, i.id",
        patient_id, status, status,
    )


def book_appointment(db, patient_id, slot_id, reason):
    patient = _patient(db, patient_id)
    slot = _open_slot(db, slot_id)
    scheduled = db.value(
        "SELECT COUNT(*) FROM appointments WHERE patient_id = ? AND status = 'scheduled'", patient_id
    )
    if scheduled >= MAX_SCHEDULED:
        raise ToolError(f"Patient {patient_id} already has {scheduled} scheduled visits, the maximum.")
    doctor = db.one("SELECT * FROM doctors WHERE id = ?", slot["doctor_id"])
    seen_before = db.value(
        "SELECT COUNT(*) FROM appointments a JOIN slots s ON s.id = a.slot_id WHERE a.patient_id = ? AND s.doctor_id = ?",
        patient_id, slot["doctor_id"],
    )
    if not doctor["accepts_new_patients"] and not seen_before:
        raise ToolError(f"{doctor['name']} does not accept new patients; choose another doctor.")
    clash = db.value(
        "SELECT COUNT(*) FROM appointments a JOIN slots s ON s.id = a.slot_id "
        "WHERE a.patient_id = ? AND a.status = 'scheduled' AND s.starts_at = ?",
        patient_id, slot["starts_at"],
    )
    if clash:
        raise ToolError(f"Patient {patient['name']} already has a visit at {slot['starts_at']}.")
    appointment_id = db.new_id("appointments", "A-")
    db.insert(
        "appointments",
        {"id": appointment_id, "patient_id": patient_id, "slot_id": slot_id, "reason": reason,
         "status": "scheduled", "booked_at": db.now()},
    )
    db.execute("UPDATE slots SET status = 'booked' WHERE id = ?", slot_id)
    return {"appointment_id": appointment_id, "starts_at": slot["starts_at"], "doctor": doctor["name"]}


def cancel_appointment(db, appointment_id):
    appointment = _appointment(db, appointment_id)
    if appointment["status"] != "scheduled":
        raise ToolError(f"Appointment {appointment_id} is {appointment['status']}; only scheduled visits can be cancelled.")
    starts_at = db.value("SELECT starts_at FROM slots WHERE id = ?", appointment["slot_id"])
    fee = LATE_CANCEL_FEE if _hours_until(db, starts_at) < LATE_CANCEL_HOURS else 0.0
    db.execute("UPDATE appointments SET status = 'cancelled' WHERE id = ?", appointment_id)
    db.execute("UPDATE slots SET status = 'open' WHERE id = ?", appointment["slot_id"])
    if fee:
        invoice_id = db.new_id("invoices", "I-")
        db.insert(
            "invoices",
            {"id": invoice_id, "patient_id": appointment["patient_id"], "description": f"late cancellation of {appointment_id}",
             "amount": fee, "status": "open", "due_on": db.value("SELECT date(?, '+30 days')", db.today())},
        )
    return {"appointment_id": appointment_id, "status": "cancelled", "late_fee": fee}


def reschedule_appointment(db, appointment_id, new_slot_id):
    appointment = _appointment(db, appointment_id)
    if appointment["status"] != "scheduled":
        raise ToolError(f"Appointment {appointment_id} is {appointment['status']}; only scheduled visits can be moved.")
    old = db.one("SELECT * FROM slots WHERE id = ?", appointment["slot_id"])
    slot = _open_slot(db, new_slot_id)
    if slot["doctor_id"] != old["doctor_id"]:
        raise ToolError("A visit can only move to another slot of the same doctor; cancel and book instead.")
    if _hours_until(db, old["starts_at"]) < LATE_CANCEL_HOURS:
        raise ToolError(f"The visit at {old['starts_at']} is less than {LATE_CANCEL_HOURS} hours away and cannot be moved.")
    db.execute("UPDATE appointments SET slot_id = ? WHERE id = ?", new_slot_id, appointment_id)
    db.execute("UPDATE slots SET status = 'open' WHERE id = ?", old["id"])
    db.execute("UPDATE slots SET status = 'booked' WHERE id = ?", new_slot_id)
    return {"appointment_id": appointment_id, "starts_at": slot["starts_at"]}


def request_refill(db, prescription_id):
    prescription = db.one("SELECT * FROM prescriptions WHERE id = ?", prescription_id)
    if prescription is None:
        raise ToolError(f"No prescription {prescription_id!r}. Use list_prescriptions.")
    if prescription["status"] != "active":
        raise ToolError(f"Prescription {prescription_id} is {prescription['status']}; the patient needs a new visit.")
    if prescription["refills_left"] < 1:
        raise ToolError(f"Prescription {prescription_id} has no refills left; the patient needs a new visit.")
    pending = db.value(
        "SELECT COUNT(*) FROM refill_requests WHERE prescription_id = ? AND status = 'pending'", prescription_id
    )
    if pending:
        raise ToolError(f"A refill of {prescription_id} is already pending.")
    request_id = db.new_id("refill_requests", "RF-")
    db.insert(
        "refill_requests",
        {"id": request_id, "prescription_id": prescription_id, "requested_on": db.today(), "status": "pending"},
    )
    db.execute("UPDATE prescriptions SET refills_left = refills_left - 1 WHERE id = ?", prescription_id)
    return {"request_id": request_id, "refills_left": prescription["refills_left"] - 1}


def pay_invoice(db, invoice_id):
    invoice = db.one("SELECT * FROM invoices WHERE id = ?", invoice_id)
    if invoice is None:
        raise ToolError(f"No invoice {invoice_id!r}. Use list_invoices.")
    if invoice["status"] != "open":
        raise ToolError(f"Invoice {invoice_id} is already {invoice['status']}.")
    db.execute("UPDATE invoices SET status = 'paid' WHERE id = ?", invoice_id)
    return {"invoice_id": invoice_id, "paid": invoice["amount"]}


def update_patient_contact(db, patient_id, email=None, phone=None):
    _patient(db, patient_id)
    if email is None and phone is None:
        raise ToolError("Give a new email or a new phone number.")
    if email is not None and "@" not in email:
        raise ToolError(f"{email!r} is not an email address.")
    if email is not None:
        db.execute("UPDATE patients SET email = ? WHERE id = ?", email, patient_id)
    if phone is not None:
        db.execute("UPDATE patients SET phone = ? WHERE id = ?", phone, patient_id)
    return db.one("SELECT id, name, email, phone FROM patients WHERE id = ?", patient_id)
