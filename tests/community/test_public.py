"""Community programs, the resident's side: booking a fingerprinting appointment in their
language, the receipt and private link, cancel and move, and the limits."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from cso_field.community.models import FingerprintAppointment, FingerprintSlot
from cso_field.extensions import db
from tests.community.conftest import BOOK, booking, open_slots
from tests.factories import outbox, page, resident_text

LINK = re.compile(r"(/fingerprinting/manage/[A-Za-z0-9_-]+)")


def test_a_vietnamese_phone_books_and_gets_a_vietnamese_receipt_and_email(app, client, slots):
    form = client.get(BOOK, headers={"Accept-Language": "vi-VN"})
    assert '<html lang="vi"' in form.text
    assert resident_text(app, "vi", "Book a fingerprinting appointment") in page(form)
    response = client.post(f"{BOOK}?lang=vi", data=booking(slots[0]))
    text = page(response)
    assert response.status_code == 201, text
    appointment = db.session.scalars(select(FingerprintAppointment)).one()
    assert re.fullmatch(r"FP-\d{4}-\d{6}", appointment.reference)
    assert '<html lang="vi"' in text and appointment.reference in text
    assert resident_text(app, "vi", "Your fingerprinting appointment is booked") in text
    [message] = outbox()
    assert (message.language, message.recipient) == ("vi", "linh@example.com")
    assert message.subject == resident_text(
        app,
        "vi",
        "Fingerprinting appointment %(reference)s is booked",
        reference=appointment.reference,
    )
    # The receipt's private link opens the appointment, in Vietnamese whatever the browser.
    link = LINK.search(text).group(1)
    assert link in message.body_text
    manage = client.get(link, headers={"Accept-Language": "en"})
    assert manage.status_code == 200 and '<html lang="vi"' in manage.text
    assert db.session.get(FingerprintSlot, slots[0].id).booked == 1


def test_a_booking_without_contact_or_slot_is_refused_in_the_residents_language(app, client):
    open_slots_count = 0
    response = client.post(f"{BOOK}?lang=es", data={"name": "Ana", "client_uuid": "x"})
    assert response.status_code == 422
    assert '<html lang="es"' in response.text
    assert open_slots_count == db.session.scalar(select(func.count(FingerprintAppointment.id)))


def test_the_honeypot_turns_robots_away(client, slots):
    response = client.post(BOOK, data=booking(slots[0], website="http://spam.example"))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(FingerprintAppointment.id))) == 0


def test_cancel_frees_the_place_and_move_takes_another(app, client, slots):
    text = page(client.post(f"{BOOK}?lang=es", data=booking(slots[0], language="es")))
    link = LINK.search(text).group(1)
    moved = client.post(link, data={"move-slot": str(slots[1].id), "move-submit": "1"})
    assert moved.status_code == 303
    db.session.expire_all()
    assert [slot.booked for slot in db.session.scalars(select(FingerprintSlot))] == [0, 1]
    reference = db.session.scalars(select(FingerprintAppointment)).one().reference
    assert outbox()[-1].subject == resident_text(
        app, "es", "Fingerprinting appointment %(reference)s is moved", reference=reference
    )
    refused = client.post(link, data={"cancel-submit": "1"})
    assert refused.status_code == 422  # the box was not ticked
    cancelled = client.post(link, data={"cancel-confirm": "y", "cancel-submit": "1"})
    assert cancelled.status_code == 303
    db.session.expire_all()
    assert [slot.booked for slot in db.session.scalars(select(FingerprintSlot))] == [0, 0]
    after = page(client.get(link))
    assert resident_text(app, "es", "This appointment is cancelled.") in after


def test_an_unknown_link_is_a_404_in_the_phones_language(app, client):
    response = client.get(
        "/fingerprinting/manage/not-a-real-token-at-all-1234", headers={"Accept-Language": "vi"}
    )
    assert response.status_code == 404
    assert resident_text(app, "vi", "This link does not work") in page(response)


def _send_at_once(app, bodies):
    """POST every booking at the same moment, each from its own client, thread and address."""
    start = threading.Barrier(len(bodies))

    def send(number, body):
        client = app.test_client()
        start.wait()
        response = client.post(
            BOOK, data=body, environ_base={"REMOTE_ADDR": f"10.0.0.{number + 1}"}
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies)), bodies))


def test_twenty_parallel_bookings_take_exactly_the_slots_capacity(make_app):
    app = make_app()
    with app.app_context():
        from tests.factories import UserFactory

        senior = UserFactory(app).senior()
        with app.test_request_context():
            [slot] = open_slots(senior, count=1, capacity=3)
        statuses = _send_at_once(app, [booking(slot, email="") for _ in range(20)])
        assert sorted(statuses) == [201] * 3 + [422] * 17
        db.session.expire_all()
        assert db.session.get(FingerprintSlot, slot.id).booked == 3
        assert db.session.scalar(select(func.count(FingerprintAppointment.id))) == 3


def test_one_address_books_at_most_its_hourly_share(make_app):
    app = make_app(CHECK_REQUESTS_PER_ADDRESS_PER_HOUR=2)
    with app.app_context():
        from tests.factories import UserFactory

        senior = UserFactory(app).senior()
        with app.test_request_context():
            [slot] = open_slots(senior, count=1, capacity=10)
        client = app.test_client()
        statuses = [client.post(BOOK, data=booking(slot)).status_code for _ in range(3)]
        assert statuses == [201, 201, 429]
