"""Demo community programs for `seed-demo`: fingerprint slots next week with two bookings,
one taken today and recorded, and a delivered message."""

import uuid
from datetime import datetime, time, timedelta

from flask_babel import to_utc

from cso_field.community import services
from cso_field.community.models import DeliveryOutcome
from cso_field.demo import DemoContext
from cso_field.timeutil import department_today

PLACE = "Police station lobby, 22 E Market St (demo)"


def _monday_next_week():
    today = department_today()
    return today + timedelta(days=7 - today.weekday())


def load_demo_community(context: DemoContext) -> str:
    senior, cso = context.users.get("senior.demo"), context.users.get("cso.demo")
    if senior is None or cso is None:
        return "Community programs: no demo (no Senior CSO or CSO)."
    monday = _monday_next_week()
    slots = []
    for day in (monday, monday + timedelta(days=2)):
        first = to_utc(datetime.combine(day, time(9)))
        slots += services.open_slots(services.SlotPlan(first, 6, 20, 2, PLACE), senior)
    people = (("Linh Tran (demo)", "vi", "live_scan"), ("Ana Ruiz (demo)", "es", "ink_card"))
    booked = []
    for number, (name, language, method) in enumerate(people):
        content = {
            "slot_id": slots[number].id,
            "method": method,
            "purpose": "employment",
            "name": name,
            "phone": f"209-555-01{20 + number:02d}",
            "email": None,
            "language": language,
        }
        appointment, _created, _token = services.book(
            client_uuid=uuid.uuid4(), content=content, client_address=None
        )
        booked.append(appointment)
    services.assign(booked[0], cso.id, senior)
    delivery, _created = services.create_delivery(
        {
            "recipient": "Oak Park Neighborhood Association (demo)",
            "address": "Oak Park, 3545 Alvarado Ave",
            "message": "Letter from the Chief about the summer safety fair (demo).",
            "requested_by": "Chief's office (demo)",
            "due_at": to_utc(datetime.combine(department_today(), time(15))),
        },
        client_uuid=uuid.uuid4(),
        author=senior,
    )
    services.record_attempt(delivery, cso, DeliveryOutcome.DELIVERED, "Handed to the chair.")
    return (
        f"Community programs: {len(slots)} fingerprint slots with {len(booked)} bookings, "
        "1 delivered message."
    )
