"""Hypothesis fuzzing of every route that accepts a POST: whatever arrives, never a 500, and a
stored payload is only ever shown escaped.

Each route starts from a body its form accepts; Hypothesis replaces, repeats or drops fields
with huge strings, control characters, right-to-left overrides, HTML and SQL payloads,
impossible numbers and dates, and files where text is expected. After every accepted post the
pages that show what was stored are opened as an admin (who sees everything, deleted records
too) and searched for the payload in raw form.

A new POST route fails `test_every_post_route_is_fuzzed` until it has an entry in TARGETS.
"""

import io
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pytest
import shapely
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import func, select, update

from cso_field.accounts.forms import EditAccountForm, NewAccountForm
from cso_field.assignments import services as assignments
from cso_field.assignments.forms import AssignmentForm, CompleteForm, ReassignForm
from cso_field.assignments.forms import ButtonForm as AssignButtonForm
from cso_field.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from cso_field.auth.mfa.forms import (
    CodeForm,
    NewPasskeyForm,
    PasskeyForm,
    PolicyForm,
    StepUpForm,
    TotpEnrolForm,
)
from cso_field.auth.mfa.models import Passkey
from cso_field.auth.mfa.services import set_totp_secret
from cso_field.auth.models import UserSession
from cso_field.betterment.forms import ActionForm, CommitteeForm, GoalForm
from cso_field.betterment.forms import MeetingForm as CommitteeMeetingForm
from cso_field.betterment.forms import StatusForm as ActionStatusForm
from cso_field.betterment.models import CommitteeAction
from cso_field.calls.forms import CallForm, CallTypeForm
from cso_field.calls.forms import VisitForm as OfficeVisitForm
from cso_field.calls.models import CallType
from cso_field.calls.services import create_type
from cso_field.certifications import services as certifications
from cso_field.citations.forms import (
    CaseForm,
    CitationForm,
    CitationSettingsForm,
    CorrectionForm,
    OverrideForm,
    PartyForm,
    ReinspectionForm,
    StepForm,
    TrainingForm,
    ViolationForm,
    WarningForm,
)
from cso_field.citations.models import Notice, Violation
from cso_field.community import forms as community_forms
from cso_field.custody import forms as custody_forms
from cso_field.districts.forms import DistrictUploadForm
from cso_field.districts.models import District
from cso_field.districts.services import ParsedDistrict, replace_districts
from cso_field.districts.shifts import start_shift
from cso_field.extensions import db
from cso_field.field_notes.forms import FieldNoteForm, NewFieldNoteForm
from cso_field.missing_persons.forms import (
    AreaForm,
    DeadlineSettingsForm,
    DistributionForm,
    FoundForm,
    NotificationForm,
    PosterForm,
    ReportForm,
    SearcherForm,
    SearchLogForm,
)
from cso_field.missing_persons.forms import StepForm as MissingStepForm
from cso_field.neighborhood_watch.forms import (
    AddToGroupForm,
    ButtonForm,
    GroupForm,
    MeetingForm,
    QuietMonthsForm,
    WatchInterestForm,
    WatchSignupForm,
)
from cso_field.neighborhood_watch.services import add_to_group, record_meeting
from cso_field.records import services as records
from cso_field.records.forms import DeleteForm, ReturnForm
from cso_field.retention.forms import HoldForm, periods_form_class
from cso_field.retention.models import RetentionHold
from cso_field.retention.registry import rules
from cso_field.roles import Role
from cso_field.special_checks.forms import (
    CancelForm,
    CheckRequestForm,
    CheckSettingsForm,
    EndDateForm,
    StaffCheckForm,
    VisitForm,
    VisitNotesForm,
)
from cso_field.special_checks.models import SpecialCheck
from cso_field.surveys import editor
from cso_field.surveys.forms import (
    CanvassForm,
    CloseCanvassForm,
    ContactForm,
    MoveQuestionForm,
    NewSurveyForm,
    QuestionForm,
    RemoveQuestionForm,
    XLSFormUploadForm,
)
from cso_field.surveys.questionnaire import QuestionDef
from cso_field.surveys.services import start_canvass
from cso_field.team.forms import (
    CertificationForm,
    CertificationTypeForm,
    EndShiftForm,
    ProfileForm,
    ShiftForm,
    TrainingSessionForm,
)
from cso_field.timeutil import department_today, utcnow
from cso_field.traffic_posts import services as traffic
from cso_field.traffic_posts.enforcement import designate
from cso_field.traffic_posts.forms import (
    AssignForm,
    CloseForm,
    EntryForm,
    EquipmentForm,
    HandoverForm,
    IncidentForm,
    PeriodForm,
    PostActionForm,
    PostForm,
    ProblemForm,
    SessionForm,
)
from cso_field.traffic_posts.models import TrafficIncident, TrafficPost
from tests.community.records import fuzz_records
from tests.factories import (
    IMG,
    PASSWORD,
    PAYLOADS,
    SCRIPT,
    STOCKTON,
    TOTP_SECRET,
    UserFactory,
    blight_case,
    check_with_token,
    codebook_entry,
    committee_action,
    door_survey,
    door_xlsform,
    make_incident,
    make_post,
    party_data,
    png,
    post_note,
    raw_payload_in,
    request_data,
    totp_code,
    train,
    visit,
    watch_group,
    watch_signup,
)

# Hypothesis keeps caches in .hypothesis/ of the working tree; keep them out of it.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="cso-hypothesis-"))

# CI runs each route's own budget; CSO_FUZZ_SCALE=10 digs ten times deeper locally.
SCALE = int(os.environ.get("CSO_FUZZ_SCALE", "1"))

# -- What Hypothesis sends ---------------------------------------------------------------------

NASTY = [
    *PAYLOADS,
    "<svg onload=alert(1)>",
    "{{ 7*7 }}",
    "' OR 1=1 --",
    "'; DROP TABLE field_notes; --",
    "1; SELECT pg_sleep(10)",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "91",
    "-181",
    "-0",
    "0",
    "1e-400",
    "1e25",
    "1e300",
    "9" * 400,
    "0x10",
    "2026-02-30",
    "0000-00-00",
    "99999-01-01",
    "2026-13-01",
    "-2026-01-01",
    "\u202eevil\u202c",
    "\u202e<script>alert(1)</script>",
    "a\x00b",
    "\x1b[31m",
    "\x7f\x85\x9f",
    "\r\n\r\n",
    "",
    " ",
    "\ufeff",
    "99999999999999999999",
    "-1",
    "[]",
    "{}",
    "null",
    "../../etc/passwd",
    # Redirect targets (`next`) that would split a header or leave the site.
    "/menu\nenv;",
    "/today\r\nX: y",
    "/\\evil.example",
    "//evil.example",
    "%00",
    "%s%s%s%n",
]

_HUGE_UNITS = ["x", SCRIPT, "\u202e", "é", "\x00", "9", " "]

