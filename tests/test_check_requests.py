"""Special checks, the resident's side: the online request in their language, the private
link, staff entry by phone or at the counter, the admin's rules and the summary email."""

import hashlib
import html
import re
import uuid
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from flask_babel import npgettext, pgettext
from sqlalchemy import func, select, update

from cso_field.audit.models import AuditEvent
from cso_field.auth.models import Role
from cso_field.extensions import db
from cso_field.i18n import RESIDENT_LANGUAGES, resident_language
from cso_field.mail import OutboxMessage, render_email
from cso_field.settings import set_setting
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from cso_field.special_checks.requests import department_today, queue_summaries
from cso_field.timeutil import utcnow
from tests.factories import PASSWORD, UserFactory

FORM = "/check-request/"
MANAGE_LINK = re.compile(r"https?://[^/\s]+/check-request/manage/([A-Za-z0-9_-]+)")


def resident_text(app, code: str, message: str, plural: str | None = None, **variables) -> str:
    """What the resident sees for `message` in their language, from the catalogs."""
    with app.test_request_context(), resident_language(code):
        if plural is not None:
            return npgettext("resident", message, plural, variables.pop("num"), **variables)
        return pgettext("resident", message, **variables)


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def request_data(**overrides) -> dict:
    today = department_today()
    data = {
        "client_uuid": str(uuid.uuid4()),
        "requester_name": "María López",
        "address": "1234 Calle Ejemplo, Stockton",
        "phone": "(209) 555-0142",
        "email": "maria@example.com",
        "language": "es",
        "start_date": (today + timedelta(days=3)).isoformat(),
        "end_date": (today + timedelta(days=10)).isoformat(),
        "emergency_contact_name": "José López",
        "emergency_contact_phone": "209-555-0199",
        "pets": "Un gato, adentro",
        "instructions": "La puerta trasera tiene candado.\nEl jardinero viene los martes.",
    }
    data.update(overrides)
    return data


def checks_saved() -> int:
    return db.session.scalar(select(func.count(SpecialCheck.id)))


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def manage_token(message: OutboxMessage) -> str:
    found = MANAGE_LINK.search(message.body_text)
    assert found, message.body_text
    return found.group(1)


def submit(client, data, lang="es"):
    return client.post(f"{FORM}?lang={lang}", data=data)


# -- The request in the resident's language ------------------------------------------------


def test_the_form_is_in_the_language_asked_for_with_every_language_offered(app, client):
    response = client.get(f"{FORM}?lang=es", headers={"Accept-Language": "en"})
    text = page(response)
    assert response.status_code == 200
    assert '<html lang="es"' in text
    assert resident_text(app, "es", "Request a special check") in text
    for language in RESIDENT_LANGUAGES.values():
        assert f'lang="{language.code}" hreflang="{language.code}"' in text
        assert language.name in text
    assert resident_text(app, "es", "About your information") in text
    honeypot = re.search(r"<input[^>]*name=\"website\"[^>]*>", text).group(0)
    assert 'tabindex="-1"' in honeypot and 'aria-hidden="true"' in honeypot


def test_the_browser_language_is_used_unless_the_page_asks_for_another(client):
    assert '<html lang="vi"' in client.get(FORM, headers={"Accept-Language": "vi-VN"}).text
    assert '<html lang="tl"' in client.get(FORM, headers={"Accept-Language": "fil"}).text
    assert '<html lang="en"' in client.get(FORM, headers={"Accept-Language": "de"}).text
    client.set_cookie("lang", "es")  # a staff member's interface language on this browser
    assert '<html lang="km"' in client.get(f"{FORM}?lang=km").text


