"""Languages: Spanish complete, resident languages independent of the officer's, no raw text."""

import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import gettext

from cso_field.i18n import INTERFACE_LANGUAGES, RESIDENT_LANGUAGES, render_for_resident
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PYBABEL = Path(sys.executable).with_name("pybabel")


def _catalog(code):
    with open(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def _translated(message):
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings) and not message.fuzzy


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalog template as extracted from the code now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            PYBABEL,
            "-q",
            "extract",
            "-F",
            "pyproject.toml",
            "--ignore-dirs=.* __pycache__",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with open(pot, "rb") as file:
        return read_po(file)


def test_every_string_in_the_code_is_in_the_spanish_catalog_and_translated(extracted):
    spanish = _catalog("es")
    missing = [m.id for m in extracted if m.id and spanish.get(m.id, m.context) is None]
    assert not missing, "run `make i18n-update` and translate: " + repr(missing)
    untranslated = [m.id for m in spanish if m.id and not _translated(m)]
    assert not untranslated


@pytest.mark.parametrize("code", sorted(set(RESIDENT_LANGUAGES) - {"en"}))
def test_resident_facing_strings_are_translated_in_every_language(extracted, code):
    catalog = _catalog(code)
    resident = [m for m in extracted if m.context == "resident"]
    assert resident
    untranslated = [
        m.id
        for m in resident
        if not (found := catalog.get(m.id, "resident")) or not _translated(found)
    ]
    assert not untranslated, code


def _placeholders(text):
    return set(re.findall(r"%\(\w+\)[sd]", text))


def test_placeholders_survive_translation():
    """A translation uses exactly its message's placeholders; a plural form may drop the
    number (Spanish "una visita" for "visited once")."""
    for code in sorted(set(RESIDENT_LANGUAGES) - {"en"}):
        for message in _catalog(code):
            if not message.id or not message.string:
                continue
            if isinstance(message.id, tuple):
                wanted = set().union(*map(_placeholders, message.id))
                for string in filter(None, message.string):
                    assert _placeholders(string) <= wanted, (code, message.id)
                    assert wanted - {"%(num)d"} <= _placeholders(string), (code, message.id)
            else:
                assert _placeholders(message.string) == _placeholders(message.id), (
                    code,
                    message.id,
                )


def test_babel_has_no_hmong_and_calls_tagalog_filipino():
    """Why cso_field.i18n keeps catalogs and formatting locales apart."""
    with pytest.raises(Exception, match="hmn"):
        Locale.parse("hmn")
    assert Locale.parse("tl").language == "fil"


@pytest.mark.parametrize("code", sorted(RESIDENT_LANGUAGES))
def test_resident_letterhead_renders_in_each_language(app, code):
    catalog = _catalog(code) if code != "en" else None
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_for_resident(
            "resident/_letterhead.html", code, letter_date=date(2026, 11, 22)
        )
        assert gettext("Today") == "Today"  # the officer's language is untouched afterwards
    expected = "Date: %(date)s"
    if catalog is not None:
        expected = catalog.get("Date: %(date)s", "resident").string
    assert expected.replace("%(date)s", "") in html
    assert "2026" in html and "911" in html


def test_hmong_dates_are_numeric_in_hmong_and_tagalog_uses_filipino(app):
    with app.test_request_context():
        hmong = render_for_resident(
            "resident/_letterhead.html", "hmn", letter_date=date(2026, 11, 22)
        )
        tagalog = render_for_resident(
            "resident/_letterhead.html", "tl", letter_date=date(2026, 11, 22)
        )
    assert "Hnub tim: 11/22/2026" in hmong and "November" not in hmong
    assert "Nobyembre 22, 2026" in tagalog


@pytest.mark.parametrize("code", ["en", "es", "vi", "km", "tl", "pa"])
def test_list_date_times_read_from_parts_match_babel(app, code):
    """datetime_filter's short and medium texts, put together from cached day and time texts,
    are Flask-Babel's own, across the DST changes, at midnight and noon, naive or aware."""
    from datetime import UTC, datetime, timedelta

    from flask_babel import force_locale, format_datetime

    from cso_field.i18n import datetime_filter

    moments = [datetime(2026, 3, 8, 9, 59, 58), datetime(2026, 11, 1, 8, 30, 1)]
    moments += [datetime(2026, 6, 30, 7, 0) + timedelta(minutes=37 * n) for n in range(90)]
    with app.test_request_context(), force_locale(code):
        for moment in moments:
            for value in (moment, moment.replace(tzinfo=UTC)):
                for style in ("short", "medium"):
                    expected = format_datetime(value, style)
                    assert datetime_filter(value, style) == expected  # formatted
                    assert datetime_filter(value, style) == expected  # read back


