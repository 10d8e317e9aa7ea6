"""Demo special checks for `seed-demo`: active, upcoming and ended, with visits."""

import uuid
from datetime import timedelta

from cso_field.demo import DemoContext
from cso_field.extensions import db
from cso_field.records.services import approve, return_for_changes, submit
from cso_field.special_checks.models import CheckKind, RequestSource, VisitOutcome
from cso_field.special_checks.services import create_check
from cso_field.special_checks.visits import record_visit
from cso_field.timeutil import department_today

STREETS = (
    ("N El Dorado St", 37.9585, -121.2905),
    ("E Miner Ave", 37.9570, -121.2870),
    ("N California St", 37.9600, -121.2850),
    ("E Harding Way", 37.9745, -121.2880),
    ("N Pershing Ave", 37.9640, -121.3080),
    ("W Acacia St", 37.9635, -121.2960),
    ("E Fremont St", 37.9560, -121.2820),
    ("N Center St", 37.9550, -121.2925),
    ("S Airport Way", 37.9420, -121.2720),
    ("E Park St", 37.9620, -121.2830),
)
PEOPLE = (
    ("Ana Ruiz (demo)", "es"),
    ("Linh Tran (demo)", "vi"),
    ("Pa Vang (demo)", "hmn"),
    ("Mary Johnson (demo)", "en"),
    ("Jose Hernandez (demo)", "es"),
    ("Tou Xiong (demo)", "hmn"),
    ("David Lee (demo)", "en"),
    ("Thu Nguyen (demo)", "vi"),
)
# (first day, last day) relative to today: active, upcoming, ended
WINDOWS = [(-3, 5)] * 12 + [(2, 9)] * 8 + [(-14, -4)] * 4
OUTCOMES = list(VisitOutcome)
VISIT_NOTES = {
    VisitOutcome.ALL_SECURE: "Demo visit: doors and windows checked, all locked.",
    VisitOutcome.OPEN_DOOR_OR_WINDOW: "Demo visit: side gate and back window open; closed them.",
    VisitOutcome.FORCED_ENTRY: "Demo visit: back door frame splintered; officer requested.",
    VisitOutcome.SUSPICIOUS: "Demo visit: unknown car parked in the driveway for hours.",
    VisitOutcome.OTHER: "Demo visit: packages piled on the porch; moved out of sight.",
}


def _content(context: DemoContext, number: int, start: int, end: int) -> dict:
    rng = context.rng
    street, lat, lon = STREETS[number % len(STREETS)]
    name, language = PEOPLE[number % len(PEOPLE)]
    today = department_today()
    kind = CheckKind.BUSINESS if number % 7 == 3 else CheckKind.VACATION_HOUSE
    return {
        "kind": kind.value,
        "requester_name": name,
        "address": f"{rng.randrange(100, 2400, 2)} {street}, Stockton, CA",
        "phone": f"209-555-{rng.randrange(100, 9999):04d}",
        "email": f"resident{number}@example.org" if number % 3 == 0 else None,
        "language": language,
        "start_date": today + timedelta(days=start),
        "end_date": today + timedelta(days=end),
        "latitude": lat + rng.uniform(-0.002, 0.002),
        "longitude": lon + rng.uniform(-0.002, 0.002),
        "instructions": "Demo check: example data for trying CSO Field.",
    }


def load_demo_checks(context: DemoContext) -> str:
    cso = context.users["cso.demo"]
    staff = context.users["admin.demo"]
    made = []
    for number, (start, end) in enumerate(WINDOWS):
        check, _created, _token = create_check(
            client_uuid=uuid.UUID(int=context.rng.getrandbits(128)),
            content=_content(context, number, start, end),
            source=RequestSource.PHONE,
            client_address=None,
            created_by=staff,
        )
        if start > 0:
            continue
        outcome = OUTCOMES[number % len(OUTCOMES)] if number % 2 else VisitOutcome.ALL_SECURE
        visit, _created = record_visit(
            check,
            cso,
            outcome=outcome.value,
            notes=VISIT_NOTES[outcome],
            position=(check.latitude, check.longitude, 12.0),
            client_uuid=uuid.UUID(int=context.rng.getrandbits(128)),
            uploads=[],
        )
        made.append(visit)
    _review_visits(made, cso, context.users["senior.demo"])
    return (
        f"{len(WINDOWS)} demo special checks (active, upcoming, ended) with {len(made)} visits"
        " (most approved, one returned with a comment, one resubmitted, the newest waiting)."
    )


RETURN_COMMENT = "Demo: which window was open? Add it to the notes, please."


def _review_visits(made: list, cso, senior) -> None:
    """The Senior CSO's review of the demo visits: the older half approved, one returned, one
    returned and resubmitted; the rest wait in the review queue."""
    half = len(made) // 2
    for visit in made[:half]:
        approve(visit, senior)
    if len(made) > half + 1:
        return_for_changes(made[half], senior, RETURN_COMMENT)
        return_for_changes(made[half + 1], senior, "Demo: add the time you left, please.")
        submit(made[half + 1], cso)
    db.session.commit()
