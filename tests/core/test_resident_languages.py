"""Every resident email and every resident page, in every resident language: no English
month or weekday name outside English, no greeting left with an empty name ("Hello ,"),
no seconds in a time, and Hmong dates in Hmong words and patterns.

Add a resident page to RESIDENT_PAGES below (one place); the tests pick it up in every
language. Pages that need a request on file get `check` and `link` (the private link path).
"""

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.i18n import RESIDENT_LANGUAGES, hmong_date, render_for_resident
from cso_field.mail import render_email
from cso_field.special_checks.models import CheckVisit, SpecialCheck, VisitOutcome
from tests.factories import FORM, manage_token, outbox, spanish_request, submit_request

LANGUAGES = sorted(RESIDENT_LANGUAGES)
# Thursday 24 December 2026, 3:05:09 PM in Stockton (naive UTC, as stored): no seconds shown.
VISIT_AT = datetime(2026, 12, 24, 23, 5, 9)
PROBLEMS = [outcome for outcome in VisitOutcome if outcome is not VisitOutcome.ALL_SECURE]


# -- The resident pages, kept in one place -----------------------------------------------------


def _form(client, code, check, link):
    return client.get(f"{FORM}?lang={code}")


def _form_with_errors(client, code, check, link):
    return client.post(f"{FORM}?lang={code}", data={"email": "not an address"})


def _manage(client, code, check, link):
    return client.get(link)


def _manage_with_a_wrong_date(client, code, check, link):
    return client.post(link, data={"end-end_date": "2026-13-45", "end-submit": "1"})


def _front_door(client, code, check, link):
    return client.get(f"/?lang={code}")


def _link_that_does_not_work(client, code, check, link):
    return client.get(f"{FORM}manage/no-such-link?lang={code}")


def _page_not_found(client, code, check, link):
    return client.get(f"{FORM}no/such/page?lang={code}")


def _receipt_with_the_link(client, code, check, link):
    return submit_request(client, _request(code, email=""), lang=code)


@dataclass(frozen=True)
class ResidentPage:
    name: str
    get: object  # (client, code, check, link) -> response
    status: int = 200


RESIDENT_PAGES = [
    ResidentPage("request form", _form),
    ResidentPage("request form with errors", _form_with_errors, 422),
    ResidentPage("receipt", _receipt_with_the_link, 201),
    ResidentPage("private link page with a visit", _manage),
    ResidentPage("private link page with an error", _manage_with_a_wrong_date, 422),
    ResidentPage("link that does not work", _link_that_does_not_work, 404),
    ResidentPage("front door", _front_door),
    ResidentPage("page not found", _page_not_found, 404),
]


# -- What no resident text may show -----------------------------------------------------------

ENGLISH_NAMES = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b"
)
EMPTY_NAME = re.compile(r"\w[ \t\u00a0]+[,:](?!\d)")  # "Hello ," or "Hola :"
# Words of the language itself that look like an English name ("May" is Tagalog for "there is").
NATIVE_WORDS = {"tl": {"May"}}
# Tagalog writes "3:05 PM" itself; these languages never show a Latin AM/PM.
LATIN_AM_PM_IS_FOREIGN = {"hmn", "km", "pa", "vi"}
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")


def problems_in(text: str, code: str) -> list[str]:
    found = []
    if code != "en":
        found += [
            f"English name {m.group(0)!r}"
            for m in ENGLISH_NAMES.finditer(text)
            if m.group(0) not in NATIVE_WORDS.get(code, ())
        ]
    found += [f"empty name {m.group(0)!r}" for m in EMPTY_NAME.finditer(text)]
    found += [f"seconds {m.group(0)!r}" for m in SECONDS.finditer(text)]
    if code in LATIN_AM_PM_IS_FOREIGN:
        found += [f"AM/PM {m.group(0)!r}" for m in re.finditer(r"\b\d{1,2}:\d{2}\s*[AP]M", text)]
    if code == "hmn":
        found += [f"hnub twice {m.group(0)!r}" for m in re.finditer(r"(?i)hnub\s+hnub", text)]
    return found


class VisibleText(HTMLParser):
    """Each text node, and what a reader hears of attributes, skipping scripts and styles."""

    def __init__(self):
        super().__init__()
        self.skipping = 0
        self.texts = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        attributes = dict(attrs)
        self.texts += [
            attributes[a]
            for a in ("placeholder", "title", "aria-label", "alt")
            if attributes.get(a)
        ]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.texts)


# -- Fixtures -----------------------------------------------------------------------------------


def _request(code, **overrides):
    return spanish_request(language=code, **overrides)


@pytest.fixture
def requested(app, client, users):
    """A request in the language, with an email, and two visits; (check, private link path)."""

    def make(code):
        assert submit_request(client, _request(code), lang=code).status_code == 201
        check = db.session.scalars(select(SpecialCheck).where(SpecialCheck.language == code)).one()
        officer = users.cso()
        for outcome in ("all_secure", "open_door_or_window"):
            db.session.add(
                CheckVisit(
                    client_uuid=uuid.uuid4(),
                    submission_hash="0" * 64,
                    created_by_id=officer.id,
                    check_id=check.id,
                    outcome=outcome,
                    created_at=VISIT_AT,
                    status="submitted",
                )
            )
        db.session.commit()
        return check, urlsplit(f"/check-request/manage/{manage_token(outbox()[0])}").path

    return make