huge_text = st.builds(
    lambda unit, length: (unit * (length // len(unit) + 1))[:length],
    st.sampled_from(_HUGE_UNITS),
    st.integers(min_value=1_000, max_value=20_000),
)
control_text = st.text(st.characters(categories=["Cc"]), min_size=1, max_size=8)
any_text = st.text(st.characters(codec="utf-8"), max_size=40)
numbers = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
text_value = st.one_of(
    st.sampled_from(NASTY), huge_text, control_text, any_text, numbers, st.sampled_from(PAYLOADS)
)
FILENAMES = ["photo.jpg", "photo.png", "x.geojson", "../../etc/passwd", f"{SCRIPT}.jpg", "a" * 300]
upload = st.builds(
    lambda content, name: (io.BytesIO(content), name),
    st.one_of(st.binary(max_size=3_000), st.just(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)),
    st.sampled_from(FILENAMES),
)
MISSING = object()
field_value = st.one_of(
    st.just(MISSING),
    text_value,
    st.lists(text_value, min_size=2, max_size=3),  # the field repeated
    upload,  # a file where text is expected
)

json_scalar = st.one_of(
    text_value, st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()
)
json_value = st.one_of(
    json_scalar,
    st.lists(json_scalar, max_size=3),
    st.dictionaries(st.text(max_size=5), json_scalar, max_size=2),
)
json_not_an_object = st.one_of(json_scalar, st.lists(json_value, max_size=3))

# -- The routes --------------------------------------------------------------------------------


@dataclass
class Target:
    role: Role | None  # who posts; None is anonymous
    url: Callable  # (Fuzz) -> path; may make a fresh record to act on
    forms: tuple = ()  # (form class, prefix)
    extra: tuple = ()  # fields outside the form class: uploads, `next`
    valid: Callable = lambda fuzz: {}  # a body the route accepts
    shows: Callable = lambda fuzz: []  # pages showing what an accepted post stored
    examples: int = 30
    query: tuple = ("",)  # query strings to try, e.g. ?lang=
    fresh_client: bool = False  # log in anew each example (the post ends the session)


def _today(days=0) -> str:
    return (department_today() + timedelta(days=days)).isoformat()


def _local(days=0, minutes=0) -> str:
    """A department date and time as a datetime-local input sends it."""
    return (
        datetime.combine(department_today(), time(12)) + timedelta(days=days, minutes=minutes)
    ).strftime("%Y-%m-%dT%H:%M")


def _check_request_valid(fuzz):
    return request_data(requester_name=IMG, instructions=SCRIPT, vehicles=SCRIPT)


def _staff_check_valid(fuzz):
    return {
        **request_data(requester_name=IMG, instructions=SCRIPT),
        "start_date": _today(),
        "kind": "business",
        "source": "phone",
        "description": SCRIPT,
    }


def _latest_check_pages(fuzz):
    latest = db.session.scalar(select(func.max(SpecialCheck.id)))
    return ["/checks/", "/checks/overview", "/search/?q=alert"] + (
        [f"/checks/{latest}"] if latest else []
    )


def _geojson():
    square = [[[-121.3, 37.9], [-121.2, 37.9], [-121.2, 38.0], [-121.3, 38.0], [-121.3, 37.9]]]
    feature = {
        "type": "Feature",
        "properties": {"name": SCRIPT},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    return (io.BytesIO(body), "districts.geojson")


def _case_pages(fuzz):
    return [f"/citations/{fuzz.case_id}", "/citations/", "/citations/reinspections", "/today"]


def _new_case_valid(fuzz):
    return {
        "client_uuid": str(uuid.uuid4()),
        "address": IMG,
        "observation": SCRIPT,
        "violations": str(fuzz.violation_id()),
        "party_kind": "owner",
        "party_name": SCRIPT,
        "mailing_address": IMG,
        "language": "es",
        **STOCKTON,
    }


def _party_valid():
    return {
        "party_name": IMG,
        "mailing_address": SCRIPT,
        "language": "km",
        "party_kind": "occupant",
        "notice_details": SCRIPT,
    }


def _notice_pages(fuzz):
    ids = db.session.scalars(select(Notice.id).where(Notice.case_id == fuzz.case_id)).all()
    return [f"/citations/notices/{notice_id}" for notice_id in ids]


def _violation_valid(fuzz):
    return {
        "code_section": f"F-{uuid.uuid4().hex[:8]}",
        "schedule": "general",
        "lookback_days": "365",
        "correction_days": "14",
        "title_en": SCRIPT,
        "description_en": IMG,
        "title_km": SCRIPT,
        "active": "y",
    }


TARGETS: dict[str, Target] = {
    "auth.login": Target(
        None,
        lambda fuzz: "/login",
        forms=((LoginForm, None),),
        valid=lambda fuzz: {"username": "fuzz.login", "password": "not the password"},
        query=("", "?next=//evil.example", f"?next=/{SCRIPT}", "?next=/today%0AX:%20y"),
    ),
    "auth.set_language": Target(
        None,
        lambda fuzz: "/language",
        forms=((LanguageForm, None),),
        extra=("next",),
        valid=lambda fuzz: {"locale": "es", "next": "/today"},
    ),
    "auth.logout": Target(
        Role.CSO, lambda fuzz: "/logout", extra=("next",), examples=4, fresh_client=True
    ),
    "auth.change_password": Target(
        Role.CSO,
        lambda fuzz: "/account/password",
        forms=((ChangePasswordForm, None),),
        valid=lambda fuzz: {
            "current_password": PASSWORD,
            "new_password": "another long passphrase",
            "confirm_password": "another long passphrase",
        },
        examples=15,
    ),
    "accounts.unlock_account": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/accounts/{fuzz.user('other').id}/unlock",
        extra=("next",),
        shows=lambda fuzz: ["/accounts/"],
        examples=10,
    ),
    "accounts.new": Target(
        Role.ADMIN,
        lambda fuzz: "/accounts/new",
        forms=((NewAccountForm, None),),
        valid=lambda fuzz: {
            "username": f"fuzz.{uuid.uuid4().hex[:12]}",
            "display_name": SCRIPT,
            "role": "cso",
            "password": PASSWORD,
        },
        shows=lambda fuzz: ["/accounts/", "/audit/"],
        examples=15,
    ),
    "accounts.edit": Target(
        Role.ADMIN,
        lambda fuzz: f"/accounts/{fuzz.user('other').id}/edit",
        forms=((EditAccountForm, None),),
        valid=lambda fuzz: {"display_name": IMG, "role": "cso", "is_active_account": "y"},
        shows=lambda fuzz: ["/accounts/", f"/accounts/{fuzz.user('other').id}/edit", "/audit/"],
        examples=15,
    ),
    "districts.index": Target(
        Role.ADMIN,
        lambda fuzz: "/districts/",
        forms=((DistrictUploadForm, None),),
        valid=lambda fuzz: {"geojson": _geojson()},
        shows=lambda fuzz: ["/districts/", "/notes/", "/checks/"],
        examples=15,
    ),
    "field_notes.new": Target(
        Role.CSO,
        lambda fuzz: "/notes/new",
        forms=((NewFieldNoteForm, None),),
        extra=("photos",),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "observation": SCRIPT,
            "address": IMG,
            "submit": "1",
            **STOCKTON,
        },
        shows=lambda fuzz: ["/notes/", "/today", "/search/?q=alert"],
        examples=30,
    ),
    "field_notes.edit": Target(
        Role.CSO,
        lambda fuzz: f"/notes/{fuzz.own_note()}/edit",
        forms=((FieldNoteForm, None),),
        valid=lambda fuzz: {"observation": SCRIPT, "address": IMG, **STOCKTON},
        shows=lambda fuzz: ["/notes/"],
    ),
    "records.submit": Target(
        Role.CSO,
        lambda fuzz: f"/records/field_note/{fuzz.own_note(draft=True)}/submit",
        extra=("next",),
        examples=8,
    ),
    "records.delete": Target(
        Role.CSO,
        lambda fuzz: f"/records/field_note/{fuzz.own_note()}/delete",
        forms=((DeleteForm, None),),
        valid=lambda fuzz: {"reason": SCRIPT},
        shows=lambda fuzz: [f"/notes/{fuzz.last_note}", "/audit/"],
        examples=15,
    ),
    "photos.add": Target(
        Role.CSO,
        lambda fuzz: f"/records/field_note/{fuzz.own_note()}/photos",
        extra=("photos",),
        valid=lambda fuzz: {"photos": (io.BytesIO(png()), f"{SCRIPT}.png")},
        shows=lambda fuzz: [f"/notes/{fuzz.last_note}"],
        examples=15,
    ),
    "records.approve": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/records/field_note/{fuzz.others_note()}/approve",
        extra=("next",),
        examples=8,
    ),
    "records.return_for_changes": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/records/field_note/{fuzz.others_note()}/return",
        forms=((ReturnForm, None),),
        valid=lambda fuzz: {"comment": SCRIPT},
        shows=lambda fuzz: [f"/notes/{fuzz.last_note}"],
        examples=15,
    ),
    "special_checks_public.request_form": Target(
        None,
        lambda fuzz: "/check-request/",
        forms=((CheckRequestForm, None),),
        valid=_check_request_valid,
        shows=_latest_check_pages,
        examples=30,
        query=(
            "",
            "?lang=es",
            "?lang=vi",
            "?lang=km",
            "?lang=hmn",
            "?lang=tl",
            "?lang=pa",
            "?lang=xx",
            f"?lang={SCRIPT}",
            "?lang=%E2%80%AE",
        ),
    ),
    "special_checks_public.manage": Target(
        None,
        lambda fuzz: f"/check-request/manage/{fuzz.manage_token()}",
        forms=((EndDateForm, "end"), (CancelForm, "cancel")),
        valid=lambda fuzz: {"end-end_date": _today(20), "end-submit": "1"},
        shows=lambda fuzz: [f"/check-request/manage/{fuzz.token}", *_latest_check_pages(fuzz)],
        examples=25,
        query=("", "?lang=es", "?lang=km", f"?lang={SCRIPT}"),
    ),
    "special_checks.new": Target(
        Role.CSO,
        lambda fuzz: "/checks/new",
        forms=((StaffCheckForm, None),),
        valid=_staff_check_valid,
        shows=_latest_check_pages,
        examples=25,
    ),
    "special_checks.settings": Target(
        Role.ADMIN,
        lambda fuzz: "/checks/settings",
        forms=((CheckSettingsForm, None),),
        valid=lambda fuzz: {
            "check_min_lead_days": "1",
            "check_max_length_days": "60",
            "check_stale_after_days": "3",
        },
        shows=lambda fuzz: ["/checks/settings", "/audit/"],
        examples=15,
    ),
    "special_checks.record_visit": Target(
        Role.CSO,
        lambda fuzz: f"/checks/{fuzz.active_check()}/visits",
        forms=((VisitForm, None),),
        extra=("photos",),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "outcome": "suspicious",
            "notes": SCRIPT,
            **STOCKTON,
        },
        shows=lambda fuzz: [f"/checks/{fuzz.check_id}", "/checks/overview", "/today"],
        examples=30,
    ),
    "traffic_posts.new": Target(
        Role.CSO,
        lambda fuzz: "/traffic/new",
        forms=((IncidentForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "kind": "parade",
            "name": SCRIPT,
            "address": IMG,
            "requested_by": SCRIPT,
            "starts_at": _local(1),
            "in_charge_id": str(fuzz.user(Role.CSO.value, Role.CSO).id),
            **STOCKTON,
        },
        shows=lambda fuzz: ["/traffic/", "/today"],
        examples=20,
    ),
    "traffic_posts.add_period": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/traffic/{fuzz.incident()}/periods",
        forms=((PeriodForm, None),),
        valid=lambda fuzz: {"starts_at": _local(1), "ends_at": _local(2)},
        shows=lambda fuzz: fuzz.traffic_pages(),
        examples=15,
    ),
    "traffic_posts.add_post": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/traffic/{fuzz.incident()}/posts",
        forms=((PostForm, None),),
        valid=lambda fuzz: {
            "name": SCRIPT,
            "role": "perimeter",
            "instructions": IMG,
            "address": SCRIPT,
            **STOCKTON,
        },
        shows=lambda fuzz: fuzz.traffic_pages(),
        examples=15,
    ),
    "traffic_posts.assign": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/traffic/{fuzz.incident()}/assignments",
        forms=((AssignForm, None),),
        extra=("post_id",),
        valid=lambda fuzz: {
            "post_id": str(fuzz.post_id),
            "user_id": str(fuzz.users.cso().id),
            "period_id": str(fuzz.period()),
        },
        shows=lambda fuzz: fuzz.traffic_pages(),
        examples=15,
    ),
    "traffic_posts.equipment": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/traffic/{fuzz.incident()}/equipment",
        forms=((EquipmentForm, None),),
        extra=("post_id",),
        valid=lambda fuzz: {
            "post_id": str(fuzz.post_id),
            "item": "cones",
            "deployed": "9",
            "recovered": "4",
        },
        shows=lambda fuzz: fuzz.traffic_pages(),
        examples=15,
    ),
    "traffic_posts.close": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/traffic/{fuzz.incident(fresh=True)}/close",
        forms=((CloseForm, None),),
        examples=8,
    ),
    "traffic_posts.on_post": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/traffic/assignments/{fuzz.assignment()}/on-post",
        forms=((PostActionForm, None),),
        extra=("next",),
        valid=lambda fuzz: {"at": "", "next": "/today", **STOCKTON},
        shows=lambda fuzz: fuzz.traffic_pages(),
        examples=15,
    ),
    "traffic_posts.relieve": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/traffic/assignments/{fuzz.assignment(on_post=True)}/relieve",
        forms=((PostActionForm, None),),
        extra=("next",),
        valid=lambda fuzz: {"address": SCRIPT, **STOCKTON},
        shows=lambda fuzz: fuzz.traffic_pages(),
        examples=15,
    ),
    "traffic_posts.hand_over": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/traffic/assignments/{fuzz.assignment(on_post=True)}/handover",
        forms=((HandoverForm, None),),
        extra=("next",),
        valid=lambda fuzz: {"to_user_id": str(fuzz.users.cso().id), **STOCKTON},
        shows=lambda fuzz: fuzz.traffic_pages(),
        examples=15,
    ),
    "traffic_posts.add_entry": Target(
        Role.CSO,
        lambda fuzz: f"/traffic/{fuzz.incident()}/entries",
        forms=((EntryForm, None),),
        valid=lambda fuzz: {"text": SCRIPT, "post_id": str(fuzz.post_id), "at": ""},
        # (The CSV download is text/csv, an attachment: text in it is data, not markup.)
        shows=lambda fuzz: fuzz.traffic_pages(),
        examples=20,
    ),
    "traffic_posts.new_problem": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/traffic/problems/new",
        forms=((ProblemForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "title": SCRIPT,
            "description": IMG,
            "until": _today(5),
            "address": SCRIPT,
        },
        shows=lambda fuzz: ["/traffic/problems/"],
        examples=15,
    ),
    "traffic_posts.record_session": Target(
        Role.CSO,
        lambda fuzz: f"/traffic/problems/{fuzz.problem()}/sessions",
        forms=((SessionForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "officer_name": IMG,
            "badge_number": "4417",
            "started_at": _local(-1),
            "ended_at": _local(-1, minutes=90),
            "contacts": "3",
            "warnings": "1",
            "referrals": "0",
            "notes": SCRIPT,
        },
        shows=lambda fuzz: [f"/traffic/problems/{fuzz.problem_id}"],
        examples=20,
    ),
    "citations.new": Target(
        Role.CSO,
        lambda fuzz: "/citations/new",
        forms=((CaseForm, None),),
        extra=("photos",),
        valid=_new_case_valid,
        shows=lambda fuzz: ["/citations/", "/today", "/search/?q=alert"],
        examples=20,
    ),
    "citations.warning": Target(
        Role.CSO,
        lambda fuzz: f"/citations/{fuzz.blight_case('observed')}/warning",
        forms=((WarningForm, None),),
        valid=lambda fuzz: {"correction_due": _today(10)},
        shows=_case_pages,
        examples=8,
    ),
    "citations.reinspection": Target(
        Role.CSO,
        lambda fuzz: f"/citations/{fuzz.blight_case('warned')}/reinspection",
        forms=((ReinspectionForm, None),),
        extra=("photos",),
        valid=lambda fuzz: {"outcome": "not_corrected", "notes": SCRIPT},
        shows=_case_pages,
        examples=8,
    ),
    "citations.citation": Target(
        Role.CSO,
        lambda fuzz: f"/citations/{fuzz.blight_case('not_corrected')}/citation",
        forms=((CitationForm, None),),
        valid=lambda fuzz: {"violations": str(fuzz.violation_id())},
        shows=_case_pages,
        examples=8,
    ),
    "citations.override": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/citations/{fuzz.blight_case('cited')}/override",
        forms=((OverrideForm, None),),
        valid=lambda fuzz: {"item": str(fuzz.case_item), "amount": "150", "reason": SCRIPT},
        shows=_case_pages,
        examples=8,
    ),
    "citations.step": Target(
        Role.CSO,
        lambda fuzz: f"/citations/{fuzz.blight_case('cited')}/steps",
        forms=((StepForm, None),),
        valid=lambda fuzz: {"action": "paid", "on": _today(), "note": SCRIPT},
        shows=_case_pages,
        examples=8,
    ),
    "citations.party": Target(
        Role.CSO,
        lambda fuzz: f"/citations/{fuzz.blight_case('observed')}/party",
        forms=((PartyForm, None),),
        valid=lambda fuzz: _party_valid(),
        shows=_case_pages,
        examples=8,
    ),
    "citations.correction": Target(
        Role.CSO,
        lambda fuzz: f"/citations/{fuzz.blight_case('cited')}/correction",
        forms=((CorrectionForm, None),),
        valid=lambda fuzz: {**_party_valid(), "reason": SCRIPT},
        shows=lambda fuzz: [*_case_pages(fuzz), *_notice_pages(fuzz)],
        examples=8,
    ),
    "citations.codebook_new": Target(
        Role.ADMIN,
        lambda fuzz: "/citations/codebook/new",
        forms=((ViolationForm, None),),
        valid=_violation_valid,
        shows=lambda fuzz: ["/citations/codebook", "/citations/new", "/audit/"],
        examples=15,
    ),
    "citations.codebook_edit": Target(
        Role.ADMIN,
        lambda fuzz: f"/citations/codebook/{fuzz.violation_id()}",
        forms=((ViolationForm, None),),
        valid=_violation_valid,
        shows=lambda fuzz: ["/citations/codebook", f"/citations/codebook/{fuzz.violation_id()}"],
        examples=15,
    ),
    "citations.training": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/citations/training",
        forms=((TrainingForm, None),),
        valid=lambda fuzz: {
            "user": str(fuzz.user("trainee").id),
            "trained_on": _today(-1),
            "note": SCRIPT,
        },
        shows=lambda fuzz: ["/citations/training", "/audit/"],
        examples=15,
    ),
    "citations.settings": Target(
        Role.ADMIN,
        lambda fuzz: "/citations/settings",
        forms=((CitationSettingsForm, None),),
        valid=lambda fuzz: {
            "citation_payment_days": "30",
            "citation_hearing_request_days": "15",
            "citation_appeal_days": "20",
        },
        shows=lambda fuzz: ["/citations/settings", "/audit/"],
        examples=10,
    ),
}


