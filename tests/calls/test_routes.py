"""The calls screens: a CSO records a call and an office walk-in; bad input is refused with
the form kept; a Senior CSO reads the report with its chart and downloads its CSV; an admin
keeps the call types."""

import uuid

import pytest
from sqlalchemy import select

from cso_field.audit.models import AuditEvent
from cso_field.calls import services
from cso_field.calls.models import CallType, HandledCall, OfficeLogEntry
from cso_field.extensions import db
from cso_field.timeutil import department_today


@pytest.fixture
def kind(app, users):
    return services.create_type("Abandoned vehicle", 60, users.admin(username="admin.calls"))


def _call(kind, **overrides):
    return {
        "client_uuid": str(uuid.uuid4()),
        "call_type": str(kind.id),
        "received_on": department_today().isoformat(),
        "received_time": "00:05",
        "minutes": "4",
        "disposition": "resolved",
        "sworn_would_go": "y",
        "district": "",
        **overrides,
    }


def test_a_cso_records_a_call_handled_in_four_minutes(client, users, login, kind):
    login(users.cso())
    form = client.get("/calls/new").get_data(as_text=True)
    assert "Abandoned vehicle" in form and 'name="received_time"' in form
    response = client.post("/calls/new", data=_call(kind))
    assert response.status_code == 303 and response.location == "/calls/"
    call = db.session.scalars(select(HandledCall)).one()
    assert (call.minutes, call.sworn_would_go, call.disposition) == (4, True, "resolved")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "handled_call.create"))
    page = client.get("/calls/").get_data(as_text=True)
    assert call.reference in page and "4 minutes" in page


def test_a_bad_call_is_refused_with_the_typed_input_kept(client, users, login, kind):
    login(users.cso(locale="es"))
    response = client.post(
        "/calls/new", data=_call(kind, minutes="0", call_type="999", received_time="25:99")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Entre 1 y 1440 minutos." in page  # translated
    assert 'value="0"' in page
    assert db.session.scalar(select(HandledCall)) is None


def test_an_office_walk_in_in_spanish_is_logged(client, users, login):
    login(users.cso())
    data = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "walk_in",
        "reason": "Towed car question",
        "language": "es",
        "outcome": "referred",
        "referred_to": "",
        "received_on": department_today().isoformat(),
        "received_time": "00:01",
    }
    refused = client.post("/calls/log/new", data=data)
    assert refused.status_code == 422 and "Say where you referred them." in refused.text
    response = client.post("/calls/log/new", data={**data, "referred_to": "Public Works"})
    assert response.status_code == 303
    entry = db.session.scalars(select(OfficeLogEntry)).one()
    assert (entry.kind, entry.language, entry.referred_to) == ("walk_in", "es", "Public Works")
    page = client.get("/calls/log").get_data(as_text=True)
    assert "Español" in page and "Public Works" in page


def test_the_report_shows_the_hours_saved_as_a_chart_and_a_csv(app, users, login, kind):
    officer = login(users.cso(), test_client=app.test_client())
    assert officer.post("/calls/new", data=_call(kind, minutes="30")).status_code == 303
    assert officer.get("/calls/report").status_code == 403
    client = login(users.senior(), test_client=app.test_client())
    page = client.get("/calls/report").get_data(as_text=True)
    assert '<svg class="chart calls-chart"' in page
    assert 'id="sworn-hours">1.0<' in page and 'id="cso-hours">0.5<' in page
    csv = client.get("/calls/report.csv")
    assert csv.mimetype == "text/csv" and "Abandoned vehicle,—,1,1,0.5,1.0" in csv.text
    period = client.get("/calls/report?first=2026-05-01&last=2026-05-02&_method=POST").text
    assert "/calls/report.csv?first=2026-05-01&amp;last=2026-05-02" in period  # the CSV's own
    bad = client.get("/calls/report?first=2026-05-02&last=2026-05-01")
    assert bad.status_code == 422 and "The last day comes after the first." in bad.text
    assert client.get("/calls/types").status_code == 403


def test_an_admin_adds_and_changes_a_call_type(client, users, login, kind):
    login(users.admin())
    assert client.post("/calls/types", data={"name": "", "sworn_minutes": "x"}).status_code == 422
    duplicate = client.post("/calls/types", data={"name": kind.name, "sworn_minutes": "20"})
    assert duplicate.status_code == 422 and "exists already" in duplicate.text
    added = client.post("/calls/types", data={"name": "Found property", "sworn_minutes": "45"})
    assert added.status_code == 303
    changed = client.post(
        f"/calls/types/{kind.id}", data={"name": kind.name, "sworn_minutes": "50"}
    )
    assert changed.status_code == 303
    db.session.expire_all()
    assert db.session.get(CallType, kind.id).sworn_minutes == 50
    assert client.get("/calls/types/99999").status_code == 404