# -- The tests ----------------------------------------------------------------------------------


def test_the_problem_finder_finds_each_problem():
    assert problems_in("Hnub tim: December 24, 2026", "hmn")
    assert problems_in("Hello ,", "es") and problems_in("Hola :", "es")
    assert problems_in("a las 3:05:09 p.m.", "es")
    assert problems_in("xaus rau hnub Hnub Plaub, 12/24/2026", "hmn")
    assert problems_in("thaum 3:05 PM", "hmn") and problems_in("ម៉ោង 3:05 PM", "km")
    assert not problems_in("Hola:\nEl jueves, 24 de diciembre de 2026 a las 3:05 p.m.", "es")
    assert not problems_in("Hello,\nThursday, December 24, 2026 at 3:05 PM", "en")


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_resident_page_speaks_the_language(app, client, requested, code):
    check, link = requested(code)
    problems = {}
    for resident_page in RESIDENT_PAGES:
        response = resident_page.get(client, code, check, link)
        html = response.get_data(as_text=True)
        assert response.status_code == resident_page.status, resident_page.name
        assert f'<html lang="{code}"' in html, resident_page.name
        if found := problems_in(visible_text(html), code):
            problems[resident_page.name] = found
    assert not problems, code


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_private_link_page_shows_visits_in_the_language_without_seconds(
    app, client, requested, code
):
    _check, link = requested(code)
    text = visible_text(client.get(link).get_data(as_text=True))
    if code == "hmn":
        assert "Hnub Plaub, 12/24/2026, 15:05" in text
    if code == "tl":
        assert "Huwebes, Disyembre 24, 2026, 3:05 PM" in text
    assert "15:05" in text or "3:05" in text


def _check(code, **fields):
    return SpecialCheck(
        reference="SC-2026-000042",
        requester_name="",
        language=code,
        start_date=date(2026, 12, 20),
        end_date=date(2026, 12, 24),
        **fields,
    )


def _emails(code):
    """Subject and body of every email a resident or their contact can receive, the problem
    alerts last."""
    check = _check(code)
    visits = [{"at": VISIT_AT, "outcome": "-", "officer": None}]
    emails = [
        render_email(
            "special_checks/emails/confirmation.txt",
            code,
            check=check,
            manage_url="https://example.org/check-request/manage/t",
        ),
        render_email("special_checks/emails/end_date_changed.txt", code, check=check),
        render_email("special_checks/emails/summary.txt", code, check=check, visits=visits),
        render_email("special_checks/emails/summary.txt", code, check=check, visits=[]),
        render_email(
            "special_checks/emails/summary.txt",
            code,
            check=_check(code, cancelled_at=VISIT_AT),
            visits=[],
        ),
    ]
    for outcome in PROBLEMS:
        visit = CheckVisit(outcome=outcome.value, created_at=VISIT_AT)
        emails.append(
            render_email("special_checks/emails/problem_alert.txt", code, check=check, visit=visit)
        )
    return emails


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_resident_email_speaks_the_language(app, code):
    with app.test_request_context():
        emails = _emails(code)
    problems = {}
    for subject, body in emails:
        assert "\n" not in subject and "SC-2026-000042" in subject
        if found := problems_in(subject + "\n" + body, code):
            problems[subject] = found
    assert not problems, code
    alerts = [body for _subject, body in emails[-len(PROBLEMS) :]]
    assert len(set(alerts)) == len(PROBLEMS), "one whole sentence per outcome"
    if code == "hmn":
        assert "Hnub Plaub, 12/24/2026" in emails[1][1]  # the new last day, in full
        assert "15:05" in alerts[0]
    if code == "tl":
        assert "Huwebes, Disyembre 24, 2026" in alerts[0]
    if code == "es":
        assert "vio a una persona o un vehículo sospechoso" in "\n".join(alerts)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_department_name_is_in_the_language_unless_the_department_names_itself(make_app, code):
    for config, english in (
        ({}, "Stockton Police Department"),
        ({"DEPARTMENT_NAME": "Lodi PD"}, "Lodi PD"),
    ):
        app = make_app(**config)
        with app.test_request_context():
            html = render_for_resident(
                "resident/_letterhead.html", code, letter_date=date(2026, 12, 24)
            )
        if code == "en" or config:
            assert english in html
        else:
            assert "Stockton Police Department" not in html
    named = make_app(
        DEPARTMENT_NAMES={"es": "Departamento de Policía de Lodi"},
        DEPARTMENT_NAME="Lodi Police Department",
    )
    with named.test_request_context():
        html = render_for_resident(
            "resident/_letterhead.html", code, letter_date=date(2026, 12, 24)
        )
    assert ("Departamento de Policía de Lodi" if code == "es" else "Lodi Police Department") in html


def test_hmong_dates_are_numeric_with_hmong_weekday_names():
    assert hmong_date(date(2026, 12, 24), "full") == "Hnub Plaub, 12/24/2026"
    assert hmong_date(date(2026, 12, 27), "full") == "Hnub Xya, 12/27/2026"
    assert hmong_date(date(2026, 12, 21), "full") == "Hnub Ib, 12/21/2026"
    assert hmong_date(date(2026, 12, 24), "long") == "12/24/2026"