def _door_answers(fuzz) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "outcome": "completed",
        "answers": "1",
        "language": "vi",
        "address": SCRIPT,
        "people": "3",
        "feel_safe": "no",
        "why_unsafe": SCRIPT,
        "concerns": "lighting",
        "moved_in": "2020-05-01",
        "watch:interested": "y",
        "watch:name": SCRIPT,
        "watch:phone": "209-555-0100",
        "watch:language": "km",
    }


def _survey_pages(fuzz) -> list[str]:
    return [f"/surveys/{fuzz.survey().id}", f"/surveys/{fuzz.survey().id}/results", "/surveys/"]


SURVEY_TARGETS = {
    "surveys.import_survey": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/surveys/import",
        forms=((XLSFormUploadForm, None),),
        valid=lambda fuzz: {"xlsform": (io.BytesIO(door_xlsform()), f"{SCRIPT}.xlsx")},
        shows=lambda fuzz: ["/surveys/", "/audit/"],
        examples=10,
    ),
    "surveys.revise": Target(
        Role.ADMIN,
        lambda fuzz: f"/surveys/{fuzz.survey().id}/revise",
        forms=((XLSFormUploadForm, None),),
        valid=lambda fuzz: {"xlsform": (io.BytesIO(door_xlsform()), "door.xlsx")},
        shows=_survey_pages,
        examples=10,
    ),
    "surveys.canvasses": Target(
        Role.CSO,
        lambda fuzz: "/canvass/",
        forms=((CanvassForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "survey": str(fuzz.survey().id),
            "area": SCRIPT,
        },
        shows=lambda fuzz: ["/canvass/", "/today"],
        examples=15,
    ),
    "surveys.contact": Target(
        Role.CSO,
        lambda fuzz: f"/canvass/{fuzz.canvass().id}/contacts",
        forms=((ContactForm, None), (WatchInterestForm, "watch:")),
        extra=(
            "answers",
            "people",
            "feel_safe",
            "why_unsafe",
            "concerns",
            "moved_in",
            "switch_language",
            "photos",
        ),
        valid=_door_answers,
        shows=lambda fuzz: [
            f"/canvass/{fuzz.canvass().id}",
            "/today",
            "/watch/signups",
            *_survey_pages(fuzz),
        ],
        examples=30,
    ),
    "surveys.close": Target(
        Role.CSO,
        lambda fuzz: f"/canvass/{fuzz.canvass(fresh=True).id}/close",
        forms=((CloseCanvassForm, None),),
        examples=6,
    ),
}
TARGETS.update(SURVEY_TARGETS)


def _built_survey_pages(fuzz) -> list[str]:
    survey_id = fuzz.built_survey().id
    return [f"/surveys/{survey_id}/questions", f"/surveys/{survey_id}", "/surveys/"]


def _question_valid(fuzz) -> dict:
    return {
        "kind": "select_one",
        "name": f"q{uuid.uuid4().hex[:8]}",
        "label_en": SCRIPT,
        "label_vi": IMG,
        "hint_es": SCRIPT,
        "choices_en": f"a: {SCRIPT}\nb: {IMG}",
        "choices_km": f"a: {IMG}",
        "required": "y",
        "constraint": ". != 'b'",
        "constraint_message_en": SCRIPT,
    }


EDITOR_TARGETS = {
    "surveys.new_survey": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/surveys/new",
        forms=((NewSurveyForm, None),),
        valid=lambda fuzz: {"title_en": SCRIPT, "title_pa": IMG},
        shows=lambda fuzz: ["/surveys/", "/audit/"],
        examples=10,
    ),
    "surveys.new_question": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/surveys/{fuzz.built_survey().id}/questions/new",
        forms=((QuestionForm, None),),
        valid=_question_valid,
        shows=_built_survey_pages,
        examples=30,
    ),
    "surveys.edit_question": Target(
        Role.ADMIN,
        lambda fuzz: f"/surveys/{fuzz.survey().id}/questions/why_unsafe/edit",
        forms=((QuestionForm, None),),
        valid=lambda fuzz: {
            "kind": "text",
            "name": "why_unsafe",
            "label_en": SCRIPT,
            "relevant_question": "feel_safe",
            "relevant_value": "no",
        },
        shows=_survey_pages,
        examples=20,
    ),
    "surveys.move_question": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/surveys/{fuzz.survey().id}/questions/moved_in/move",
        forms=((MoveQuestionForm, None),),
        valid=lambda fuzz: {"direction": "up"},
        shows=_survey_pages,
        examples=6,
    ),
    "surveys.remove_question": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/surveys/{fuzz.built_survey(fresh=True).id}/questions/only/remove",
        forms=((RemoveQuestionForm, None),),
        shows=lambda fuzz: ["/surveys/"],
        examples=5,
    ),
    "surveys.publish": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/surveys/{fuzz.built_survey(fresh=True).id}/publish",
        forms=((RemoveQuestionForm, None),),
        shows=lambda fuzz: [*_built_survey_pages(fuzz), "/canvass/", "/audit/"],
        examples=5,
    ),
}
TARGETS.update(EDITOR_TARGETS)


def _group_page(fuzz) -> list[str]:
    return [f"/watch/{fuzz.group().id}", "/watch/", "/watch/quiet", "/today"]


def _fresh_group_url(action: str, archived: bool = False) -> Callable:
    """(Fuzz) -> the URL of `action` on a new group (archived when asked) named with a payload."""

    def url(fuzz) -> str:
        group = watch_group(fuzz.user("senior", Role.SENIOR_CSO), name=SCRIPT, area=IMG)
        if archived:
            group.archived_at = utcnow()
            db.session.commit()
        return f"/watch/{group.id}/{action}"

    return url