def test_a_spanish_request_gets_a_spanish_receipt_and_email_with_a_private_link(app, client):
    data = request_data()
    response = submit(client, data)
    text = page(response)
    assert response.status_code == 201, text
    check = db.session.scalars(select(SpecialCheck)).one()
    assert re.fullmatch(r"SC-\d{4}-\d{6}", check.reference)
    assert '<html lang="es"' in text
    assert check.reference in text
    assert format_date(check.start_date, "full", locale="es_US") in text
    assert resident_text(app, "es", "We received your request") in text
    assert "/check-request/manage/" not in text  # the link went by email only
    assert (check.language, check.source, check.kind) == ("es", "online", "vacation_house")
    assert check.instructions == data["instructions"]

    [message] = outbox()
    assert (message.language, message.recipient) == ("es", "maria@example.com")
    assert message.subject == resident_text(
        app,
        "es",
        "Special check %(reference)s: we received your request",
        reference=check.reference,
    )
    assert format_date(check.end_date, "long", locale="es_US") in message.body_text
    token = manage_token(message)
    assert check.reference not in token
    assert check.manage_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "special_check.create"))

    assert client.get(f"/check-request/manage/{check.reference}").status_code == 404
    managed = client.get(f"/check-request/manage/{token}")
    assert managed.status_code == 200
    assert '<html lang="es"' in managed.text and check.reference in managed.text


def test_the_receipt_shows_the_link_only_when_there_is_no_email(client):
    data = request_data(email="")
    first = submit(client, data)
    assert first.status_code == 201
    [first_token] = set(MANAGE_LINK.findall(first.text))
    assert outbox() == []
    # A repeat (a double tap) shows the same receipt with a working link; the earlier one ends.
    again = submit(client, data)
    assert again.status_code == 200
    [second_token] = set(MANAGE_LINK.findall(again.text))
    assert checks_saved() == 1
    assert client.get(f"/check-request/manage/{second_token}").status_code == 200
    assert client.get(f"/check-request/manage/{first_token}").status_code == 404


def test_the_same_form_sent_twice_is_saved_once(app, client):
    data = request_data()
    first, second = submit(client, data), submit(client, data)
    assert (first.status_code, second.status_code) == (201, 200)
    reference = db.session.scalars(select(SpecialCheck)).one().reference
    assert reference in second.text
    assert len(outbox()) == 1
    changed = submit(client, {**data, "pets": "Dos perros"})
    assert changed.status_code == 422
    assert checks_saved() == 1
    assert resident_text(
        app,
        "es",
        "This form was already sent with other details. Reload the page to start a new request.",
    ) in page(changed)


def _day(offset: int) -> str:
    return (department_today() + timedelta(days=offset)).isoformat()


INVALID = [
    ("end before start", {"start_date": 5, "end_date": 3}, "end_before_start"),
    ("90 days long", {"start_date": 2, "end_date": 92}, "too_long"),
    ("start in the past", {"start_date": -2, "end_date": 3}, "in_past"),
    ("start today", {"start_date": 0, "end_date": 3}, "too_soon"),
    ("no phone or email", {"phone": "", "email": ""}, "no_contact"),
    ("10,000 characters", {"requester_name": "n" * 10_000, "pets": "p" * 10_000}, "too_long_text"),
    ("control characters", {"requester_name": "María\x07 López"}, "control"),
    ("not a date", {"start_date": "next tuesday"}, "not_a_date"),
    ("bad email", {"email": "maria at example"}, "email"),
    ("bad phone", {"phone": "call me maybe"}, "phone"),
    ("unknown language", {"language": "xx"}, "choice"),
    ("alert without email", {"notify_emergency_contact": "y"}, "contact_email"),
]

MESSAGES = {
    "end_before_start": ("The end date cannot be before the start date.", None, None),
    "too_long": (
        "A special check can last at most %(num)d day. Choose an earlier end date.",
        "A special check can last at most %(num)d days. Choose an earlier end date.",
        30,
    ),
    "in_past": ("The start date has already passed. Choose a later date.", None, None),
    "too_soon": (
        "Choose a start date at least %(num)d day from today, so we can plan the checks.",
        "Choose a start date at least %(num)d days from today, so we can plan the checks.",
        1,
    ),
    "no_contact": ("Give a phone number or an email address, so we can reach you.", None, None),
    "too_long_text": ("Use at most %(max)d characters.", None, None),
    "control": ("Remove the invisible control characters from this field.", None, None),
    "not_a_date": ("Enter a date, for example 2026-12-24.", None, None),
    "email": ("Enter an email address like name@example.com.", None, None),
    "phone": ("Enter a phone number with its area code, e.g. 209-555-0123.", None, None),
    "choice": ("Choose one of the options.", None, None),
    "contact_email": ("Enter the contact's email address, or untick the box.", None, None),
}


