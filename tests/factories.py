"""Test data builders, all in one place: users, field notes, special checks and visits,
made through the app's own services and forms (no mocks), and the payloads tests send."""

import html
import io
import itertools
import re
import uuid
from datetime import datetime, timedelta

import pyotp
from flask_babel import npgettext, pgettext
from PIL import Image
from sqlalchemy import func, select

from cso_field.accounts.services import create_account
from cso_field.auth.mfa.services import set_totp_secret
from cso_field.auth.models import User
from cso_field.betterment import services as betterment
from cso_field.extensions import db
from cso_field.i18n import resident_language
from cso_field.mail import OutboxMessage
from cso_field.roles import Role
from cso_field.special_checks.models import SpecialCheck
from cso_field.special_checks.services import reissue_manage_token
from cso_field.special_checks.visits import record_visit, refresh_last_visit
from cso_field.timeutil import department_today, utcnow

PASSWORD = "correct horse battery staple"
# The demo department's accounts' password in the tests (`seeded_demo`, tests/conftest.py).
DEMO_PASSWORD = "demo password 2026"
# The authenticator key of users made with totp=True (base32), as a test's own phone app.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(user_or_secret, step_offset: int = 0) -> str:
    """The code an authenticator app shows now (or `step_offset` 30-second steps away)."""
    secret = getattr(user_or_secret, "totp_secret", None) or user_or_secret
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now()) + step_offset)


class UserFactory:
    def __init__(self, app):
        self.app = app
        self.sequence = itertools.count(1)

    def create(
        self,
        role: Role | str = Role.CSO,
        username: str | None = None,
        password: str = PASSWORD,
        **fields,
    ) -> User:
        role = Role(role)
        username = username or f"{role.value.replace('_', '.')}{next(self.sequence)}"
        user = create_account(
            username, fields.pop("display_name", username.title()), role.value, password
        )
        if fields.pop("totp", False):
            set_totp_secret(user, TOTP_SECRET)
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.commit()
        return user

    def cso(self, **fields) -> User:
        return self.create(Role.CSO, **fields)

    def senior(self, **fields) -> User:
        return self.create(Role.SENIOR_CSO, **fields)

    def admin(self, **fields) -> User:
        return self.create(Role.ADMIN, **fields)


# -- Records through the forms, and hostile payloads ----------------------------------------

STOCKTON = {"latitude": "37.9577", "longitude": "-121.2908", "accuracy_m": "12"}
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, IMG)
# What a payload looks like when it reached a page unescaped.
RAW_MARKERS = (b"<script>alert(1)", b"<img src=x onerror")


def png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "PNG")
    return buffer.getvalue()


def note_data(**overrides) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "observation": "Streetlight out on the corner",
        "address": "425 N El Dorado St",
        "submit": "1",
        **STOCKTON,
        **overrides,
    }


