"""Corrections: the party's details before any notice (a plain edit), and an issued warning
or citation reissued as its next version with a reason, the old version kept and served."""

import hashlib
import io
import uuid
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from cso_field.audit.models import AuditEvent
from cso_field.citations import notices
from cso_field.citations.models import BlightCase, Notice, ResponsibleParty
from cso_field.citations.services import (
    CitationError,
    cite,
    correct_notice,
    open_case,
    reinspect,
    warn,
)
from cso_field.extensions import db
from cso_field.photos.services import photos_for
from cso_field.records.models import RecordVersion
from cso_field.storage import get_storage
from cso_field.timeutil import department_today
from tests.factories import blight_case, codebook_entry, page, party_data, train

CORRECTED = {
    "party_name": "Rosa María Martínez",
    "mailing_address": "PO Box 21, Stockton, CA 95202",
    "language": "km",
    "party_kind": "owner",
    "notice_details": "Cut the weeds along the fence to under 12 inches.",
    "reason": "Name and box number were misspelt",
}


@pytest.fixture
def setup(app, users):
    with app.test_request_context():
        users.admin(username="admin.a")
        officer = users.cso(username="trained.cso", display_name="Dana Reyes")
        train(officer)
        violation = codebook_entry("8.24.040")
    return officer, violation


def _earlier():
    return department_today() - timedelta(days=20)


def _warned(officer, violation):
    case = blight_case(officer, [violation], today=_earlier())
    warn(case, officer, today=_earlier())
    return case


def _notices(case) -> list[Notice]:
    return list(
        db.session.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.id))
    )


def test_the_issuing_officer_corrects_a_warning_and_the_old_version_stays(
    app, client, login, setup
):
    officer, violation = setup
    with app.test_request_context():
        case = _warned(officer, violation)
    first = _notices(case)[0]
    first_pdf = get_storage().read(first.pdf_key)
    login(officer)
    assert "Correct the notice" in page(client.get(f"/citations/{case.id}"))
    form = page(client.get(f"/citations/{case.id}/correction"))
    assert "Rosa Martínez" in form and "PO Box 12" in form

    response = client.post(f"/citations/{case.id}/correction", data=CORRECTED)

    assert response.status_code == 303
    old, new = _notices(case)
    assert old.id == first.id and old.superseded_at is not None and new.superseded_at is None
    assert (new.kind, new.version, new.language) == ("warning", 2, "km")
    assert new.correction_reason == CORRECTED["reason"]
    assert new.snapshot["party"]["name"] == "Rosa María Martínez"
    assert new.snapshot["details"] == CORRECTED["notice_details"]
    assert new.snapshot["dates"] == old.snapshot["dates"]  # the deadline stays as issued
    assert old.snapshot["party"]["name"] == "Rosa Martínez"  # the old snapshot is untouched
    assert get_storage().read(old.pdf_key) == first_pdf
    assert client.get(f"/citations/notices/{old.id}/pdf").data == first_pdf
    assert "Replaced by a corrected version" in page(client.get(f"/citations/notices/{old.id}"))
    shown = page(client.get(f"/citations/notices/{new.id}"))
    assert CORRECTED["notice_details"] in shown and CORRECTED["reason"] in shown
    db.session.refresh(case)
    assert case.party_name == "Rosa María Martínez" and case.party.language == "km"
    assert case.party.mailing_address == CORRECTED["mailing_address"]
    version = db.session.scalars(
        select(RecordVersion)
        .where(RecordVersion.record_id == case.id, RecordVersion.record_type == "blight_case")
        .order_by(RecordVersion.version.desc())
    ).first()
    assert version.action == "notice_corrected" and version.note == CORRECTED["reason"]
    assert version.changes["party_name"] == ["Rosa Martínez", "Rosa María Martínez"]
    assert version.changes["notice"] == [old.snapshot["number"], new.snapshot["number"]]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(case.id))
    ).all()
    assert "blight_case.notice_corrected" in actions