@pytest.mark.parametrize(("case", "changes", "problem"), INVALID, ids=[i[0] for i in INVALID])
def test_invalid_requests_are_refused_in_spanish_keeping_what_was_typed(
    app, client, case, changes, problem
):
    changes = {
        name: _day(value) if name.endswith("_date") and isinstance(value, int) else value
        for name, value in changes.items()
    }
    data = request_data(**changes)
    response = submit(client, data)
    text = page(response)
    assert response.status_code == 422, case
    assert '<html lang="es"' in text
    message, plural, num = MESSAGES[problem]
    variables = {"max": 120} if problem == "too_long_text" else {}
    if plural:
        variables["num"] = num
    expected = resident_text(app, "es", message, plural, **variables)
    assert expected in text, (case, expected)
    assert resident_text(app, "es", "Some details need fixing:") in text
    assert data["address"] in text and data["pets"][:50] in text
    assert checks_saved() == 0 and outbox() == []


def test_a_filled_honeypot_saves_nothing(app, client):
    response = submit(client, request_data(website="http://cheap-pills.example"))
    assert response.status_code == 422
    assert checks_saved() == 0 and outbox() == []
    assert resident_text(
        app,
        "es",
        "We could not accept this form. Please try again, or call us at %(phone)s.",
        phone=app.config["DEPARTMENT_PHONE"],
    ) in page(response)


def test_too_many_requests_from_one_address_are_refused_for_an_hour(make_app):
    app = make_app(CHECK_REQUESTS_PER_ADDRESS_PER_HOUR=2)
    with app.app_context():
        client = app.test_client()
        assert submit(client, request_data()).status_code == 201
        assert submit(client, request_data()).status_code == 201
        refused = submit(client, request_data())
        assert refused.status_code == 429
        assert '<html lang="es"' in refused.text
        assert resident_text(app, "es", "Too many requests") in page(refused)
        assert checks_saved() == 2
        # Another address is not affected; and after an hour this one may send again.
        other = client.post(
            f"{FORM}?lang=es", data=request_data(), environ_base={"REMOTE_ADDR": "10.9.8.7"}
        )
        assert other.status_code == 201
        db.session.execute(update(SpecialCheck).values(created_at=utcnow() - timedelta(minutes=61)))
        db.session.commit()
        assert submit(client, request_data()).status_code == 201


# -- The private link ----------------------------------------------------------------------


@pytest.fixture
def requested(app, client):
    """A Spanish request sent online; returns (check, private link path)."""
    assert submit(client, request_data()).status_code == 201
    check = db.session.scalars(select(SpecialCheck)).one()
    return check, f"/check-request/manage/{manage_token(outbox()[0])}"


def test_the_private_link_changes_the_last_day(app, client, requested):
    check, link = requested
    new_end = check.start_date + timedelta(days=2)
    response = client.post(link, data={"end-end_date": new_end.isoformat(), "end-submit": "1"})
    assert response.status_code == 303 and response.location == link
    db.session.refresh(check)
    assert check.end_date == new_end
    mail = outbox()[-1]
    assert mail.language == "es" and mail.dedupe_key.startswith("check-end-date:")
    assert format_date(new_end, "full", locale="es_US") in mail.body_text
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "special_check.end_date")
    )
    assert resident_text(app, "es", "The last day of the checks is changed.") in page(
        client.get(link)
    )


@pytest.mark.parametrize(
    ("offset_from_start", "message", "plural"),
    [
        (-1, "The end date cannot be before the start date.", None),
        (
            60,
            "A special check can last at most %(num)d day. Choose an earlier end date.",
            "A special check can last at most %(num)d days. Choose an earlier end date.",
        ),
    ],
)
def test_the_private_link_refuses_impossible_end_dates(
    app, client, requested, offset_from_start, message, plural
):
    check, link = requested
    typed = (check.start_date + timedelta(days=offset_from_start)).isoformat()
    response = client.post(link, data={"end-end_date": typed, "end-submit": "1"})
    assert response.status_code == 422
    expected = resident_text(app, "es", message, plural, **({"num": 30} if plural else {}))
    assert expected in page(response) and typed in response.text
    db.session.refresh(check)
    assert check.end_date == check.start_date + timedelta(days=7)


