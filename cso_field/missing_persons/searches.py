"""Searches for a missing person: areas (circles tapped on the board's map) given to searchers,
each searcher's log (area covered, time, places checked, people contacted), and what the live
search board shows. Giving someone an area makes them a searcher of the report (they may then
open a juvenile's record)."""

from sqlalchemy import select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.database import begin_write
from cso_field.extensions import db
from cso_field.missing_persons.models import MissingPerson, SearchArea, Searcher, SearchLog
from cso_field.records import services as records

FEED_LIMIT = 20
AREAS_SHOWN = 50


def add_area(report: MissingPerson, by: User, content: dict) -> SearchArea:
    """An area given to a searcher (made a searcher of the report if not one yet); commit."""
    begin_write()
    area = SearchArea(report_id=report.id, created_by_id=by.id, **content)
    db.session.add(area)
    assigned = db.session.scalar(
        select(Searcher.id).where(
            Searcher.report_id == report.id, Searcher.user_id == content["assignee_id"]
        )
    )
    if assigned is None:
        db.session.add(
            Searcher(report_id=report.id, user_id=content["assignee_id"], assigned_by_id=by.id)
        )
    audit.record(
        "missing_person.area",
        object_type="missing_person",
        object_id=report.id,
        detail=content["name"],
    )
    db.session.commit()
    return area


def add_log(report: MissingPerson, user: User, content: dict) -> SearchLog:
    """A searcher's log entry; commit."""
    begin_write()
    entry = SearchLog(report_id=report.id, user_id=user.id, **content)
    db.session.add(entry)
    audit.record("missing_person.search_log", object_type="missing_person", object_id=report.id)
    db.session.commit()
    return entry


def areas_of(report: MissingPerson) -> list[SearchArea]:
    query = select(SearchArea).where(SearchArea.report_id == report.id)
    areas = list(db.session.scalars(query.order_by(SearchArea.created_at).limit(AREAS_SHOWN)))
    records.load_users(area.assignee_id for area in areas)
    return areas


def feed(report: MissingPerson) -> list[SearchLog]:
    """The newest log entries first (the board polls it)."""
    query = select(SearchLog).where(SearchLog.report_id == report.id)
    entries = list(
        db.session.scalars(query.order_by(SearchLog.created_at.desc()).limit(FEED_LIMIT))
    )
    records.load_users(entry.user_id for entry in entries)
    return entries