def post_note(client, *, draft=False, photo=False, **overrides) -> int:
    """A field note written by the client's user; returns its id."""
    data = note_data(**overrides)
    if draft:
        data.pop("submit")
        data["save_draft"] = "1"
    if photo:
        data["photos"] = [(io.BytesIO(png()), "photo.png")]
    response = client.post("/notes/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.location.rstrip("/").rsplit("/", 1)[-1])


def request_data(**overrides) -> dict:
    """A resident's online request that passes every rule (starting a week from today)."""
    today = department_today()
    return {
        "client_uuid": str(uuid.uuid4()),
        "requester_name": "Ana Ruiz",
        "address": "425 N El Dorado St",
        "phone": "209-555-0123",
        "language": "en",
        "start_date": (today + timedelta(days=7)).isoformat(),
        "end_date": (today + timedelta(days=14)).isoformat(),
        "instructions": "Side gate sticks.",
        "submit": "1",
        **overrides,
    }


def check_with_token(app, **fields):
    """An active special check and a working private link to manage it."""
    check = make_check(**fields)
    with app.test_request_context():
        token = reissue_manage_token(check)
        db.session.commit()
    return check, token


# -- Special checks and their visits -------------------------------------------------------

HERE = (37.9577, -121.2908)  # Stockton City Hall
# Roughly 0.5 km, 1.2 km and 2.4 km north of HERE.
NEAR, MIDDLE, FAR = (37.9622, -121.2908), (37.9685, -121.2908), (37.9793, -121.2908)


def make_check(**fields) -> SpecialCheck:
    """An active special check at HERE, stored directly (no email, no private link)."""
    today = department_today()
    values = {
        "client_uuid": uuid.uuid4(),
        "submission_hash": "0" * 64,
        "requester_name": "Ana Ruiz",
        "address": "425 N El Dorado St",
        "start_date": today - timedelta(days=2),
        "end_date": today + timedelta(days=7),
        "language": "en",
        "latitude": HERE[0],
        "longitude": HERE[1],
        **fields,
    }
    check = SpecialCheck(**values)
    db.session.add(check)
    db.session.flush()
    check.reference = f"SC-{today:%Y}-{check.id:06d}"
    db.session.commit()
    return check


def visit(check, user, outcome="all_secure", days_ago=0, **fields):
    """A visit recorded through the service, `days_ago` days back."""
    made, _created = record_visit(
        check,
        user,
        outcome=outcome,
        notes=fields.get("notes"),
        position=(None, None, None),
        client_uuid=uuid.uuid4(),
        uploads=[],
    )
    if days_ago:
        made.created_at = utcnow() - timedelta(days=days_ago)
        db.session.flush()
        refresh_last_visit(check)  # as the check keeps it
        db.session.commit()
    return made


def raw_payload_in(body: bytes) -> bool:
    return any(marker in body for marker in RAW_MARKERS)


# -- Resident requests --------------------------------------------------------------------

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


def days_from_today(offset: int) -> str:
    """A department date as a form sends it."""
    return (department_today() + timedelta(days=offset)).isoformat()


def spanish_request(**overrides) -> dict:
    """A Spanish resident's online request that passes every rule, with an email."""
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


def submit_request(client, data, lang="es"):
    return client.post(f"{FORM}?lang={lang}", data=data)


# -- Traffic and crowd control --------------------------------------------------------------


def make_incident(author, kind="parade", **fields):
    """An open incident (started a minute ago, four hours long) through the service."""
    from cso_field.traffic_posts.services import create_incident

    now = utcnow().replace(microsecond=0)
    content = {
        "kind": kind,
        "name": f"Test {kind}",
        "starts_at": now - timedelta(minutes=1),
        "expected_end_at": now + timedelta(hours=4),
        "requested_by": None,
        "in_charge_id": author.id,
        "address": "Main St & Center St",
        "latitude": HERE[0],
        "longitude": HERE[1],
        "accuracy_m": None,
        **fields,
    }
    incident, _created = create_incident(client_uuid=uuid.uuid4(), content=content, author=author)
    return incident


def make_post(incident, name="Main & 1st", role="traffic_direction", **fields):
    from cso_field.traffic_posts.services import add_post

    values = {
        "name": name,
        "role": role,
        "instructions": None,
        "latitude": HERE[0],
        "longitude": HERE[1],
        "accuracy_m": None,
        "address": None,
        **fields,
    }
    return add_post(incident, values)


# -- Blight citations --------------------------------------------------------------------------


def codebook_entry(section: str = "8.24.040", schedule: str = "general", **fields):
    """A codebook violation, saved through the codebook service."""
    from cso_field.citations.services import save_violation

    values = {
        "code_section": section,
        "schedule": schedule,
        "lookback_days": fields.pop("lookback_days", 365),
        "correction_days": fields.pop("correction_days", 14),
        "is_example": False,
        "active": True,
        "titles": fields.pop(
            "titles", {"en": f"Overgrown vegetation {section}", "es": "Vegetación crecida"}
        ),
        "descriptions": fields.pop(
            "descriptions",
            {"en": "Weeds taller than 12 inches.", "es": "Maleza de más de 30 centímetros."},
        ),
        "custom_amounts": fields.pop("custom_amounts", None),
        **fields,
    }
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN.value))
    return save_violation(None, values, admin or _any_user())


