"""Five years of a Stockton-sized department, for benchmarks and query-plan checks.

    .venv/bin/python bench/generate.py --database-url sqlite:////tmp/bench.sqlite
    .venv/bin/python bench/generate.py --database-url postgresql://postgres@127.0.0.1/bench \\
        --scale 0.01 --seed 7

The database must be empty (or not exist yet, for SQLite): it is migrated first, then filled
with 60 staff accounts (bench.cso01…, bench.senior01…, bench.admin01…, all with --password),
12 districts tiling Stockton, and at scale 1.0 about 60,000 special checks (10,000 of them
active today), 500,000 visits, 40,000 field notes with their versions, 1,000,000 audit rows
and the login attempts behind them; for the Senior CSO's workspace, five years of shifts
(most of the field staff on shift now), spoken languages, contacts and 20,000 assignments.
The same --seed and --scale give the same rows.
Other scripts call `generate(url, scale, seed, password)`.
"""

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-bench-"))

import shapely
from flask_migrate import upgrade
from sqlalchemy import bindparam, func, insert, select, text, update
from werkzeug.security import generate_password_hash

from bench.second_factor import BENCH_TOTP_SECRET
from cso_field import create_app
from cso_field.auth.models import PASSWORD_METHOD
from cso_field.extensions import db
from cso_field.models import (
    Assignment,
    AuditEvent,
    CallType,
    CheckDayCount,
    CheckVisit,
    Committee,
    CommitteeAction,
    CommitteeGoal,
    Contact,
    District,
    FieldNote,
    HandledCall,
    LoginAttempt,
    OfficeLogEntry,
    RecordVersion,
    Shift,
    SpecialCheck,
    SpokenLanguage,
    User,
)

DEFAULT_PASSWORD = "bench password 2026"  # noqa: S105 (the benchmark accounts' known password)
BATCH = 10_000
YEARS = 5
SOUTH, NORTH, WEST, EAST = 37.90, 38.05, -121.40, -121.23
DISTRICT_COLUMNS, DISTRICT_ROWS = 4, 3
STAFF = (("cso", "cso", 45), ("senior", "senior_cso", 10), ("admin", "admin", 5))
FULL_SCALE = {
    "addresses": 30_000,
    "checks": 60_000,
    "active_checks": 10_000,
    "visits": 500_000,
    "notes": 40_000,
    "audit": 1_000_000,
    "assignments": 20_000,
}
# Share of the field staff on shift now, and each one's languages besides English.
ON_SHIFT_SHARE = 0.7
SPOKEN = ("es",) * 8 + ("vi", "km", "hmn", "tl", "pa") + (None,) * 12
TASK_KINDS = ("check_visit", "field_note", "deliver_message", "transport_item", "school_event",
              "translation")  # fmt: skip
ACTIVE_VISIT_SHARE = 0.1
STREETS = (
    "Pacific Ave", "March Ln", "Hammer Ln", "El Dorado St", "Wilson Way", "Airport Way",
    "Benjamin Holt Dr", "Pershing Ave", "Alpine Ave", "Harding Way", "Fremont St", "Main St",
    "Weber Ave", "Martin Luther King Jr Blvd", "Eight Mile Rd", "Thornton Rd", "West Ln",
    "Lower Sacramento Rd", "Tam O'Shanter Dr", "Kentfield Rd", "Swain Rd", "Bianchi Rd",
    "Yokuts Ave", "Robinhood Dr", "Country Club Blvd", "Hazelton Ave", "Mariposa Rd", "Arch Rd",
    "French Camp Rd", "Carolyn Weston Blvd", "Manthey Rd", "Center St", "California St",
    "Sutter St", "San Joaquin St", "Hunter St", "Lincoln St", "Monroe St", "Oak St", "Park St",
    "Miner Ave", "Channel St", "Market St", "Washington St", "Lafayette St", "Sonora St",
    "Anderson St", "Pock Ln", "Holman Rd", "Davis Rd", "Trinity Pkwy", "Morada Ln",
    "Cherokee Rd", "Farmington Rd", "Fresno Ave", "Navy Dr", "Panama Ave", "Brookside Rd",
)  # fmt: skip
FIRST_NAMES = (
    "Maria", "José", "Linh", "Sokha", "Pa", "Jasmine", "Harpreet", "Michael", "Ana", "David",
    "Nguyen", "Chenda", "Yer", "Angela", "Gurpreet", "Robert", "Lucía", "James", "Mai", "Rosa",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Hernandez", "Nguyen", "Sok", "Vang", "Reyes", "Singh", "Smith", "Lopez", "Tran",
    "Chea", "Xiong", "Johnson", "Kaur", "Martinez", "Williams", "Pham", "Her", "Santos", "Brown",
)  # fmt: skip
OBSERVATIONS = (
    "Abandoned vehicle, expired registration",
    "Streetlight out at the corner",
    "Graffiti on the fence, photographed",
    "Shopping carts left on the sidewalk",
    "Illegal dumping: mattress and furniture",
    "Resident reports loud music at night",
    "Broken window at a vacant house",
    "Traffic signal stuck on red",
    "Loose dog, owner contacted",
    "Found property handed in: wallet",
)
LANGUAGES = ("en",) * 70 + ("es",) * 20 + ("vi",) * 4 + ("km", "km", "hmn", "hmn", "tl", "pa")
VISIT_OUTCOMES = ("all_secure",) * 95 + (
    "open_door_or_window",
    "open_door_or_window",
    "forced_entry",
    "suspicious",
    "other",
)
# Relative activity by local hour: day and swing shifts, little at night.
HOUR_WEIGHTS = (0, 0, 0, 0, 0, 1, 2, 6, 9, 10, 10, 9, 8, 9, 10, 10, 9, 8, 6, 5, 4, 3, 1, 0)
# More vacation checks in summer and over the holidays.
MONTH_WEIGHTS = (0.8, 0.7, 0.8, 0.9, 1.0, 1.4, 1.6, 1.5, 1.0, 0.9, 1.1, 1.5)
PHONE_AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/126 Mobile"


