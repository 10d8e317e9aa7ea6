"""The day counts (counts.py) against a straightforward recount, after every kind of write.

Every test compares the fast counts (lists.today_summary and active_counts, read from the
day rows and the stale index) with a recount over every check in Python, for each day from
ten days back to forty days ahead and for several stale windows, and the day rows kept by
the triggers with a rebuild from scratch.
"""

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cso_field.extensions import db
from cso_field.records import services as records
from cso_field.special_checks import counts, lists, services
from cso_field.special_checks.models import CheckDayCount, RequestSource, SpecialCheck
from cso_field.timeutil import day_start_utc, department_today, utcnow
from tests.factories import make_check, visit

STALE_WINDOWS = (0, 1, 3, 10)


def _recount(today, stale_days) -> lists.TodaySummary:
    """The counts, the slow and obvious way: every check, one at a time."""
    checks = list(
        db.session.scalars(select(SpecialCheck).execution_options(populate_existing=True))
    )
    since, cutoff = day_start_utc(today), utcnow() - timedelta(days=stale_days)
    active = [
        check
        for check in checks
        if check.deleted_at is None
        and check.cancelled_at is None
        and check.start_date <= today <= check.end_date
    ]
    return lists.TodaySummary(
        active=len(active),
        not_visited=sum(1 for c in active if c.last_visit_at is None or c.last_visit_at < since),
        stale=sum(
            1
            for c in active
            if (c.last_visit_at is not None and c.last_visit_at < cutoff)
            or (c.last_visit_at is None and c.start_date <= today - timedelta(days=stale_days))
        ),
        problems=sum(
            1
            for c in checks
            if c.deleted_at is None
            and c.problem_flagged_at is not None
            and c.start_date <= today
            and c.end_date >= today - timedelta(days=lists.PROBLEM_LOOKBACK_DAYS)
        ),
    )


def _day_rows() -> dict:
    rows = db.session.scalars(select(CheckDayCount).execution_options(populate_existing=True))
    return {
        row.day: (row.starting, row.ending, row.problem_starting, row.problem_ending)
        for row in rows
        if (row.starting, row.ending, row.problem_starting, row.problem_ending) != (0, 0, 0, 0)
    }


def assert_counts_exact():
    db.session.commit()
    today = department_today()
    for offset in range(-10, 41):
        day = today + timedelta(days=offset)
        for stale_days in STALE_WINDOWS:
            assert lists.today_summary(day, stale_days) == _recount(day, stale_days), (
                day,
                stale_days,
            )
        expected = _recount(day, 0)
        assert lists.active_counts(day) == lists.TodaySummary(expected.active, expected.not_visited)
    kept = _day_rows()
    counts.rebuild()
    assert _day_rows() == kept


@pytest.fixture
def today():
    return department_today()


def test_counts_follow_checks_made_in_every_way(app, users, today):
    staff = users.cso()
    make_check()
    make_check(start_date=today, end_date=today)
    make_check(start_date=today + timedelta(days=3), end_date=today + timedelta(days=9))
    make_check(start_date=today - timedelta(days=30), end_date=today - timedelta(days=5))
    make_check(cancelled_at=utcnow())
    make_check(deleted_at=utcnow())
    with app.test_request_context():
        for source, author in ((RequestSource.ONLINE, None), (RequestSource.PHONE, staff)):
            services.create_check(
                client_uuid=uuid.uuid4(),
                content={
                    "requester_name": "Ana Ruiz",
                    "address": "425 N El Dorado St",
                    "language": "en",
                    "start_date": today + timedelta(days=1),
                    "end_date": today + timedelta(days=4),
                },
                source=source,
                client_address="203.0.113.9",
                created_by=author,
            )
    assert lists.today_summary(today, 3).active == 2
    assert_counts_exact()


def test_counts_follow_cancelling_and_moving_the_end(app, today):
    first, second, third = make_check(), make_check(), make_check(end_date=today + timedelta(1))
    upcoming = make_check(start_date=today + timedelta(days=2), end_date=today + timedelta(5))
    with app.test_request_context():
        services.cancel(first, today=today)
        assert_counts_exact()
        services.change_end_date(second, today, today=today)  # ends today
        services.change_end_date(third, today + timedelta(days=20), today=today)
        services.change_end_date(upcoming, today + timedelta(days=12), today=today)
        assert_counts_exact()
        services.cancel(upcoming, today=today)
    assert_counts_exact()