def test_a_correction_without_a_reason_keeps_what_was_typed_and_changes_nothing(
    app, client, login, setup
):
    officer, violation = setup
    with app.test_request_context():
        case = _warned(officer, violation)
    login(officer)
    response = client.post(f"/citations/{case.id}/correction", data={**CORRECTED, "reason": ""})
    assert response.status_code == 422
    shown = page(response)
    assert "Give the reason for the correction." in shown and "Rosa María Martínez" in shown
    assert len(_notices(case)) == 1
    db.session.refresh(case)
    assert case.party_name == "Rosa Martínez"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"party_name": "  "}, "Enter the responsible party's name."),
        ({"language": "xx"}, "Choose one of the options shown."),
        ({"party_kind": "landlord"}, "Choose one of the options shown."),
        ({"notice_details": "x" * 2001}, "At most 2000 characters."),
    ],
)
def test_bad_correction_details_are_422_and_change_nothing(
    app, client, login, setup, changes, message
):
    officer, violation = setup
    with app.test_request_context():
        case = _warned(officer, violation)
    login(officer)
    response = client.post(f"/citations/{case.id}/correction", data={**CORRECTED, **changes})
    assert response.status_code == 422 and message in page(response)
    assert CORRECTED["reason"] in page(response)
    assert len(_notices(case)) == 1


def test_a_correction_that_changes_nothing_is_refused(app, client, login, setup):
    officer, violation = setup
    with app.test_request_context():
        case = _warned(officer, violation)
    login(officer)
    unchanged = {
        "party_name": "Rosa Martínez",
        "mailing_address": "PO Box 12, Stockton, CA 95202",
        "language": "es",
        "party_kind": "owner",
        "reason": "Checking",
    }
    response = client.post(f"/citations/{case.id}/correction", data=unchanged)
    assert response.status_code == 422 and "Nothing was changed" in page(response)
    assert len(_notices(case)) == 1


def test_who_may_correct_a_notice(app, client, login, users, setup):
    officer, violation = setup
    with app.test_request_context():
        case = _warned(officer, violation)
        other = users.cso(username="other.trained")
        train(other)
        lapsed = users.cso(username="lapsed")
        train(lapsed, days_ago=400)
        lapsed_case = blight_case(lapsed, [violation], today=_earlier())
        warn(lapsed_case, lapsed, today=_earlier())
        train(lapsed, days_ago=400, expires_in=-1)  # the newest record: expired yesterday
        senior = users.senior(username="senior.s")
    client = login(other, test_client=app.test_client())  # trained, not the issuer
    assert client.get(f"/citations/{case.id}/correction").status_code == 403
    assert client.post(f"/citations/{case.id}/correction", data=CORRECTED).status_code == 403
    assert "Correct the notice" not in page(client.get(f"/citations/{case.id}"))
    client = login(lapsed, test_client=app.test_client())
    refused = client.post(f"/citations/{lapsed_case.id}/correction", data=CORRECTED)
    assert refused.status_code == 403
    assert len(_notices(case)) == 1 and len(_notices(lapsed_case)) == 1
    client = login(senior, test_client=app.test_client())
    assert client.post(f"/citations/{case.id}/correction", data=CORRECTED).status_code == 303
    assert [n.version for n in _notices(case)] == [1, 2]
    with app.test_request_context(), pytest.raises(CitationError) as refusal:
        correct_notice(case, other, CORRECTED, "A reason")
    assert refusal.value.code == "not_corrector"


def test_a_corrected_citation_keeps_its_fines_and_relinks_the_party(app, client, login, setup):
    officer, violation = setup
    with app.test_request_context():
        case = _warned(officer, violation)
        reinspect(case, officer, corrected=False, notes=None, uploads=[])
        cite(case, officer, violation_ids=[violation.id])
    login(officer)
    response = client.post(
        f"/citations/{case.id}/correction",
        data={**CORRECTED, "party_name": "Ana Ruiz", "party_kind": "occupant"},
    )
    assert response.status_code == 303
    warning, old, new = _notices(case)
    assert warning.superseded_at is None  # only the citation in force is reissued
    assert (new.kind, new.version) == ("citation", 2) and old.superseded_at is not None
    assert new.snapshot["total_cents"] == old.snapshot["total_cents"] == 10_000
    assert new.snapshot["violations"][0]["basis"] == old.snapshot["violations"][0]["basis"]
    assert new.snapshot["party"] == {
        "name": "Ana Ruiz",
        "mailing_address": CORRECTED["mailing_address"],
        "kind": "occupant",
    }
    db.session.refresh(case)
    party = db.session.scalars(
        select(ResponsibleParty).where(ResponsibleParty.name == "Ana Ruiz")
    ).one()
    assert case.party_id == party.id and case.party_kind == "occupant"
    assert db.session.scalar(select(func.count(ResponsibleParty.id))) == 2


