"""Special checks, the resident's side: the online request in their language and the
private link."""

import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select, update

from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.special_checks.models import SpecialCheck
from cso_field.timeutil import utcnow
from tests.factories import (
    FORM,
    MANAGE_LINK,
    checks_saved,
    days_from_today,
    manage_token,
    outbox,
    page,
    resident_text,
    spanish_request,
    submit_request,
)

# -- The request in the resident's language ------------------------------------------------


def test_the_form_is_in_the_language_asked_for_with_every_language_offered(app, client):
    response = client.get(f"{FORM}?lang=es", headers={"Accept-Language": "en"})
    text = page(response)
    assert response.status_code == 200
    assert '<html lang="es"' in text
    assert resident_text(app, "es", "Request a special check") in text
    for language in RESIDENT_LANGUAGES.values():
        assert f'<option value="{language.code}" lang="{language.code}"' in text
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
    data = spanish_request()
    response = submit_request(client, data)
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
    data = spanish_request(email="")
    first = submit_request(client, data)
    assert first.status_code == 201
    [first_token] = set(MANAGE_LINK.findall(first.text))
    assert outbox() == []
    # A repeat (a double tap) shows the same receipt with a working link; the earlier one ends.
    again = submit_request(client, data)
    assert again.status_code == 200
    [second_token] = set(MANAGE_LINK.findall(again.text))
    assert checks_saved() == 1
    assert client.get(f"/check-request/manage/{second_token}").status_code == 200
    assert client.get(f"/check-request/manage/{first_token}").status_code == 404


def test_the_private_link_opens_on_the_server_the_resident_used(client):
    sent = client.post(
        f"{FORM}?lang=es", data=spanish_request(email=""), base_url="https://vecinos.example.test"
    )
    assert sent.status_code == 201
    [link] = set(re.findall(r"https?://[^/\s\"]+/check-request/manage/[A-Za-z0-9_-]+", sent.text))
    assert link.startswith("https://vecinos.example.test/check-request/manage/")
    assert client.get(link, base_url="https://vecinos.example.test").status_code == 200


def test_the_private_link_starts_with_the_public_address_when_one_is_set(make_app):
    app = make_app(PUBLIC_BASE_URL="https://cso.example.org/")
    with app.app_context():
        sent = submit_request(app.test_client(), spanish_request(email=""))
        assert sent.status_code == 201
        assert "https://cso.example.org/check-request/manage/" in sent.text


def test_the_receipt_repeats_the_request_and_offers_a_tap_to_call_number(app, client):
    data = spanish_request(email="")
    sent = submit_request(client, data)
    assert sent.status_code == 201
    assert data["requester_name"] in sent.text and data["address"] in sent.text
    assert 'href="tel:' in sent.text
    assert app.config["DEPARTMENT_PHONE"] in sent.text


def test_the_date_pickers_start_at_the_first_day_a_check_may_start(client):
    form = client.get(f"{FORM}?lang=es").text
    earliest = days_from_today(1)
    assert f'min="{earliest}"' in form
    # The longest period (30 days by default, both days counted) from the earliest start.
    assert f'max="{days_from_today(30)}"' in form
    assert 'data-max-length-days="30"' in form


def test_the_private_link_page_bounds_the_new_last_day_by_the_rules(client):
    sent = submit_request(client, spanish_request(email=""))  # starts in 3 days
    [token] = set(MANAGE_LINK.findall(sent.text))
    managed = client.get(f"/check-request/manage/{token}").text
    assert f'min="{days_from_today(3)}"' in managed
    assert f'max="{days_from_today(32)}"' in managed


def test_the_same_form_sent_twice_is_saved_once(app, client):
    data = spanish_request()
    first, second = submit_request(client, data), submit_request(client, data)
    assert (first.status_code, second.status_code) == (201, 200)
    reference = db.session.scalars(select(SpecialCheck)).one().reference
    assert reference in second.text
    assert len(outbox()) == 1
    changed = submit_request(client, {**data, "pets": "Dos perros"})
    assert changed.status_code == 422
    assert checks_saved() == 1
    assert resident_text(
        app,
        "es",
        "This form was already sent with other details. Reload the page to start a new request.",
    ) in page(changed)


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
        name: days_from_today(value) if name.endswith("_date") and isinstance(value, int) else value
        for name, value in changes.items()
    }
    data = spanish_request(**changes)
    response = submit_request(client, data)
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
    response = submit_request(client, spanish_request(website="http://cheap-pills.example"))
    assert response.status_code == 422
    assert checks_saved() == 0 and outbox() == []
    assert resident_text(
        app,
        "es",
        "We could not accept this form. Please try again, or call us at %(phone)s.",
        phone=f'<span class="tel">{app.config["DEPARTMENT_PHONE"]}</span>',  # kept on one line
    ) in page(response)


