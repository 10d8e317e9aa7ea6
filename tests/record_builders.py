"""Real records made through the app's own forms and services, for the fuzz and access tests."""

import io
import uuid
from datetime import timedelta

from PIL import Image

from cso_field.extensions import db
from cso_field.special_checks.requests import department_today, reissue_manage_token
from tests.test_check_visits import make_check

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


def raw_payload_in(body: bytes) -> bool:
    return any(marker in body for marker in RAW_MARKERS)