WATCH_TARGETS = {
    "neighborhood_watch.new_group": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/watch/new",
        forms=((GroupForm, None),),
        valid=lambda fuzz: {"name": SCRIPT, "area": IMG, "district": "0", "language": "pa"},
        shows=lambda fuzz: ["/watch/", "/watch/signups", "/audit/"],
        examples=15,
    ),
    "neighborhood_watch.new_meeting": Target(
        Role.CSO,
        lambda fuzz: f"/watch/{fuzz.group().id}/meetings/new",
        forms=((MeetingForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "held_on": _today(-3),
            "place": SCRIPT,
            "topics": IMG,
            "attendance": "11",
            "materials": SCRIPT,
            "follow_ups": SCRIPT,
        },
        shows=_group_page,
        examples=20,
    ),
    "neighborhood_watch.captain": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/watch/{fuzz.group().id}/members/{fuzz.member().id}/captain",
        forms=((ButtonForm, None),),
        extra=("submit",),
        shows=_group_page,
        examples=5,
    ),
    "neighborhood_watch.remove_member": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/watch/{fuzz.group().id}/members/{fuzz.member().id}/remove",
        forms=((ButtonForm, None),),
        extra=("submit",),
        shows=_group_page,
        examples=5,
    ),
    "neighborhood_watch.edit_group": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/watch/{fuzz.group().id}/edit",
        forms=((GroupForm, None),),
        valid=lambda fuzz: {"name": IMG, "area": SCRIPT, "district": "0", "language": "km"},
        shows=lambda fuzz: [*_group_page(fuzz), "/watch/signups", "/audit/"],
        examples=15,
    ),
    "neighborhood_watch.archive_group": Target(
        Role.SENIOR_CSO,
        _fresh_group_url("archive"),
        forms=((ButtonForm, None),),
        extra=("submit",),
        shows=lambda fuzz: ["/watch/archived", "/watch/", "/audit/"],
        examples=5,
    ),
    "neighborhood_watch.restore_group": Target(
        Role.ADMIN,
        _fresh_group_url("restore", archived=True),
        forms=((ButtonForm, None),),
        extra=("submit",),
        shows=lambda fuzz: ["/watch/", "/watch/archived", "/watch/quiet", "/audit/"],
        examples=5,
    ),
    "neighborhood_watch.add_signup": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/watch/signups/{fuzz.signup().id}/add",
        forms=((AddToGroupForm, None),),
        valid=lambda fuzz: {"group": str(fuzz.group().id), "captain": "y"},
        shows=_group_page,
        examples=15,
    ),
    "neighborhood_watch.dismiss_signup": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/watch/signups/{fuzz.signup().id}/dismiss",
        forms=((ButtonForm, None),),
        extra=("submit",),
        shows=lambda fuzz: ["/watch/signups", "/audit/"],
        examples=5,
    ),
    "neighborhood_watch.quiet_settings": Target(
        Role.ADMIN,
        lambda fuzz: "/watch/quiet/settings",
        forms=((QuietMonthsForm, None),),
        valid=lambda fuzz: {"months": "4"},
        shows=lambda fuzz: ["/watch/quiet", "/audit/"],
        examples=10,
    ),
    "neighborhood_watch_public.sign_up": Target(
        None,
        lambda fuzz: "/neighborhood-watch/",
        forms=((WatchSignupForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "name": IMG,
            "phone": "209-555-0123",
            "email": "",
            "language": "hmn",
            "address": SCRIPT,
            "willing_captain": "y",
            "submit": "1",
        },
        shows=lambda fuzz: ["/watch/signups", "/today"],
        examples=30,
        query=("", "?lang=es", "?lang=vi", "?lang=km", "?lang=hmn", "?lang=tl", "?lang=pa"),
    ),
}
TARGETS.update(WATCH_TARGETS)


def _periods_form(**kwargs):
    return periods_form_class(rules())(**kwargs)


def _hold_url(fuzz) -> str:
    """A fresh hold on a check to release."""
    hold = RetentionHold(record_type="special_check", record_id=fuzz.active_check(), reason="x")
    db.session.add(hold)
    db.session.commit()
    return f"/admin/retention/holds/{hold.id}/release"


RETENTION_TARGETS = {
    "retention.settings": Target(
        Role.ADMIN,
        lambda fuzz: "/admin/retention",
        forms=((_periods_form, None),),
        valid=lambda fuzz: {
            f"days_{rule.name.replace('.', '__')}": str(rule.default_days + 1) for rule in rules()
        },
        shows=lambda fuzz: ["/admin/retention", "/audit/"],
        examples=15,
    ),
    "retention.add_hold": Target(
        Role.ADMIN,
        lambda fuzz: "/admin/retention/holds",
        forms=((HoldForm, None),),
        valid=lambda fuzz: {
            "reference": db.session.get(SpecialCheck, fuzz.active_check()).reference,
            "reason": SCRIPT,
        },
        shows=lambda fuzz: ["/admin/retention", "/audit/"],
        examples=15,
    ),
    "retention.release_hold": Target(
        Role.ADMIN,
        _hold_url,
        extra=("submit",),
        shows=lambda fuzz: ["/admin/retention", "/audit/"],
        examples=5,
    ),
}
TARGETS.update(RETENTION_TARGETS)


def _field_cso(fuzz):
    return fuzz.user(Role.CSO.value, Role.CSO)


def _district(fuzz) -> int:
    """One district, named with a payload: a shift's place and a reassignment's target."""
    if not hasattr(fuzz, "_district_id"):
        with fuzz.app.test_request_context():
            made = replace_districts(
                [ParsedDistrict(SCRIPT, shapely.box(-121.30, 37.94, -121.28, 37.98))]
            )
            db.session.commit()
        fuzz._district_id = made[0].id
    return fuzz._district_id


def _task(fuzz, accepted: bool = False) -> str:
    """A fresh assignment of the fuzzing CSO (accepted when asked); its page's path."""
    senior = fuzz.user(Role.SENIOR_CSO.value, Role.SENIOR_CSO)
    work = assignments.Work(
        "field_note",
        SCRIPT,
        IMG,
        "urgent",
        utcnow() + timedelta(hours=1),
        _field_cso(fuzz).id,
        None,
    )
    with fuzz.app.test_request_context():
        made = assignments.assign(work, senior)
        if accepted:
            assignments.accept(made, _field_cso(fuzz))
    fuzz._task_id = made.id
    return f"/assignments/{made.id}"


def _task_pages(fuzz) -> list[str]:
    return [f"/assignments/{fuzz._task_id}", "/assignments/", "/today", "/audit/"]


def _certification_kind(fuzz) -> int:
    if not hasattr(fuzz, "_kind_id"):
        with fuzz.app.test_request_context():
            kind = certifications.create_type(SCRIPT, fuzz.user(Role.ADMIN.value, Role.ADMIN))
        fuzz._kind_id = kind.id
    return fuzz._kind_id


def _profile_valid(fuzz) -> dict:
    return {
        "lang_km": "native",
        "lang_es": "working",
        "phone": "209-555-0101",
        "call_sign": IMG[:20],
    }


def _profile_pages(fuzz) -> list[str]:
    return [f"/team/people/{_field_cso(fuzz).id}", "/team/roster?language=km", "/team/"]


def _start_shift_url(fuzz) -> str:
    """The fuzzing CSO on shift, so there is a shift to end."""
    district = db.session.get(District, _district(fuzz))
    with fuzz.app.test_request_context():
        start_shift(_field_cso(fuzz), district, _field_cso(fuzz))
    return "/team/shift/end"


WORKSPACE_TARGETS = {
    "assignments.new": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/assignments/new",
        forms=((AssignmentForm, None),),
        valid=lambda fuzz: {
            "kind": "translation",
            "description": SCRIPT,
            "address": IMG,
            "priority": "high",
            "due_on": _today(1),
            "due_time": "14:30",
            "assign_to": f"user:{_field_cso(fuzz).id}",
            "language": "hmn",
        },
        shows=lambda fuzz: ["/assignments/", "/assignments/?show=all", "/today", "/audit/"],
        examples=30,
        query=("", "?kind=translation&language=km", f"?assign_to={SCRIPT}"),
    ),
    "assignments.accept": Target(
        Role.CSO,
        _task,
        forms=((AssignButtonForm, None),),
        shows=_task_pages,
        examples=6,
    ),
    "assignments.complete": Target(
        Role.CSO,
        lambda fuzz: _task(fuzz, accepted=True),
        forms=((CompleteForm, None),),
        valid=lambda fuzz: {"record": str(fuzz.last_note or fuzz.own_note()), "outcome": SCRIPT},
        shows=_task_pages,
        examples=20,
    ),
    "assignments.reassign": Target(
        Role.SENIOR_CSO,
        _task,
        forms=((ReassignForm, None),),
        valid=lambda fuzz: {"assign_to": f"district:{_district(fuzz)}"},
        shows=_task_pages,
        examples=15,
    ),
    "team.my_profile": Target(
        Role.CSO,
        lambda fuzz: "/team/me",
        forms=((ProfileForm, None),),
        valid=_profile_valid,
        shows=_profile_pages,
        examples=20,
    ),
    "team.profile": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/team/people/{_field_cso(fuzz).id}",
        forms=((ProfileForm, None),),
        valid=_profile_valid,
        shows=_profile_pages,
        examples=15,
    ),
    "team.shift": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/team/shift",
        forms=((ShiftForm, None),),
        valid=lambda fuzz: {"person": str(_field_cso(fuzz).id), "district": str(_district(fuzz))},
        shows=lambda fuzz: ["/team/", "/assignments/new", "/audit/"],
        examples=15,
    ),
    "team.end": Target(
        Role.CSO,
        _start_shift_url,
        forms=((EndShiftForm, None),),
        shows=lambda fuzz: ["/team/", "/audit/"],
        examples=5,
    ),
    "team.new_session": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/team/training/new",
        forms=((TrainingSessionForm, None),),
        valid=lambda fuzz: {
            "topic": SCRIPT,
            "held_on": _today(-1),
            "held_time": "09:00",
            "trainer": IMG,
            "place": SCRIPT,
            "attendees": [str(_field_cso(fuzz).id)],
            "notes": IMG,
        },
        shows=lambda fuzz: ["/team/training", "/audit/"],
        examples=20,
    ),
    "team.certifications_of": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/team/people/{_field_cso(fuzz).id}/certifications",
        forms=((CertificationForm, None),),
        valid=lambda fuzz: {
            "kind": str(_certification_kind(fuzz)),
            "earned_on": _today(-30),
            "expires_on": _today(3),
            "note": SCRIPT,
        },
        shows=lambda fuzz: ["/team/training", "/audit/"],
        examples=20,
    ),
    "team.certification_kinds": Target(
        Role.ADMIN,
        lambda fuzz: "/team/certification-kinds",
        forms=((CertificationTypeForm, None),),
        valid=lambda fuzz: {"name": f"{IMG} {uuid.uuid4().hex[:8]}"},
        shows=lambda fuzz: ["/team/certification-kinds", "/audit/"],
        examples=15,
    ),
}
TARGETS.update(WORKSPACE_TARGETS)


