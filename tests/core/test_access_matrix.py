"""What each role can actually do to its own and to someone else's records, route by route.

tests/test_access.py checks that every route declares the intended rule; this file checks the
behaviour behind it. Every route in the URL map is requested by anonymous, a CSO, a Senior
CSO and an admin, against the caller's own record, someone else's, and someone else's
deleted record where the route takes a record id. A request either has its expected outcome
in SPECS or the test fails, and an accepted post must change exactly what it should: a
refused post may redirect with a message, but must leave every record as it was.
"""

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage

from cso_field.assignments import services as assignments
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.neighborhood_watch.models import WatchGroup
from cso_field.neighborhood_watch.services import add_to_group, record_meeting
from cso_field.photos.services import photos_for, save_photos
from cso_field.records import services as records
from cso_field.records.models import Status
from cso_field.retention.models import RetentionHold
from cso_field.roles import Role
from cso_field.surveys import editor as survey_editor
from cso_field.surveys.questionnaire import QuestionDef
from cso_field.surveys.services import start_canvass
from cso_field.timeutil import department_today, utcnow
from cso_field.traffic_posts import enforcement
from cso_field.traffic_posts import services as traffic
from tests.factories import (
    PASSWORD,
    STOCKTON,
    UserFactory,
    blight_case,
    check_with_token,
    codebook_entry,
    committee_action,
    contact,
    door_survey,
    make_incident,
    make_post,
    png,
    request_data,
    train,
    visit,
    watch_group,
    watch_signup,
)

ANON, CSO, SENIOR, ADMIN = None, Role.CSO, Role.SENIOR_CSO, Role.ADMIN
ACTORS = [ANON, CSO, SENIOR, ADMIN]
ANYONE = frozenset(ACTORS)
STAFF = frozenset({CSO, SENIOR, ADMIN})
SUPERVISORS = frozenset({SENIOR, ADMIN})
ADMINS = frozenset({ADMIN})
REVIEWERS = frozenset({SENIOR})

OWN, OTHER, GONE = "own", "other", "deleted"  # GONE: someone else's deleted record
# Outcomes: OK is a 2xx/3xx (not to the login page) that changed no record; CHANGED one that
# changed a record; ANY_OK a 2xx/3xx whose effect is not checked; LOGIN a redirect to login.
OK, CHANGED, ANY_OK, LOGIN = "ok", "changed", "ok, effect unchecked", "login"

EMPTY = {}
NOTE_EDIT = {"observation": "Corrected observation", "address": "1 Main St", **STOCKTON}
NEW_NOTE = {**NOTE_EDIT, "client_uuid": None, "submit": "1"}  # None: a fresh UUID each time
VISIT = {"outcome": "all_secure", "client_uuid": None}
RENAME = {"display_name": "Renamed Person", "role": "cso", "is_active_account": "y"}
PHOTO = {"photos": "png"}  # replaced by a real PNG upload
CONTACT = {"outcome": "no_answer", "client_uuid": None, "address": "3 Elm St"}
NEW_QUESTION = {"kind": "text", "name": "comments", "label_en": "Anything else?"}
GROUP = {"name": "Oak Watch", "area": "Oak St", "district": "0", "language": "es"}
MEETING = {
    "client_uuid": None,
    "held_on": "2026-01-05",
    "place": "Oak Park",
    "topics": "Break-ins",
    "attendance": "7",
}
SIGN_UP = {
    "client_uuid": None,
    "name": "Ana Ruiz",
    "phone": "209-555-0101",
    "language": "es",
    "submit": "1",
}


def _to_a_group():
    return {"group": str(db.session.scalar(select(WatchGroup.id)))}


def get_post(empty, filled):
    """GET shows the form; an empty post is refused with `empty`, a filled one `filled`."""
    return lambda role, whose, method, body: (
        OK if method == "GET" else (empty if body is EMPTY else filled)
    )


@dataclass(frozen=True)
class Spec:
    roles: frozenset  # who passes the route's access rule
    requests: tuple  # (method, body)
    outcome: Callable  # (role, whose, method, body) -> expected outcome, for allowed roles
    whose: tuple = (None,)  # record variants for routes that take a record id
    fresh: str | None = None  # the kind of record a POST acts on, made anew for each request


def always(outcome):
    return lambda role, whose, method, body: outcome


def live_or_admin(outcome):
    """Viewing: any staff for a live record; a deleted one only admins, 404 for others."""
    return lambda role, whose, method, body: outcome if whose != GONE or role == ADMIN else 404


def get_ok_post(post_outcome):
    return lambda role, whose, method, body: OK if method == "GET" else post_outcome


def _edit_note(role, whose, method, body):
    if whose == GONE:
        return 403 if role == ADMIN else 404  # admins see it, nobody edits it
    if whose == OTHER:
        return 403
    # An empty post keeps the note as it is ("Nothing had changed").
    return OK if method == "GET" or body is EMPTY else CHANGED


def _submit(role, whose, method, body):
    if whose == GONE:
        return OK if role == ADMIN else 404  # refused with a message: not the author
    return CHANGED if whose == OWN else OK


def _delete(role, whose, method, body):
    if whose == GONE:
        return 403 if role == ADMIN else 404
    if whose == OTHER and role != ADMIN:
        return 403
    if method == "GET":
        return OK
    return 422 if body is EMPTY else CHANGED


def _add_photos(role, whose, method, body):
    if whose == GONE:
        return 403 if role == ADMIN else 404
    if whose == OTHER:
        return 403
    return ANY_OK if body is EMPTY else CHANGED


def _approve(role, whose, method, body):
    if whose == GONE:
        return 404
    return CHANGED if whose == OTHER else OK  # one's own: refused with a message


def _return(role, whose, method, body):
    if whose == GONE:
        return 404
    if body is EMPTY:
        return 422
    return CHANGED if whose == OTHER else OK


def _edit_meeting(role, whose, method, body):
    """Its author corrects a meeting (not yet approved); nobody else."""
    if whose == OTHER:
        return 403
    return OK if method == "GET" else (422 if body is EMPTY else CHANGED)


def _edit_visit(role, whose, method, body):
    """Only a visit returned to its author is corrected: the matrix's visits wait for review."""
    return 404 if whose == GONE and role != ADMIN else 403


def _record_visit(role, whose, method, body):
    if whose == GONE and role != ADMIN:
        return 404
    if body is EMPTY:
        return 422
    return 409 if whose == GONE else CHANGED  # a deleted check takes no visits, even an admin's


def _manage(role, whose, method, body):
    if whose == GONE:
        return 404
    return OK if method == "GET" else 422


def _case_post(status):
    """A post to a blight case's step: 404 for someone else's deleted case unless an admin,
    whose post the step itself then refuses like anyone's (`status`)."""
    return lambda role, whose, method, body: 404 if whose == GONE and role != ADMIN else status


