"""UTC time for storage; conversion to the department's zone happens in Babel's formatters."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, the form stored in every DateTime column (SQLite keeps no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)
