"""The warning notice and the administrative citation: in the responsible party's language
with the English text alongside, rendered from a locked snapshot to a print page and a PDF.

Issuing a notice freezes what it says (names, addresses, sections, amounts, deadlines and
every text, in both languages) in `Notice.snapshot`, and its PDF's bytes and SHA-256 in
storage. Nothing later changes them: a correction issues the next version and keeps the old
one, marked superseded.
"""

import hashlib
import io
import secrets
from collections.abc import Callable
from datetime import date

from flask import current_app
from flask_babel import pgettext
from PIL import Image
from sqlalchemy import func, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.citations.models import BlightCase, Notice, NoticeKind, PartyKind
from cso_field.citations.states import CitationError, fine_explanation, money
from cso_field.database import begin_write, lock_for_update
from cso_field.documents import render_pdf
from cso_field.extensions import db
from cso_field.i18n import date_filter, resident_language, resident_language_code, time_filter
from cso_field.photos.services import photos_for
from cso_field.records.services import add_version
from cso_field.settings import get_setting
from cso_field.storage import StorageError, get_storage
from cso_field.timeutil import utcnow

DOCUMENT_TEMPLATE = "citations/notice_document.html"
PHOTOS_ON_NOTICE = 6
# Print copies of the photos: legible at a third of a page's width, small in the PDF.
PRINT_MAX_SIDE = 900
PRINT_JPEG_QUALITY = 75


def latest_notice(case: BlightCase, kind: str | None = None) -> Notice | None:
    query = select(Notice).where(Notice.case_id == case.id, Notice.superseded_at.is_(None))
    if kind:
        query = query.where(Notice.kind == kind)
    return db.session.scalar(query.order_by(Notice.issued_at.desc(), Notice.id.desc()).limit(1))


def notices_of(case: BlightCase) -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.case_id == case.id)
            .order_by(Notice.kind, Notice.version.desc())
        )
    )


def _next_version(case: BlightCase, kind: str) -> int:
    latest = db.session.scalar(
        select(func.max(Notice.version)).where(Notice.case_id == case.id, Notice.kind == kind)
    )
    return (latest or 0) + 1


# -- The snapshot --------------------------------------------------------------------------------


def build_snapshot(
    case: BlightCase,
    user: User,
    kind: str,
    planned: dict,
    version: int,
    correction_reason: str | None = None,
) -> dict:
    """Everything the notice says, frozen: computed from the case and the step being taken
    (`planned` may carry a corrected "party" and "details")."""
    party = planned.get("party") or {
        "name": case.party_name,
        "mailing_address": case.party.mailing_address if case.party else "",
        "language": case.party.language if case.party else "en",
        "kind": case.party_kind,
    }
    details = planned.get("details", case.notice_details)
    language = resident_language_code(party["language"])
    fines = planned.get("fines") or {}
    overrides = planned.get("override") or {}
    violations = []
    for item in case.violations:
        fine = fines.get(item.id)
        cents = fine["cents"] if fine else item.amount_cents
        cents = overrides.get(item.id, cents)
        if kind == NoticeKind.CITATION and cents is None:
            continue  # not cited
        basis = fine or item.fine_basis
        violations.append(
            {
                "section": item.violation.code_section,
                "titles": {code: item.violation.title(code) for code in {language, "en"}},
                "descriptions": {
                    code: item.violation.description(code) for code in {language, "en"}
                },
                "cents": cents if kind == NoticeKind.CITATION else None,
                "basis": {k: v for k, v in (basis or {}).items() if k != "cents"} or None,
                "overridden": item.id in overrides or item.override_cents is not None,
            }
        )
    dates = {
        name: (planned.get(name) or getattr(case, name))
        for name in (
            "correction_due",
            "payment_due",
            "hearing_request_due",
            "warned_on",
            "cited_on",
        )
    }
    snapshot = {
        "kind": str(kind),
        "version": version,
        "number": _number(case, NoticeKind(kind), version),
        "language": language,
        "issued_at": utcnow().isoformat(timespec="seconds"),
        "officer": {"name": user.display_name, "id": user.username},
        "party": {
            "name": party["name"],
            "mailing_address": party["mailing_address"],
            "kind": party["kind"],
        },
        "details": details or None,
        "property": {"address": case.address or "", "parcel_number": case.parcel_number or ""},
        "observed_on": case.observed_on.isoformat(),
        "dates": {name: value.isoformat() if value else None for name, value in dates.items()},
        "appeal_days": int(_setting("citation_appeal_days")),
        "violations": violations,
        "total_cents": sum(v["cents"] or 0 for v in violations),
        "photos": [
            {"id": photo.id, "display_key": photo.display_key}
            for photo in photos_for(case)[:PHOTOS_ON_NOTICE]
        ],
        "correction_reason": correction_reason,
    }
    snapshot["texts"] = {code: notice_texts(snapshot, code) for code in {language, "en"}}
    return snapshot