@dataclass
class Address:
    text: str
    latitude: float
    longitude: float
    district_id: int


@dataclass
class Staff:
    id: int
    username: str
    role: str


@dataclass
class World:
    """What later tables draw from: the clock, the people, the places."""

    rng: random.Random
    scale: float
    zone: ZoneInfo
    today: date
    now: datetime  # naive UTC, as the database stores it
    staff: list[Staff] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    audit: list[tuple] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return max(1, round(FULL_SCALE[name] * self.scale))

    def by_role(self, role: str) -> list[Staff]:
        return [person for person in self.staff if person.role == role]

    def local_to_utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)

    def at_work_hour(self, day: date) -> datetime:
        """A moment on a department-local day, weighted towards shift hours, in UTC."""
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60))
        return self.local_to_utc(local + timedelta(seconds=self.rng.randrange(60)))

    def seasonal_day(self, first: date, last: date) -> date:
        span = (last - first).days
        while True:
            day = first + timedelta(days=self.rng.randint(0, span))
            if self.rng.random() * 1.6 < MONTH_WEIGHTS[day.month - 1]:
                return day

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def ip(self) -> str:
        return (
            f"10.{self.rng.randrange(20, 24)}.{self.rng.randrange(256)}.{self.rng.randrange(256)}"
        )

    def add_audit(self, at, action, actor: Staff | None, object_type=None, object_id=None, **kw):
        self.audit.append((at, action, actor, object_type, object_id, kw))


# -- Writing -----------------------------------------------------------------------------------


def _insert(connection, table, rows: Iterable[dict]) -> int:
    """Insert in batches of BATCH with executemany; returns the number of rows."""
    total, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            total, batch = total + len(batch), []
    if batch:
        connection.execute(insert(table), batch)
        total += len(batch)
    return total