def _with_code(fuzz, role: Role = Role.CSO):
    """The role's fuzzing user, with the authenticator key of tests.factories (totp=True)."""
    user = fuzz.user(role.value, role)
    if user.totp_secret is None:
        set_totp_secret(user, TOTP_SECRET)
        db.session.commit()
    return user


def _proved(fuzz, role: Role = Role.CSO):
    """The role's user proved their second factor just now (step-up lets them through)."""
    user = _with_code(fuzz, role)
    db.session.execute(
        update(UserSession).where(UserSession.user_id == user.id).values(second_factor_at=utcnow())
    )
    db.session.commit()
    return user


def _passkey_url(fuzz) -> str:
    """A fresh passkey of the fuzzing CSO, named with a payload, to remove."""
    key = Passkey(
        user_id=fuzz.user(Role.CSO.value, Role.CSO).id,
        credential_id=uuid.uuid4().hex,
        public_key=b"not a key",
        name=SCRIPT[:60],
    )
    db.session.add(key)
    db.session.commit()
    return f"/account/second-factor/passkeys/{key.id}/delete"


# The sign-in's second step: a fresh client signs in with the password of a user who has a
# code (from the second example on), so the post finds the half-done sign-in.
MFA_TARGETS = {
    "mfa.verify": Target(
        Role.CSO,
        lambda fuzz: "/login/verify",
        forms=((CodeForm, None),),
        valid=lambda fuzz: {"code": totp_code(_with_code(fuzz)), "trust": "y"},
        examples=15,
        fresh_client=True,
    ),
    "mfa.passkey_options": Target(
        Role.CSO,
        lambda fuzz: _with_code(fuzz) and "/login/passkey/options",
        extra=("submit",),
        examples=5,
        fresh_client=True,
    ),
    "mfa.passkey_sign_in": Target(
        Role.CSO,
        lambda fuzz: _with_code(fuzz) and "/login/passkey",
        forms=((PasskeyForm, None),),
        valid=lambda fuzz: {"credential": "{}", "next": "/today"},
        examples=15,
        fresh_client=True,
    ),
    "mfa.enrol_app": Target(
        Role.CSO,
        lambda fuzz: _proved(fuzz) and "/second-factor/app",
        forms=((TotpEnrolForm, None),),
        valid=lambda fuzz: {"secret": TOTP_SECRET, "code": totp_code(TOTP_SECRET)},
        shows=lambda fuzz: ["/account/second-factor", "/audit/"],
        examples=15,
    ),
    "mfa.new_passkey_options": Target(
        Role.CSO, lambda fuzz: "/second-factor/passkey/options", extra=("submit",), examples=5
    ),
    "mfa.enrol_passkey": Target(
        Role.CSO,
        lambda fuzz: _proved(fuzz) and "/second-factor/passkey",
        forms=((NewPasskeyForm, None),),
        valid=lambda fuzz: {"credential": "{}", "name": SCRIPT[:60]},
        shows=lambda fuzz: ["/account/second-factor", "/audit/"],
        examples=15,
    ),
    "mfa.remove_passkey": Target(
        Role.CSO,
        _passkey_url,
        extra=("submit",),
        shows=lambda fuzz: ["/account/second-factor", "/audit/"],
        examples=5,
    ),
    "mfa.new_recovery_codes": Target(
        Role.CSO,
        lambda fuzz: _proved(fuzz) and "/account/second-factor/recovery-codes",
        extra=("submit",),
        examples=5,
    ),
    "mfa.step_up": Target(
        Role.CSO,
        lambda fuzz: "/account/confirm",
        forms=((StepUpForm, None),),
        valid=lambda fuzz: {"code": totp_code(_with_code(fuzz)), "next": "/today"},
        query=("", "?next=//evil.example", f"?next=/{SCRIPT}"),
        examples=15,
    ),
    "mfa.step_up_options": Target(
        Role.CSO,
        lambda fuzz: _with_code(fuzz) and "/account/confirm/passkey/options",
        extra=("submit",),
        examples=5,
    ),
    "mfa.step_up_passkey": Target(
        Role.CSO,
        lambda fuzz: _with_code(fuzz) and "/account/confirm/passkey",
        forms=((PasskeyForm, None),),
        valid=lambda fuzz: {"credential": "{}", "next": "/today"},
        examples=15,
    ),
    "mfa.policy": Target(
        Role.ADMIN,
        lambda fuzz: "/accounts/second-factor-policy",
        forms=((PolicyForm, None),),
        valid=lambda fuzz: {"roles": ["senior_cso"], "cso_from": _today(30), "passkey_alone": "y"},
        shows=lambda fuzz: ["/accounts/second-factor-policy", "/accounts/", "/audit/"],
        examples=15,
    ),
    "accounts.reset_factor": Target(
        Role.SENIOR_CSO,
        lambda fuzz: (
            _proved(fuzz, Role.SENIOR_CSO)
            and f"/accounts/{_with_code(fuzz, Role.CSO).id}/second-factor/reset"
        ),
        extra=("submit",),
        shows=lambda fuzz: ["/accounts/", "/audit/"],
        examples=5,
    ),
}
TARGETS.update(MFA_TARGETS)

# A returned record's correction by its author: a meeting, a check visit's notes.
REVIEW_TARGETS = {
    "neighborhood_watch.edit_meeting": Target(
        Role.CSO,
        lambda fuzz: f"/watch/meetings/{fuzz.own_meeting()}/edit",
        forms=((MeetingForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "held_on": _today(-2),
            "place": SCRIPT,
            "topics": IMG,
            "attendance": "9",
            "follow_ups": SCRIPT,
        },
        shows=lambda fuzz: [f"/watch/meetings/{fuzz.own_meeting()}", "/records/mine"],
        examples=10,
    ),
    "special_checks.edit_visit": Target(
        Role.CSO,
        lambda fuzz: f"/checks/visits/{fuzz.returned_visit()}/edit",
        forms=((VisitNotesForm, None),),
        valid=lambda fuzz: {"notes": SCRIPT},
        shows=lambda fuzz: [f"/checks/visits/{fuzz.returned_visit()}", "/today"],
        examples=10,
    ),
}
TARGETS.update(REVIEW_TARGETS)


def _community_pages(fuzz):
    found = fuzz_records(fuzz)
    return [
        "/community/?view=week&day=" + _today(3),
        f"/community/appointments/{found['appointment_id']}",
        f"/community/messages/{found['message_id']}",
        "/community/messages/",
    ]


def _booking_valid(fuzz):
    slot = fuzz_records(fuzz)["slots"][0]
    return {
        "client_uuid": str(uuid.uuid4()),
        "slot": str(slot),
        "method": "ink_card",
        "purpose": "other",
        "name": IMG,
        "phone": "209-555-0101",
        "email": "fuzz@example.com",
        "language": "km",
        "submit": "1",
    }


def _message_valid(fuzz):
    return {
        "client_uuid": str(uuid.uuid4()),
        "recipient": IMG,
        "address": SCRIPT,
        "message": SCRIPT,
        "requested_by": IMG,
        "due_day": _today(3),
        "due_time": "10:00",
    }


TARGETS.update(
    {
        "community_public.book": Target(
            None,
            lambda fuzz: "/fingerprinting/",
            forms=((community_forms.BookingForm, None),),
            valid=_booking_valid,
            shows=_community_pages,
            examples=20,
            query=("", "?lang=vi", "?lang=km", "?lang=hmn", f"?lang={SCRIPT}"),
        ),
        "community_public.manage": Target(
            None,
            lambda fuzz: f"/fingerprinting/manage/{fuzz_records(fuzz)['token']}",
            forms=((community_forms.MoveForm, "move"), (community_forms.CancelForm, "cancel")),
            valid=lambda fuzz: {
                "move-slot": str(fuzz_records(fuzz)["slots"][1]),
                "move-submit": "1",
            },
            shows=lambda fuzz: [
                f"/fingerprinting/manage/{fuzz_records(fuzz)['token']}",
                *_community_pages(fuzz),
            ],
            examples=15,
            query=("", "?lang=pa"),
        ),
        "community.new_slots": Target(
            Role.SENIOR_CSO,
            lambda fuzz: "/community/slots/new",
            forms=((community_forms.SlotsForm, None),),
            valid=lambda fuzz: {
                "day": _today(3),
                "start": "09:00",
                "count": "2",
                "minutes": "15",
                "capacity": "2",
                "place": SCRIPT,
            },
            shows=_community_pages,
            examples=15,
        ),
        "community.record_outcome": Target(
            Role.CSO,
            lambda fuzz: f"/community/appointments/{fuzz_records(fuzz)['appointment_id']}/outcome",
            forms=((community_forms.OutcomeForm, None),),
            valid=lambda fuzz: {"outcome": "taken", "prints_count": "2", "print_type": "ink_card"},
            shows=_community_pages,
            examples=10,
        ),
        "community.assign_appointment": Target(
            Role.SENIOR_CSO,
            lambda fuzz: f"/community/appointments/{fuzz_records(fuzz)['appointment_id']}/assign",
            forms=((community_forms.AssignForm, None),),
            valid=lambda fuzz: {"assignee": str(fuzz_records(fuzz)["cso"])},
            shows=_community_pages,
            examples=8,
        ),
        "community.new_message": Target(
            Role.CSO,
            lambda fuzz: "/community/messages/new",
            forms=((community_forms.MessageForm, None),),
            valid=_message_valid,
            shows=_community_pages,
            examples=15,
        ),
        "community.record_attempt": Target(
            Role.CSO,
            lambda fuzz: f"/community/messages/{fuzz_records(fuzz)['message_id']}/attempts",
            forms=((community_forms.AttemptForm, None),),
            valid=lambda fuzz: {"outcome": "nobody_home", "note": SCRIPT},
            shows=_community_pages,
            examples=10,
        ),
        "community.assign_message": Target(
            Role.SENIOR_CSO,
            lambda fuzz: f"/community/messages/{fuzz_records(fuzz)['message_id']}/assign",
            forms=((community_forms.AssignForm, None),),
            valid=lambda fuzz: {"assignee": str(fuzz_records(fuzz)["cso"])},
            shows=_community_pages,
            examples=8,
        ),
    }
)


def _missing_report(fuzz) -> int:
    """A child's report by the fuzzing CSO, with payloads in what its pages show."""
    from tests.missing_persons.helpers import take

    with fuzz.app.test_request_context():
        report = take(fuzz.user("cso"), full_name=SCRIPT, description=IMG, party_name=SCRIPT)
    fuzz.missing_report = report.id
    return report.id


def _missing_poster(fuzz) -> str:
    from cso_field.missing_persons.models import Poster

    report_id = _missing_report(fuzz)
    poster = Poster(
        report_id=report_id, language="km", contact_phone=IMG, created_by_id=fuzz.user("cso").id
    )
    db.session.add(poster)
    db.session.commit()
    return f"/missing/posters/{poster.id}/distribution"


def _missing_pages(fuzz) -> list[str]:
    report = getattr(fuzz, "missing_report", None)
    pages = [f"/missing/{report}", f"/missing/{report}/board"] if report else []
    return ["/missing/", "/today", "/audit/", *pages]


MISSING_TARGETS = {
    "missing_persons.new": Target(
        Role.CSO,
        lambda fuzz: "/missing/new",
        forms=((ReportForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "report_type": "lost",
            "channel": "phone",
            "full_name": SCRIPT,
            "birth_date": "2019-05-06",
            "party_name": IMG,
            "guardian_language": "hmn",
            "at_risk": "medical",
            "publish": "name",
            "last_seen_at": _local(-1),
            "clothing": SCRIPT,
            "address": IMG,
            **STOCKTON,
        },
        shows=_missing_pages,
        examples=10,
    ),
    "missing_persons.close_step": Target(
        Role.CSO,
        lambda fuzz: f"/missing/{_missing_report(fuzz)}/steps/doj_entry",
        forms=((MissingStepForm, None),),
        valid=lambda fuzz: {"record_number": "M-1", "note": SCRIPT, "done_at": _local(-1)},
        shows=_missing_pages,
        examples=5,
    ),
    "missing_persons.found": Target(
        Role.CSO,
        lambda fuzz: f"/missing/{_missing_report(fuzz)}/found",
        forms=((FoundForm, None),),
        valid=lambda fuzz: {"found_place": SCRIPT, "found_notified": IMG},
        shows=_missing_pages,
        examples=5,
    ),
    "missing_persons.add_searcher": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/missing/{_missing_report(fuzz)}/searchers",
        forms=((SearcherForm, None),),
        valid=lambda fuzz: {"user": str(fuzz.user("cso").id)},
        shows=_missing_pages,
        examples=5,
    ),
    "missing_persons.new_poster": Target(
        Role.CSO,
        lambda fuzz: f"/missing/{_missing_report(fuzz)}/posters",
        forms=((PosterForm, None),),
        valid=lambda fuzz: {"language": "pa", "contact_phone": SCRIPT},
        shows=_missing_pages,
        examples=5,
    ),
    "missing_persons.distribute": Target(
        Role.CSO,
        _missing_poster,
        forms=((DistributionForm, None),),
        valid=lambda fuzz: {"agency": SCRIPT, "person": IMG, "channel": "fax"},
        shows=_missing_pages,
        examples=5,
    ),
    "missing_persons.add_area": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/missing/{_missing_report(fuzz)}/areas",
        forms=((AreaForm, None),),
        valid=lambda fuzz: {
            "name": SCRIPT,
            "radius_m": "500",
            "assignee": str(fuzz.user("cso").id),
            **STOCKTON,
        },
        shows=_missing_pages,
        examples=5,
    ),
    "missing_persons.add_log": Target(
        Role.CSO,
        lambda fuzz: f"/missing/{_missing_report(fuzz)}/logs",
        forms=((SearchLogForm, None),),
        valid=lambda fuzz: {
            "area": "",
            "started_at": _local(-1),
            "places_checked": SCRIPT,
            "people_contacted": IMG,
        },
        shows=_missing_pages,
        examples=5,
    ),
    "missing_persons.notify": Target(
        Role.CSO,
        lambda fuzz: f"/missing/{_missing_report(fuzz)}/notifications",
        forms=((NotificationForm, None),),
        valid=lambda fuzz: {
            "language": "km",
            "contact_phone": SCRIPT,
            "delivery": "mail",
            "outcome": "refused",
            "follow_up_on": _today(3),
            "note": IMG,
        },
        shows=_missing_pages,
        examples=5,
    ),
    "missing_persons.settings": Target(
        Role.ADMIN,
        lambda fuzz: "/missing/settings",
        forms=((DeadlineSettingsForm, None),),
        valid=lambda fuzz: {
            "bolo": "15",
            "doj_entry": "120",
            "mups_removal": "60",
            "agency_notice": "1440",
            "under_age": "21",
            "warning": "30",
        },
        shows=lambda fuzz: ["/missing/settings", "/audit/"],
        examples=5,
    ),
}
TARGETS.update(MISSING_TARGETS)
# -- Chain of custody: an item of the CSO's for each hand-over, a trip with one not delivered --


