"""Demo Neighborhood Watch for `seed-demo`: two groups (one with its block captain and a
meeting 100 days ago, one in Spanish that has never met) and a resident's online sign-up
waiting for a group."""

import uuid
from datetime import timedelta

from cso_field.demo import DemoContext
from cso_field.neighborhood_watch.models import WatchSignup
from cso_field.neighborhood_watch.services import (
    Interest,
    add_to_group,
    archive_group,
    create_group,
    record_meeting,
    sign_up_online,
)
from cso_field.timeutil import department_today


def _uuid(context: DemoContext) -> uuid.UUID:
    return uuid.UUID(int=context.rng.getrandbits(128))


def _signup(context: DemoContext, interest: Interest, address: str) -> WatchSignup:
    signup, _created = sign_up_online(
        interest, address, client_uuid=_uuid(context), client_address=None
    )
    return signup


def load_demo_watch(context: DemoContext) -> str:
    cso, senior = context.users["cso.demo"], context.users["senior.demo"]
    hunter = create_group(
        {
            "name": "Demo: Hunter Street Watch",
            "area": "Demo: N Hunter St, 100-300 blocks",
            "district_id": None,
            "language": "en",
        },
        senior,
    )
    create_group(
        {
            "name": "Demo: Vigilancia Calle Lincoln",
            "area": "Demo: S Lincoln St, 400 block",
            "district_id": None,
            "language": "es",
        },
        senior,
    )
    merged = create_group(
        {
            "name": "Demo: Pacific Avenue Watch",
            "area": "Demo: Pacific Ave, 1000 block (joined Hunter Street)",
            "district_id": None,
            "language": "en",
        },
        senior,
    )
    archive_group(merged, senior)
    captain = _signup(
        context,
        Interest("Demo: Mai Nguyen", "209-555-0141", None, "vi", True, True),
        "Demo: 107 N Hunter St",
    )
    add_to_group(captain, hunter, senior, captain=True)
    member = _signup(
        context,
        Interest("Demo: Robert Hayes", None, "hayes@example.com", "en", False, False),
        "Demo: 203 N Hunter St",
    )
    add_to_group(member, hunter, senior)
    record_meeting(
        hunter,
        cso,
        {
            "held_on": department_today() - timedelta(days=100),
            "place": "Demo: 107 N Hunter St (front yard)",
            "topics": "Car break-ins on the 200 block; porch package thefts; street lights out.",
            "attendance": 9,
            "materials": "Crime prevention guide (English, Vietnamese); window stickers",
            "follow_ups": "Report the broken street lights to Public Works (cso.demo).",
        },
        _uuid(context),
    )
    _signup(
        context,
        Interest("Demo: Lucía Ramírez", "209-555-0187", None, "es", False, True),
        "Demo: 415 S Lincoln St",
    )
    return (
        "2 demo Neighborhood Watch groups (Hunter Street with its block captain, a member and "
        "a meeting 100 days ago, so on the quiet list; Lincoln Street in Spanish, never met); "
        "1 archived group (Pacific Avenue, joined Hunter Street); 1 sign-up waiting."
    )