def _correction(role, whose, method, body):
    """The matrix's cases are warned by another, trained CSO: only a Senior CSO or an admin
    may correct the warning (an empty post: 422); a deleted case has no notice in force."""
    if whose == GONE:
        return 409 if role == ADMIN else 404
    if role == CSO:
        return 403
    return OK if method == "GET" else 422


def _party(role, whose, method, body):
    """Before any notice only: the matrix's cases are warned already (409)."""
    return 404 if whose == GONE and role != ADMIN else 409


def _canvass_contact(role, whose, method, body):
    if whose == GONE and role != ADMIN:
        return 404
    if body is EMPTY:
        return 422
    return 409 if whose == GONE else CHANGED  # a deleted canvass takes no contacts


def _close_canvass(role, whose, method, body):
    if whose == GONE and role != ADMIN:
        return 404
    return CHANGED if whose == OWN else 403  # only its officer closes a canvass


def _edit_account(role, whose, method, body):
    if method == "GET" or body is EMPTY:
        return ANY_OK
    return 422 if whose == OWN else CHANGED  # an admin cannot demote themself


def _manage_incident(role, whose, method, body):
    """The person in charge (own incident), Senior CSOs and admins manage; a deleted
    incident is not found, except by admins, whom it refuses (422)."""
    if whose == GONE:
        return 422 if role == ADMIN else 404
    if whose == OTHER and role == CSO:
        return 403
    return OK if method == "GET" else 422


def _close(role, whose, method, body):
    outcome = _manage_incident(role, whose, method, body)
    return CHANGED if outcome == 422 and whose != GONE else outcome


def _on_post(role, whose, method, body):
    """The assigned CSO (own) or whoever manages the incident taps On post."""
    if whose == GONE:
        return 422 if role == ADMIN else 404
    return 403 if whose == OTHER and role == CSO else CHANGED


def _relieve(role, whose, method, body):
    outcome = _on_post(role, whose, method, body)
    return 422 if outcome == CHANGED else outcome  # a fresh assignment is not on post yet


def _traffic_post(role, whose, method, body):
    """An empty form: refused as incomplete, once the incident is found."""
    return 404 if whose == GONE and role != ADMIN else 422


def _task(outcome):
    """An assignment to A ("own") or to B: a CSO finds only their own (404 for B's)."""
    return lambda role, whose, method, body: 404 if role == CSO and whose == OTHER else outcome


def _accept_task(role, whose, method, body):
    """Only the assignee accepts: a CSO their own; a Senior CSO or admin is refused (403)."""
    if role == CSO:
        return CHANGED if whose == OWN else 404
    return 403


def _need_to_know(outcome):
    """Missing persons: "own" and "other" are juveniles' reports (WIC 827), "adult" another
    CSO's adult report. A CSO opens only their own juvenile's; a deleted one only admins."""

    def expected(role, whose, method, body):
        if whose == GONE:
            return outcome if role == ADMIN else 404
        if whose == OTHER and role == CSO:
            return 404
        return outcome

    return expected


NOTE_VARIANTS = (OWN, OTHER, GONE)
ADULT = "adult"
MISSING_VARIANTS = (OWN, OTHER, ADULT, GONE)
TASK_VARIANTS = (OWN, OTHER)
ACCOUNT_VARIANTS = (OWN, OTHER)
GET = (("GET", None),)
POST_EMPTY = (("POST", EMPTY),)

