"""The Retention screen: an admin sets each record type's period and places and releases
holds; bad input is refused with a message and what was typed is kept."""

from sqlalchemy import select

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.retention.models import RetentionHold
from cso_field.retention.registry import rules
from cso_field.retention.services import period_days
from tests.factories import DEMO_PASSWORD, TOTP_SECRET, make_check, totp_code

SPECIAL = "days_special_check__contact"


def periods(**changes) -> dict:
    values = {f"days_{rule.name.replace('.', '__')}": str(rule.default_days) for rule in rules()}
    return {**values, **changes}


def test_admin_sees_every_rule_with_its_default_and_reason(client, users, login):
    login(users.admin())
    page = client.get("/admin/retention").get_data(as_text=True)
    for rule in rules():
        assert f'value="{rule.default_days}"' in page
    assert "Default: 365 days." in page and "Government Code 34090" in page
    assert "No record is under a hold." in page


def test_a_period_is_saved_and_audited(client, users, login):
    login(users.admin())
    answer = client.post("/admin/retention", data=periods(**{SPECIAL: "400"}))
    assert answer.status_code == 303
    rule = next(rule for rule in rules() if rule.name == "special_check.contact")
    assert period_days(rule) == 400
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.update"))
    assert event.detail == "retention special_check.contact: 365 -> 400 days"


def test_bad_periods_are_refused_in_spanish_and_what_was_typed_stays(client, users, login):
    login(users.admin())
    client.post("/language", data={"locale": "es", "next": "/today"})
    answer = client.post("/admin/retention", data=periods(**{SPECIAL: "tres"}))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Escriba un número entero de días." in page
    assert 'value="tres"' in page
    too_short = client.post("/admin/retention", data=periods(**{SPECIAL: "2"}))
    assert too_short.status_code == 422
    rule = next(rule for rule in rules() if rule.name == "special_check.contact")
    assert period_days(rule) == 365


def test_holds_are_placed_by_reference_and_released(client, users, login):
    login(users.admin())
    check = make_check()
    unknown = client.post(
        "/admin/retention/holds",
        data={"reference": "SC-1999-000001", "reason": "Appeal"},
    )
    assert unknown.status_code == 422
    assert "No record has that reference." in unknown.get_data(as_text=True)
    assert 'value="Appeal"' in unknown.get_data(as_text=True)
    placed = client.post(
        "/admin/retention/holds",
        data={"reference": check.reference.lower(), "reason": "Appeal"},
    )
    assert placed.status_code == 303
    hold = db.session.scalar(select(RetentionHold))
    assert (hold.record_id, hold.reason, hold.released_at) == (check.id, "Appeal", None)
    assert check.reference in client.get("/admin/retention").get_data(as_text=True)
    released = client.post(f"/admin/retention/holds/{hold.id}/release")
    assert released.status_code == 303
    db.session.refresh(hold)
    assert hold.released_at is not None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("retention.%"))
    ).all()
    assert actions == ["retention.hold", "retention.release"]


def test_only_admins_reach_the_screen(client, users, login):
    login(users.senior())
    assert client.get("/admin/retention").status_code == 403


def test_the_demo_department_has_two_holds_on_the_screen(seeded_demo, demo_client):
    assert "2 retention holds" in seeded_demo.output, seeded_demo.output
    client = demo_client
    client.post("/login", data={"username": "admin.demo", "password": DEMO_PASSWORD})
    client.post("/login/verify", data={"code": totp_code(TOTP_SECRET)})
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "Demo: appeal pending before the hearing officer" in page
    assert "Demo: request from the City Attorney" in page
