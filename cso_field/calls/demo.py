"""Demo calls for `seed-demo`: the department's call types with their factors, and a week of
handled calls and office log entries (phone calls and walk-ins, two in Spanish)."""

import uuid
from datetime import datetime, time, timedelta

from flask_babel import to_utc

from cso_field.calls.services import (
    Contact,
    Disposition,
    Outcome,
    create_type,
    record_call,
    record_visit,
)
from cso_field.demo import DemoContext
from cso_field.districts.services import districts_for_filter
from cso_field.timeutil import department_today

TYPES = (
    ("Demo: Abandoned vehicle", 60),
    ("Demo: Cold burglary report", 90),
    ("Demo: Found property", 45),
    ("Demo: Parking complaint", 40),
    ("Demo: Non-injury collision report", 75),
)
VISITS = (
    (Contact.PHONE, "Demo: How to get a copy of a report", "en", Outcome.HANDLED, None),
    (Contact.WALK_IN, "Demo: Pregunta sobre un vehículo remolcado", "es", Outcome.HANDLED, None),
    (Contact.PHONE, "Demo: Barking dog next door", "en", Outcome.REFERRED, "Animal Services"),
    (Contact.WALK_IN, "Demo: Quiere reportar grafiti", "es", Outcome.REFERRED, "Public Works"),
    (Contact.PHONE, "Demo: Neighborhood Watch meeting dates", "vi", Outcome.HANDLED, None),
)


def _uuid(context: DemoContext) -> uuid.UUID:
    return uuid.UUID(int=context.rng.getrandbits(128))


def _at(days_ago: int, hour: int, minute: int) -> datetime:
    day = department_today() - timedelta(days=days_ago)
    return to_utc(datetime.combine(day, time(hour, minute))).replace(tzinfo=None)


def load_demo_calls(context: DemoContext) -> str:
    admin, cso = context.users["admin.demo"], context.users["cso.demo"]
    kinds = [create_type(name, minutes, admin) for name, minutes in TYPES]
    dispositions = list(Disposition)
    districts = [district_id for district_id, _name in districts_for_filter()] or [None]
    calls = 0
    for days_ago in range(1, 8):
        for number in range(context.rng.randint(2, 4)):
            content = {
                "call_type_id": context.rng.choice(kinds).id,
                "received_at": _at(days_ago, 9 + 2 * number, context.rng.randint(0, 59)),
                "minutes": context.rng.randint(4, 40),
                "disposition": context.rng.choice(dispositions[:4]).value,
                "sworn_would_go": context.rng.random() < 0.8,
                "district_id": context.rng.choice(districts),
            }
            record_call(content, _uuid(context), cso)
            calls += 1
    for days_ago, (kind, reason, language, outcome, referred_to) in enumerate(VISITS, 1):
        content = {
            "kind": kind.value,
            "received_at": _at(days_ago, 10, 15),
            "reason": reason,
            "language": language,
            "outcome": outcome.value,
            "referred_to": referred_to,
        }
        record_visit(content, _uuid(context), cso)
    return f"calls: {len(kinds)} call types, {calls} calls, {len(VISITS)} office log entries"