SPECS: dict[str, Spec] = {
    "static": Spec(ANYONE, GET, always(OK)),
    "main.index": Spec(ANYONE, GET, always(OK)),  # residents: the front door; staff: Today
    "auth.login": Spec(
        ANYONE,
        (*GET, *POST_EMPTY),
        lambda role, whose, method, body: OK if method == "GET" or role else 422,
    ),
    "auth.set_language": Spec(
        ANYONE,
        (*POST_EMPTY, ("POST", {"locale": "es", "next": "/today"})),
        lambda role, whose, method, body: 422 if body is EMPTY else ANY_OK,
    ),
    "auth.logout": Spec(STAFF, POST_EMPTY, always(LOGIN)),  # logged out, to the login page
    "auth.change_password": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "main.today": Spec(STAFF, GET, always(OK)),
    "main.menu": Spec(STAFF, GET, always(OK)),
    "main.new_record": Spec(STAFF, GET, always(OK)),
    "search.index": Spec(STAFF, GET, always(OK)),
    "accounts.index": Spec(SUPERVISORS, GET, always(OK)),
    "accounts.unlock_account": Spec(SUPERVISORS, POST_EMPTY, always(OK), ACCOUNT_VARIANTS),
    "accounts.new": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "accounts.edit": Spec(
        ADMINS, (*GET, *POST_EMPTY, ("POST", RENAME)), _edit_account, ACCOUNT_VARIANTS
    ),
    # The second factor. Nobody here has one (the test policy requires none): the sign-in's
    # steps without a half-done sign-in send back to the login page, and step-up sends to
    # setting one up, so a reset is held back and changes nothing.
    "mfa.verify": Spec(ANYONE, (*GET, *POST_EMPTY), always(LOGIN)),
    "mfa.passkey_options": Spec(ANYONE, POST_EMPTY, always(409)),
    "mfa.passkey_sign_in": Spec(ANYONE, POST_EMPTY, always(LOGIN)),
    "mfa.enrol": Spec(ANYONE, GET, lambda role, whose, method, body: OK if role else LOGIN),
    "mfa.enrol_app": Spec(
        ANYONE, POST_EMPTY, lambda role, whose, method, body: 422 if role else LOGIN
    ),
    "mfa.new_passkey_options": Spec(
        ANYONE, POST_EMPTY, lambda role, whose, method, body: OK if role else 409
    ),
    "mfa.enrol_passkey": Spec(
        ANYONE, POST_EMPTY, lambda role, whose, method, body: 422 if role else LOGIN
    ),
    "mfa.account": Spec(STAFF, GET, always(OK)),
    "mfa.remove_passkey": Spec(STAFF, POST_EMPTY, always(OK)),
    "mfa.new_recovery_codes": Spec(STAFF, POST_EMPTY, always(OK)),
    "mfa.step_up": Spec(STAFF, (*GET, *POST_EMPTY), always(OK)),
    "mfa.step_up_options": Spec(STAFF, POST_EMPTY, always(OK)),
    "mfa.step_up_passkey": Spec(STAFF, POST_EMPTY, always(422)),
    "mfa.policy": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(CHANGED)),
    "accounts.reset_factor": Spec(SUPERVISORS, POST_EMPTY, always(OK), ACCOUNT_VARIANTS),
    "audit.index": Spec(SUPERVISORS, GET, always(OK)),
    "districts.index": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "field_notes.index": Spec(STAFF, GET, always(OK)),
    "field_notes.new": Spec(
        STAFF,
        (*GET, *POST_EMPTY, ("POST", NEW_NOTE)),
        lambda role, whose, method, body: (
            OK if method == "GET" else (422 if body is EMPTY else CHANGED)
        ),
    ),
    "field_notes.view": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "field_notes.edit": Spec(
        STAFF, (*GET, *POST_EMPTY, ("POST", NOTE_EDIT)), _edit_note, NOTE_VARIANTS, "submitted"
    ),
    "records.review_queue": Spec({SENIOR}, GET, always(OK)),
    "numbers.index": Spec(SUPERVISORS, GET, always(OK)),
    "numbers.summary": Spec(SUPERVISORS, GET, always(OK)),
    "numbers.summary_pdf": Spec(SUPERVISORS, GET, always(OK)),
    # Without a profile and a format the export form's target refuses: 400.
    "exports.start": Spec(STAFF, GET, always(400)),
    "exports.download": Spec(STAFF, GET, always(OK)),  # the public records profile
    "exports.download_internal": Spec(SUPERVISORS, GET, always(OK)),
    "records.mine": Spec(STAFF, GET, always(OK)),
    "records.submit": Spec(STAFF, POST_EMPTY, _submit, NOTE_VARIANTS, "draft"),
    "records.delete": Spec(
        STAFF,
        (*GET, *POST_EMPTY, ("POST", {"reason": "Entered twice by mistake"})),
        _delete,
        NOTE_VARIANTS,
        "submitted",
    ),
    "photos.add": Spec(
        STAFF, (*POST_EMPTY, ("POST", PHOTO)), _add_photos, NOTE_VARIANTS, "submitted"
    ),
    "records.approve": Spec(REVIEWERS, POST_EMPTY, _approve, NOTE_VARIANTS, "submitted"),
    "records.return_for_changes": Spec(
        REVIEWERS,
        (*POST_EMPTY, ("POST", {"comment": "Add the cross street."})),
        _return,
        NOTE_VARIANTS,
        "submitted",
    ),
    "photos.thumbnail": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "photos.display": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "photos.original": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "special_checks_public.request_form": Spec(
        ANYONE,
        (*GET, *POST_EMPTY, ("POST", request_data)),
        lambda role, whose, method, body: (
            OK if method == "GET" else (422 if body is EMPTY else CHANGED)
        ),
    ),
    "special_checks_public.manage": Spec(
        ANYONE, (*GET, *POST_EMPTY), _manage, NOTE_VARIANTS, "check"
    ),
    "special_checks.new": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "special_checks.settings": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "special_checks.index": Spec(STAFF, GET, always(OK)),
    "special_checks.map_view": Spec(STAFF, GET, always(OK)),
    "special_checks.view": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "special_checks.record_visit": Spec(
        STAFF, (*POST_EMPTY, ("POST", VISIT)), _record_visit, NOTE_VARIANTS, "check"
    ),
    "special_checks.visit": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "special_checks.overview": Spec(SUPERVISORS, GET, always(OK)),
    "special_checks.overview_section": Spec(SUPERVISORS, GET, always(OK)),
    "special_checks.starting_soon": Spec(STAFF, GET, always(OK)),
    "traffic_posts.index": Spec(STAFF, GET, always(OK)),
    "traffic_posts.new": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "traffic_posts.view": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.board_fragment": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.manage": Spec(
        STAFF,
        GET,
        lambda *a: OK if _manage_incident(*a) == 422 else _manage_incident(*a),
        NOTE_VARIANTS,
    ),
    "traffic_posts.add_period": Spec(STAFF, POST_EMPTY, _manage_incident, NOTE_VARIANTS),
    "traffic_posts.add_post": Spec(STAFF, POST_EMPTY, _manage_incident, NOTE_VARIANTS),
    "traffic_posts.assign": Spec(STAFF, POST_EMPTY, _manage_incident, NOTE_VARIANTS),
    "traffic_posts.equipment": Spec(STAFF, POST_EMPTY, _manage_incident, NOTE_VARIANTS),
    "traffic_posts.close": Spec(STAFF, POST_EMPTY, _close, NOTE_VARIANTS, "incident"),
    "traffic_posts.on_post": Spec(STAFF, POST_EMPTY, _on_post, NOTE_VARIANTS, "assignment"),
    "traffic_posts.relieve": Spec(STAFF, POST_EMPTY, _relieve, NOTE_VARIANTS, "assignment"),
    "traffic_posts.hand_over": Spec(STAFF, POST_EMPTY, _traffic_post, NOTE_VARIANTS),
    "traffic_posts.add_entry": Spec(STAFF, POST_EMPTY, _traffic_post, NOTE_VARIANTS),
    "traffic_posts.ics214": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.ics214_pdf": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.ics204": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.ics204_pdf": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.activity_csv": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.problems": Spec(STAFF, GET, always(OK)),
    "traffic_posts.new_problem": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "traffic_posts.problem": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.problem_summary": Spec(SUPERVISORS, GET, live_or_admin(OK), NOTE_VARIANTS),
    "traffic_posts.record_session": Spec(STAFF, POST_EMPTY, _traffic_post, NOTE_VARIANTS),
    "citations.index": Spec(STAFF, GET, always(OK)),
    "citations.reinspections": Spec(STAFF, GET, always(OK)),
    "citations.overdue": Spec(STAFF, GET, always(OK)),
    "citations.overview": Spec(SUPERVISORS, GET, always(OK)),
    "citations.overview_violation": Spec(SUPERVISORS, GET, always(OK)),
    "citations.overview_district": Spec(SUPERVISORS, GET, always(OK)),
    "citations.new": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "citations.view": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    # The actors have no citation training: the server refuses their warning.
    "citations.warning": Spec(STAFF, POST_EMPTY, _case_post(403), NOTE_VARIANTS),
    "citations.reinspection": Spec(STAFF, POST_EMPTY, _case_post(422), NOTE_VARIANTS),
    "citations.citation": Spec(STAFF, POST_EMPTY, _case_post(422), NOTE_VARIANTS),
    "citations.override": Spec(REVIEWERS, POST_EMPTY, _case_post(422), NOTE_VARIANTS),
    "citations.step": Spec(STAFF, POST_EMPTY, _case_post(422), NOTE_VARIANTS),
    "citations.party": Spec(STAFF, (*GET, *POST_EMPTY), _party, NOTE_VARIANTS),
    "citations.correction": Spec(STAFF, (*GET, *POST_EMPTY), _correction, NOTE_VARIANTS),
    "citations.notice": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "citations.notice_pdf": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "citations.codebook": Spec(ADMINS, GET, always(OK)),
    "citations.codebook_new": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "citations.codebook_edit": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "citations.training": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "citations.settings": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "surveys.index": Spec(SUPERVISORS, GET, always(OK)),
    "surveys.import_survey": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "surveys.view": Spec(SUPERVISORS, GET, always(OK)),
    "surveys.revise": Spec(SUPERVISORS, POST_EMPTY, always(422)),
    "surveys.download": Spec(SUPERVISORS, GET, always(OK)),
    "surveys.results_page": Spec(SUPERVISORS, GET, always(OK)),
    "surveys.export": Spec(SUPERVISORS, GET, always(OK)),
    "surveys.canvasses": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "surveys.canvass": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "surveys.questionnaire": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "surveys.contact": Spec(
        STAFF, (*POST_EMPTY, ("POST", CONTACT)), _canvass_contact, NOTE_VARIANTS, "canvass"
    ),
    "surveys.close": Spec(STAFF, POST_EMPTY, _close_canvass, NOTE_VARIANTS, "canvass"),
    "surveys.response": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "surveys.new_survey": Spec(
        SUPERVISORS,
        (*GET, *POST_EMPTY, ("POST", {"title_en": "Park survey"})),
        get_post(422, CHANGED),
    ),
    "surveys.questions": Spec(SUPERVISORS, GET, always(OK)),
    "surveys.publish": Spec(SUPERVISORS, POST_EMPTY, always(CHANGED), fresh="draft_survey"),
    "surveys.needs_assessment": Spec(SUPERVISORS, GET, always(OK)),
    "surveys.new_question": Spec(
        SUPERVISORS, (*GET, *POST_EMPTY, ("POST", NEW_QUESTION)), get_post(422, CHANGED)
    ),
    "surveys.edit_question": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_post(422, CHANGED)),
    "surveys.move_question": Spec(SUPERVISORS, (("POST", {"direction": "down"}),), always(CHANGED)),
    "surveys.remove_question": Spec(SUPERVISORS, POST_EMPTY, always(CHANGED)),
    "neighborhood_watch.index": Spec(STAFF, GET, always(OK)),
    "neighborhood_watch.new_group": Spec(
        SUPERVISORS, (*GET, *POST_EMPTY, ("POST", GROUP)), get_post(422, CHANGED)
    ),
    "neighborhood_watch.group": Spec(STAFF, GET, always(OK)),
    "neighborhood_watch.captain": Spec(SUPERVISORS, POST_EMPTY, always(CHANGED)),
    "neighborhood_watch.remove_member": Spec(
        SUPERVISORS, POST_EMPTY, always(CHANGED), fresh="member"
    ),
    "neighborhood_watch.edit_group": Spec(
        SUPERVISORS, (*GET, *POST_EMPTY, ("POST", GROUP)), get_post(422, CHANGED), fresh="group"
    ),
    "neighborhood_watch.archive_group": Spec(
        SUPERVISORS, POST_EMPTY, always(CHANGED), fresh="group"
    ),
    "neighborhood_watch.restore_group": Spec(
        SUPERVISORS, POST_EMPTY, always(CHANGED), fresh="archived_group"
    ),
    "neighborhood_watch.archived": Spec(SUPERVISORS, GET, always(OK)),
    "neighborhood_watch.signup": Spec(SUPERVISORS, GET, always(OK)),
    "neighborhood_watch.new_meeting": Spec(
        STAFF, (*GET, *POST_EMPTY, ("POST", MEETING)), get_post(422, CHANGED)
    ),
    "neighborhood_watch.meeting": Spec(STAFF, GET, always(OK), TASK_VARIANTS),
    "neighborhood_watch.edit_meeting": Spec(
        STAFF, (*GET, *POST_EMPTY, ("POST", MEETING)), _edit_meeting, TASK_VARIANTS
    ),
    "special_checks.edit_visit": Spec(STAFF, (*GET, *POST_EMPTY), _edit_visit, NOTE_VARIANTS),
    "neighborhood_watch.signups": Spec(SUPERVISORS, GET, always(OK)),
    "neighborhood_watch.add_signup": Spec(
        SUPERVISORS, (*POST_EMPTY, ("POST", _to_a_group)), get_post(422, CHANGED)
    ),
    "neighborhood_watch.dismiss_signup": Spec(
        SUPERVISORS, POST_EMPTY, always(CHANGED), fresh="signup"
    ),
    "neighborhood_watch.quiet": Spec(SUPERVISORS, GET, always(OK)),
    "neighborhood_watch.quiet_settings": Spec(
        ADMINS, (*POST_EMPTY, ("POST", {"months": "7"})), get_post(422, CHANGED)
    ),
    "neighborhood_watch_public.sign_up": Spec(
        ANYONE, (*GET, *POST_EMPTY, ("POST", SIGN_UP)), get_post(422, CHANGED)
    ),
    "assignments.index": Spec(STAFF, GET, always(OK)),
    "assignments.new": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "assignments.view": Spec(STAFF, GET, _task(OK), TASK_VARIANTS),
    "assignments.accept": Spec(STAFF, POST_EMPTY, _accept_task, TASK_VARIANTS, "task"),
    "assignments.complete": Spec(STAFF, POST_EMPTY, _task(422), TASK_VARIANTS, "task"),
    "assignments.reassign": Spec(SUPERVISORS, POST_EMPTY, always(422), TASK_VARIANTS, "task"),
    "team.board": Spec(STAFF, GET, always(OK)),
    "team.roster": Spec(STAFF, GET, always(OK)),
    "team.profile": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(ANY_OK), ACCOUNT_VARIANTS),
    "team.my_profile": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(ANY_OK)),
    "team.shift": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "team.end": Spec(STAFF, POST_EMPTY, always(OK)),  # not on shift: nothing to end
    "team.training": Spec(SUPERVISORS, GET, always(OK)),
    "team.new_session": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "team.certifications_of": Spec(
        SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422), ACCOUNT_VARIANTS
    ),
    "team.certification_kinds": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "offline.manifest": Spec(ANYONE, GET, always(OK)),
    "offline.service_worker": Spec(ANYONE, GET, always(OK)),
    "offline.offline_page": Spec(ANYONE, GET, always(OK)),
    "offline.outbox": Spec(STAFF, GET, always(OK)),
    # For load balancers and monitoring: public (no login), no personal data; /metrics also
    # only from METRICS_ALLOW_IPS (the test client's 127.0.0.1 is allowed by default).
    "operations.healthz": Spec(ANYONE, GET, always(OK)),
    "operations.readyz": Spec(ANYONE, GET, always(OK)),
    "operations.metrics": Spec(ANYONE, GET, always(OK)),
    "retention.settings": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "retention.add_hold": Spec(ADMINS, POST_EMPTY, always(422)),
    "retention.release_hold": Spec(ADMINS, POST_EMPTY, always(CHANGED), fresh="hold"),
    "offline.session": Spec(STAFF, GET, always(OK)),
    "community.calendar": Spec(STAFF, GET, always(OK)),
    "community.new_slots": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "community.appointment": Spec(STAFF, GET, always(OK)),
    "community.record_outcome": Spec(STAFF, POST_EMPTY, always(422)),
    "community.assign_appointment": Spec(SUPERVISORS, POST_EMPTY, always(422)),
    "community.messages": Spec(STAFF, GET, always(OK)),
    "community.new_message": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "community.message": Spec(STAFF, GET, always(OK)),
    "community.record_attempt": Spec(STAFF, POST_EMPTY, always(422)),
    "community.assign_message": Spec(SUPERVISORS, POST_EMPTY, always(422)),
    "community_public.book": Spec(ANYONE, (*GET, *POST_EMPTY), get_ok_post(422)),
    "community_public.manage": Spec(ANYONE, (*GET, *POST_EMPTY), get_ok_post(422)),
    "missing_persons.index": Spec(STAFF, GET, always(OK)),
    # An empty post keeps the stored values (the form starts from them): nothing changes.
    "missing_persons.settings": Spec(ADMINS, (*GET, *POST_EMPTY), always(OK)),
    "missing_persons.board": Spec(STAFF, GET, _need_to_know(OK), MISSING_VARIANTS),
    "missing_persons.board_feed": Spec(STAFF, GET, _need_to_know(OK), MISSING_VARIANTS),
    "missing_persons.add_area": Spec(SUPERVISORS, POST_EMPTY, _need_to_know(422), MISSING_VARIANTS),
    "missing_persons.add_log": Spec(STAFF, POST_EMPTY, _need_to_know(422), MISSING_VARIANTS),
    "missing_persons.notify": Spec(STAFF, POST_EMPTY, _need_to_know(422), MISSING_VARIANTS),
    "missing_persons.letter": Spec(STAFF, GET, _need_to_know(OK), MISSING_VARIANTS),
    "missing_persons.letter_pdf": Spec(STAFF, GET, _need_to_know(OK), (OWN, OTHER)),
    "missing_persons.due": Spec(STAFF, GET, always(OK)),
    "missing_persons.new": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "missing_persons.view": Spec(STAFF, GET, _need_to_know(OK), MISSING_VARIANTS),
    "missing_persons.steps": Spec(STAFF, GET, _need_to_know(OK), MISSING_VARIANTS),
    # An empty post records the BOLO as done now (it needs no number).
    "missing_persons.close_step": Spec(STAFF, POST_EMPTY, _need_to_know(CHANGED), MISSING_VARIANTS),
    "missing_persons.found": Spec(STAFF, POST_EMPTY, _need_to_know(422), MISSING_VARIANTS),
    "missing_persons.add_searcher": Spec(
        SUPERVISORS, POST_EMPTY, _need_to_know(422), MISSING_VARIANTS
    ),
    "missing_persons.new_poster": Spec(STAFF, POST_EMPTY, _need_to_know(422), MISSING_VARIANTS),
    "missing_persons.poster": Spec(STAFF, GET, _need_to_know(OK), MISSING_VARIANTS),
    "missing_persons.poster_pdf": Spec(STAFF, GET, _need_to_know(OK), (OWN, OTHER)),
    "missing_persons.distribute": Spec(STAFF, POST_EMPTY, _need_to_know(422), MISSING_VARIANTS),
    "custody.index": Spec(STAFF, GET, always(OK)),
    "custody.new_item": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "custody.item": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "custody.custody_form": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "custody.custody_pdf": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "custody.signature": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "custody.handover": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "custody.transports": Spec(STAFF, GET, always(OK)),
    "custody.new_transport": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "custody.transport": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    # A trip with an item not delivered yet: refused (422); a deleted one is not found,
    # except by admins, whom the rule refuses like anyone.
    "custody.close_transport": Spec(
        STAFF,
        POST_EMPTY,
        lambda role, whose, method, body: 404 if whose == GONE and role != ADMIN else 422,
        NOTE_VARIANTS,
    ),
    "custody.samples": Spec(STAFF, GET, always(OK)),
    "custody.seizures": Spec(STAFF, GET, always(OK)),
    "custody.new_seizure": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "custody.seizure": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "custody.seizure_signature": Spec(STAFF, GET, live_or_admin(OK), NOTE_VARIANTS),
    "custody.seizure_report": Spec(SUPERVISORS, GET, always(OK)),
    "custody.supplies": Spec(STAFF, GET, always(OK)),
    "custody.new_supply": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "custody.supply": Spec(STAFF, GET, always(OK)),
    "custody.move_supply": Spec(STAFF, POST_EMPTY, always(422)),
    # No state chosen: refused (422) once the seizure is found.
    "custody.seizure_state": Spec(
        SUPERVISORS,
        POST_EMPTY,
        lambda role, whose, method, body: 404 if whose == GONE and role != ADMIN else 422,
        NOTE_VARIANTS,
    ),
    # The matrix's items are evidence: the form shows, an empty post is refused.
    "custody.mail": Spec(
        STAFF,
        (*GET, *POST_EMPTY),
        lambda role, whose, method, body: (
            404 if whose == GONE and role != ADMIN else OK if method == "GET" else 422
        ),
        NOTE_VARIANTS,
    ),
    # A mailed sample's receipt (empty: today); a deleted sample's is refused, even an admin's.
    "custody.receipt": Spec(
        STAFF,
        POST_EMPTY,
        lambda role, whose, method, body: (
            (404 if role != ADMIN else 422) if whose == GONE else CHANGED
        ),
        NOTE_VARIANTS,
    ),
    "calls.index": Spec(STAFF, GET, always(OK)),
    "calls.log": Spec(STAFF, GET, always(OK)),
    "calls.new": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "calls.new_visit": Spec(STAFF, (*GET, *POST_EMPTY), get_ok_post(422)),
    "calls.report": Spec(SUPERVISORS, GET, always(OK)),
    "calls.report_csv": Spec(SUPERVISORS, GET, always(OK)),
    "calls.types": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "calls.edit_type": Spec(ADMINS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "betterment.index": Spec(STAFF, GET, always(OK)),
    "betterment.new": Spec(SUPERVISORS, (*GET, *POST_EMPTY), get_ok_post(422)),
    "betterment.committee": Spec(STAFF, GET, always(OK)),
    "betterment.add_goal": Spec(SUPERVISORS, POST_EMPTY, always(422)),
    "betterment.add_action": Spec(SUPERVISORS, POST_EMPTY, always(422)),
    "betterment.add_meeting": Spec(SUPERVISORS, POST_EMPTY, always(422)),
    "betterment.action_status": Spec(SUPERVISORS, POST_EMPTY, always(422)),
    "betterment.overdue": Spec(SUPERVISORS, GET, always(OK)),
}


