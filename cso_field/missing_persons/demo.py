"""Demo missing person reports for `seed-demo`: an at-risk adult still missing with a search in
progress (an area, a searcher's log) and a Spanish poster, and a runaway found yesterday whose
MUPS removal is pending, with a parent notification letter in Spanish."""

import uuid
from datetime import date, timedelta

from cso_field.demo import DemoContext
from cso_field.missing_persons import services
from cso_field.missing_persons.models import StepKind
from cso_field.missing_persons.notices import log_distribution, make_poster, record_notification
from cso_field.missing_persons.searches import add_area, add_log
from cso_field.timeutil import department_today, utcnow


def _take(context: DemoContext, author, **content):
    report, _created = services.take_report(
        content, client_uuid=uuid.UUID(int=context.rng.getrandbits(128)), author=author
    )
    return report


def load_demo(context: DemoContext) -> str:
    cso, senior = context.users["cso.demo"], context.users["senior.demo"]
    now = utcnow()
    adult = _take(
        context,
        cso,
        report_type="dependent_adult",
        channel="phone",
        reported_at=now - timedelta(minutes=50),
        full_name="Demo: Harold Jensen",
        birth_date=date(now.year - 78, 4, 12),
        description="1.75 m, slim, white hair, walks with a cane.",
        languages="English",
        medical_needs="Needs heart medication twice a day.",
        disability="Dementia: may not know his address.",
        at_risk=["medical", "impaired"],
        last_seen_at=now - timedelta(hours=3),
        clothing="Grey cardigan, brown trousers, black cap.",
        party_name="Demo: Karen Jensen",
        party_phone="209-555-0134",
        party_relationship="Daughter",
        guardian_language="en",
        publish=["name", "age", "description", "last_seen"],
        address="Victory Park, Stockton (demo)",
        latitude=37.9618,
        longitude=-121.3170,
    )
    services.close_step(
        adult,
        StepKind.BOLO,
        cso,
        done_at=now - timedelta(minutes=40),
        record_number=None,
        note="Broadcast on all channels (demo).",
    )
    add_area(
        adult,
        senior,
        {
            "name": "Demo: Victory Park and the levee",
            "latitude": 37.9618,
            "longitude": -121.3170,
            "radius_m": 600,
            "assignee_id": cso.id,
        },
    )
    add_log(
        adult,
        cso,
        {
            "area_id": None,
            "started_at": now - timedelta(minutes=35),
            "ended_at": now - timedelta(minutes=5),
            "places_checked": "Demo: park restrooms, bus shelter on Pershing Ave, the levee path.",
            "people_contacted": "Demo: park maintenance crew, two dog walkers.",
        },
    )
    poster = make_poster(adult, cso, "es", "209-937-8377")
    log_distribution(
        poster, cso, {"agency": "Lodi Police Department (demo)", "person": None, "channel": "email"}
    )
    runaway = _take(
        context,
        cso,
        report_type="runaway",
        channel="counter",
        reported_at=now - timedelta(days=3),
        full_name="Demo: Daniel Ortega",
        birth_date=date(now.year - 15, 9, 2),
        description="1.65 m, black hair, braces.",
        party_name="Demo: Lucia Ortega",
        party_phone="209-555-0187",
        party_relationship="Mother",
        guardian_name="Demo: Lucia Ortega",
        guardian_phone="209-555-0187",
        guardian_language="es",
        publish=[],
        address="Weber Point, Stockton (demo)",
        latitude=37.9545,
        longitude=-121.2929,
    )
    for kind, minutes in ((StepKind.BOLO, 15), (StepKind.DOJ_ENTRY, 70)):
        services.close_step(
            runaway,
            kind,
            cso,
            done_at=runaway.reported_at + timedelta(minutes=minutes),
            record_number="M26-0042" if kind == StepKind.DOJ_ENTRY else None,
            note=None,
        )
    record_notification(
        runaway,
        cso,
        {
            "language": "es",
            "contact_phone": "209-937-8377",
            "delivery": "hand",
            "outcome": "delivered",
            "follow_up_on": department_today() + timedelta(days=14),
            "note": "Demo: mother asked for the youth outreach program.",
        },
    )
    services.mark_found(
        runaway,
        cso,
        found_at=now - timedelta(days=1),
        place="Friend's home, Lodi (demo)",
        notified="Mother (by phone), Lodi PD",
    )
    return (
        "2 demo missing person reports by cso.demo: an at-risk adult still missing (searcher, "
        "a Spanish poster, the DOJ entry due), a juvenile runaway found yesterday (MUPS "
        "removal and agency notice pending) with a parent letter in Spanish."
    )
