"""Demo traffic work for `seed-demo`: a planned parade with posts and assignments, an open
collision with one CSO on post, and a designated problem with two sessions."""

import uuid
from datetime import datetime, time, timedelta

from flask_babel import to_utc
from flask_login import login_user, logout_user

from cso_field.demo import DemoContext
from cso_field.timeutil import department_today, utcnow
from cso_field.traffic_posts import enforcement, services
from cso_field.traffic_posts.models import IncidentKind, PostRole

PARADE_POSTS = (
    ("Main St & Center St (demo)", PostRole.ROAD_CLOSURE, 37.9560, -121.2925),
    ("Weber Ave & El Dorado St (demo)", PostRole.TRAFFIC_DIRECTION, 37.9540, -121.2900),
    ("Hunter Square (demo)", PostRole.CROWD_CONTROL, 37.9555, -121.2890),
)


def _uuid(context: DemoContext) -> uuid.UUID:
    return uuid.UUID(int=context.rng.getrandbits(128))


def _local(day_offset: int, hour: int) -> datetime:
    return to_utc(datetime.combine(department_today() + timedelta(days=day_offset), time(hour)))


def _parade(context: DemoContext, senior, csos) -> None:
    parade, _created = services.create_incident(
        client_uuid=_uuid(context),
        content={
            "kind": IncidentKind.PARADE.value,
            "name": "Downtown holiday parade (demo)",
            "starts_at": _local(3, 9),
            "expected_end_at": _local(3, 13),
            "requested_by": "Sgt. Lopez, Special Events (demo)",
            "in_charge_id": senior.id,
            "address": "Main St & Center St, Stockton, CA",
            "latitude": 37.9560,
            "longitude": -121.2925,
            "accuracy_m": None,
        },
        author=senior,
    )
    period = parade.periods[0]
    for number, (name, role, lat, lon) in enumerate(PARADE_POSTS):
        post = services.add_post(
            parade,
            {
                "name": name,
                "role": role.value,
                "instructions": "Demo post: keep the route clear from 08:30.",
                "latitude": lat,
                "longitude": lon,
                "accuracy_m": None,
                "address": None,
            },
        )
        services.assign(post, period, csos[number % len(csos)].id)
        services.set_equipment(post, "cones", 12, 0)


def _collision(context: DemoContext, cso) -> None:
    collision, _created = services.create_incident(
        client_uuid=_uuid(context),
        content={
            "kind": IncidentKind.COLLISION.value,
            "name": "Collision: Pacific Ave & March Ln (demo)",
            "starts_at": utcnow().replace(microsecond=0) - timedelta(minutes=40),
            "expected_end_at": None,
            "requested_by": "Officer Chan, unit 2A14 (demo)",
            "in_charge_id": cso.id,
            "address": "Pacific Ave & March Ln, Stockton, CA",
            "latitude": 37.9870,
            "longitude": -121.3110,
            "accuracy_m": 10.0,
        },
        author=cso,
    )
    post = services.add_post(
        collision,
        {
            "name": "Northbound Pacific Ave (demo)",
            "role": PostRole.TRAFFIC_DIRECTION.value,
            "instructions": "Demo post: divert northbound traffic onto March Ln.",
            "latitude": 37.9872,
            "longitude": -121.3110,
            "accuracy_m": None,
            "address": None,
        },
    )
    assignment = services.assign(post, collision.periods[0], cso.id)
    services.go_on_post(
        assignment,
        cso,
        at=collision.starts_at + timedelta(minutes=5),
        position=(37.9872, -121.311, 8.0),
    )
    services.set_equipment(post, "flares", 6, 0)
    services.add_entry(collision, cso, "Demo: northbound lane closed, flares out", post_id=post.id)


def _problem(context: DemoContext, senior, cso) -> None:
    problem, _created = enforcement.designate(
        client_uuid=_uuid(context),
        content={
            "title": "Speeding on Pershing Ave (demo)",
            "description": "Demo: residents report speeding near the school, 7-9 am.",
            "until": department_today() + timedelta(days=30),
            "address": "N Pershing Ave & W Harding Way, Stockton, CA",
            "latitude": 37.9745,
            "longitude": -121.3080,
            "accuracy_m": None,
        },
        author=senior,
    )
    for days_ago, contacts, warnings, referrals in ((6, 14, 9, 2), (2, 11, 6, 1)):
        enforcement.record_session(
            problem,
            client_uuid=_uuid(context),
            content={
                "officer_name": "Officer M. Chan (demo)",
                "badge_number": "4417",
                "started_at": _local(-days_ago, 7),
                "ended_at": _local(-days_ago, 9),
                "contacts": contacts,
                "warnings": warnings,
                "referrals": referrals,
                "notes": "Demo session: radar trailer posted at the school.",
            },
            author=cso,
        )


def load_demo_traffic(context: DemoContext) -> str:
    cso, senior = context.users["cso.demo"], context.users["senior.demo"]
    login_user(senior)  # assignments record who made them
    try:
        _parade(context, senior, [cso, senior])
        _collision(context, cso)
        _problem(context, senior, cso)
    finally:
        logout_user()
    return (
        "A demo parade with 3 posts, an open collision with a CSO on post, "
        "and a designated problem with 2 sessions."
    )