def test_too_many_requests_from_one_address_are_refused_for_an_hour(make_app):
    app = make_app(CHECK_REQUESTS_PER_ADDRESS_PER_HOUR=2)
    with app.app_context():
        client = app.test_client()
        assert submit_request(client, spanish_request()).status_code == 201
        assert submit_request(client, spanish_request()).status_code == 201
        refused = submit_request(client, spanish_request())
        assert refused.status_code == 429
        assert '<html lang="es"' in refused.text
        assert resident_text(app, "es", "Too many requests") in page(refused)
        assert checks_saved() == 2
        # Another address is not affected; and after an hour this one may send again.
        other = client.post(
            f"{FORM}?lang=es", data=spanish_request(), environ_base={"REMOTE_ADDR": "10.9.8.7"}
        )
        assert other.status_code == 201
        db.session.execute(update(SpecialCheck).values(created_at=utcnow() - timedelta(minutes=61)))
        db.session.commit()
        assert submit_request(client, spanish_request()).status_code == 201


# -- The private link ----------------------------------------------------------------------


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
    changed = client.post(link, data={"end-end_date": days_from_today(5), "end-submit": "1"})
    assert changed.status_code == 422


def test_an_unknown_link_is_a_404_in_the_residents_language(app, client):
    response = client.get(
        "/check-request/manage/not-a-real-token-at-all-1234", headers={"Accept-Language": "es"}
    )
    assert response.status_code == 404
    assert resident_text(app, "es", "This link does not work") in page(response)


# -- Limits that hold under parallel requests (issue 21, finding 3) ------------------------


def _send_at_once(app, requests: list[dict]) -> list[int]:
    """POST every request at the same moment, each from its own client and thread."""
    clients = [app.test_client() for _ in requests]
    start = threading.Barrier(len(requests))

    def send(client, data):
        start.wait()
        return submit_request(client, data).status_code

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, clients, requests))


def test_parallel_requests_from_one_address_create_exactly_the_limit(make_app):
    app = make_app()
    limit = app.config["CHECK_REQUESTS_PER_ADDRESS_PER_HOUR"]
    with app.app_context():
        statuses = _send_at_once(app, [spanish_request(email="") for _ in range(20)])
        assert (checks_saved(), statuses.count(201)) == (limit, limit)
        assert sorted(statuses) == [201] * limit + [429] * (20 - limit)


def test_parallel_repeats_of_a_request_get_their_receipt_and_do_not_count(make_app):
    app = make_app(CHECK_REQUESTS_PER_ADDRESS_PER_HOUR=3)
    with app.app_context():
        made = [spanish_request(email="") for _ in range(2)]
        for data in made:
            assert submit_request(app.test_client(), data).status_code == 201
        # Ten repeats of the first request and ten new ones, all at once: one place is left.
        statuses = _send_at_once(
            app, [made[0]] * 10 + [spanish_request(email="") for _ in range(10)]
        )
        assert statuses[:10] == [200] * 10
        assert sorted(statuses[10:]) == [201] + [429] * 9
        assert checks_saved() == 3
        # When the limit is reached, a repeat still gets its receipt.
        assert submit_request(app.test_client(), made[1]).status_code == 200


# -- Mail to whoever a resident names (issue 21, finding 5) --------------------------------

PHISHING_NAME = "Officer Smith: verify your ID at http://evil.example/police"


@pytest.mark.parametrize(
    "field, address",
    [
        ("email", "a@c1.example,root"),
        ("email", "a@c1.example, b@c2.example"),
        ("email", "root"),
        ("email", "root@localhost"),
        ("email", "postmaster@[127.0.0.1]"),
        ("email", "victim@example.org\nBcc: x@example.org"),
        ("emergency_contact_email", "a@c1.example,root"),
        ("emergency_contact_email", "root@localhost"),
    ],
)
def test_an_email_field_takes_one_real_address(app, client, field, address):
    data = spanish_request(**{field: address, "notify_emergency_contact": "y"})
    if field == "email":
        data["emergency_contact_email"] = "jose@example.com"
    response = submit_request(client, data)
    assert response.status_code == 422
    assert checks_saved() == 0 and outbox() == []


def test_a_stranger_named_in_the_form_gets_no_text_the_requester_typed(make_app):
    app = make_app(MAIL_PER_RECIPIENT_PER_DAY=3)
    with app.app_context():
        for number in range(6):
            data = spanish_request(
                requester_name=PHISHING_NAME,
                address=f"Call http://evil.example/{number}",
                pets="http://evil.example/pets",
                instructions="http://evil.example/instructions",
                email="victim@example.org" if number % 2 else "Victim@Example.org",
            )
            response = app.test_client().post(
                f"{FORM}?lang=es",
                data=data,
                environ_base={"REMOTE_ADDR": f"10.0.0.{number % 3 + 1}"},
            )
            assert response.status_code == 201
        mail = outbox()
        # At most the daily share, whatever the letter case, and none of the requester's text.
        assert len(mail) == 3
        assert {message.recipient for message in mail} == {"victim@example.org"}
        for message in mail:
            assert "evil.example" not in message.subject + message.body_text
            assert "Officer Smith" not in message.body_text
