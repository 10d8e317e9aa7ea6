"""The later record types' records for the speed run, and their GET pages as targets.

bench/generate.py makes five years of the first record types (notes, checks, visits, the
audit trail). Traffic posts, blight citations and Neighborhood Watch get, on top of that:
their demo records (made by their own demo loaders, as bench.cso01, bench.senior01 and
bench.admin01), a parade with 50 posts (bench/traffic_board.py), `CASES_FULL` x scale blight
cases (bench/citations.py) and `GROUPS_FULL` x scale watch groups, so that each of their
lists has more rows than a page shows. `add_record_types` runs once per database before the
server starts; `record_type_targets` lists every GET page of those types that takes no form
input, signed in as the role that uses it.
"""

import random
from dataclasses import dataclass

CASES_FULL = 20_000
GROUPS_FULL = 400
MINIMUM_CASES, MINIMUM_GROUPS = 60, 30
ADMIN = "bench.admin01"


@dataclass
class Ids:
    """The records whose pages are measured."""

    parade: int = 0
    period: int = 0
    problem: int = 0
    case: int = 0
    notice: int = 0
    violation: int = 0
    district: str = ""
    group: int = 0


def add_record_types(url: str, scale: float) -> Ids:
    """Fill the record types' tables of the generated database at `url`; returns the ids."""
    from bench.citations import add_cases
    from bench.generate import database_url_from
    from bench.traffic_board import add_parade
    from cso_field import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url_from(url), "GEOCODER": "none"})
    _demo_records(app)
    add_cases(app, max(MINIMUM_CASES, round(CASES_FULL * scale)))
    _add_groups(app, max(MINIMUM_GROUPS, round(GROUPS_FULL * scale)))
    ids = _ids(app)
    ids.parade = add_parade(url)
    with app.app_context():
        from cso_field.extensions import db
        from cso_field.traffic_posts.models import TrafficIncident

        ids.period = db.session.get(TrafficIncident, ids.parade).periods[0].id
    return ids


def _demo_records(app) -> None:
    from sqlalchemy import select
    from werkzeug.utils import import_string

    from bench import speed
    from cso_field.auth.models import User
    from cso_field.demo import DEMO_LOADERS, DEMO_SEED, DemoContext
    from cso_field.extensions import db

    names = {"cso.demo": speed.CSO, "senior.demo": speed.SENIOR, "admin.demo": ADMIN}
    with app.app_context(), app.test_request_context():
        users = {
            demo: db.session.scalar(select(User).where(User.username == name))
            for demo, name in names.items()
        }
        context = DemoContext(users=users, rng=random.Random(DEMO_SEED))  # noqa: S311
        for name in ("traffic_posts", "citations", "neighborhood_watch"):
            loader = DEMO_LOADERS.get(name)
            if loader:
                import_string(loader)(context)
        db.session.commit()


def _add_groups(app, count: int) -> None:
    from sqlalchemy import select

    from bench import speed
    from cso_field.auth.models import User
    from cso_field.extensions import db
    from cso_field.neighborhood_watch.services import create_group

    with app.app_context(), app.test_request_context():
        senior = db.session.scalar(select(User).where(User.username == speed.SENIOR))
        for number in range(1, count + 1):
            fields = {
                "name": f"Bench Watch {number}",
                "area": f"{number}00 block of Bench St",
                "district_id": None,
                "language": "es" if number % 5 == 0 else "en",
            }
            create_group(fields, senior)
        db.session.commit()


def _ids(app) -> Ids:
    from sqlalchemy import func, select

    from cso_field.citations.models import BlightCase, Notice, Violation
    from cso_field.districts.models import District
    from cso_field.extensions import db
    from cso_field.neighborhood_watch.models import WatchGroup
    from cso_field.traffic_posts.models import DesignatedProblem

    with app.app_context():
        return Ids(
            problem=db.session.scalar(select(func.min(DesignatedProblem.id))),
            case=db.session.scalar(select(func.max(BlightCase.id))),
            notice=db.session.scalar(select(func.min(Notice.id))),
            violation=db.session.scalar(select(func.min(Violation.id))),
            district=str(db.session.scalar(select(func.min(District.id)))),
            group=db.session.scalar(select(func.min(WatchGroup.id))),
        )


def record_type_targets(cso, senior, admin, ids: Ids) -> list:
    """Every GET page of traffic posts, citations and Neighborhood Watch without form input."""
    from bench.speed import LAT, LON, Target

    c, s, a = cso.cookie_header, senior.cookie_header, admin.cookie_header
    parade, period = f"/traffic/{ids.parade}", f"/traffic/{ids.parade}/periods/{ids.period}"
    problem = f"/traffic/problems/{ids.problem}"
    near = f"lat={LAT}&lon={LON}"
    return [
        Target("traffic incidents", ["/traffic/"], c),
        Target("traffic new incident form", ["/traffic/new"], c),
        Target("traffic posts board", [parade], s),
        Target("traffic board fragment", [f"{parade}/board"], s),
        Target("traffic manage (Senior)", [f"{parade}/manage"], s),
        Target("traffic ICS 214", [f"{period}/ics214"], s),
        Target("traffic ICS 204", [f"{period}/ics204"], s),
        Target("traffic problems", ["/traffic/problems/"], c),
        Target("traffic new problem form (Senior)", ["/traffic/problems/new"], s),
        Target("traffic problem", [problem], c),
        Target("traffic problem summary (Senior)", [f"{problem}/summary"], s),
        Target("citations: my open cases", ["/citations/"], c),
        Target("citations: reinspections near", [f"/citations/reinspections?{near}"], c),
        Target("citations: reinspections due", ["/citations/reinspections"], c),
        Target("citations: overdue", ["/citations/overdue"], c),
        Target("citations: overview (Senior)", ["/citations/overview"], s),
        Target(
            "citations: overview of a violation (Senior)",
            [f"/citations/overview/violation/{ids.violation}"],
            s,
        ),
        Target(
            "citations: overview of a district (Senior)",
            [f"/citations/overview/district/{ids.district}"],
            s,
        ),
        Target("citations: new case form", ["/citations/new"], c),
        Target("citations: a case", [f"/citations/{ids.case}"], c),
        Target("citations: a notice", [f"/citations/notices/{ids.notice}"], c),
        Target("citations: codebook (admin)", ["/citations/codebook"], a),
        Target("citations: training (Senior)", ["/citations/training"], s),
        Target("citations: settings (admin)", ["/citations/settings"], a),
        Target("watch groups", ["/watch/"], c),
        Target("watch group", [f"/watch/{ids.group}"], c),
        Target("watch new group form (Senior)", ["/watch/new"], s),
        Target("watch new meeting form", [f"/watch/{ids.group}/meetings/new"], c),
        Target("watch sign-ups (Senior)", ["/watch/signups"], s),
        Target("watch quiet groups (Senior)", ["/watch/quiet"], s),
        Target("watch sign-up (resident)", ["/neighborhood-watch/?lang=es"]),
    ]