def test_the_private_link_cancels_after_confirmation(app, client, requested):
    check, link = requested
    unconfirmed = client.post(link, data={"cancel-submit": "1"})
    assert unconfirmed.status_code == 422
    assert resident_text(app, "es", "Tick the box to confirm.") in page(unconfirmed)
    assert client.post(link, data={"cancel-confirm": "y", "cancel-submit": "1"}).status_code == 303
    db.session.refresh(check)
    assert check.cancelled_at is not None
    shown = page(client.get(link))
    assert resident_text(app, "es", "This request is cancelled.") in shown
    assert 'name="end-end_date"' not in shown
    changed = client.post(link, data={"end-end_date": _day(5), "end-submit": "1"})
    assert changed.status_code == 422


def test_an_unknown_link_is_a_404_in_the_residents_language(app, client):
    response = client.get(
        "/check-request/manage/not-a-real-token-at-all-1234", headers={"Accept-Language": "es"}
    )
    assert response.status_code == 404
    assert resident_text(app, "es", "This link does not work") in page(response)


# -- Staff entry and settings ------------------------------------------------------------------


def test_a_cso_enters_a_business_check_taken_by_phone(app, client, users, login):
    cso = users.cso()
    login(cso)
    assert client.get("/checks/new").status_code == 200
    data = request_data(
        kind="business",
        source="phone",
        description="Back door of the store found open twice at night.",
        start_date=_day(0),  # staff may start a check today
        email="",
        language="en",
    )
    missing = client.post("/checks/new", data={**data, "description": ""})
    assert missing.status_code == 422
    assert "Describe what the officers should look for." in missing.text
    response = client.post("/checks/new", data=data)
    assert response.status_code == 303
    check = db.session.scalars(select(SpecialCheck)).one()
    assert (check.kind, check.source, check.created_by_id) == ("business", "phone", cso.id)
    assert check.description == data["description"]
    assert check.start_date == department_today()
    assert response.location == f"/checks/{check.id}"
    assert check.reference in client.get(response.location).text


def test_settings_are_for_admins_and_change_the_rules(app, client, users, login, make_app):
    login(users.cso())
    assert client.get("/checks/settings").status_code == 403
    admin_client = app.test_client()
    login(users.admin(), test_client=admin_client)
    assert admin_client.get("/checks/settings").status_code == 200
    bad = admin_client.post(
        "/checks/settings",
        data={
            "check_min_lead_days": "15",
            "check_max_length_days": "0",
            "check_stale_after_days": "abc",
        },
    )
    assert bad.status_code == 422
    assert "Enter a number from 0 to 14." in bad.text and "Enter a whole number." in bad.text
    saved = admin_client.post(
        "/checks/settings",
        data={
            "check_min_lead_days": "0",
            "check_max_length_days": "10",
            "check_stale_after_days": "3",
        },
    )
    assert saved.status_code == 303
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.update"))
    assert "check_max_length_days: 30 -> 10" in event.detail

    resident = app.test_client()
    too_long = submit(resident, request_data(start_date=_day(0), end_date=_day(11)))
    assert too_long.status_code == 422
    expected = resident_text(
        app,
        "es",
        "A special check can last at most %(num)d day. Choose an earlier end date.",
        "A special check can last at most %(num)d days. Choose an earlier end date.",
        num=10,
    )
    assert expected in page(too_long)
    assert submit(resident, request_data(start_date=_day(0), end_date=_day(9))).status_code == 201


# -- The summary when the checks are over ------------------------------------------------------


def _visit(check, officer, outcome, hours_ago, **fields):
    visit = CheckVisit(
        client_uuid=uuid.uuid4(),
        submission_hash="0" * 64,
        created_by_id=officer.id,
        check_id=check.id,
        outcome=outcome,
        created_at=utcnow() - timedelta(hours=hours_ago),
        **{"status": "submitted", **fields},
    )
    db.session.add(visit)
    return visit