def test_resident_document_in_spanish_while_the_officer_reads_english(client, users, login):
    login(users.cso(locale="en"))
    with client.application.test_request_context():
        html = render_for_resident(
            "resident/_letterhead.html", "es", letter_date=date(2026, 11, 22)
        )
    assert "Fecha: 22 de noviembre de 2026" in html
    assert "Today" in client.get("/today").get_data(as_text=True)


def test_unknown_resident_language_falls_back_to_english(app):
    with app.test_request_context():
        html = render_for_resident(
            "resident/_letterhead.html", "xx", letter_date=date(2026, 11, 22)
        )
    assert "Date: November 22, 2026" in html


def test_interface_language_from_browser_then_cookie_then_user_setting(client, users, login):
    assert '<html lang="es"' in client.get("/login", headers={"Accept-Language": "es-MX"}).get_data(
        as_text=True
    )
    assert '<html lang="en"' in client.get("/login", headers={"Accept-Language": "de"}).get_data(
        as_text=True
    )
    client.post("/language", data={"locale": "es", "next": "/login"})
    assert "Iniciar sesión" in client.get("/login").get_data(as_text=True)
    cso = users.cso(locale="en")
    login(cso)
    page = client.get("/today").get_data(as_text=True)
    assert '<html lang="en"' in page and "Today" in page


def test_language_picker_saves_to_the_user(client, users, login):
    cso = users.cso()
    login(cso)
    response = client.post("/language", data={"locale": "es", "next": "/menu"})
    assert response.status_code == 303 and response.location == "/menu"
    page = client.get("/menu").get_data(as_text=True)
    assert '<html lang="es"' in page and "Menú" in page
    other_device = client.application.test_client()
    login(cso, test_client=other_device)
    assert '<html lang="es"' in other_device.get("/today").get_data(as_text=True)


def test_unsupported_interface_language_is_refused(client):
    response = client.post("/language", data={"locale": "klingon"})
    assert response.status_code == 422
    assert "Choose one of the languages" in response.get_data(as_text=True)


def test_only_english_and_spanish_are_interface_languages():
    assert set(INTERFACE_LANGUAGES) == {"en", "es"}


# -- No user-visible text outside the catalogs -------------------------------------------------

OPEN, CLOSE = "\u27e6", "\u27e7"


class VisibleText(HTMLParser):
    """Text nodes and user-visible attributes, skipping <code>, <script> and <style>. A <span>
    inside a sentence (a reference or phone number kept on one line) is part of that sentence."""

    ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__()
        self.skipping = 0
        self.texts = []
        self.glue = False

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "script", "style"):
            self.skipping += 1
        self.glue = tag == "span"
        attributes = dict(attrs)
        self.texts += [attributes[name] for name in self.ATTRIBUTES if attributes.get(name)]
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("code", "script", "style"):
            self.skipping -= 1
        self.glue = tag == "span"

    def handle_data(self, data):
        if self.skipping or not data.strip():
            return
        if self.glue and self.texts:
            self.texts[-1] += data
        else:
            self.texts.append(data)
        self.glue = False


@pytest.fixture
def pseudo_app(make_app, extracted, tmp_path):
    """The app with a Spanish catalog whose every string is wrapped in ⟦ ⟧."""
    for message in extracted:
        if message.id:
            if isinstance(message.id, tuple):
                message.string = tuple(OPEN + part + CLOSE for part in message.id)
            else:
                message.string = OPEN + message.id + CLOSE
    # English too: documents rendered in English whatever the officer's language (the ICS
    # forms, under force_locale("en")) must show only catalog text as well.
    for code in ("es", "en"):
        extracted.locale = Locale.parse(code)
        folder = tmp_path / code / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with open(folder / "messages.mo", "wb") as mo:
            write_mo(mo, extracted)
    app = make_app(TRANSLATIONS_DIR=str(tmp_path))
    with app.app_context():
        yield app