def _fix_sequences(connection, tables) -> None:
    """Rows were inserted with explicit ids; move PostgreSQL's sequences past them."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
            )
        )


# -- Staff and districts -----------------------------------------------------------------------


def staff_rows(world: World, password_hash: str) -> Iterator[dict]:
    joined = world.local_to_utc(
        datetime.combine(world.today - timedelta(days=YEARS * 365), datetime.min.time())
    )
    number = 0
    for prefix, role, how_many in STAFF:
        for index in range(1, how_many + 1):
            number += 1
            username = f"bench.{prefix}{index:02d}"
            world.staff.append(Staff(number, username, role))
            name = f"{world.rng.choice(FIRST_NAMES)} {world.rng.choice(LAST_NAMES)}"
            yield {
                "id": number,
                "username": username,
                "display_name": name,
                "role": role,
                "password_hash": password_hash,
                "totp_secret": BENCH_TOTP_SECRET,  # every page is measured behind it
                "locale": "es" if world.rng.random() < 0.2 else "en",
                "is_active_account": True,
                "failures_reset_at": joined,
                "password_changed_at": joined,
                "created_at": joined,
            }


def district_polygons(rng: random.Random) -> list[list[tuple[float, float]]]:
    """A grid over Stockton whose inner corners are nudged, so the districts are irregular
    quadrilaterals that still tile the whole area without gaps or overlaps."""
    step_lon = (EAST - WEST) / DISTRICT_COLUMNS
    step_lat = (NORTH - SOUTH) / DISTRICT_ROWS
    corners = {}
    for column in range(DISTRICT_COLUMNS + 1):
        for row in range(DISTRICT_ROWS + 1):
            inner = 0 < column < DISTRICT_COLUMNS and 0 < row < DISTRICT_ROWS
            nudge_lon = rng.uniform(-0.25, 0.25) * step_lon if inner else 0.0
            nudge_lat = rng.uniform(-0.25, 0.25) * step_lat if inner else 0.0
            corners[column, row] = (
                round(WEST + column * step_lon + nudge_lon, 6),
                round(SOUTH + row * step_lat + nudge_lat, 6),
            )
    return [
        [corners[c, r], corners[c + 1, r], corners[c + 1, r + 1], corners[c, r + 1], corners[c, r]]
        for r in range(DISTRICT_ROWS)
        for c in range(DISTRICT_COLUMNS)
    ]


def district_rows(world: World, polygons) -> Iterator[dict]:
    created = world.now - timedelta(days=YEARS * 365)
    for number, ring in enumerate(polygons, start=1):
        longitudes, latitudes = zip(*ring, strict=True)
        yield {
            "id": number,
            "name": f"District {number}",
            "geometry": json.dumps({"type": "Polygon", "coordinates": [ring]}),
            "min_latitude": min(latitudes),
            "max_latitude": max(latitudes),
            "min_longitude": min(longitudes),
            "max_longitude": max(longitudes),
            "created_at": created,
        }


def make_addresses(world: World, polygons) -> None:
    """Street addresses placed inside their district; busier districts get more of them."""
    shapes = [shapely.Polygon(ring) for ring in polygons]
    for shape in shapes:
        shapely.prepare(shape)
    weights = [world.rng.uniform(0.5, 2.0) for _ in shapes]
    for _ in range(world.count("addresses")):
        index = world.rng.choices(range(len(shapes)), weights)[0]
        min_lon, min_lat, max_lon, max_lat = shapes[index].bounds
        while True:
            lon, lat = world.rng.uniform(min_lon, max_lon), world.rng.uniform(min_lat, max_lat)
            if shapely.contains_xy(shapes[index], lon, lat):
                break
        number = world.rng.randrange(100, 9999)
        street = world.rng.choice(STREETS)
        world.addresses.append(
            Address(f"{number} {street}, Stockton, CA", round(lat, 6), round(lon, 6), index + 1)
        )


# -- Special checks and their visits -----------------------------------------------------------


@dataclass
class PlannedCheck:
    created_at: datetime
    start: date
    end: date
    address: Address
    cancelled: bool
    id: int = 0


def plan_checks(world: World) -> list[PlannedCheck]:
    """Checks active today, ended ones spread over five years, and a few upcoming ones."""
    rng, today = world.rng, world.today
    active = world.count("active_checks")
    planned = []
    for index in range(world.count("checks")):
        if index < active:
            start = today - timedelta(days=rng.randint(0, 20))
            end = today + timedelta(days=rng.randint(0, 20))
        elif rng.random() < 0.03:
            start = today + timedelta(days=rng.randint(1, 30))
            end = start + timedelta(days=rng.randint(2, 21))
        else:
            start = world.seasonal_day(
                today - timedelta(days=YEARS * 365), today - timedelta(days=35)
            )
            end = start + timedelta(days=rng.randint(2, 30))
        requested = start - timedelta(days=rng.randint(2, 14))
        cancelled = index >= active and rng.random() < 0.03
        address = rng.choice(world.addresses)
        planned.append(PlannedCheck(world.at_work_hour(requested), start, end, address, cancelled))
    planned.sort(key=lambda check: check.created_at)  # ids follow time, as in a real table
    for number, check in enumerate(planned, start=1):
        check.id = number
    return planned


def check_rows(world: World, planned: list[PlannedCheck]) -> Iterator[dict]:
    rng = world.rng
    for check in planned:
        source = rng.choices(("online", "phone", "counter", "staff"), (60, 25, 10, 5))[0]
        creator = rng.choice(world.staff) if source != "online" else None
        email = f"resident{check.id}@example.org" if rng.random() < 0.7 else None
        ended = check.end < world.today or check.cancelled
        finished_at = datetime.combine(check.end + timedelta(days=1), datetime.min.time())
        deleted = rng.random() < 0.005
        yield {
            "id": check.id,
            "reference": f"SC-{check.created_at:%Y}-{check.id:06d}",
            "client_uuid": world.uuid(),
            "submission_hash": hashlib.sha256(str(check.id).encode()).hexdigest(),
            "kind": rng.choices(("vacation_house", "business", "problem_location"), (80, 12, 8))[0],
            "source": source,
            "created_at": check.created_at,
            "updated_at": check.created_at,
            "created_by_id": creator.id if creator else None,
            "client_address": world.ip() if source == "online" else None,
            "requester_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "phone": f"(209) 555-{rng.randrange(10_000):04d}" if rng.random() < 0.8 else None,
            "email": email,
            "language": rng.choice(LANGUAGES),
            "address": check.address.text,
            "latitude": check.address.latitude,
            "longitude": check.address.longitude,
            "district_id": check.address.district_id,
            "start_date": check.start,
            "end_date": check.end,
            "notify_emergency_contact": rng.random() < 0.3,
            "emergency_contact_name": "Neighbour" if rng.random() < 0.5 else None,
            "vehicles": "Silver sedan in the driveway" if rng.random() < 0.3 else None,
            "instructions": "Check the side gate" if rng.random() < 0.2 else None,
            "manage_token_hash": hashlib.sha256(f"token-{check.id}".encode()).hexdigest(),
            "cancelled_at": check.created_at + timedelta(days=1) if check.cancelled else None,
            "summary_queued_at": finished_at if ended and email else None,
            "deleted_at": check.created_at + timedelta(days=1) if deleted else None,
        }
        detail = f"SC-{check.created_at:%Y}-{check.id:06d} {source}"
        world.add_audit(
            check.created_at,
            "special_check.create",
            creator,
            "special_check",
            check.id,
            detail=detail,
        )


def plan_visits(world: World, planned: list[PlannedCheck]) -> list[tuple]:
    """(created_at, check) of every visit, in time order; visits happen during the check."""
    rng = world.rng
    active = [check for check in planned if check.start <= world.today <= check.end]
    past = [check for check in planned if check.end < world.today and not check.cancelled]
    total = world.count("visits")
    visits = []
    for share, pool in ((ACTIVE_VISIT_SHARE, active), (1 - ACTIVE_VISIT_SHARE, past)):
        for _ in range(round(total * share) if pool else 0):
            check = rng.choice(pool)
            last = min(check.end, world.today)
            day = check.start + timedelta(days=rng.randint(0, (last - check.start).days))
            at = min(world.at_work_hour(day), world.now - timedelta(minutes=rng.randrange(1, 600)))
            visits.append((at, check))
    visits.sort(key=lambda visit: (visit[0], visit[1].id))
    return visits


def visit_rows(
    world: World, visits: list[tuple], flagged: dict[int, datetime], last: dict[int, datetime]
) -> Iterator[dict]:
    rng = world.rng
    officers = world.by_role("cso") * 4 + world.by_role("senior_cso")
    for number, (at, check) in enumerate(visits, start=1):
        officer = rng.choice(officers)
        outcome = rng.choice(VISIT_OUTCOMES)
        if outcome != "all_secure":
            flagged[check.id] = at
        deleted = rng.random() < 0.002
        if not deleted:
            last[check.id] = at
        yield {
            "id": number,
            "reference": f"CV-{at:%Y}-{number:06d}",
            "client_uuid": world.uuid(),
            "submission_hash": hashlib.sha256(f"visit-{number}".encode()).hexdigest(),
            "created_at": at,
            "updated_at": at,
            "created_by_id": officer.id,
            "latitude": round(check.address.latitude + rng.gauss(0, 0.0002), 7),
            "longitude": round(check.address.longitude + rng.gauss(0, 0.0002), 7),
            "accuracy_m": round(rng.uniform(3, 40), 1),
            "address": check.address.text,
            "district_id": check.address.district_id,
            # Visits are reviewed: the last week's wait in the queue, older ones were approved.
            "status": "submitted" if at > world.now - timedelta(days=7) else "approved",
            "deleted_at": at + timedelta(hours=1) if deleted else None,
            "check_id": check.id,
            "outcome": outcome,
            "notes": None if outcome == "all_secure" else "Called it in to dispatch",
        }
        world.add_audit(at, "check_visit.create", officer, "check_visit", number)


def flag_problems(connection, flagged: dict[int, datetime], last: dict[int, datetime]) -> None:
    """Each check's newest problem and newest live visit, as visits.py keeps them."""
    table = SpecialCheck.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("check_id"))
        .values(problem_flagged_at=bindparam("flagged_at"), last_visit_at=bindparam("last_at"))
    )
    rows = [
        {"check_id": check_id, "flagged_at": flagged.get(check_id), "last_at": last.get(check_id)}
        for check_id in flagged.keys() | last.keys()
    ]
    for start in range(0, len(rows), BATCH):
        connection.execute(statement, rows[start : start + BATCH])