def test_counts_follow_visits_problems_and_deleted_visits(app, users, today):
    officer, admin = users.cso(), users.admin()
    secure, flagged, old = make_check(), make_check(), make_check()
    never = make_check(start_date=today - timedelta(days=5))
    with app.test_request_context():
        visit(secure, officer)
        assert_counts_exact()
        problem = visit(flagged, officer, outcome="forced_entry")
        visit(old, officer, days_ago=4)
        assert_counts_exact()
        records.delete(problem, admin, "Wrong check")
        db.session.commit()
        later = visit(secure, officer, days_ago=2)
        records.delete(later, admin, "Typed twice")
        db.session.commit()
    assert never.last_visit_at is None
    assert_counts_exact()


def test_counts_follow_deleting_restoring_and_removing_checks(app, users, today):
    officer = users.cso()
    kept, flagged, removed = make_check(), make_check(), make_check()
    with app.test_request_context():
        visit(flagged, officer, outcome="suspicious")
    for check in (kept, flagged):
        check.deleted_at = utcnow()
    assert_counts_exact()
    flagged.deleted_at = None
    assert_counts_exact()
    db.session.delete(removed)
    assert_counts_exact()


def test_counts_follow_any_change_of_dates_or_state(app, today):
    """Writes no service makes today (a start date moved, dates the wrong way round, a bulk
    UPDATE) are counted too: the triggers see every write."""
    check = make_check()
    check.start_date = today + timedelta(days=1)
    assert_counts_exact()
    check.start_date, check.end_date = today + timedelta(days=5), today - timedelta(days=5)
    assert_counts_exact()
    check.end_date = today + timedelta(days=6)
    check.problem_flagged_at = utcnow()
    assert_counts_exact()
    db.session.execute(
        update(SpecialCheck).values(start_date=today - timedelta(days=1), cancelled_at=None)
    )
    assert_counts_exact()
    db.session.execute(update(SpecialCheck).values(cancelled_at=utcnow(), problem_flagged_at=None))
    assert_counts_exact()


def test_rebuild_restores_lost_counts(app, today):
    make_check()
    make_check(start_date=today + timedelta(days=2), end_date=today + timedelta(days=4))
    db.session.execute(update(CheckDayCount).values(starting=7, ending=0))
    db.session.commit()
    assert lists.today_summary(today, 3).active != 1
    counts.rebuild()
    assert lists.today_summary(today, 3).active == 1
    assert_counts_exact()


def test_rebuild_command(app, today):
    make_check()
    db.session.execute(update(CheckDayCount).values(ending=0))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["special-checks", "rebuild-counts"])
    assert result.exit_code == 0, result.output
    assert "Recounted" in result.output
    assert lists.today_summary(today, 3).active == 1
    assert_counts_exact()


def test_parallel_writes_keep_the_counts_exact(app, users, today):
    """Writers changing the same and different checks at once: each trigger sees the row as
    the last writer left it, so no change is counted twice or lost."""
    officer = users.cso()
    checks = [make_check(end_date=today + timedelta(days=3 + n % 5)) for n in range(8)]
    ids = [check.id for check in checks]
    officer_id = officer.id
    errors = []
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        with app.test_request_context():
            try:
                start.wait()
                for step in range(4):
                    check = db.session.get(
                        SpecialCheck, ids[(worker // 2 + step) % len(ids)]
                    )  # two at once
                    action = (worker + step) % 4
                    if action == 0:
                        new_end = today + timedelta(days=1 + (worker * 7 + step) % 20)
                        services.change_end_date(check, new_end, today=today)
                    elif action == 1 and worker % 3 == 0:
                        services.cancel(check, today=today)
                    elif action == 2 and services.is_active(check, today):
                        visit(check, db.session.get(type(officer), officer_id), outcome="other")
                    else:
                        make_check(end_date=today + timedelta(days=worker + step))
                    db.session.remove()
            except services.CheckRequestError:
                db.session.rollback()  # cancelled meanwhile by another worker: refused
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_counts_exact()
