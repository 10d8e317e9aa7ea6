"""The community records the shared route tests (tests/core) act on."""

import uuid

from cso_field.community import services
from cso_field.timeutil import utcnow
from tests.community.conftest import open_slots


def community_records(app, senior, cso) -> dict:
    """{route argument: value}: a booked appointment, its private link, and a message."""
    with app.test_request_context():
        [slot] = open_slots(senior, count=1)
        content = {
            "slot_id": slot.id,
            "method": "live_scan",
            "purpose": "employment",
            "name": "Linh Tran",
            "phone": "209-555-0123",
            "email": None,
            "language": "vi",
        }
        appointment, _created, token = services.book(
            client_uuid=uuid.uuid4(), content=content, client_address=None
        )
        message = {
            "recipient": "Mr. Ortiz",
            "address": "2 Elm St",
            "message": "Your bicycle was found.",
            "requested_by": "Records",
            "due_at": utcnow(),
        }
        delivery, _created = services.create_delivery(message, client_uuid=uuid.uuid4(), author=cso)
    return {"appointment_id": appointment.id, "token": token, "message_id": delivery.id}


def fuzz_records(fuzz) -> dict:
    """The community records a fuzzed route acts on, made once per fuzz run: two slots with
    room, a booking with its private link, a message, and a CSO to assign them to."""
    found = getattr(fuzz, "community", None)
    if found is None:
        from cso_field.roles import Role

        senior = fuzz.user(Role.SENIOR_CSO.value, Role.SENIOR_CSO)
        cso = fuzz.user(Role.CSO.value, Role.CSO)
        with fuzz.app.test_request_context():
            slots = open_slots(senior, count=2, capacity=1_000)
        found = community_records(fuzz.app, senior, cso)
        found.update(slots=[slot.id for slot in slots], cso=cso.id)
        fuzz.community = found
    return found
