"""Community programs, the rules: reminders, outcomes with assigned work, the calendar, and
the death-notification policy."""

import uuid
from datetime import datetime, time, timedelta

import pytest
from flask_babel import to_utc

from cso_field.assignments.models import Assignment
from cso_field.community import services
from cso_field.community.models import AppointmentOutcome, DeliveryOutcome
from cso_field.extensions import db
from cso_field.timeutil import department_today, utcnow
from tests.community.conftest import open_slots
from tests.factories import outbox


def _book(slot, **fields):
    content = {
        "slot_id": slot.id,
        "method": "ink_card",
        "purpose": "license",
        "name": "Pa Vang",
        "phone": None,
        "email": "pa@example.com",
        "language": "hmn",
        **fields,
    }
    return services.book(client_uuid=uuid.uuid4(), content=content, client_address="10.1.1.1")


def test_reminders_go_once_in_the_residents_language_the_day_before(app, senior):
    with app.test_request_context():
        [slot] = open_slots(senior, count=1, days=1, hour=10)
        appointment, _created, _token = _book(slot)
        later = open_slots(senior, count=1, days=5)[0]
        _book(later, email="far@example.com")
        assert services.queue_reminders() == 1
        assert services.queue_reminders() == 0
    reminder = outbox()[-1]
    assert (reminder.recipient, reminder.language) == ("pa@example.com", "hmn")
    assert appointment.reference in reminder.subject
    assert "Hnub" in reminder.body_text  # the Hmong date, never an English weekday


def test_a_full_slot_refuses_a_booking(app, senior):
    with app.test_request_context():
        [slot] = open_slots(senior, count=1, capacity=1)
        _book(slot)
        with pytest.raises(services.BookingError) as refused:
            _book(slot)
    assert refused.value.code == "slot_full"


def test_the_outcome_completes_the_assigned_work(app, senior, cso):
    with app.test_request_context():
        [slot] = open_slots(senior, count=1)
        appointment, _created, _token = _book(slot)
        assignment = services.assign(appointment, cso.id, senior)
        services.record_outcome(
            appointment,
            cso,
            outcome=AppointmentOutcome.TAKEN,
            prints_count=2,
            print_type="ink_card",
        )
    assignment = db.session.get(Assignment, assignment.id)
    assert (assignment.kind, assignment.state) == ("fingerprinting", "done")
    assert "2" in assignment.outcome
    assert services.state_of(appointment) is services.AppointmentState.DONE


def test_the_calendar_shows_a_weeks_slots_and_messages_by_day(app, senior, cso):
    with app.test_request_context():
        open_slots(senior, count=2, days=2)
        day = department_today() + timedelta(days=2)
        services.create_delivery(
            {
                "recipient": "Ms. Lopez",
                "address": "1 Oak St",
                "message": "Your found wallet is at the front desk.",
                "requested_by": "Front desk",
                "due_at": to_utc(datetime.combine(day, time(15))),
            },
            client_uuid=uuid.uuid4(),
            author=cso,
        )
        days, more = services.calendar(services.week_start(day), 7)
    shown = {entry.day: (len(entry.slots), len(entry.messages)) for entry in days}
    assert shown[day] == (2, 1) and not more
    assert sum(slots + messages for slots, messages in shown.values()) == 3


DEATH_WORDINGS = [
    "Death notification for the Smith family",
    "Please tell Mrs. Lee her son died in a crash last night",
    "Notify next of kin: John Doe is deceased",
    "Her husband passed away at the hospital",
    "Let him know his brother was killed on Highway 99",
    "Tell the family he is no longer with us",
    "Notificación de fallecimiento para la familia García",
    "Avise a la señora que su esposo murió esta mañana",
    "Informe que su hijo falleció en el hospital",
    "Su padre perdió la vida en un accidente",
    "DECIRLE A LA FAMILIA QUE SU ABUELA YA NO ESTÁ CON NOSOTROS",
    "Su hermano fue encontrado muerto",
]


@pytest.mark.parametrize("message", DEATH_WORDINGS)
def test_death_notifications_are_refused_however_they_are_worded(app, cso, message):
    content = {
        "recipient": "Family",
        "address": "1 Oak St",
        "message": message,
        "requested_by": "Dispatch",
        "due_at": utcnow(),
    }
    with pytest.raises(services.DeathNotification):
        services.create_delivery(content, client_uuid=uuid.uuid4(), author=cso)


@pytest.mark.parametrize(
    "message",
    ["Your bicycle was found", "Recoja su cartera en la recepción", "The meeting moved to 7pm"],
)
def test_ordinary_messages_are_taken(message):
    assert not services.is_death_notification(message)


def test_attempts_are_kept_until_the_message_is_delivered(app, cso):
    with app.test_request_context():
        content = {
            "recipient": "Mr. Ortiz",
            "address": "2 Elm St",
            "message": "Your car can be picked up at the tow yard.",
            "requested_by": "Records",
            "due_at": utcnow(),
        }
        delivery, _created = services.create_delivery(content, client_uuid=uuid.uuid4(), author=cso)
        services.record_attempt(delivery, cso, DeliveryOutcome.NOBODY_HOME, None)
        services.record_attempt(delivery, cso, DeliveryOutcome.DELIVERED, "Handed over")
        with pytest.raises(services.BookingError):
            services.record_attempt(delivery, cso, DeliveryOutcome.DELIVERED, None)
    assert [attempt.outcome for attempt in delivery.attempts] == ["nobody_home", "delivered"]
    assert delivery.delivered_at is not None