def _custody_item(fuzz, kind="evidence", reference=True):
    """A fresh item the fuzzing CSO holds; its reference (or its id)."""
    from cso_field.custody import services as custody

    with fuzz.app.test_request_context():
        item, _created = custody.create_item(
            {
                "kind": kind,
                "description": SCRIPT,
                "case_number": "26-1",
                "seal_number": "S-1",
                "condition": IMG,
                "collected_at": utcnow() - timedelta(hours=1),
                "collected_place": SCRIPT,
                "source_name": IMG,
            },
            client_uuid=uuid.uuid4(),
            author=fuzz.user(Role.CSO.value),
            uploads=[],
        )
        return item.reference if reference else item.id


def _custody_mailing(fuzz) -> str:
    from cso_field.custody import services as custody
    from cso_field.custody.models import CustodyItem

    item = db.session.get(CustodyItem, _custody_item(fuzz, "lab_sample", reference=False))
    with fuzz.app.test_request_context():
        mailing = custody.mail_sample(
            item,
            {
                "carrier": IMG,
                "tracking_number": "1Z",
                "laboratory": SCRIPT,
                "mailed_on": department_today(),
            },
            fuzz.user(Role.CSO.value),
        )
        return f"/custody/mailings/{mailing.id}/receipt"


def _handover_valid(fuzz):
    from cso_field.custody.demo import signature_png

    return {
        "items": _custody_item(fuzz),
        "giver_kind": "person",
        "giver_name": fuzz.user(Role.CSO.value).display_name,
        "receiver_kind": "agency",
        "receiver_name": IMG,
        "receiver_address": SCRIPT,
        "place": SCRIPT,
        "purpose": IMG,
        "seal_intact": "y",
        "seal_seen": "S-1",
        "condition": SCRIPT,
        "notes": IMG,
        "giver_signed_name": SCRIPT,
        "receiver_signed_name": IMG,
        "giver_signature": signature_png(1),
        "receiver_signature": signature_png(2),
    }


def _custody_trip(fuzz) -> str:
    from cso_field.custody import services as custody

    number = _custody_item(fuzz)
    with fuzz.app.test_request_context():
        trip, _created = custody.create_transport(
            {"vehicle": IMG, "destination_agency": SCRIPT, "destination_address": IMG},
            [number],
            client_uuid=uuid.uuid4(),
            author=fuzz.user(Role.CSO.value),
        )
        return f"/custody/transports/{trip.id}"


CUSTODY_TARGETS = {
    "custody.new_item": Target(
        Role.CSO,
        lambda fuzz: "/custody/new",
        forms=((custody_forms.ItemForm, None),),
        extra=("photos",),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "kind": "narcotics",
            "description": SCRIPT,
            "case_number": IMG[:40],
            "seal_number": "S-9",
            "condition": SCRIPT,
            "collected_at": _local(-1),
            "collected_place": IMG,
            "source_name": SCRIPT,
        },
        shows=lambda fuzz: ["/custody/", "/search/?q=alert"],
        examples=15,
    ),
    "custody.handover": Target(
        Role.CSO,
        lambda fuzz: "/custody/handover",
        forms=((custody_forms.HandoverForm, None),),
        valid=_handover_valid,
        examples=15,
    ),
    "custody.new_transport": Target(
        Role.CSO,
        lambda fuzz: "/custody/transports/new",
        forms=((custody_forms.TransportForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "items": _custody_item(fuzz),
            "vehicle": IMG[:60],
            "destination_agency": SCRIPT,
            "destination_address": IMG,
        },
        shows=lambda fuzz: ["/custody/transports/"],
        examples=15,
    ),
    "custody.close_transport": Target(
        Role.CSO,
        lambda fuzz: _custody_trip(fuzz) + "/close",
        forms=((custody_forms.CloseTransportForm, None),),
        valid=lambda fuzz: {"lab_receipt_number": SCRIPT, "witness_name": IMG},
        examples=8,
    ),
}
CUSTODY_TARGETS["custody.mail"] = Target(
    Role.CSO,
    lambda fuzz: f"/custody/{_custody_item(fuzz, 'lab_sample', reference=False)}/mail",
    forms=((custody_forms.MailForm, None),),
    valid=lambda fuzz: {
        "carrier": IMG[:60],
        "tracking_number": "9400 1000",
        "laboratory": SCRIPT,
        "mailed_on": _today(),
    },
    shows=lambda fuzz: ["/custody/samples"],
    examples=12,
)
CUSTODY_TARGETS["custody.receipt"] = Target(
    Role.CSO,
    _custody_mailing,
    forms=((custody_forms.ReceiptForm, None),),
    valid=lambda fuzz: {"received_on": _today()},
    examples=8,
)


def _seizure_valid(fuzz):
    from cso_field.custody.demo import signature_png

    return {
        "client_uuid": str(uuid.uuid4()),
        "case_number": "26-7",
        "seized_at": _local(-1),
        "place": SCRIPT,
        "owner_name": IMG,
        "property_items": f"{SCRIPT}, 100\n{IMG}",
        "cash": "1,250.50",
        "second_counter": str(fuzz.user(Role.SENIOR_CSO.value, Role.SENIOR_CSO).id),
        "first_signature": signature_png(1),
        "second_signature": signature_png(2),
    }


def _seizure_url(fuzz) -> str:
    from cso_field.custody import services as custody

    with fuzz.app.test_request_context():
        seizure, _created = custody.record_seizure(
            {
                "case_number": "26-8",
                "place": SCRIPT,
                "owner_name": IMG,
                "property_items": [],
                "seized_at": utcnow(),
            },
            custody.CashCount(0, None, None, None),
            client_uuid=uuid.uuid4(),
            author=fuzz.user(Role.CSO.value),
        )
        return f"/custody/seizures/{seizure.id}/state"