def test_every_route_and_method_has_an_expected_outcome(app):
    for rule in app.url_map.iter_rules():
        assert rule.endpoint in SPECS, f"add {rule.endpoint} to SPECS"
        methods = {method for method, _body in SPECS[rule.endpoint].requests}
        assert methods == rule.methods - {"HEAD", "OPTIONS"}, rule.endpoint
    assert set(SPECS) == {rule.endpoint for rule in app.url_map.iter_rules()}


# -- The records the matrix acts on ------------------------------------------------------------


class World:
    """Users A (a CSO) and B (another CSO), a Senior CSO and an admin, and records of each."""

    def __init__(self, app, actor: Role | None):
        self.app = app
        users = UserFactory(app)
        self.cso_a = users.cso(username="cso.a")
        self.cso_b = users.cso(username="cso.b")
        self.senior = users.senior(username="senior.s")
        self.admin = users.admin(username="admin.x")
        by_role = {CSO: self.cso_a, SENIOR: self.senior, ADMIN: self.admin}
        self.me = by_role.get(actor, self.cso_a)  # anonymous: A's records stand in as "own"
        self.owners = {OWN: self.me, OTHER: self.cso_b, GONE: self.cso_b}
        self.notes = {whose: self.note(owner, photo=True) for whose, owner in self.owners.items()}
        self.delete(self.notes[GONE])
        self.checks, self.tokens, self.visits = {}, {}, {}
        for whose, owner in self.owners.items():
            self.checks[whose], self.tokens[whose] = self.check(owner)
            with app.test_request_context():
                self.visits[whose] = visit(self.checks[whose], owner, outcome="suspicious")
        self.delete(self.checks[GONE])
        self.delete(self.visits[GONE])
        self.incidents = {whose: self.incident(owner) for whose, owner in self.owners.items()}
        self.assignments = {whose: self.assignment(whose) for whose in self.owners}
        self.problems = {whose: self.problem(owner) for whose, owner in self.owners.items()}
        self.delete(self.incidents[GONE])
        self.delete(self.problems[GONE])
        self.blight_cases()
        with app.test_request_context():
            self.survey = door_survey(self.admin)
        self.canvasses = {whose: self.canvass(owner) for whose, owner in self.owners.items()}
        self.responses = {
            whose: contact(self.app, self.canvasses[whose], owner)
            for whose, owner in self.owners.items()
        }
        self.delete(self.canvasses[GONE])
        self.delete(self.responses[GONE])
        self.group = watch_group(self.senior)
        self.member = add_to_group(watch_signup(client_address=None), self.group, self.senior)
        self.signup = watch_signup(client_address=None)
        self.meetings = {whose: self.meeting(self.owners[whose]) for whose in (OWN, OTHER)}
        self.tasks = {}
        self.custody = {whose: self.custody_records(owner) for whose, owner in self.owners.items()}
        self.delete(self.custody[GONE][0])
        self.delete(self.custody[GONE][1])
        self.delete(self.custody[GONE][3].item)
        self.delete(self.custody[GONE][4])
        with app.test_request_context():
            from cso_field.custody import services as custody

            self.supply = custody.add_supply(
                {
                    "name": "Bags",
                    "unit_name": "boxes",
                    "location": "Office",
                    "on_hand": 5,
                    "reorder_level": 1,
                },
                self.senior,
            )

    def custody_records(self, owner):
        """A custody item handed over once (its transfer), and a trip carrying another."""
        from cso_field.custody import services as custody
        from cso_field.custody.demo import EVIDENCE_ROOM, LAB, handover, signature_png

        with self.app.test_request_context():
            made = []
            for _number in range(3):
                item, _created = custody.create_item(
                    {
                        "kind": "evidence",
                        "description": "Knife",
                        "case_number": "26-1",
                        "seal_number": "S-1",
                        "condition": "Sealed",
                        "collected_at": utcnow() - timedelta(hours=3),
                        "collected_place": "Main St",
                        "source_name": None,
                    },
                    client_uuid=uuid.uuid4(),
                    author=owner,
                    uploads=[],
                )
                made.append(item)
            moved = handover(
                custody.officer(owner), EVIDENCE_ROOM, utcnow() - timedelta(hours=1), "Book", 1
            )
            (transfer,) = custody.transfer([made[0]], moved, owner)
            sample = made[1]
            sample.kind = "lab_sample"
            db.session.commit()
            mailing = custody.mail_sample(
                sample,
                {
                    "carrier": "USPS",
                    "tracking_number": "9400",
                    "laboratory": "Lab",
                    "mailed_on": department_today(),
                },
                owner,
            )
            trip, _created = custody.create_transport(
                {"vehicle": "V1", "destination_agency": LAB.name, "destination_address": "Here"},
                [made[2].reference],
                client_uuid=uuid.uuid4(),
                author=owner,
            )
            second = self.senior if owner.id != self.senior.id else self.cso_a
            seizure, _created = custody.record_seizure(
                {
                    "case_number": "26-2",
                    "place": "Main St",
                    "owner_name": None,
                    "property_items": [],
                    "seized_at": utcnow() - timedelta(hours=1),
                },
                custody.CashCount(5000, second.id, signature_png(1), signature_png(2)),
                client_uuid=uuid.uuid4(),
                author=owner,
            )
            return made[0], trip, transfer, mailing, seizure

    def community(self, argument):
        """A booked fingerprinting appointment (by id or private link) or a message."""
        from tests.community.records import community_records

        if not hasattr(self, "community_records"):
            self.community_records = community_records(self.app, self.senior, self.cso_a)
        return self.community_records[argument]

    def meeting(self, owner):
        fields = {"held_on": department_today(), "place": "Hall", "topics": "Theft"}
        return record_meeting(self.group, owner, {**fields, "attendance": 5}, uuid.uuid4())[0]

    def draft_survey(self):
        """A survey built in the app, with one question, not published yet."""
        with self.app.test_request_context():
            survey = survey_editor.new_survey({"en": f"Draft {uuid.uuid4().hex[:6]}"}, self.senior)
            question = QuestionDef(name="lit", kind="text", label={"en": "Lit?"})
            survey_editor.save_question(survey, question, self.senior)
            return survey

    def watch_group(self, fresh):
        """The shared group, or a new one (archived for "archived_group") for one request."""
        if fresh not in ("group", "archived_group"):
            return self.group
        group = watch_group(self.senior, name=f"Watch {uuid.uuid4().hex[:6]}")
        if fresh == "archived_group":
            group.archived_at = utcnow()
            db.session.commit()
        return group

    def incident(self, owner):
        with self.app.test_request_context():
            return make_incident(owner, name=f"Parade of {owner.username}")

    def assignment(self, whose):
        """An assignment of the owner's (not on post yet) at a new post of their incident."""
        incident, owner = self.incidents[whose], self.owners[whose]
        with self.app.test_request_context():
            was_deleted = incident.deleted_at
            incident.deleted_at = None
            post = make_post(incident, name=f"Post {uuid.uuid4().hex[:6]}")
            # Only CSOs and Senior CSOs stand at posts: an admin's "own" is A's, which the
            # admin manages like any incident.
            assignee = self.cso_a if owner.role == Role.ADMIN else owner
            made = traffic.assign(post, incident.periods[0], assignee.id)
            if was_deleted:
                incident.deleted_at = was_deleted
                db.session.commit()
            return made

    def task(self, assignee, fresh=None):
        """Work a Senior CSO gave `assignee` (kept, or made anew for `fresh` posts)."""
        if not fresh and assignee.id in self.tasks:
            return self.tasks[assignee.id]
        with self.app.test_request_context():
            made = assignments.assign(
                assignments.Work(
                    "deliver_message",
                    "Deliver the letter",
                    None,
                    "normal",
                    utcnow() + timedelta(hours=2),
                    assignee.id,
                    None,
                ),
                self.senior,
            )
        self.tasks.setdefault(assignee.id, made)
        return made

    def problem(self, owner):
        with self.app.test_request_context():
            made, _created = enforcement.designate(
                client_uuid=uuid.uuid4(),
                content={"title": "Speeding", "until": department_today(), "address": "Oak"},
                author=owner,
            )
            return made

    def blight_cases(self) -> None:
        """A warned blight case of each owner (warned by a trained CSO), and its notice."""
        from cso_field.citations.notices import latest_notice
        from cso_field.citations.services import warn

        with self.app.test_request_context():
            self.violation = codebook_entry("8.24.040")
            trained = UserFactory(self.app).cso(username="cso.trained")
            train(trained, by=self.senior)
            self.cases, self.notices = {}, {}
            for whose, owner in self.owners.items():
                self.cases[whose] = blight_case(owner, [self.violation])
                warn(self.cases[whose], trained)
                self.notices[whose] = latest_notice(self.cases[whose])
        self.delete(self.cases[GONE])

    def canvass(self, owner):
        with self.app.test_request_context():
            return start_canvass(self.survey, "Elm St", owner, uuid.uuid4())[0]

    def note(self, owner, status=Status.SUBMITTED, photo=False) -> FieldNote:
        def attach(note):
            if photo:
                save_photos([FileStorage(io.BytesIO(png()), "photo.png")], note, owner)

        with self.app.test_request_context():
            note, _created = records.create_record(
                FieldNote,
                client_uuid=uuid.uuid4(),
                content={"observation": "Couch on the sidewalk", "address": "1 Main St"},
                author=owner,
                digest="0" * 64,
                status=status,
                attach=attach,
            )
            db.session.commit()
        return note

    def check(self, owner):
        return check_with_token(self.app, created_by_id=owner.id, address="2 Oak St")

    def delete(self, record) -> None:
        record.deleted_at, record.deleted_by_id = utcnow(), self.admin.id
        record.deleted_reason = "Test record"
        db.session.commit()

    def url(self, rule, whose, fresh) -> str:
        values = {}
        for argument in rule.arguments:
            values[argument] = self.value(argument, rule.endpoint, whose, fresh)
        with self.app.test_request_context():
            return url_for(rule.endpoint, **values)

    def missing(self, whose):
        """A juvenile's report of the owner's (for "adult", another CSO's report of an adult at
        risk), with a poster; made on first use."""
        from cso_field.missing_persons.models import ParentNotification, Poster
        from tests.missing_persons.helpers import take

        if not hasattr(self, "reports"):
            self.reports = {}
        if whose not in self.reports:
            owner = self.owners.get(whose, self.cso_b)
            with self.app.test_request_context():
                adult = {"years": 70, "at_risk": ["impaired"]}  # its steps as a child's
                report = take(owner, **(adult if whose == ADULT else {"years": 10}))
            poster = Poster(
                report_id=report.id, language="pa", contact_phone="1", created_by_id=owner.id
            )
            letter = ParentNotification(
                report_id=report.id,
                language="km",
                delivery="mail",
                outcome="delivered",
                contact_phone="1",
                sent_by_id=owner.id,
            )
            db.session.add_all([poster, letter])
            db.session.commit()
            report.poster_id, report.letter_id = poster.id, letter.id
            if whose == GONE:
                self.delete(report)
            self.reports[whose] = report
        return self.reports[whose]

    def value(self, argument, endpoint, whose, fresh):
        if endpoint.startswith("missing_persons."):
            if argument == "kind":
                return "bolo"
            report = self.missing(whose)
            if argument == "notification_id":
                return report.letter_id
            return report.poster_id if argument == "poster_id" else report.id
        owner = self.owners.get(whose)
        if argument == "filename":
            return "css/app.css"
        if argument in ("committee_id", "action_id"):  # a betterment committee's plan
            action = committee_action(self.senior)
            return action.committee_id if argument == "committee_id" else action.id
        if argument == "type_id":  # a call type (cso_field/calls)
            from cso_field.calls.services import create_type

            return create_type(f"Type {uuid.uuid4().hex[:6]}", 30, self.admin).id
        if argument == "passkey_id":  # nobody here has one: removing it changes nothing
            return 1
        if argument == "record_type":
            return "field_note"
        if argument == "name":  # a question of the survey, or an overview section
            return "concerns" if endpoint.startswith("surveys.") else "stale"
        if argument == "user_id":
            return owner.id
        if argument == "kind":
            return "csv"
        if argument == "source":  # an export
            return "special_checks"
        if argument == "profile":
            return "public"
        if argument == "survey_id":
            return self.draft_survey().id if fresh == "draft_survey" else self.survey.id
        if argument == "canvass_id":
            canvass = self.canvass(owner) if fresh else self.canvasses[whose]
            if fresh and whose == GONE:
                self.delete(canvass)
            return canvass.id
        if argument == "group_id":
            return self.watch_group(fresh).id
        if argument == "member_id":
            if fresh == "member":
                return add_to_group(watch_signup(client_address=None), self.group, self.senior).id
            return self.member.id
        if argument == "signup_id":
            return watch_signup(client_address=None).id if fresh else self.signup.id
        if endpoint == "surveys.response":
            return self.responses[whose].id
        if endpoint.startswith("community"):
            return self.community(argument)
        if argument in ("token", "check_id"):
            check, token = self.check(owner) if fresh else (self.checks[whose], self.tokens[whose])
            if fresh and whose == GONE:
                self.delete(check)
            return token if argument == "token" else check.id
        if argument == "incident_id":
            if fresh == "incident":
                incident = self.incident(owner)
                if whose == GONE:
                    self.delete(incident)
                return incident.id
            return self.incidents[whose].id
        if argument == "period_id":
            return self.incidents[whose].periods[0].id
        if argument == "task_id":
            return self.task(self.cso_a if whose == OWN else self.cso_b, fresh).id
        if argument == "assignment_id":
            return (self.assignment(whose) if fresh else self.assignments[whose]).id
        if argument == "problem_id":
            return self.problems[whose].id
        if endpoint.startswith("citations."):
            if argument == "notice_id":
                return self.notices[whose].id
            if argument == "violation_id":
                return self.violation.id
            if argument == "district":  # the cases outside every district
                return "none"
            return self.cases[whose].id
        if endpoint.startswith("custody."):
            if argument == "supply_id":
                return self.supply.id
            item, trip, transfer, mailing, seizure = self.custody[whose or OWN]
            if argument == "transfer_id":
                return transfer.id
            if argument == "mailing_id":
                return mailing.id
            if argument == "which":
                return "first" if "seizure" in endpoint else "giver"
            if "seizure" in endpoint:
                return seizure.id
            return trip.id if "transport" in endpoint else item.id
        if argument == "hold_id":
            hold = RetentionHold(
                record_type="field_note", record_id=self.notes[OWN].id, reason="Appeal"
            )
            db.session.add(hold)
            db.session.commit()
            return hold.id
        if argument == "photo_id":
            return photos_for(self.notes[whose])[0].id
        if endpoint in ("special_checks.visit", "special_checks.edit_visit"):
            return self.visits[whose].id
        if argument == "meeting_id":
            return self.meetings[whose].id
        if fresh:
            note = self.note(owner, Status.DRAFT if fresh == "draft" else Status.SUBMITTED)
            if whose == GONE:
                self.delete(note)
            return note.id
        return self.notes[whose].id