def test_no_notice_to_correct_is_409(app, client, login, setup):
    officer, violation = setup
    with app.test_request_context():
        case = blight_case(officer, [violation], today=_earlier())
    login(officer)
    assert client.get(f"/citations/{case.id}/correction").status_code == 409
    assert client.post(f"/citations/{case.id}/correction", data=CORRECTED).status_code == 409


def test_the_party_is_corrected_before_any_notice_as_a_plain_edit(app, client, login, users, setup):
    officer, violation = setup
    with app.test_request_context():
        author = users.cso(username="author.cso")
        case = blight_case(author, [violation], today=_earlier())
        stranger = users.cso(username="stranger")
    login(stranger)  # neither the author, trained, nor a supervisor
    assert client.get(f"/citations/{case.id}/party").status_code == 403
    client = login(author, test_client=app.test_client())
    assert "Correct these details" in page(client.get(f"/citations/{case.id}"))
    edit = {k: v for k, v in CORRECTED.items() if k != "reason"}
    bad = client.post(f"/citations/{case.id}/party", data={**edit, "mailing_address": ""})
    assert bad.status_code == 422 and "Rosa María Martínez" in page(bad)
    db.session.refresh(case)
    assert case.party_name == "Rosa Martínez"

    assert client.post(f"/citations/{case.id}/party", data=edit).status_code == 303

    db.session.refresh(case)
    assert case.party_name == "Rosa María Martínez" and case.party.language == "km"
    assert case.notice_details == CORRECTED["notice_details"]
    assert db.session.scalar(select(func.count(Notice.id))) == 0
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(case.id))
    ).all()
    assert "blight_case.party_edited" in actions
    with app.test_request_context():
        notice = warn(case, officer)
    assert notice.snapshot["details"] == CORRECTED["notice_details"]
    assert notice.snapshot["language"] == "km"
    assert client.get(f"/citations/{case.id}/party").status_code == 409  # now: correct it
    assert client.post(f"/citations/{case.id}/party", data=edit).status_code == 409


def _jpeg(seed: int) -> FileStorage:
    image = Image.effect_noise((2400, 1800), 40 + seed).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return FileStorage(io.BytesIO(buffer.getvalue()), f"p{seed}.jpg", content_type="image/jpeg")


def test_the_citation_pdf_embeds_small_print_copies_and_keeps_the_originals(app, setup):
    officer, violation = setup
    with app.test_request_context():
        case, _created = open_case(
            {"address": "1 Main St", "parcel_number": None, "observation": "Junk"},
            violation_ids=[violation.id],
            party=party_data(),
            client_uuid=uuid.uuid4(),
            author=officer,
            uploads=[_jpeg(1), _jpeg(2), _jpeg(3)],
        )
        originals = {p.original_key: p.sha256 for p in photos_for(case)}
        warn(case, officer)
        reinspect(case, officer, corrected=False, notes=None, uploads=[])
        notice = cite(case, officer, violation_ids=[violation.id])
    storage = get_storage()
    keys = [photo["print_key"] for photo in notice.snapshot["photos"]]
    assert len(keys) == 3 and all(key.startswith(notice.pdf_key[:-4]) for key in keys)
    for key in keys:
        with Image.open(io.BytesIO(storage.read(key))) as copy:
            assert max(copy.size) == notices.PRINT_MAX_SIDE and copy.format == "JPEG"
    assert notice.pdf_bytes < 600 * 1024
    display = sum(len(storage.read(p["display_key"])) for p in notice.snapshot["photos"])
    assert notice.pdf_bytes < display  # the 1600-pixel copies are not what is embedded
    for key, sha256 in originals.items():
        assert hashlib.sha256(storage.read(key)).hexdigest() == sha256


def test_a_failed_issue_leaves_no_print_copies(app, setup, monkeypatch):
    officer, violation = setup
    with app.test_request_context():
        case, _created = open_case(
            {"address": "1 Main St", "parcel_number": None, "observation": "Junk"},
            violation_ids=[violation.id],
            party=party_data(),
            client_uuid=uuid.uuid4(),
            author=officer,
            uploads=[_jpeg(4)],
        )
        before = _all_keys(case)

        def broken(*args, **kwargs):
            raise RuntimeError("renderer down")

        monkeypatch.setattr(notices, "render_pdf", broken)
        with pytest.raises(RuntimeError):
            warn(case, officer)
    assert _all_keys(case) == before
    assert db.session.get(BlightCase, case.id).state == "observed"


def _all_keys(case) -> list[str]:
    root = get_storage().path("x").parent
    return sorted(str(path) for path in root.rglob("*") if path.is_file())