def _untranslated(html, allowed):
    parser = VisibleText()
    parser.feed(html)
    leftovers = []
    for text in parser.texts:
        while re.search(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", text):
            text = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
        for word in allowed:
            text = text.replace(word, " ")
        if re.search(r"[^\W\d_]{2,}", text):
            leftovers.append(text.strip())
    return leftovers


def test_no_page_shows_text_that_bypasses_the_catalog(pseudo_app, users):
    from tests.factories import UserFactory

    factory = UserFactory(pseudo_app)
    admin = factory.admin(locale="es", display_name="Alex Kaur")
    locked = factory.cso(username="locked.cso", display_name="Lee Chan")
    client = pseudo_app.test_client()
    spanish = Locale.parse("es_US")
    allowed = [
        "CSO Field",
        *(language.name for language in RESIDENT_LANGUAGES.values()),
        admin.username,
        admin.display_name,
        locked.username,
        locked.display_name,
        "Stockton Police Department",
        *spanish.days["format"]["wide"].values(),
        *spanish.months["format"]["wide"].values(),
        "de",
        "p.m.",
        "a.m.",
    ]
    traffic_pages, traffic_words = _traffic_records(pseudo_app, admin, factory)
    allowed = traffic_words + allowed  # whole names first, before "de" is taken out
    pages = {"/login": client.get("/login", headers={"Accept-Language": "es"})}
    pages["login error"] = client.post(
        "/login", data={"username": "", "password": ""}, headers={"Accept-Language": "es"}
    )
    for _ in range(5):
        client.post("/login", data={"username": locked.username, "password": "wrong password 1"})
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    for path in (
        "/today",
        "/menu",
        "/account/password",
        "/accounts/",
        "/accounts/new",
        f"/accounts/{locked.id}/edit",
        "/audit/",
        "/audit/?since=2020-13-45",
        "/no/such/page",
        "/new",
        "/notes/new",
        "/notes/",
        "/search/?q=nothing-matches",
        "/checks/",
        "/checks/overview",
        "/checks/new",
        "/checks/settings",
        "/districts/",
        "/check-request/?lang=es",
        *traffic_pages,
    ):
        pages[path] = client.get(path)
    assert all(pages[path].status_code == 200 for path in traffic_pages)
    pages["new account errors"] = client.post("/accounts/new", data={"username": "Bad Name!"})
    pages["password errors"] = client.post("/account/password", data={"new_password": "x"})
    pages["note errors"] = client.post("/notes/new", data={"observation": ""})
    pages["check request errors"] = client.post("/check-request/?lang=es", data={"email": "x"})
    problems = {
        name: found
        for name, response in pages.items()
        if (found := _untranslated(response.get_data(as_text=True), allowed))
    }
    assert not problems


def _traffic_records(app, admin, factory):
    """An incident with a post, a CSO on post and a log entry, and a designated problem with a
    session: the traffic pages to read, and the words of their data."""
    from cso_field.traffic_posts import enforcement, services
    from tests.factories import make_incident, make_post

    cso = factory.cso(username="post.cso", display_name="Kim Tran")
    with app.test_request_context():
        incident = make_incident(admin, name="Harvest Parade", requested_by="Ann Bell")
        post = make_post(incident, name="Oak Corner", instructions="Hold eastbound")
        period = incident.periods[0]
        assignment = services.assign(post, period, cso.id)
        services.go_on_post(assignment, cso)
        services.add_entry(incident, cso, "Lane reopened", post_id=post.id)
        services.set_equipment(post, "cones", 6, 2)
        problem, session = _problem(enforcement, admin)
        base, period_id, problem_id = f"/traffic/{incident.id}", period.id, problem.id
        words = [incident.name, incident.reference, post.name, "Hold eastbound", "Ann Bell"]
        words += [cso.username, cso.display_name, "Lane reopened", incident.address]
        words += [problem.title, problem.reference, session.reference, "Jo Ruiz"]
        words += ["America/Los_Angeles"]
    pages = ["/traffic/", "/traffic/new", base, f"{base}/manage", "/traffic/problems/"]
    pages += [f"{base}/periods/{period_id}/ics214", f"{base}/periods/{period_id}/ics204"]
    pages += ["/traffic/problems/new", f"/traffic/problems/{problem_id}"]
    pages += [f"/traffic/problems/{problem_id}/summary"]
    pages += [f"/traffic/problems/{problem_id}/summary?by=month&show=minutes"]
    return pages, words


def _problem(enforcement, author):
    import uuid
    from datetime import timedelta

    from cso_field.timeutil import department_today, utcnow

    problem, _created = enforcement.designate(
        client_uuid=uuid.uuid4(),
        content={
            "title": "Speeding on Elm",
            "description": None,
            "address": None,
            "latitude": None,
            "longitude": None,
            "accuracy_m": None,
            "until": department_today() + timedelta(days=30),
        },
        author=author,
    )
    end = utcnow().replace(microsecond=0)
    session, _created = enforcement.record_session(
        problem,
        client_uuid=uuid.uuid4(),
        content={
            "officer_name": "Jo Ruiz",
            "badge_number": "4411",
            "started_at": end - timedelta(hours=1),
            "ended_at": end,
            "contacts": 5,
            "warnings": 3,
            "referrals": 1,
            "notes": None,
        },
        author=author,
    )
    return problem, session