def snapshot():
    """Everything a post could change in a record, account or check."""
    queries = [
        "SELECT count(*) FROM record_version",
        "SELECT count(*) FROM custody_transfer",
        "SELECT id, confirmed_on FROM custody_lab_mailing ORDER BY id",
        "SELECT id, state, deleted_at FROM custody_seizure ORDER BY id",
        "SELECT id, on_hand FROM custody_supply ORDER BY id",
        "SELECT id, closed_at, deleted_at FROM custody_transport ORDER BY id",
        "SELECT count(*) FROM photo",
        "SELECT count(*) FROM check_visit",
        "SELECT count(*) FROM special_check",
        "SELECT id, status, deleted_at FROM field_note ORDER BY id",
        "SELECT id, display_name, role, is_active_account FROM user_account ORDER BY id",
        "SELECT id, end_date, cancelled_at, deleted_at FROM special_check ORDER BY id",
        "SELECT id, closed_at, deleted_at FROM traffic_incident ORDER BY id",
        "SELECT id, on_post_at, relieved_at FROM traffic_assignment ORDER BY id",
        "SELECT count(*) FROM traffic_period",
        "SELECT count(*) FROM traffic_post",
        "SELECT count(*) FROM traffic_activity",
        "SELECT count(*) FROM traffic_equipment",
        "SELECT count(*) FROM designated_problem",
        "SELECT count(*) FROM enforcement_session",
        "SELECT count(*) FROM citation_notice",
        "SELECT count(*) FROM certification",
        "SELECT count(*) FROM certification_type",
        "SELECT count(*) FROM assignment",
        "SELECT id, state, assignee_id, district_id FROM assignment ORDER BY id",
        "SELECT count(*) FROM shift",
        "SELECT id, ended_at FROM shift ORDER BY id",
        "SELECT count(*) FROM team_language",
        "SELECT count(*) FROM team_contact",
        "SELECT count(*) FROM training_session",
        "SELECT id, code_section, titles FROM citation_violation ORDER BY id",
        "SELECT id, state, deleted_at FROM blight_case ORDER BY id",
        "SELECT id, fine_cents, override_cents FROM case_violation ORDER BY id",
        "SELECT count(*) FROM survey_response",
        "SELECT count(*) FROM survey_version",
        "SELECT id, closed_at FROM canvass ORDER BY id",
        "SELECT id, published_at FROM survey ORDER BY id",
        "SELECT version_id, name, position FROM survey_question ORDER BY id",
        "SELECT id, name, area, language, archived_at FROM watch_group ORDER BY id",
        "SELECT count(*) FROM watch_meeting",
        "SELECT count(*) FROM watch_signup",
        "SELECT id, member_id, dismissed_at FROM watch_signup ORDER BY id",
        "SELECT id, is_captain, left_at FROM watch_member ORDER BY id",
        "SELECT key, value FROM setting ORDER BY key",
        "SELECT id, released_at FROM retention_hold ORDER BY id",
        "SELECT id, booked FROM fingerprint_slot ORDER BY id",
        "SELECT id, slot_id, cancelled_at, outcome, assignment_id FROM fingerprint_appointment",
        "SELECT id, delivered_at, assignment_id FROM message_delivery ORDER BY id",
        "SELECT count(*) FROM delivery_attempt",
        "SELECT id, state, deleted_at FROM missing_person ORDER BY id",
        "SELECT id, done_at, record_number FROM missing_person_step ORDER BY id",
        "SELECT count(*) FROM missing_person_searcher",
        "SELECT count(*) FROM missing_person_poster",
        "SELECT count(*) FROM missing_person_distribution",
        "SELECT count(*) FROM missing_person_area",
        "SELECT count(*) FROM missing_person_search_log",
        "SELECT count(*) FROM missing_person_notification",
        "SELECT count(*) FROM handled_call",
        "SELECT count(*) FROM office_log_entry",
        "SELECT id, name, sworn_minutes, retired FROM call_type ORDER BY id",
        "SELECT count(*) FROM nbc_committee",
        "SELECT count(*) FROM nbc_goal",
        "SELECT id, status FROM nbc_action ORDER BY id",
        "SELECT count(*) FROM nbc_meeting",
    ]
    return [db.session.execute(text(query)).all() for query in queries]