CUSTODY_TARGETS["custody.new_seizure"] = Target(
    Role.CSO,
    lambda fuzz: "/custody/seizures/new",
    forms=((custody_forms.SeizureForm, None),),
    valid=_seizure_valid,
    shows=lambda fuzz: ["/custody/seizures/", "/search/?q=alert"],
    examples=15,
)
CUSTODY_TARGETS["custody.seizure_state"] = Target(
    Role.SENIOR_CSO,
    _seizure_url,
    forms=((custody_forms.SeizureStateForm, None),),
    valid=lambda fuzz: {"state": "held"},
    examples=8,
)


def _supply_url(fuzz) -> str:
    from cso_field.custody import services as custody

    with fuzz.app.test_request_context():
        supply = custody.add_supply(
            {
                "name": f"{SCRIPT[:40]} {uuid.uuid4().hex[:8]}",
                "unit_name": IMG[:40],
                "location": SCRIPT,
                "on_hand": 50,
                "reorder_level": 5,
            },
            fuzz.user(Role.SENIOR_CSO.value, Role.SENIOR_CSO),
        )
        return f"/custody/supplies/{supply.id}/move"


def _movement_valid(fuzz):
    from cso_field.custody.demo import signature_png

    return {
        "kind": "issue",
        "quantity": "2",
        "person_name": SCRIPT,
        "team": "gang",
        "signature": signature_png(1),
    }


CUSTODY_TARGETS["custody.new_supply"] = Target(
    Role.SENIOR_CSO,
    lambda fuzz: "/custody/supplies/new",
    forms=((custody_forms.SupplyForm, None),),
    valid=lambda fuzz: {
        "name": f"{IMG[:60]} {uuid.uuid4().hex[:8]}",
        "unit_name": "boxes",
        "location": SCRIPT,
        "on_hand": "9",
        "reorder_level": "3",
    },
    shows=lambda fuzz: ["/custody/supplies/", "/today"],
    examples=12,
)
CUSTODY_TARGETS["custody.move_supply"] = Target(
    Role.CSO,
    _supply_url,
    forms=((custody_forms.MovementForm, None),),
    valid=_movement_valid,
    examples=12,
)
TARGETS.update(CUSTODY_TARGETS)
# -- Calls and the office log (cso_field/calls) ------------------------------------------------


def _call_type(fuzz):
    """The fuzzing department's one call type, named with a payload."""
    found = db.session.scalar(select(CallType).where(CallType.retired.is_(False)).limit(1))
    return found or create_type(f"{SCRIPT} tow", 60, fuzz.user(Role.ADMIN.value, Role.ADMIN))


CALLS_TARGETS = {
    "calls.new": Target(
        Role.CSO,
        lambda fuzz: "/calls/new",
        forms=((CallForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "call_type": str(_call_type(fuzz).id),
            "received_on": _today(-1),
            "received_time": "10:30",
            "minutes": "4",
            "disposition": "resolved",
            "sworn_would_go": "y",
            "district": "",
        },
        shows=lambda fuzz: ["/calls/", "/audit/"],
        examples=15,
    ),
    "calls.new_visit": Target(
        Role.CSO,
        lambda fuzz: "/calls/log/new",
        forms=((OfficeVisitForm, None),),
        valid=lambda fuzz: {
            "client_uuid": str(uuid.uuid4()),
            "kind": "walk_in",
            "reason": SCRIPT,
            "language": "es",
            "outcome": "referred",
            "referred_to": IMG,
            "received_on": _today(-1),
            "received_time": "10:30",
        },
        shows=lambda fuzz: ["/calls/log"],
        examples=15,
    ),
    "calls.types": Target(
        Role.ADMIN,
        lambda fuzz: "/calls/types",
        forms=((CallTypeForm, None),),
        valid=lambda fuzz: {"name": f"{IMG} {uuid.uuid4().hex[:8]}", "sworn_minutes": "45"},
        shows=lambda fuzz: ["/calls/types", "/audit/"],
        examples=10,
    ),
    "calls.edit_type": Target(
        Role.ADMIN,
        lambda fuzz: f"/calls/types/{_call_type(fuzz).id}",
        forms=((CallTypeForm, None),),
        valid=lambda fuzz: {"name": f"{SCRIPT} {uuid.uuid4().hex[:8]}", "sworn_minutes": "50"},
        shows=lambda fuzz: ["/calls/types", "/calls/report"],
        examples=10,
    ),
}
TARGETS.update(CALLS_TARGETS)


# -- Betterment committees (cso_field/betterment) ----------------------------------------------


def _committee_action(fuzz):
    return committee_action(fuzz.user(Role.SENIOR_CSO.value, Role.SENIOR_CSO))


BETTERMENT_TARGETS = {
    "betterment.new": Target(
        Role.SENIOR_CSO,
        lambda fuzz: "/betterment/new",
        forms=((CommitteeForm, None),),
        valid=lambda fuzz: {"name": SCRIPT, "area": IMG, "district": "", "languages": "es"},
        shows=lambda fuzz: ["/betterment/", "/audit/"],
        examples=10,
    ),
    "betterment.add_goal": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/betterment/{_committee_action(fuzz).committee_id}/goals",
        forms=((GoalForm, None),),
        valid=lambda fuzz: {"problem": "drugs", "goal": SCRIPT},
        shows=lambda fuzz: ["/betterment/"],
        examples=10,
    ),
    "betterment.add_action": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/betterment/{_committee_action(fuzz).committee_id}/actions",
        forms=((ActionForm, None),),
        valid=lambda fuzz: {
            "goal": str(
                db.session.scalar(
                    select(CommitteeAction.goal_id).order_by(CommitteeAction.id.desc())
                )
            ),
            "what": SCRIPT,
            "owner": IMG,
            "partners": SCRIPT,
            "due_on": _today(-2),
        },
        shows=lambda fuzz: ["/betterment/overdue"],
        examples=10,
    ),
    "betterment.add_meeting": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/betterment/{_committee_action(fuzz).committee_id}/meetings",
        forms=((CommitteeMeetingForm, None),),
        valid=lambda fuzz: {
            "held_on": _today(-1),
            "agenda": SCRIPT,
            "attendance": "12",
            "minutes": IMG,
        },
        shows=lambda fuzz: [
            f"/betterment/{db.session.scalar(select(func.max(CommitteeAction.committee_id)))}"
        ],
        examples=10,
    ),
    "betterment.action_status": Target(
        Role.SENIOR_CSO,
        lambda fuzz: f"/betterment/actions/{_committee_action(fuzz).id}/status",
        forms=((ActionStatusForm, None),),
        valid=lambda fuzz: {"status": "done"},
        examples=10,
    ),
}
TARGETS.update(BETTERMENT_TARGETS)


def _post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_post_route_is_fuzzed(app):
    assert _post_endpoints(app) == set(TARGETS), "add the new POST route to TARGETS"


def _field_names(app, target: Target) -> list[str]:
    names = []
    with app.test_request_context():
        for form_class, prefix in target.forms:
            form = form_class(meta={"csrf": False}, prefix=prefix or "")
            names += [form_field.name for form_field in form]
    return [*names, *target.extra]


# -- The fuzz run ------------------------------------------------------------------------------


@dataclass
class Fuzz:
    app: object
    users: UserFactory
    accounts: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    last_note: int | None = None
    check_id: int | None = None
    token: str | None = None
    incident_id: int | None = None
    post_id: int | None = None
    problem_id: int | None = None
    violation: int | None = None
    case_id: int | None = None
    case_item: int | None = None

    def user(self, name: str, role: Role = Role.CSO):
        if name not in self.accounts:
            self.accounts[name] = self.users.create(role, username=f"fuzz.{name}")
        return self.accounts[name]

    def client(self, role: Role | None, fresh: bool = False):
        if role is None:
            return self.app.test_client()
        if fresh or role not in self.clients:
            client = self.app.test_client()
            user = self.user(role.value, role)
            response = client.post("/login", data={"username": user.username, "password": PASSWORD})
            assert response.status_code == 302
            if fresh:
                return client
            self.clients[role] = client
        return self.clients[role]

    def own_note(self, draft=False) -> int:
        self.last_note = post_note(self.client(Role.CSO), draft=draft, observation=SCRIPT)
        return self.last_note

    def others_note(self) -> int:
        author = self.clients.get("author") or self.app.test_client()
        if "author" not in self.clients:
            user = self.user("author")
            author.post("/login", data={"username": user.username, "password": PASSWORD})
            self.clients["author"] = author
        self.last_note = post_note(author, observation=IMG)
        return self.last_note

    def active_check(self) -> int:
        if self.check_id is None:
            check, self.token = check_with_token(self.app, address=SCRIPT, instructions=IMG)
            self.check_id = check.id
        return self.check_id

    # -- Traffic posts: a Senior CSO's incident with a post, fresh assignments, a problem --

    def incident(self, fresh: bool = False) -> int:
        if fresh or self.incident_id is None:
            with self.app.test_request_context():
                incident = make_incident(self.user(Role.SENIOR_CSO.value, Role.SENIOR_CSO))
                incident.name = SCRIPT
                self.post_id = make_post(incident, name=IMG, instructions=SCRIPT).id
                db.session.commit()
            if fresh:
                return incident.id
            self.incident_id = incident.id
        return self.incident_id

    def period(self) -> int:
        return db.session.get(TrafficIncident, self.incident()).periods[0].id

    def assignment(self, on_post: bool = False) -> int:
        """A fresh CSO assigned to the incident's post (on post when asked)."""
        incident = db.session.get(TrafficIncident, self.incident())
        with self.app.test_request_context():
            cso = self.users.cso()
            post = db.session.get(TrafficPost, self.post_id)
            assignment = traffic.assign(post, incident.periods[0], cso.id)
            if on_post:
                traffic.go_on_post(assignment, cso)
        return assignment.id

    def problem(self) -> int:
        if self.problem_id is None:
            with self.app.test_request_context():
                made, _created = designate(
                    client_uuid=uuid.uuid4(),
                    content={"title": SCRIPT, "until": department_today(), "address": IMG},
                    author=self.user(Role.SENIOR_CSO.value, Role.SENIOR_CSO),
                )
            self.problem_id = made.id
        return self.problem_id

    def traffic_pages(self) -> list[str]:
        incident = self.incident()
        period = self.period()
        return [
            "/traffic/",
            f"/traffic/{incident}",
            f"/traffic/{incident}/board",
            f"/traffic/{incident}/manage",
            f"/traffic/{incident}/periods/{period}/ics214",
            f"/traffic/{incident}/periods/{period}/ics204",
            "/today",
        ]

    def violation_id(self) -> int:
        if self.violation is None:
            with self.app.test_request_context():
                self.violation = codebook_entry("F-1", titles={"en": SCRIPT, "es": IMG}).id
        return self.violation

    def blight_case(self, state: str) -> int:
        """A case of the (trained) fuzzing CSO in `state`, with payloads in what it shows."""
        from cso_field.citations.services import cite, may_cite, reinspect, warn

        officer = self.user(Role.CSO.value, Role.CSO)
        violation = db.session.get(Violation, self.violation_id())
        with self.app.test_request_context():
            if not may_cite(officer):
                train(officer, by=self.user("trainer", Role.SENIOR_CSO))
            party = party_data(name=SCRIPT, mailing_address=IMG)
            case = blight_case(officer, [violation], party=party, observation=SCRIPT, address=IMG)
            if state != "observed":
                warn(case, officer, today=case.observed_on)
            if state in ("not_corrected", "cited"):
                reinspect(case, officer, corrected=False, notes=IMG, uploads=[])
            if state == "cited":
                cite(case, officer, violation_ids=[violation.id])
        self.case_id, self.case_item = case.id, case.violations[0].id
        return case.id

    def survey(self):
        if not hasattr(self, "_survey"):
            author = self.user("senior", Role.SENIOR_CSO)
            with self.app.test_request_context():
                self._survey = door_survey(author)
        return self._survey

    def canvass(self, fresh=False):
        if fresh or not hasattr(self, "_canvass"):
            survey, officer = self.survey(), self.user(Role.CSO.value, Role.CSO)
            with self.app.test_request_context():
                self._canvass = start_canvass(survey, SCRIPT, officer, uuid.uuid4())[0]
        return self._canvass

    def built_survey(self, fresh=False):
        """A survey built in the app with one question, "only"."""
        if fresh or not hasattr(self, "_built"):
            author = self.user("senior", Role.SENIOR_CSO)
            with self.app.test_request_context():
                self._built = editor.new_survey({"en": SCRIPT}, author)
                question = QuestionDef("only", "text", label={"en": SCRIPT})
                editor.save_question(self._built, question, author)
        return self._built

    def group(self):
        if not hasattr(self, "_group"):
            self._group = watch_group(self.user("senior", Role.SENIOR_CSO), name=SCRIPT)
        return self._group

    def signup(self):
        """A fresh waiting sign-up for each example."""
        return watch_signup(client_address=None, name=SCRIPT)

    def own_meeting(self) -> int:
        """A meeting the fuzzing CSO recorded (kept: its author corrects it)."""
        if not hasattr(self, "_meeting"):
            fields = {"held_on": department_today(), "place": "Hall", "topics": "Theft"}
            self._meeting = record_meeting(
                self.group(), self.user("cso"), {**fields, "attendance": 4}, uuid.uuid4()
            )[0]
        return self._meeting.id

    def returned_visit(self) -> int:
        """A visit by the fuzzing CSO that a Senior CSO returned for changes."""
        if not hasattr(self, "_returned_visit"):
            with self.app.test_request_context():
                made = visit(db.session.get(SpecialCheck, self.active_check()), self.user("cso"))
                senior = self.user("senior", Role.SENIOR_CSO)
                records.return_for_changes(made, senior, "Which windows?")
                db.session.commit()
            self._returned_visit = made
        return self._returned_visit.id

    def member(self):
        """A fresh member of the group, not its block captain."""
        return add_to_group(self.signup(), self.group(), self.user("senior", Role.SENIOR_CSO))

    def manage_token(self) -> str:
        _check, self.token = check_with_token(
            self.app,
            start_date=department_today() + timedelta(days=5),
            end_date=department_today() + timedelta(days=9),
            instructions=SCRIPT,
        )
        return self.token