def _any_user() -> User:
    return db.session.scalar(select(User).order_by(User.id)) or create_account(
        "codebook.admin", "Codebook Admin", Role.ADMIN.value, PASSWORD
    )


def train(user: User, days_ago: int = 30, expires_in: int | None = None, by: User | None = None):
    """Record `user`'s citation training (by a Senior CSO made for it if none is given)."""
    from cso_field.citations.services import record_training

    if by is None:
        by = db.session.scalar(select(User).where(User.role == Role.SENIOR_CSO.value))
        by = by or create_account(f"trainer{user.id}", "Trainer", Role.SENIOR_CSO.value, PASSWORD)
    today = department_today()
    expires = today + timedelta(days=expires_in) if expires_in is not None else None
    return record_training(
        user, trained_on=today - timedelta(days=days_ago), expires_on=expires, note=None, by=by
    )


def party_data(**overrides) -> dict:
    return {
        "name": "Rosa Martínez",
        "mailing_address": "PO Box 12, Stockton, CA 95202",
        "language": "es",
        "kind": "owner",
        **overrides,
    }


def blight_case(author: User, violations: list, party: dict | None = None, today=None, **content):
    """An observation, made through open_case (no photos)."""
    from cso_field.citations.services import open_case

    case, _created = open_case(
        {
            "address": content.pop("address", "145 N El Dorado St, Stockton, CA"),
            "parcel_number": content.pop("parcel_number", "137-150-01"),
            "observation": content.pop("observation", "Weeds waist high across the front yard."),
            "latitude": content.pop("latitude", 37.9585),
            "longitude": content.pop("longitude", -121.2905),
            "accuracy_m": content.pop("accuracy_m", 8.0),
        },
        violation_ids=[violation.id for violation in violations],
        party=party or party_data(),
        client_uuid=uuid.uuid4(),
        author=author,
        uploads=[],
        today=today,
    )
    return case


# -- Surveys -----------------------------------------------------------------------------------