def _setting(name: str):
    return get_setting(name)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def notice_texts(snapshot: dict, code: str) -> dict:
    """Every sentence of the notice in one resident language (dates and money in its forms)."""
    with resident_language(code):
        return _texts(snapshot, code)


def _texts(snapshot: dict, code: str) -> dict:
    department = str(current_app.config["DEPARTMENT_NAME"])
    dates = {name: _day(value) for name, value in snapshot["dates"].items()}
    at = _parse_datetime(snapshot["issued_at"])
    issued = f"{date_filter(at, 'long')}, {time_filter(at, 'short')}"
    is_warning = snapshot["kind"] == NoticeKind.WARNING
    kind = snapshot["party"]["kind"]
    texts = {
        "department": department,
        "title": pgettext("resident", "Notice of violation and order to correct")
        if is_warning
        else pgettext("resident", "Administrative citation"),
        "number": pgettext("resident", "Notice number"),
        "issued": pgettext("resident", "Date and time issued"),
        "issued_value": issued,
        "officer": pgettext("resident", "Issued by"),
        "officer_value": pgettext(
            "resident",
            "%(name)s, officer ID %(id)s",
            name=snapshot["officer"]["name"],
            id=snapshot["officer"]["id"],
        ),
        "party": pgettext("resident", "Owner")
        if kind == PartyKind.OWNER
        else pgettext("resident", "Occupant"),
        "mailing": pgettext("resident", "Mailing address"),
        "property": pgettext("resident", "Property"),
        "parcel": pgettext("resident", "Parcel number"),
        "violations": pgettext("resident", "Violations"),
        "section": pgettext("resident", "Code section"),
        "fine": pgettext("resident", "Fine"),
        "photos": pgettext("resident", "Photos"),
        "details": pgettext("resident", "Details from the officer"),
        "items": [
            {
                "title": violation["titles"].get(code) or violation["titles"].get("en", ""),
                "description": violation["descriptions"].get(code)
                or violation["descriptions"].get("en", ""),
                "amount": money(violation["cents"]),
                "explanation": fine_explanation(violation["basis"], violation["section"])
                if violation["basis"] and violation["cents"] is not None
                else "",
            }
            for violation in snapshot["violations"]
        ],
        "rules": _rules(snapshot, dates, department, is_warning),
    }
    if snapshot.get("correction_reason"):
        texts["correction"] = pgettext(
            "resident",
            "Corrected version %(version)s; it replaces the earlier version. Reason: %(reason)s",
            version=snapshot["version"],
            reason=snapshot["correction_reason"],
        )
    return texts


def _rules(snapshot: dict, dates: dict, department: str, is_warning: bool) -> list[str]:
    """What the party must do and by when, their rights, and what happens otherwise."""
    if is_warning:
        due = dates["correction_due"]
        days = (due - dates["warned_on"]).days if due and dates["warned_on"] else 0
        return [
            pgettext(
                "resident",
                "Correct every violation listed by %(date)s (%(days)s days from this notice).",
                date=date_filter(due, "long"),
                days=days,
            ),
            pgettext(
                "resident",
                "The property will then be inspected again. A violation not corrected by that "
                "date may lead to an administrative citation with a fine.",
            ),
        ]
    return [
        pgettext(
            "resident",
            "Total fine: %(amount)s. Pay by %(date)s.",
            amount=money(snapshot["total_cents"]),
            date=date_filter(dates["payment_due"], "long"),
        ),
        pgettext(
            "resident",
            "How to pay: by mail, online or in person at %(department)s. Write the notice "
            "number on your payment.",
            department=department,
        ),
        pgettext(
            "resident",
            "To contest this citation, request a hearing in writing by %(date)s. If you cannot "
            "pay, you may ask for a hardship waiver of the fine.",
            date=date_filter(dates["hearing_request_due"], "long"),
        ),
        pgettext(
            "resident",
            "You may appeal the final administrative order to the Superior Court within "
            "%(days)s days after it is served (Government Code 53069.4).",
            days=snapshot["appeal_days"],
        ),
        pgettext(
            "resident",
            "Unpaid fines may be sent to collection and may become a lien on the property.",
        ),
    ]


def _parse_datetime(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value)


# -- Issuing -------------------------------------------------------------------------------------


def pdf_key(case: BlightCase, kind: str, version: int) -> str:
    """A new storage key for the PDF (never one an earlier, rolled-back attempt wrote)."""
    return f"notices/{case.reference.lower()}/{kind}-v{version}-{secrets.token_hex(6)}.pdf"