def _ended(check, days_ago=1):
    check.start_date = department_today() - timedelta(days=days_ago + 5)
    check.end_date = department_today() - timedelta(days=days_ago)


def test_the_summary_is_queued_once_with_the_visits(app, client, users, requested):
    check, _link = requested
    officer = users.cso(display_name="Dana Reyes")
    _ended(check)
    _visit(check, officer, "all_secure", 40)
    _visit(check, officer, "open_door_or_window", 30)
    _visit(check, officer, "suspicious", 20, deleted_at=utcnow())
    _visit(check, officer, "forced_entry", 10, status="draft")
    still_running = submit(client, request_data())
    assert still_running.status_code == 201
    db.session.commit()

    assert queue_summaries(department_today()) == 1
    db.session.commit()
    assert queue_summaries(department_today()) == 0
    summaries = [m for m in outbox() if m.dedupe_key.startswith("check-summary:")]
    assert [m.dedupe_key for m in summaries] == [f"check-summary:{check.id}"]
    body = summaries[0].body_text
    assert summaries[0].language == "es"
    assert resident_text(app, "es", "All secure") in body
    assert resident_text(app, "es", "A door or window was open") in body
    assert resident_text(app, "es", "Something suspicious was seen") not in body
    assert resident_text(app, "es", "Signs of a break-in") not in body
    assert body.count("\n- ") == 2
    assert "Dana Reyes" not in body
    assert check.summary_queued_at is not None


def test_the_summary_names_officers_only_when_the_department_chooses(app, users, requested):
    check, _link = requested
    _ended(check)
    _visit(check, users.cso(display_name="Dana Reyes"), "all_secure", 30)
    set_setting("check_summary_shows_officer_names", True)
    db.session.commit()
    queue_summaries()
    db.session.commit()
    assert "Dana Reyes" in outbox()[-1].body_text


def test_a_cancelled_check_is_summed_up_at_once_and_the_cli_queues_summaries(
    app, client, requested
):
    check, link = requested
    client.post(link, data={"cancel-confirm": "y", "cancel-submit": "1"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["checks", "queue-summaries", "--today", date.today().isoformat()])
    assert result.exit_code == 0, result.output
    assert "Queued 1" in result.output
    db.session.commit()
    summary = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"check-summary:{check.id}")
    )
    assert summary.subject == resident_text(
        app, "es", "Special check %(reference)s: cancelled", reference=check.reference
    )
    again = runner.invoke(args=["checks", "queue-summaries"])
    assert "Queued 0" in again.output
    assert runner.invoke(args=["checks", "queue-summaries", "--today", "soon"]).exit_code != 0


@pytest.mark.parametrize("code", sorted(RESIDENT_LANGUAGES))
def test_every_email_renders_in_every_resident_language(app, users, code):
    check = SpecialCheck(
        reference="SC-2026-000042",
        requester_name="Pov Vang",
        address="55 Hmong Way, Stockton",
        language=code,
        start_date=date(2026, 11, 24),
        end_date=date(2026, 11, 30),
    )
    visits = [{"at": utcnow(), "outcome": "All secure", "officer": None}]
    with app.test_request_context():
        confirmation = render_email(
            "check_confirmation", code, check=check, manage_url="https://x/check-request/manage/t"
        )
        changed = render_email("check_end_date_changed", code, check=check)
        summary = render_email("check_summary", code, check=check, visits=visits)
    for subject, body in (confirmation, changed, summary):
        assert "SC-2026-000042" in subject and "\n" not in subject
        assert body.strip()
    if code == "tl":
        assert "Nobyembre" in confirmation[1]
    if code == "hmn":
        assert "November 24, 2026" in confirmation[1]


def test_only_online_requests_count_for_the_rate_limit(make_app):
    app = make_app(CHECK_REQUESTS_PER_ADDRESS_PER_HOUR=1)
    with app.app_context():
        cso = UserFactory(app).create(Role.CSO)
        staff = app.test_client()
        staff.post("/login", data={"username": cso.username, "password": PASSWORD})
        data = request_data(source="counter", kind="vacation_house", email="")
        assert staff.post("/checks/new", data=data).status_code == 303
        assert submit(app.test_client(), request_data()).status_code == 201