def xlsform_bytes(survey: list, choices: list = (), settings: list = ()) -> bytes:
    """An XLSForm workbook from rows (each list's first row is its header)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(list(row))
    for title, rows in (("choices", choices), ("settings", settings)):
        if rows:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EN, ES, VI = "English (en)", "Spanish (es)", "Vietnamese (vi)"
# A door-to-door form as ODK/KoboToolbox teams write them: three languages, a group shown as
# a section, a constraint with its message, skip logic, a default, metadata rows, and one
# question whose Spanish label is missing (it must show in English).
DOOR_SURVEY = [
    [
        "type",
        "name",
        f"label::{EN}",
        f"label::{ES}",
        f"label::{VI}",
        f"hint::{EN}",
        f"hint::{ES}",
        "required",
        "relevant",
        "constraint",
        f"constraint_message::{EN}",
        f"constraint_message::{ES}",
        "default",
        "appearance",
    ],
    ["start", "start"],
    ["begin_group", "household", "Household", "Hogar", "Hộ gia đình"],
    [
        "integer",
        "people",
        "How many people live here?",
        "¿Cuántas personas viven aquí?",
        "Có bao nhiêu người sống ở đây?",
        "Count everyone",
        "Cuente a todos",
        "yes",
        None,
        ". >= 1 and . <= 30",
        "Between 1 and 30",
        "Entre 1 y 30",
    ],
    [
        "select_one yes_no",
        "feel_safe",
        "Do you feel safe in your neighborhood?",
        "¿Se siente seguro en su vecindario?",
        "Quý vị có cảm thấy an toàn trong khu phố không?",
        None,
        None,
        "yes",
    ],
    [
        "text",
        "why_unsafe",
        "What makes you feel unsafe?",
        None,
        "Điều gì khiến quý vị cảm thấy không an toàn?",
        None,
        None,
        None,
        "${feel_safe} = 'no'",
    ],
    ["end_group", "household"],
    [
        "select_multiple concerns",
        "concerns",
        "Top concerns",
        "Principales preocupaciones",
        "Mối quan tâm hàng đầu",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "minimal",
    ],
    ["date", "moved_in", "When did you move in?", "¿Cuándo se mudó?", "Quý vị chuyển đến khi nào?"],
    ["note", "thanks", "Thank you!", "¡Gracias!", "Cảm ơn quý vị!"],
]
DOOR_CHOICES = [
    ["list_name", "name", f"label::{EN}", f"label::{ES}", f"label::{VI}"],
    ["yes_no", "yes", "Yes", "Sí", "Có"],
    ["yes_no", "no", "No", "No", "Không"],
    ["concerns", "speeding", "Speeding", "Exceso de velocidad", "Chạy quá tốc độ"],
    ["concerns", "lighting", "Street lighting", "Alumbrado público", "Đèn đường"],
    ["concerns", "dumping", "Illegal dumping", "Basura tirada", "Đổ rác bất hợp pháp"],
]
DOOR_SETTINGS = [
    ["form_title", "form_id", "default_language"],
    ["Neighborhood safety survey", "door_safety_2026", EN],
]


def door_xlsform() -> bytes:
    return xlsform_bytes(DOOR_SURVEY, DOOR_CHOICES, DOOR_SETTINGS)


def door_survey(author):
    """The door-to-door survey, imported and saved (inside a request context)."""
    from cso_field.surveys.services import save_survey
    from cso_field.surveys.xlsform import import_xlsform

    return save_survey(import_xlsform(door_xlsform()).definition, author)


def contact(app, canvass, user, outcome="no_answer", address="5 Elm St", **extra):
    """A door's contact recorded in `canvass` by `user`."""
    from cso_field.surveys.services import record_contact

    with app.test_request_context():
        response, _created = record_contact(
            canvass,
            user,
            outcome=outcome,
            location={"latitude": None, "longitude": None, "accuracy_m": None, "address": address},
            language=extra.pop("language", "en"),
            form=extra.pop("form", {}),
            client_uuid=uuid.uuid4(),
            uploads=[],
        )
    return response


def interest(**overrides):
    """A resident's Neighborhood Watch details."""
    from cso_field.neighborhood_watch.services import Interest

    fields = {
        "name": "Mai Nguyen",
        "phone": "209-555-0141",
        "email": None,
        "language": "vi",
        "willing_host": False,
        "willing_captain": True,
        **overrides,
    }
    return Interest(**fields)


def watch_group(author, **fields):
    """A Neighborhood Watch group made by `author`."""
    from cso_field.neighborhood_watch.services import create_group

    values = {"name": "Elm Street Watch", "area": "Elm St", "district_id": None, "language": "en"}
    return create_group({**values, **fields}, author)


def watch_signup(client_address="203.0.113.9", address="7 Elm St", **fields):
    """A resident's online sign-up (inside an app context)."""
    from cso_field.neighborhood_watch.services import sign_up_online

    signup, _created = sign_up_online(
        interest(**fields), address, client_uuid=uuid.uuid4(), client_address=client_address
    )
    return signup


def committee_action(senior):
    """A betterment committee with one goal and one action due tomorrow (cso_field/betterment)."""
    committee = betterment.create_committee(
        {"name": "Southside", "area": "8th St", "district_id": None, "languages": "en,es"}, senior
    )
    goal = betterment.add_goal(committee, {"problem": "lighting", "goal": "Light it"}, senior)
    fields = {"what": "Ask for poles", "owner": "Public Works", "partners": None}
    return betterment.add_action(
        goal, {**fields, "due_on": department_today() + timedelta(days=1)}, senior
    )