def print_copy(data: bytes) -> bytes:
    """A photo's display copy made small enough for print: PRINT_MAX_SIDE pixels on its long
    side (about 300 dpi across a third of a page), JPEG at PRINT_JPEG_QUALITY."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (PRINT_MAX_SIDE, PRINT_MAX_SIDE))  # JPEG: decode at a smaller scale
        small = image.convert("RGB")
    small.thumbnail((PRINT_MAX_SIDE, PRINT_MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=PRINT_JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _store_print_copies(snapshot: dict, stem: str, written: list[str]) -> None:
    """The notice's photos as print copies stored beside its PDF; their keys go in the
    snapshot (the originals and display copies are untouched)."""
    storage = get_storage()
    for number, photo in enumerate(snapshot["photos"], start=1):
        key = f"{stem}-photo{number}.jpg"
        storage.put(key, print_copy(storage.read(photo["display_key"])))
        written.append(key)
        photo["print_key"] = key


def _render_and_store(case: BlightCase, snapshot: dict) -> tuple[list[str], bytes]:
    """Make the photos' print copies, render the PDF and write them to storage; returns
    (the keys written, the PDF's key first; the PDF's bytes). Before any write to the
    database; on failure nothing written stays."""
    key = pdf_key(case, snapshot["kind"], snapshot["version"])
    written: list[str] = []
    try:
        _store_print_copies(snapshot, key.removesuffix(".pdf"), written)
        rendered = render_pdf(
            DOCUMENT_TEMPLATE, snapshot=snapshot, document_lang=snapshot["language"]
        )
        get_storage().put(key, rendered.content)
    except BaseException:
        _delete(written)
        raise
    return [key, *written], rendered.content


def _delete(keys: list[str]) -> None:
    for key in keys:
        try:
            get_storage().delete(key)
        except StorageError as error:
            current_app.logger.error("could not remove an unissued notice file: %s", error)


def issue(
    case: BlightCase,
    user: User,
    kind: NoticeKind,
    planned: dict,
    apply: Callable[[BlightCase, dict], None],
    correction_reason: str | None = None,
    supersedes: Notice | None = None,
) -> Notice:
    """Render and store the notice first (the slow part), then, in one short transaction,
    apply the step to the case and add the Notice row; commits. The PDF goes again if the
    transaction fails."""
    version = _next_version(case, kind.value)
    snapshot = build_snapshot(case, user, kind.value, planned, version, correction_reason)
    keys, content = _render_and_store(case, snapshot)
    try:
        begin_write()
        lock_for_update(case)
        apply(case, planned)
        if supersedes is not None:
            supersedes.superseded_at = utcnow()
        notice = Notice(
            case_id=case.id,
            kind=kind.value,
            version=version,
            language=snapshot["language"],
            snapshot=snapshot,
            pdf_key=keys[0],
            pdf_sha256=hashlib.sha256(content).hexdigest(),
            pdf_bytes=len(content),
            issued_by_id=user.id,
            correction_reason=correction_reason,
        )
        db.session.add(notice)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _delete(keys)
        raise
    return notice


def correct(
    case: BlightCase,
    user: User,
    kind: NoticeKind,
    reason: str,
    apply: Callable[[BlightCase, dict], None],
    planned: dict | None = None,
    changes: dict | None = None,
) -> Notice:
    """Issue the next version of the case's current notice of `kind` with a reason; the old
    version stays, marked superseded. `changes` ({field: [old, new]}) go in the version."""
    current = latest_notice(case, kind.value)
    if current is None:
        raise CitationError("no_notice")

    def apply_and_record(case: BlightCase, planned: dict) -> None:
        if latest_notice(case, kind.value) != current:  # corrected meanwhile by someone else
            raise CitationError("wrong_state")
        apply(case, planned)
        numbers = {"notice": [current.snapshot["number"], _number(case, kind, current.version + 1)]}
        add_version(case, user, "notice_corrected", {**numbers, **(changes or {})}, reason)
        audit.record(
            "blight_case.notice_corrected",
            object_type=BlightCase.record_type,
            object_id=case.id,
            detail=f"{kind.value} v{current.version} -> v{current.version + 1}",
        )

    return issue(case, user, kind, planned or {}, apply_and_record, reason, supersedes=current)


def _number(case: BlightCase, kind: NoticeKind, version: int) -> str:
    return f"{case.reference}-{'W' if kind == NoticeKind.WARNING else 'C'}{version}"


def stored_pdf(notice: Notice) -> bytes:
    """The PDF as issued; ValueError if its bytes no longer match the recorded SHA-256."""
    content = get_storage().read(notice.pdf_key)
    if hashlib.sha256(content).hexdigest() != notice.pdf_sha256:
        raise ValueError("notice PDF does not match its recorded SHA-256")
    return content
