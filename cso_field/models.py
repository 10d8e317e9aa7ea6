"""Every model, imported once so Alembic and the app see the whole schema."""

from cso_field.audit.models import AuditEvent
from cso_field.auth.models import LoginAttempt, LoginThrottle, User, UserSession
from cso_field.districts.models import District
from cso_field.field_notes.models import FieldNote
from cso_field.geocoding import GeocodeCache
from cso_field.locks import NamedLock
from cso_field.mail import OutboxMessage
from cso_field.photos.models import Photo
from cso_field.records.models import RecordVersion
from cso_field.settings import Setting
from cso_field.special_checks.models import CheckDayCount, CheckVisit, SpecialCheck

__all__ = [
    "AuditEvent",
    "CheckDayCount",
    "CheckVisit",
    "District",
    "FieldNote",
    "GeocodeCache",
    "LoginAttempt",
    "LoginThrottle",
    "NamedLock",
    "OutboxMessage",
    "Photo",
    "RecordVersion",
    "Setting",
    "SpecialCheck",
    "User",
    "UserSession",
]
