"""UTC time for storage; the department's calendar (its time zone, through Flask-Babel)."""

from datetime import UTC, date, datetime, time

from flask_babel import to_user_timezone, to_utc


def utcnow() -> datetime:
    """Naive UTC, the form stored in every DateTime column (SQLite keeps no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def department_today() -> date:
    """Today's date where the department is, whatever the server's zone."""
    return to_user_timezone(utcnow()).date()


def day_start_utc(day: date) -> datetime:
    """Midnight of a department-local day, as the naive UTC the database stores."""
    return to_utc(datetime.combine(day, time.min))


def department_day(moment: datetime) -> date:
    """The department-local day of a stored (naive UTC) moment."""
    return to_user_timezone(moment).date()
