"""The missing person poster: the only public document of a report. In English and one
resident language, side by side (print page and PDF, Khmer and Punjabi shaped by WeasyPrint);
it shows only what the reporting party agreed to publish, and the contact number chosen when
it was made. A poster is withdrawn (marked, with the date) when the person is found.
"""

from flask_babel import pgettext
from sqlalchemy import select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import begin_write
from cso_field.extensions import db
from cso_field.i18n import date_filter, resident_language, time_filter
from cso_field.missing_persons.models import (
    Distribution,
    MissingPerson,
    ParentNotification,
    Poster,
    PosterField,
    State,
)
from cso_field.missing_persons.services import MissingPersonError, age, is_juvenile

DOCUMENT_TEMPLATE = "missing_persons/poster_document.html"
LETTER_TEMPLATE = "missing_persons/letter_document.html"
DISTRIBUTIONS_SHOWN = 50


def make_poster(report: MissingPerson, user: User, language: str, contact_phone: str) -> Poster:
    """A poster of an open report, in English and `language`; commit."""
    begin_write()
    if report.state != State.OPEN.value:
        raise MissingPersonError("found")
    poster = Poster(
        report_id=report.id, language=language, contact_phone=contact_phone, created_by_id=user.id
    )
    db.session.add(poster)
    db.session.flush()
    audit.record(
        "missing_person.poster", object_type="missing_person", object_id=report.id, detail=language
    )
    db.session.commit()
    return poster


def log_distribution(poster: Poster, user: User, content: dict) -> Distribution:
    """Who the poster went to, how and when; commit. A withdrawn poster is not sent."""
    begin_write()
    if poster.withdrawn_at is not None:
        raise MissingPersonError("withdrawn")
    sent = Distribution(poster_id=poster.id, sent_by_id=user.id, **content)
    db.session.add(sent)
    audit.record(
        "missing_person.distribution",
        object_type="missing_person",
        object_id=poster.report_id,
        detail=content["agency"],
    )
    db.session.commit()
    return sent


def posters_of(report: MissingPerson) -> list[Poster]:
    query = select(Poster).where(Poster.report_id == report.id).order_by(Poster.created_at.desc())
    return list(db.session.scalars(query.limit(DISTRIBUTIONS_SHOWN)))


def distributions_of(poster: Poster) -> list[Distribution]:
    query = (
        select(Distribution)
        .where(Distribution.poster_id == poster.id)
        .order_by(Distribution.sent_at.desc())
    )
    return list(db.session.scalars(query.limit(DISTRIBUTIONS_SHOWN)))


def poster_texts(report: MissingPerson, poster: Poster, code: str) -> dict:
    """The poster's words in one language; only the fields the reporting party agreed to."""
    published = set(report.publish or ())
    with resident_language(code):
        texts = {
            "title": pgettext("resident", "Missing person"),
            "call": pgettext(
                "resident",
                "If you have seen this person or know where they are, call %(phone)s.",
                phone=poster.contact_phone,
            ),
            "withdrawn": pgettext(
                "resident",
                "Found. This poster was withdrawn on %(day)s.",
                day=date_filter(poster.withdrawn_at, "long"),
            )
            if poster.withdrawn_at
            else "",
        }
        if PosterField.AGE in published:
            texts["age"] = pgettext("resident", "Age: %(age)d", age=age(report))
        if PosterField.LAST_SEEN in published and report.last_seen_at:
            seen = report.last_seen_at
            when = f"{date_filter(seen, 'long')}, {time_filter(seen, 'short')}"
            texts["last_seen"] = (
                pgettext(
                    "resident", "Last seen %(when)s near %(place)s", when=when, place=report.address
                )
                if report.address
                else pgettext("resident", "Last seen %(when)s", when=when)
            )
        if PosterField.DESCRIPTION in published:
            texts["description_label"] = pgettext("resident", "Description")
    return texts


def poster_context(report: MissingPerson, poster: Poster) -> dict:
    published = set(report.publish or ())
    return {
        "poster": poster,
        "report": report,
        "name": report.full_name if PosterField.NAME in published else None,
        "description": report.description if PosterField.DESCRIPTION in published else None,
        "clothing": report.clothing if PosterField.DESCRIPTION in published else None,
        "texts": {code: poster_texts(report, poster, code) for code in ("en", poster.language)},
        "lang": poster.language,
    }


# -- The parent notification program (K-1 III AA) ----------------------------------------------


def record_notification(report: MissingPerson, user: User, content: dict) -> ParentNotification:
    """A letter to the parent or guardian of a juvenile, and how it went; commit."""
    begin_write()
    if not is_juvenile(report):
        raise MissingPersonError("adult")
    sent = ParentNotification(report_id=report.id, sent_by_id=user.id, **content)
    db.session.add(sent)
    db.session.flush()
    audit.record(
        "missing_person.notification",
        object_type="missing_person",
        object_id=report.id,
        detail=f"{content['language']} {content['outcome']}",
    )
    db.session.commit()
    return sent


def notifications_of(report: MissingPerson) -> list[ParentNotification]:
    query = select(ParentNotification).where(ParentNotification.report_id == report.id)
    return list(db.session.scalars(query.order_by(ParentNotification.sent_at.desc()).limit(50)))


def letter_texts(report: MissingPerson, sent: ParentNotification, officer: str, code: str):
    """The letter in one language: whole sentences, the names and numbers filled in."""
    with resident_language(code):
        return {
            "title": pgettext("resident", "Parent notification"),
            "greeting": pgettext("resident", "Dear parent or guardian,"),
            "about": pgettext(
                "resident",
                "We are writing to you about %(name)s, born %(day)s.",
                name=report.full_name,
                day=date_filter(report.birth_date, "long", rebase=False),
            ),
            "concern": pgettext(
                "resident",
                "Our officers are concerned for this young person's safety and would like to "
                "work with you to keep them safe.",
            ),
            "call": pgettext(
                "resident",
                "Please call %(phone)s to talk with an officer.",
                phone=sent.contact_phone,
            ),
            "reference": pgettext(
                "resident", "Reference number: %(reference)s", reference=report.reference
            ),
            "date": date_filter(sent.sent_at, "long"),
            "signature": pgettext(
                "resident", "%(name)s, Community Service Officer (CSO)", name=officer
            ),
        }


def letter_context(report: MissingPerson, sent: ParentNotification) -> dict:
    officer = db.session.get(User, sent.sent_by_id)
    name = officer.display_name if officer else ""
    return {
        "notification": sent,
        "report": report,
        "lang": sent.language,
        "texts": {code: letter_texts(report, sent, name, code) for code in {"en", sent.language}},
    }
