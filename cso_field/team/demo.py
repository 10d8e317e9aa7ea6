"""Demo workspace for `seed-demo`: a team on shift in the example districts with their
languages and contacts, certification kinds and certifications (one expiring this month), a
training session, and assignments open, overdue, for a district's shift, a translation, and
completed with the check visit it produced. Made through the services, audited."""

import calendar
from datetime import timedelta

from sqlalchemy import select

from cso_field.accounts.services import create_account
from cso_field.assignments import services as assignments
from cso_field.auth.models import User
from cso_field.certifications import services as certifications
from cso_field.demo import DemoContext
from cso_field.districts.models import District
from cso_field.districts.services import natural_key
from cso_field.districts.shifts import start_shift
from cso_field.extensions import db
from cso_field.team import services
from cso_field.timeutil import day_start_utc, department_today, utcnow

# username -> (name, languages, phone, call sign, district index)
TEAM = {
    "cso.demo": ("", {"en": "native", "es": "working"}, "209-555-0141", "CSO 14", 0),
    "cso2.demo": ("", {"en": "native", "tl": "working"}, "209-555-0142", "CSO 22", 1),
    "cso3.demo": (
        "Mai Vang (demo)",
        {"en": "native", "hmn": "native"},
        "209-555-0143",
        "CSO 31",
        0,
    ),
    "cso4.demo": (
        "Sokha Chea (demo)",
        {"en": "native", "km": "native", "vi": "basic"},
        "209-555-0144",
        "CSO 35",
        3,
    ),
    "senior.demo": ("", {"en": "native", "es": "native"}, "209-555-0100", "CSO 1", 0),
}


def _team(context: DemoContext, districts: list[District]) -> dict[str, User]:
    senior = context.users["senior.demo"]
    people = {}
    for username, (name, languages, phone, call_sign, district) in TEAM.items():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_account(username, name, "cso", "x" * 16)
            user.password_hash = context.users["cso.demo"].password_hash
            db.session.commit()
        services.save_profile(user, languages, phone, call_sign, senior)
        start_shift(user, districts[district % len(districts)], senior)
        people[username] = user
    return people


def _certifications(people: dict[str, User], senior: User) -> None:
    today = department_today()
    fingerprinting = certifications.ensure_type("fingerprinting", "Fingerprinting")
    first_aid = certifications.ensure_type("first_aid", "First aid and CPR")
    db.session.commit()
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    expiring = min(today + timedelta(days=10), month_end)
    certifications.record(
        people["cso.demo"],
        fingerprinting,
        earned_on=today - timedelta(days=700),
        expires_on=expiring,
        note="Demo: renew this month",
        by=senior,
    )
    certifications.record(
        people["cso3.demo"],
        fingerprinting,
        earned_on=today - timedelta(days=200),
        expires_on=today + timedelta(days=530),
        note=None,
        by=senior,
    )
    for username in ("cso.demo", "cso3.demo", "cso4.demo"):
        certifications.record(
            people[username],
            first_aid,
            earned_on=today - timedelta(days=90),
            expires_on=today + timedelta(days=640),
            note=None,
            by=senior,
        )


def _training(people: dict[str, User], senior: User) -> None:
    held = day_start_utc(department_today() - timedelta(days=14)) + timedelta(hours=9)
    services.record_session(
        services.Session(
            "Demo: Fingerprinting refresher",
            held,
            senior.display_name,
            "Stockton PD training room",
            "Demo: ink and live-scan, chain of custody.",
        ),
        [people[name].id for name in ("cso.demo", "cso3.demo", "cso4.demo")],
        senior,
    )


def _work(kind, text, target, hours, address=None, priority="normal", language=None):
    assignee_id, district_id = target
    return assignments.Work(
        kind,
        text,
        address,
        priority,
        utcnow() + timedelta(hours=hours),
        assignee_id,
        district_id,
        language,
    )


def _assignments(people: dict[str, User], districts: list[District], senior: User) -> str:
    cso = people["cso.demo"]
    to_cso = (cso.id, None)
    assignments.assign(
        _work(
            "check_visit",
            "Demo: vacation house check, owner away until Sunday; check the back gate.",
            to_cso,
            3,
            "2120 Pacific Ave",
            "high",
        ),
        senior,
    )
    late = assignments.assign(
        _work(
            "deliver_message",
            "Demo: deliver the hearing letter to the Hammer Lane apartment office.",
            to_cso,
            -2,
            "1234 W Hammer Ln",
        ),
        senior,
    )
    late.created_at = utcnow() - timedelta(hours=6)
    assignments.assign(
        _work(
            "school_event",
            "Demo: traffic safety talk at the school, 2 pm.",
            (None, districts[0].id),
            5,
            "Weber Ave school",
            "normal",
        ),
        senior,
    )
    assignments.assign(
        _work(
            "translation",
            "Demo: a resident at the front desk needs Khmer.",
            (people["cso4.demo"].id, None),
            1,
            "Main station lobby",
            "urgent",
            "km",
        ),
        senior,
    )
    visits = assignments.recent_records("check_visit", cso)
    done = assignments.assign(
        _work(
            "check_visit",
            "Demo: check the house on Oak St after the break-in report.",
            to_cso,
            -20,
            "Oak St",
        ),
        senior,
    )
    assignments.accept(done, cso)
    if visits:
        assignments.complete(done, cso, record_id=visits[0].id, outcome=None)
    else:
        assignments.complete(done, cso, record_id=None, outcome="Demo: all secure.")
    db.session.commit()
    return "5 assignments (open, overdue, a district's shift, a translation, completed)"


def load_demo_workspace(context: DemoContext) -> str:
    districts = sorted(db.session.scalars(select(District)), key=lambda d: natural_key(d.name))
    senior = context.users["senior.demo"]
    people = _team(context, districts)
    _certifications(people, senior)
    _training(people, senior)
    made = _assignments(people, districts, senior)
    return f"team: {len(people)} on shift with their languages, certifications, training; {made}"
