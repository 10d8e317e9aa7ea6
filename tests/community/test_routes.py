"""Community programs, the staff screens: the calendar, opening slots, recording an outcome,
assigning, and refusing a death notification with the policy's reason."""

from cso_field.community.models import FingerprintSlot, MessageDelivery
from cso_field.extensions import db
from cso_field.timeutil import department_today
from tests.community.conftest import BOOK, booking
from tests.factories import page


def test_a_senior_cso_opens_slots_and_a_cso_sees_and_completes_a_booking(
    app, client, users, senior, cso, login
):
    day = department_today().toordinal() + 3
    login(senior)
    opened = client.post(
        "/community/slots/new",
        data={
            "day": str(type(department_today()).fromordinal(day)),
            "start": "09:00",
            "count": "3",
            "minutes": "20",
            "capacity": "2",
            "place": "Lobby",
        },
    )
    assert opened.status_code == 303
    slot = db.session.query(FingerprintSlot).order_by(FingerprintSlot.id).first()
    assert db.session.query(FingerprintSlot).count() == 3
    resident = app.test_client()
    assert resident.post(BOOK, data=booking(slot)).status_code == 201
    week = page(client.get(f"/community/?view=week&day={opened.location.split('day=')[1]}"))
    assert "Linh Tran" in week and "1 of 2 booked" in week
    appointment_id = slot.appointments[0].id
    assigned = client.post(
        f"/community/appointments/{appointment_id}/assign", data={"assignee": str(cso.id)}
    )
    assert assigned.status_code == 303
    client.post("/logout")
    login(cso)
    refused = client.post(
        f"/community/appointments/{appointment_id}/outcome", data={"outcome": "taken"}
    )
    assert refused.status_code == 422 and "how many prints" in refused.text
    done = client.post(
        f"/community/appointments/{appointment_id}/outcome",
        data={"outcome": "taken", "prints_count": "1", "print_type": "live_scan"},
    )
    assert done.status_code == 303
    assert "Prints taken" in page(client.get(f"/community/appointments/{appointment_id}"))


def test_a_death_notification_is_refused_with_the_reason_and_who_handles_it(client, cso, login):
    login(cso)
    data = {
        "client_uuid": "5b0a3f0e-6a43-4a4b-9d7e-0d2f3c1d9a11",
        "recipient": "Familia García",
        "address": "1 Oak St",
        "message": "Avise a la familia que su hijo falleció",
        "requested_by": "Dispatch",
        "due_day": str(department_today()),
        "due_time": "15:00",
    }
    response = client.post("/community/messages/new", data=data)
    text = page(response)
    assert response.status_code == 422
    assert "CSOs do not deliver death notifications." in text
    assert "sworn officer" in text and "Watch Commander" in text
    assert "Avise a la familia que su hijo falleció" in text  # what was typed is kept
    assert db.session.query(MessageDelivery).count() == 0
    taken = client.post(
        "/community/messages/new", data={**data, "message": "Your wallet was found."}
    )
    assert taken.status_code == 303