# -- Field notes and their versions ------------------------------------------------------------

NOTE_STATES = (
    ("approved", 70),
    ("submitted", 10),
    ("resubmitted", 4),
    ("returned", 6),
    ("draft", 10),
)


def plan_notes(world: World) -> list[datetime]:
    """When each note was written: spread over five years, with a few today."""
    rng, first = world.rng, world.today - timedelta(days=YEARS * 365)
    moments = [
        world.at_work_hour(world.seasonal_day(first, world.today))
        for _ in range(world.count("notes"))
    ]
    moments += [
        world.now - timedelta(minutes=rng.randrange(5, 240))
        for _ in range(max(2, len(moments) // 2000))
    ]
    return sorted(min(at, world.now) for at in moments)


def note_rows(world: World, moments: list[datetime], versions: list[dict]) -> Iterator[dict]:
    rng = world.rng
    authors, seniors = world.by_role("cso"), world.by_role("senior_cso")
    for number, at in enumerate(moments, start=1):
        author, address = rng.choice(authors), rng.choice(world.addresses)
        status = rng.choices(*zip(*NOTE_STATES, strict=True))[0]
        reviewer = rng.choice(seniors) if status in ("approved", "returned") else None
        reviewed_at = at + timedelta(hours=rng.randint(1, 48)) if reviewer else None
        deleted = status != "approved" and rng.random() < 0.1
        observation = f"{rng.choice(OBSERVATIONS)} near {address.text.split(',')[0]}."
        yield {
            "id": number,
            "reference": f"FN-{at:%Y}-{number:06d}",
            "client_uuid": world.uuid(),
            "submission_hash": hashlib.sha256(f"note-{number}".encode()).hexdigest(),
            "created_at": at,
            "updated_at": reviewed_at or at,
            "created_by_id": author.id,
            "latitude": round(address.latitude + rng.gauss(0, 0.0003), 7),
            "longitude": round(address.longitude + rng.gauss(0, 0.0003), 7),
            "accuracy_m": round(rng.uniform(3, 60), 1),
            "address": address.text,
            "district_id": address.district_id,
            "status": status,
            "review_comment": "Add the licence plate, please." if status == "returned" else None,
            "reviewed_at": reviewed_at,
            "reviewed_by_id": reviewer.id if reviewer else None,
            "deleted_at": at + timedelta(hours=2) if deleted else None,
            "deleted_by_id": author.id if deleted else None,
            "deleted_reason": "Entered twice" if deleted else None,
            "observation": observation,
        }
        versions += _note_history(world, number, at, author, status, reviewer, reviewed_at, deleted)


def _note_history(world, number, at, author, status, reviewer, reviewed_at, deleted) -> list[dict]:
    """The versions and audit rows the app would have written for this note."""
    steps = [(at, author, "created", {}, None, "create")]
    if world.rng.random() < 0.15:
        steps.append(
            (
                at + timedelta(minutes=20),
                author,
                "edited",
                {"observation": ["…", "…"]},
                None,
                "update",
            )
        )
    if reviewer:
        action = "approved" if status == "approved" else "returned"
        note = "Add the licence plate, please." if action == "returned" else None
        steps.append(
            (reviewed_at, reviewer, action, {"status": ["submitted", action]}, note, action)
        )
    if deleted:
        steps.append((at + timedelta(hours=2), author, "deleted", {}, "Entered twice", "delete"))
    rows = []
    for version, (when, who, action, changes, note, verb) in enumerate(steps, start=1):
        rows.append({
            "record_type": "field_note", "record_id": number, "version": version, "action": action,
            "changed_by_id": who.id, "changed_at": when, "changes": changes, "note": note,
        })  # fmt: skip
        world.add_audit(when, f"field_note.{verb}", who, "field_note", number)
    return rows


# -- Logins and the audit trail ----------------------------------------------------------------


def login_rows(world: World) -> Iterator[dict]:
    """A login at the start of most shifts; now and then a mistyped password first."""
    rng = world.rng
    shifts_per_user = max(1, round(YEARS * 250 * world.scale))
    first = world.today - timedelta(days=YEARS * 365)
    attempts = []
    for person in world.staff:
        for _ in range(shifts_per_user):
            at = world.at_work_hour(world.seasonal_day(first, world.today))
            address = world.ip()
            if rng.random() < 0.04:
                attempts.append((at - timedelta(seconds=20), person, address, False))
            attempts.append((min(at, world.now), person, address, True))
    for _ in range(max(1, shifts_per_user // 10)):
        attempts.append(
            (world.at_work_hour(world.seasonal_day(first, world.today)), None, world.ip(), False)
        )
    attempts.sort(key=lambda attempt: attempt[0])
    for at, person, address, succeeded in attempts:
        yield {
            "attempted_at": at,
            "client_address": address,
            "user_id": person.id if person else None,
            "succeeded": succeeded,
        }
        world.add_audit(
            at,
            "login",
            person,
            outcome="success" if succeeded else "failure",
            client_address=address,
        )
        if succeeded and rng.random() < 0.7:
            world.add_audit(
                at + timedelta(hours=rng.uniform(6, 10)), "logout", person, client_address=address
            )


def add_views(world: World) -> None:
    """Fill the trail up to its target with the one audited view: original photos opened."""
    rng, first = world.rng, world.today - timedelta(days=YEARS * 365)
    people = world.staff
    for _ in range(world.count("audit") - len(world.audit)):
        at = world.at_work_hour(world.seasonal_day(first, world.today))
        action = "photo.original.view" if rng.random() < 0.97 else "access.denied"
        outcome = "success" if action == "photo.original.view" else "denied"
        world.add_audit(
            min(at, world.now),
            action,
            rng.choice(people),
            "photo",
            rng.randrange(1, 50_000),
            outcome=outcome,
        )


def audit_rows(world: World) -> Iterator[dict]:
    world.audit.sort(key=lambda row: row[0])
    for at, action, actor, object_type, object_id, extra in world.audit:
        yield {
            "occurred_at": at,
            "actor_id": actor.id if actor else None,
            "actor_name": actor.username if actor else None,
            "actor_role": actor.role if actor else None,
            "client_address": extra.get("client_address") or world.ip(),
            "user_agent": PHONE_AGENT,
            "action": action,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "outcome": extra.get("outcome", "success"),
            "detail": extra.get("detail"),
        }
    world.audit.clear()


# -- The whole run -----------------------------------------------------------------------------


def _clock(zone: ZoneInfo) -> tuple[date, datetime]:
    now = datetime.now(UTC)
    return now.astimezone(zone).date(), now.replace(tzinfo=None, microsecond=0)


def _require_empty(connection) -> None:
    if connection.execute(select(func.count()).select_from(User.__table__)).scalar():
        raise SystemExit("The database already has accounts: generate into an empty database.")


def fill(connection, world: World, password_hash: str) -> None:
    counts = world.counts
    counts["user_account"] = _insert(connection, User.__table__, staff_rows(world, password_hash))
    polygons = district_polygons(world.rng)
    counts["district"] = _insert(connection, District.__table__, district_rows(world, polygons))
    make_addresses(world, polygons)
    planned = plan_checks(world)
    counts["special_check"] = _insert(
        connection, SpecialCheck.__table__, check_rows(world, planned)
    )
    flagged: dict[int, datetime] = {}
    last: dict[int, datetime] = {}
    visits = plan_visits(world, planned)
    counts["check_visit"] = _insert(
        connection, CheckVisit.__table__, visit_rows(world, visits, flagged, last)
    )
    flag_problems(connection, flagged, last)
    # The day counts behind the overview (special_checks/counts.py) were kept by the
    # database's triggers as the checks went in and were flagged, as in the app.
    counts["special_check_day_count"] = connection.execute(
        select(func.count()).select_from(CheckDayCount.__table__)
    ).scalar()
    versions: list[dict] = []
    counts["field_note"] = _insert(
        connection, FieldNote.__table__, note_rows(world, plan_notes(world), versions)
    )
    counts["record_version"] = _insert(connection, RecordVersion.__table__, versions)
    counts["login_attempt"] = _insert(connection, LoginAttempt.__table__, login_rows(world))
    fill_workspace(connection, world)
    fill_community(connection, world)
    fill_calls(connection, world)
    fill_betterment(connection, world)
    add_views(world)
    counts["audit_event"] = _insert(connection, AuditEvent.__table__, audit_rows(world))
    _fix_sequences(connection, [User.__table__, District.__table__, SpecialCheck.__table__,
                                CheckVisit.__table__, FieldNote.__table__])  # fmt: skip


# -- The Senior CSO's workspace: shifts, languages, contacts, assignments -------------------------


def _field_staff(world: World) -> list[Staff]:
    return [person for person in world.staff if person.role in ("cso", "senior_cso")]


def shift_rows(world: World) -> Iterator[dict]:
    """Five years of past shifts (about 250 a year each, scaled), and today's: most of the
    field staff on shift now, in a district each."""
    people = _field_staff(world)
    districts = world.counts["district"]
    past = max(1, round(YEARS * 250 * world.scale))
    for person in people:
        for _ in range(past):
            day = world.today - timedelta(days=world.rng.randint(1, YEARS * 365))
            start = world.local_to_utc(datetime(day.year, day.month, day.day, 7))
            yield {"user_id": person.id, "district_id": world.rng.randint(1, districts),
                   "started_at": start, "ended_at": start + timedelta(hours=10),
                   "started_by_id": person.id}  # fmt: skip
        if world.rng.random() < ON_SHIFT_SHARE:
            start = world.now - timedelta(hours=world.rng.randint(1, 8))
            yield {"user_id": person.id, "district_id": world.rng.randint(1, districts),
                   "started_at": start, "ended_at": None, "started_by_id": person.id}  # fmt: skip


def language_rows(world: World) -> Iterator[dict]:
    for person in _field_staff(world):
        yield {"user_id": person.id, "language": "en", "proficiency": "native"}
        other = world.rng.choice(SPOKEN)
        if other:
            level = world.rng.choice(("native", "working", "basic"))
            yield {"user_id": person.id, "language": other, "proficiency": level}


def contact_rows(world: World) -> Iterator[dict]:
    for number, person in enumerate(_field_staff(world), start=1):
        yield {"user_id": person.id, "phone": f"209-555-{number:04d}", "call_sign": f"CSO {number}"}


def assignment_rows(world: World) -> Iterator[dict]:
    """Five years of work given by the Senior CSOs: nearly all completed, the newest open."""
    people, seniors = _field_staff(world), world.by_role("senior_cso")
    total = world.count("assignments")
    for number in range(total):
        age = world.rng.randint(0, YEARS * 365) if number >= 40 else 0
        created = world.now - timedelta(days=age, hours=world.rng.randint(1, 10))
        live = age == 0
        assignee = world.rng.choice(people)
        kind = world.rng.choice(TASK_KINDS)
        state = world.rng.choice(("open", "accepted")) if live else "done"
        yield {
            "kind": kind, "description": f"Bench task {number}", "address": None,
            "priority": world.rng.choice(("normal", "normal", "high", "urgent", "low")),
            "due_at": created + timedelta(hours=world.rng.randint(1, 8)),
            "language": "es" if kind == "translation" else None,
            "assignee_id": assignee.id, "district_id": None, "state": state,
            "created_by_id": world.rng.choice(seniors).id, "created_at": created,
            "accepted_at": None if state == "open" else created + timedelta(minutes=20),
            "completed_at": created + timedelta(hours=3) if state == "done" else None,
            "outcome": "Done" if state == "done" else None,
            "record_type": None, "record_id": None,
        }  # fmt: skip


def fill_workspace(connection, world: World) -> None:
    counts = world.counts
    counts["shift"] = _insert(connection, Shift.__table__, shift_rows(world))
    counts["team_language"] = _insert(connection, SpokenLanguage.__table__, language_rows(world))
    counts["team_contact"] = _insert(connection, Contact.__table__, contact_rows(world))
    counts["assignment"] = _insert(connection, Assignment.__table__, assignment_rows(world))


def _fill_and_analyze(connection, world: World, password_hash: str) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Only on this connection and only while filling: a crash here means regenerating.
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
        connection.commit()
    _require_empty(connection)
    fill(connection, world, password_hash)
    connection.commit()
    if sqlite:
        connection.exec_driver_sql("PRAGMA synchronous=FULL")
        connection.commit()
    if sqlite:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    else:
        # VACUUM as well: a database that has run for years has been vacuumed by autovacuum
        # (on by default), which sets the visibility map that index-only scans rely on. The
        # benchmark's server may run with autovacuum off, and a freshly loaded table without
        # it sends every "index-only" read to the table.
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def rebuild_numbers() -> int:
    from cso_field.numbers.tally import rebuild

    return rebuild()


def generate(
    url: str, scale: float = 1.0, seed: int = 2026, password: str = DEFAULT_PASSWORD
) -> dict:
    """Migrate the empty database at `url` and fill it; returns {table: rows inserted}."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url_from(url), "SESSION_COOKIE_SECURE": False}
    )
    with app.app_context():
        upgrade()
        zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
        today, now = _clock(zone)
        world = World(random.Random(seed), scale, zone, today, now)  # noqa: S311 (test data)
        # Hashed once: scrypt is deliberately slow, and every account shares the password.
        password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        with db.engine.connect() as connection:
            _fill_and_analyze(connection, world, password_hash)
        # District numbers' kept counts, as the app keeps them when records are written.
        world.counts["district_day_count (records read)"] = rebuild_numbers()
        db.engine.dispose()
    return world.counts


def database_url_from(url: str) -> str:
    """Accept the plain postgresql:// URLs that DATABASE_URL accepts (psycopg 3 driver)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="SQLite or PostgreSQL URL")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is five full years")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = generate(args.database_url, args.scale, args.seed, args.password)
    seconds = time.perf_counter() - started
    for table, rows in counts.items():
        print(f"{table:>15}: {rows:>10,}")
    print(f"{'total':>15}: {sum(counts.values()):>10,} rows in {seconds:.1f} s")


# -- Community programs: fingerprinting slots and bookings, messages to deliver ------------------

# Six 20-minute slots on each weekday morning, two places each, most taken: about 1,500 slots
# and 2,500 bookings a year at full scale, from five years back to two months ahead.
COMMUNITY_SLOTS_PER_DAY = 6
COMMUNITY_MESSAGES_PER_YEAR = 400


def fingerprint_slot_rows(world: World) -> Iterator[dict]:
    seniors = world.by_role("senior_cso")
    days = round(YEARS * 365 * world.scale) or 1
    first = world.today - timedelta(days=days)
    for offset in range(days + 60):
        day = first + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for number in range(COMMUNITY_SLOTS_PER_DAY):
            local = datetime(day.year, day.month, day.day, 9) + timedelta(minutes=20 * number)
            booked = world.rng.choice((0, 1, 2, 2))
            yield {"starts_at": world.local_to_utc(local), "minutes": 20, "capacity": 2,
                   "booked": booked, "place": "Police station lobby",
                   "created_by_id": world.rng.choice(seniors).id,
                   "created_at": world.local_to_utc(local) - timedelta(days=30),
                   "closed_at": None}  # fmt: skip


def fingerprint_appointment_rows(world: World, slots: list[tuple]) -> Iterator[dict]:
    for slot_id, starts_at, booked in slots:
        for _ in range(booked):
            past = starts_at < world.now
            created = starts_at - timedelta(days=world.rng.randint(1, 20))
            yield {"slot_id": slot_id, "method": world.rng.choice(("live_scan", "ink_card")),
                   "purpose": "employment",
                   "name": f"{world.rng.choice(FIRST_NAMES)} {world.rng.choice(LAST_NAMES)}",
                   "phone": "209-555-0100", "email": None,
                   "language": world.rng.choice(LANGUAGES), "client_address": world.ip(),
                   "manage_token_hash": None, "cancelled_at": None, "reminder_queued_at": None,
                   "outcome": world.rng.choice(("taken",) * 9 + ("no_show",)) if past else None,
                   "prints_count": 1 if past else None, "print_type": None, "outcome_at": None,
                   "outcome_by_id": None, "assignment_id": None, "reference": None,
                   "client_uuid": world.uuid(), "submission_hash": "0" * 64,
                   "created_at": created, "updated_at": created, "created_by_id": None,
                   "deleted_at": None, "deleted_reason": None, "deleted_by_id": None}  # fmt: skip


def message_rows(world: World) -> Iterator[dict]:
    people = _field_staff(world)
    total = max(1, round(YEARS * COMMUNITY_MESSAGES_PER_YEAR * world.scale))
    for _ in range(total):
        due = world.at_work_hour(world.today - timedelta(days=world.rng.randint(-30, YEARS * 365)))
        author = world.rng.choice(people)
        yield {"recipient": world.rng.choice(LAST_NAMES) + " family",
               "address": world.rng.choice(world.addresses).text,
               "message": "Property found: please call the front desk.",
               "requested_by": "Front desk", "due_at": due,
               "delivered_at": due if due < world.now else None, "assignment_id": None,
               "reference": None, "client_uuid": world.uuid(), "submission_hash": "0" * 64,
               "created_at": due - timedelta(days=1), "updated_at": due - timedelta(days=1),
               "created_by_id": author.id, "deleted_at": None, "deleted_reason": None,
               "deleted_by_id": None}  # fmt: skip


def fill_community(connection, world: World) -> None:
    from cso_field.community.models import FingerprintAppointment, FingerprintSlot, MessageDelivery

    counts = world.counts
    counts["fingerprint_slot"] = _insert(
        connection, FingerprintSlot.__table__, fingerprint_slot_rows(world)
    )
    slots = connection.execute(
        select(FingerprintSlot.id, FingerprintSlot.starts_at, FingerprintSlot.booked)
    ).all()
    counts["fingerprint_appointment"] = _insert(
        connection, FingerprintAppointment.__table__, fingerprint_appointment_rows(world, slots)
    )
    counts["message_delivery"] = _insert(connection, MessageDelivery.__table__, message_rows(world))
    _fix_sequences(connection, [FingerprintSlot.__table__, FingerprintAppointment.__table__,
                                MessageDelivery.__table__])  # fmt: skip


if __name__ == "__main__":
    main()


# -- Calls and the office log (cso_field/calls) ------------------------------------------------

CALL_TYPES = (
    ("Abandoned vehicle", 60),
    ("Cold burglary report", 90),
    ("Found property", 45),
    ("Parking complaint", 40),
    ("Non-injury collision report", 75),
    ("Lost property", 30),
    ("Vandalism report", 60),
    ("Welfare information", 35),
)
CALLS_FULL, OFFICE_LOG_FULL = 60_000, 30_000  # five years: about 33 calls and 16 visits a day


def _received(world: World) -> datetime:
    first = world.today - timedelta(days=YEARS * 365)
    return world.at_work_hour(world.seasonal_day(first, world.today))


def call_rows(world: World) -> Iterator[dict]:
    people = _field_staff(world)
    for number in range(max(1, round(CALLS_FULL * world.scale))):
        received = _received(world)
        yield {
            "id": number + 1, "reference": f"HC-{received:%Y}-{number + 1:06d}",
            "client_uuid": world.uuid(), "submission_hash": "0" * 64,
            "created_at": received, "updated_at": received,
            "created_by_id": world.rng.choice(people).id,
            "call_type_id": world.rng.randint(1, len(CALL_TYPES)), "received_at": received,
            "minutes": world.rng.randint(3, 45),
            "disposition": world.rng.choice(("resolved", "information", "report", "referred")),
            "sworn_would_go": world.rng.random() < 0.8,
            "district_id": world.rng.randint(1, DISTRICT_COLUMNS * DISTRICT_ROWS),
        }  # fmt: skip


def office_log_rows(world: World) -> Iterator[dict]:
    people = _field_staff(world)
    for number in range(max(1, round(OFFICE_LOG_FULL * world.scale))):
        received = _received(world)
        referred = world.rng.random() < 0.3
        yield {
            "id": number + 1, "reference": f"OL-{received:%Y}-{number + 1:06d}",
            "client_uuid": world.uuid(), "submission_hash": "0" * 64,
            "created_at": received, "updated_at": received,
            "created_by_id": world.rng.choice(people).id,
            "kind": world.rng.choice(("phone", "phone", "walk_in")), "received_at": received,
            "reason": f"Bench question {number}",
            "language": world.rng.choice(("en",) * 6 + ("es",) * 3 + ("vi",)),
            "outcome": "referred" if referred else "handled",
            "referred_to": "Public Works" if referred else None,
        }  # fmt: skip


def fill_calls(connection, world: World) -> None:
    types = [
        {"id": number, "name": name, "sworn_minutes": minutes, "retired": False}
        for number, (name, minutes) in enumerate(CALL_TYPES, start=1)
    ]
    counts = world.counts
    counts["call_type"] = _insert(connection, CallType.__table__, types)
    counts["handled_call"] = _insert(connection, HandledCall.__table__, call_rows(world))
    counts["office_log_entry"] = _insert(
        connection, OfficeLogEntry.__table__, office_log_rows(world)
    )
    _fix_sequences(
        connection, [CallType.__table__, HandledCall.__table__, OfficeLogEntry.__table__]
    )


# -- Betterment committees (cso_field/betterment) ----------------------------------------------

COMMITTEES_FULL, GOALS_PER_COMMITTEE, ACTIONS_PER_GOAL = 60, 4, 6
PROBLEMS = ("drugs", "gangs", "blight", "lighting", "traffic", "other")


def fill_betterment(connection, world: World) -> None:
    seniors = world.by_role("senior_cso")
    committees, goals, actions = [], [], []
    for number in range(1, max(1, round(COMMITTEES_FULL * world.scale)) + 1):
        created = world.now - timedelta(days=world.rng.randint(30, YEARS * 365))
        author = world.rng.choice(seniors).id
        committees.append(
            {"id": number, "name": f"Bench committee {number}", "area": f"Blocks {number}",
             "district_id": world.rng.randint(1, DISTRICT_COLUMNS * DISTRICT_ROWS),
             "languages": world.rng.choice(("en", "en,es", "en,es,vi")),
             "created_at": created, "created_by_id": author}
        )  # fmt: skip
        for _ in range(GOALS_PER_COMMITTEE):
            goal_id = len(goals) + 1
            goals.append(
                {"id": goal_id, "committee_id": number, "problem": world.rng.choice(PROBLEMS),
                 "goal": f"Bench goal {goal_id}", "created_at": created, "created_by_id": author}
            )  # fmt: skip
            for _ in range(ACTIONS_PER_GOAL):
                due = world.today + timedelta(days=world.rng.randint(-400, 90))
                status = "done" if due < world.today and world.rng.random() < 0.8 else "open"
                actions.append(
                    {"id": len(actions) + 1, "committee_id": number, "goal_id": goal_id,
                     "what": f"Bench action {len(actions) + 1}", "owner": "Public Works",
                     "partners": None, "due_on": due, "status": status,
                     "done_on": due if status == "done" else None, "created_at": created,
                     "created_by_id": author}
                )  # fmt: skip
    counts = world.counts
    counts["nbc_committee"] = _insert(connection, Committee.__table__, committees)
    counts["nbc_goal"] = _insert(connection, CommitteeGoal.__table__, goals)
    counts["nbc_action"] = _insert(connection, CommitteeAction.__table__, actions)
    _fix_sequences(
        connection, [Committee.__table__, CommitteeGoal.__table__, CommitteeAction.__table__]
    )