def _body(body):
    if body is None:
        return None
    if callable(body):
        return body()
    filled = {}
    for name, value in body.items():
        if value is None and name == "client_uuid":
            value = str(uuid.uuid4())
        elif value == "png":
            value = (io.BytesIO(png()), "photo.png")
        filled[name] = value
    return filled


def _classify(response) -> object:
    status = response.status_code
    if status in (301, 302, 303) and (response.location or "").startswith("/login"):
        return LOGIN
    return OK if status < 400 else status


def _requests(app):
    # Logging out ends the session the rest of the matrix runs in, so it goes last.
    rules = sorted(
        app.url_map.iter_rules(), key=lambda rule: (rule.endpoint == "auth.logout", rule.endpoint)
    )
    for rule in rules:
        spec = SPECS[rule.endpoint]
        for method, body in spec.requests:
            for whose in spec.whose:
                yield rule, spec, method, body, whose


@pytest.mark.parametrize("actor", ACTORS, ids=["anonymous", "cso", "senior_cso", "admin"])
def test_access_matrix_behaviour(make_app, tmp_path, actor):
    app = make_app(PHOTO_STORAGE_DIR=str(tmp_path / "photos"))
    with app.app_context():
        world = World(app, actor)
        client = app.test_client()
        if actor is not None:
            response = client.post(
                "/login", data={"username": world.me.username, "password": PASSWORD}
            )
            assert response.status_code == 302
        problems = []
        for rule, spec, method, body, whose in _requests(app):
            if actor is None and rule.endpoint != "static" and spec.roles != ANYONE:
                expected = LOGIN
            elif actor not in spec.roles:
                expected = 403
            else:
                expected = spec.outcome(actor, whose, method, body)
            url = world.url(rule, whose, spec.fresh if method == "POST" else None)
            before = snapshot() if method == "POST" else None
            response = client.open(
                url,
                method=method,
                data=_body(body),
                content_type="multipart/form-data" if body else None,
            )
            got = _classify(response)
            if got == OK and method == "POST" and snapshot() != before:
                got = CHANGED
            wanted = OK if expected == ANY_OK else expected
            if got != wanted and not (expected == ANY_OK and got == CHANGED):
                problems.append(
                    f"{method} {url} ({rule.endpoint}, {whose}): expected "
                    f"{expected}, got {got} [{response.status_code}]"
                )
        assert not problems, "\n".join(problems)
