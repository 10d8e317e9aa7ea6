"""What blight cases forget, and when (cso_field/retention).

Five years after a case closes (the city's records schedule for citations) the case forgets
the responsible party's name, the notice text, the notes and photos; and with them

- the party's own row (`citation_party`: name and mailing address), once every case of that
  party is past its period and none is held: the row stays, anonymous, so the cases still
  count as one party's;
- each issued notice's PDF and its photos' print copies (deleted from storage). The notice
  row stays as the record that it was issued: number, kind, version, dates, officer, code
  sections, amounts, and the SHA-256 and size of the PDF as issued; its snapshot keeps the
  same facts, without the party's name, mailing address, the notice text and the photos.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from cso_field.citations.models import BlightCase, Notice, ResponsibleParty
from cso_field.extensions import db
from cso_field.retention.registry import RelatedData, RetentionRule, register_rule
from cso_field.retention.services import held
from cso_field.storage import get_storage

FORGOTTEN_PARTY_KEY = "forgotten:{id}"  # unique, and never a real key (those hold a "|")


def _party_pending(cutoff):
    """The case's party still has its details, and none of its cases blocks forgetting them:
    every one closed before `cutoff` and not held."""
    other = aliased(BlightCase)
    blocking = exists().where(
        other.party_id == BlightCase.party_id,
        or_(
            other.closed_on.is_(None),
            other.closed_on >= cutoff.date(),
            held(BlightCase.record_type, other.id),
        ),
    )
    named = exists().where(ResponsibleParty.id == BlightCase.party_id, ResponsibleParty.name != "")
    return and_(named, ~blocking)


def _forget_party(case: BlightCase, dry_run: bool) -> list[str]:
    party = case.party
    if not dry_run:
        party.name = party.mailing_address = ""
        party.party_key = FORGOTTEN_PARTY_KEY.format(id=party.id)
    return [f"party {party.id}: name, mailing_address"]


def _notices_pending(cutoff):
    return exists().where(Notice.case_id == BlightCase.id, Notice.pdf_key != "")


def _notice_files(notice: Notice) -> list[str]:
    photos = notice.snapshot.get("photos") or []
    return [notice.pdf_key, *(photo["print_key"] for photo in photos if "print_key" in photo)]


def redacted_snapshot(snapshot: dict) -> dict:
    """The notice's snapshot without the party's name and mailing address, the notice text
    and the photos; every other fact of the notice as issued."""
    party = {**snapshot["party"], "name": "", "mailing_address": ""}
    return {**snapshot, "party": party, "details": None, "photos": []}


def _forget_notices(case: BlightCase, dry_run: bool) -> list[str]:
    """Each issued notice's PDF and print copies go from storage (the files first), then the
    notice row forgets its key and the snapshot's personal parts."""
    notices = db.session.scalars(
        select(Notice).where(Notice.case_id == case.id, Notice.pdf_key != "").order_by(Notice.id)
    )
    gone = []
    for notice in notices:
        keys = _notice_files(notice)
        if not dry_run:
            for key in keys:
                get_storage().delete(key)
            notice.pdf_key = ""
            notice.snapshot = redacted_snapshot(notice.snapshot)
        gone.append(f"notice {notice.snapshot['number']}: PDF, {len(keys) - 1} photo copies")
    return gone


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="blight_case.party",
            record_type="blight_case",
            model=BlightCase,
            label=_l(
                "Blight cases: the responsible party's name and address, notes, photos and "
                "the issued notices' PDFs"
            ),
            default_days=1825,
            reason=_l(
                "Counted from the case's closing. Citations carry fines, appeals, liens and "
                "collections: the city's records schedule keeps them five years after the "
                "case closes. The case, its violations, dates and amounts stay, and each "
                "notice's number, dates, sections, amounts and fingerprint (SHA-256) as issued."
            ),
            due=lambda cutoff: BlightCase.closed_on < cutoff.date(),
            personal_fields=("party_name", "notice_details", "reinspection_notes", "waiver_reason"),
            photos=True,
            related=(
                RelatedData("party", _party_pending, _forget_party),
                RelatedData("notices", _notices_pending, _forget_notices),
            ),
            history_fields=("mailing_address",),
        )
    )
