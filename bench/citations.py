"""Blight citations: the case lists' CPU per request beside the reference list page, and the
citation PDF's generation time and size with three photos.

    .venv/bin/python -m bench.citations [--cases 20000] [--requests 500]

Uses bench/fixed_cost.py's small generated department (or DATABASE_URL), adds `--cases`
blight cases (a tenth of them bench.cso01's, spread over the steps, around downtown), then
measures each list with Werkzeug's test client in one process, as fixed_cost does.

Measured 2026-12-03 on SQLite, 20,000 cases, the shared 2-core machine (its load moves
every figure; the ratios hold better than the milliseconds):
- reinspections due, nearest first: 1.03x-1.33x the reference list page (budget 2x; was
  2.46x-2.73x): one ranked query per search circle on ix_blight_case_due_near reads only the
  columns shown, the planar distance is the one shown, and the row partial is lighter.
- the citation PDF with three 4000x3000 photos: 381 KiB (was 2,004 KiB with the 1600-px
  display copies embedded), 900-px print copies at JPEG quality 75 made once at issue
  (about 90 ms each); issuing it about 1.4 s in all under load, WeasyPrint 0.35-0.76 s.
"""

import argparse
import io
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fixed_cost import (  # noqa: E402 (after the path is set)
    WARMUP_REQUESTS,
    clients,
    cpu_ms_per_request,
    prepare_environment,
)

STATES = ["observed", "warned", "not_corrected", "cited", "paid", "closed"]


def add_cases(app, count: int) -> None:
    from sqlalchemy import insert, select

    from cso_field.auth.models import User
    from cso_field.citations.models import BlightCase, CaseViolation, ResponsibleParty, Violation
    from cso_field.extensions import db
    from cso_field.timeutil import department_today, utcnow

    rng = random.Random(12)  # noqa: S311 (repeatable bench data)
    with app.app_context():
        users = db.session.scalars(select(User.id).order_by(User.id)).all()
        mine = db.session.scalar(select(User.id).where(User.username == "bench.cso01"))
        violation = Violation(
            code_section="B-1", titles={"en": "Bench"}, descriptions={"en": "Bench"}
        )
        party = ResponsibleParty(party_key="bench|1", name="Bench Owner", mailing_address="1")
        db.session.add_all([violation, party])
        db.session.flush()
        today, now = department_today(), utcnow()
        rows = []
        for number in range(1, count + 1):
            state = rng.choice(STATES)
            rows.append(
                {
                    "reference": f"BC-B-{number:07d}",
                    "client_uuid": uuid.UUID(int=rng.getrandbits(128)),
                    "submission_hash": "0" * 64,
                    "created_at": now - timedelta(minutes=number),
                    "updated_at": now,
                    "created_by_id": mine if number % 10 == 0 else rng.choice(users),
                    "latitude": 37.95 + rng.random() * 0.04,
                    "longitude": -121.31 + rng.random() * 0.05,
                    "address": f"{number} Bench St",
                    "status": "submitted",
                    "state": state,
                    "observation": "Bench case",
                    "observed_on": today - timedelta(days=30),
                    "party_id": party.id,
                    "party_kind": "owner",
                    "party_name": "Bench Owner",
                    "correction_due": today - timedelta(days=rng.randrange(0, 5)),
                    "payment_due": today - timedelta(days=rng.randrange(-20, 20)),
                }
            )
        db.session.execute(insert(BlightCase), rows)
        ids = db.session.scalars(select(BlightCase.id)).all()
        db.session.execute(
            insert(CaseViolation), [{"case_id": i, "violation_id": violation.id} for i in ids]
        )
        db.session.commit()


def pdf_figures(app) -> str:
    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from cso_field.auth.models import User
    from cso_field.citations import notices, services
    from cso_field.documents import render_pdf
    from cso_field.extensions import db
    from cso_field.storage import get_storage

    def photo(seed: int) -> FileStorage:
        image = Image.effect_noise((4000, 3000), 60 + seed).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        return FileStorage(io.BytesIO(buffer.getvalue()), f"p{seed}.jpg", content_type="image/jpeg")

    with app.test_request_context():
        admin = db.session.scalar(db.select(User).where(User.role == "admin"))
        senior = db.session.scalar(db.select(User).where(User.role == "senior_cso"))
        cso = db.session.scalar(db.select(User).where(User.username == "bench.cso01"))
        violation = services.save_violation(
            None,
            {
                "code_section": "B-PDF",
                "schedule": "general",
                "lookback_days": 365,
                "correction_days": 14,
                "titles": {"en": "Junk", "es": "Basura"},
                "descriptions": {"en": "Junk in the yard.", "es": "Basura en el patio."},
                "custom_amounts": None,
                "is_example": False,
                "active": True,
            },
            admin,
        )
        services.record_training(
            cso, trained_on=services.department_today(), expires_on=None, note=None, by=senior
        )
        party = {"name": "Rosa", "mailing_address": "PO Box 1", "language": "es", "kind": "owner"}
        content = {"address": "1 Main St", "parcel_number": None, "observation": "Junk"}
        content.update(latitude=37.95, longitude=-121.29, accuracy_m=5.0)
        case, _ = services.open_case(
            content,
            violation_ids=[violation.id],
            party=party,
            client_uuid=uuid.uuid4(),
            author=cso,
            uploads=[photo(1), photo(2), photo(3)],
        )
        services.warn(case, cso)
        services.reinspect(case, cso, corrected=False, notes=None, uploads=[])
        started = time.perf_counter()
        notice = services.cite(case, cso, violation_ids=[violation.id])
        issuing = time.perf_counter() - started
        copies = []
        for photo in notice.snapshot["photos"]:
            started = time.perf_counter()
            notices.print_copy(get_storage().read(photo["display_key"]))
            copies.append(time.perf_counter() - started)
        runs = [
            render_pdf(notices.DOCUMENT_TEMPLATE, snapshot=notice.snapshot, document_lang="es")
            for _ in range(5)
        ]
    seconds = sorted(run.seconds for run in runs)
    return (
        f"citation PDF with three photos: {notice.pdf_bytes / 1024:.0f} KiB (print copies "
        f"{notices.PRINT_MAX_SIDE} px, JPEG quality {notices.PRINT_JPEG_QUALITY}); issuing it "
        f"{issuing * 1000:.0f} ms in all, of which a print copy {sum(copies) / 3 * 1000:.0f} ms "
        f"each; WeasyPrint {seconds[len(seconds) // 2] * 1000:.0f} ms median of 5 "
        f"({seconds[0] * 1000:.0f}-{seconds[-1] * 1000:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=500)
    arguments = parser.parse_args()
    prepare_environment()
    from bench.wsgi import REFERENCE_PATH, application
    from bench.wsgi import app as flask_app

    add_cases(flask_app, arguments.cases)
    _signed_out, signed_in = clients(application)
    pages = [
        ("reference list page", REFERENCE_PATH),
        ("my open cases", "/citations/"),
        ("reinspections due, nearest", "/citations/reinspections?lat=37.96&lon=-121.29"),
        ("reinspections due", "/citations/reinspections"),
        ("overdue", "/citations/overdue"),
    ]
    for _name, path in pages:
        for _ in range(WARMUP_REQUESTS):
            assert signed_in.get(path).status_code == 200, path
    reference = None
    for name, path in pages:
        ms = cpu_ms_per_request(signed_in, path, arguments.requests)
        reference = reference or ms
        print(f"{name:>28}: {ms:.3f} ms CPU per request, {ms / reference:.2f}x reference")
    print(pdf_figures(flask_app))


if __name__ == "__main__":
    main()