def _body(valid: dict, changes: dict) -> dict:
    body = dict(valid)
    for name, change in changes.items():
        if change is MISSING:
            body.pop(name, None)
        else:
            body[name] = change
    return body


def _changes(names: list[str]):
    """A few fields changed (so most bodies pass validation and store the payloads), or all."""
    return st.one_of(
        st.dictionaries(st.sampled_from(names), field_value, max_size=3),
        st.fixed_dictionaries({name: field_value for name in names}),
    )


@pytest.fixture
def fuzz_app(make_app, tmp_path):
    app = make_app(
        PHOTO_STORAGE_DIR=str(tmp_path / "photos"),
        ADDRESS_THROTTLE_LIMIT=1_000_000,
        LOCKOUT_THRESHOLD=1_000_000,
        CHECK_REQUESTS_PER_ADDRESS_PER_HOUR=1_000_000,
        WATCH_SIGNUPS_PER_ADDRESS_PER_HOUR=1_000_000,
    )
    with app.app_context():
        yield app


@pytest.mark.parametrize("endpoint", sorted(TARGETS))
def test_fuzz_post_route(fuzz_app, endpoint):
    target = TARGETS[endpoint]
    fuzz = Fuzz(fuzz_app, UserFactory(fuzz_app))
    names = _field_names(fuzz_app, target)
    admin = fuzz.client(Role.ADMIN)  # opens the pages that show what was stored

    @settings(
        max_examples=target.examples * SCALE,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        changes=_changes(names),
        query=st.sampled_from(target.query),
        encoding=st.sampled_from(["form", "form", "multipart", "json"]),
        data=st.data(),
    )
    def post_anything(changes, query, encoding, data):
        client = fuzz.client(target.role, fresh=target.fresh_client)
        body = _body(target.valid(fuzz), changes)
        has_file = any(isinstance(value, tuple) for value in body.values())
        url = target.url(fuzz) + query
        if encoding == "json":
            # Wrong types: numbers, nulls, objects where text is expected, or no object at all.
            payload = data.draw(
                st.one_of(
                    st.fixed_dictionaries({name: json_value for name in names}), json_not_an_object
                )
            )
            response = client.post(url, json=payload)
        else:
            response = client.post(
                url,
                data=body,
                content_type="multipart/form-data" if encoding == "multipart" or has_file else None,
            )
        problem = (url, repr(body)[:2000], response.get_data(as_text=True)[:2000])
        assert response.status_code < 500, problem
        assert not raw_payload_in(response.data), (url, response.status_code)
        if response.status_code >= 400:
            return
        pages = list(target.shows(fuzz))
        if response.location and response.location.startswith("/"):
            pages.append(response.location)
        for page in pages:
            shown = admin.get(page)
            assert shown.status_code < 500, (page, shown.status_code)
            assert not raw_payload_in(shown.data), (page, "shows a payload unescaped")
        if endpoint == "auth.change_password":
            user = fuzz.user(Role.CSO.value)
            user.set_password(PASSWORD)
            db.session.commit()

    post_anything()


def test_absurd_location_accuracy_is_refused(fuzz_app):
    """Found by the fuzzing above: an accuracy of 1e25 m was stored, then the note's page
    failed to format it (a 500 on every later view)."""
    client = Fuzz(fuzz_app, UserFactory(fuzz_app)).client(Role.CSO)
    for accuracy in ("1e25", "40075001"):
        body = {**TARGETS["field_notes.new"].valid(None), "accuracy_m": accuracy}
        response = client.post("/notes/new", data=body)
        assert response.status_code == 422
        assert "it must be ordinary numbers" in response.get_data(as_text=True)


def test_a_thousand_digit_number_is_a_clear_422(fuzz_app):
    """Found by the fuzzing above: WTForms' NumberRange compares as a float, and a whole
    number of 1,000 digits overflowed it (a 500 on the quiet-groups setting)."""
    client = Fuzz(fuzz_app, UserFactory(fuzz_app)).client(Role.ADMIN)
    response = client.post("/watch/quiet/settings", data={"months": "9" * 1000})
    assert response.status_code == 422
    assert "Between 1 and 36 months." in response.get_data(as_text=True)


def test_file_or_json_number_in_a_text_field_is_a_clear_422(fuzz_app):
    """Found by the fuzzing above: a file, or a JSON number, where a form expects text
    crashed the length check (a 500). Now it counts as not sent."""
    client = Fuzz(fuzz_app, UserFactory(fuzz_app)).client(Role.ADMIN)
    account = {"username": "new.person", "role": "cso", "password": PASSWORD}
    response = client.post(
        "/accounts/new",
        data={**account, "display_name": (io.BytesIO(b"x"), "name.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Enter the person" in response.get_data(as_text=True)
    response = client.post("/accounts/new", json={**account, "display_name": 5})
    assert response.status_code == 422
    assert "Enter the person" in response.get_data(as_text=True)
    assert client.post("/accounts/new", json=[1, 2]).status_code == 422


def test_setting_far_too_large_is_a_clear_422(fuzz_app):
    """Found by the fuzzing above: a 1000-digit number of days overflowed NumberRange (500)."""
    client = Fuzz(fuzz_app, UserFactory(fuzz_app)).client(Role.ADMIN)
    body = {**TARGETS["special_checks.settings"].valid(None), "check_stale_after_days": "9" * 1000}
    response = client.post("/checks/settings", data=body)
    assert response.status_code == 422
    assert "Enter a number from 1 to 30" in response.get_data(as_text=True)


HUGE_NUMBER = "9" * 400


@pytest.mark.parametrize(
    "path",
    [
        f"/audit/?page={HUGE_NUMBER}",
        f"/checks/?district={HUGE_NUMBER}",
        f"/checks/map?district={HUGE_NUMBER}",
        f"/checks/overview?page={HUGE_NUMBER}",
        f"/notes/?district={HUGE_NUMBER}",
    ],
)
def test_huge_numbers_in_list_filters_are_not_a_500(fuzz_app, path):
    """Found while fuzzing: a 400-digit page or district number reached the database or
    NumberRange and failed there."""
    client = Fuzz(fuzz_app, UserFactory(fuzz_app)).client(Role.ADMIN)
    assert client.get(path).status_code < 500


# -- Payloads that are stored come back escaped ------------------------------------------------


def test_stored_payloads_are_shown_escaped(fuzz_app):
    """The check above is not vacuous: the payloads are stored, and shown as text."""
    fuzz = Fuzz(fuzz_app, UserFactory(fuzz_app))
    admin = fuzz.client(Role.ADMIN)
    note = fuzz.own_note()
    assert (
        admin.post(
            f"/accounts/{fuzz.user('other').id}/edit",
            data={"display_name": IMG, "role": "cso", "is_active_account": "y"},
        ).status_code
        == 303
    )
    response = fuzz_app.test_client().post(
        "/check-request/?lang=es", data=request_data(instructions=SCRIPT)
    )
    assert response.status_code == 201
    check = db.session.scalar(select(func.max(SpecialCheck.id)))
    with fuzz_app.test_request_context():
        pages = {
            url_for("field_notes.view", record_id=note): "&lt;script&gt;alert(1)&lt;/script&gt;",
            url_for("special_checks.view", check_id=check): "&lt;script&gt;alert(1)&lt;/script&gt;",
            url_for("accounts.index"): "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
        }
    for page, escaped in pages.items():
        body = admin.get(page).get_data(as_text=True)
        assert escaped in body, page
        assert not raw_payload_in(body.encode()), page
