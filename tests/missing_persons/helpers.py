"""A report taken through the service, for the missing persons tests and the matrices."""

import uuid
from datetime import date, datetime

from cso_field.missing_persons import services

REPORTED = datetime(2026, 6, 1, 17, 0)  # UTC: 10:00 in Stockton


def born_years_before(years: int, moment: datetime = REPORTED) -> date:
    return date(moment.year - years, 1, 1)


def take(author, *, years=10, at_risk=(), reported_at=REPORTED, **fields):
    content = {
        "report_type": "runaway",
        "channel": "phone",
        "full_name": "Maria Child",
        "birth_date": born_years_before(years, reported_at),
        "party_name": "Rosa Parent",
        "party_phone": "209-555-0199",
        "at_risk": list(at_risk),
        "publish": ["name", "age", "description", "last_seen"],
        "guardian_language": "es",
        "address": "Oak Park, Stockton",
        "latitude": 37.97,
        "longitude": -121.30,
        "reported_at": reported_at,
        **fields,
    }
    report, _created = services.take_report(content, client_uuid=uuid.uuid4(), author=author)
    return report
