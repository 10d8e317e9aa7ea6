"""Every model, imported once so Alembic and the app see the whole schema."""

from cso_field.audit.models import AuditEvent
from cso_field.auth.models import LoginAttempt, LoginThrottle, User, UserSession
from cso_field.citations.models import (
    BlightCase,
    CaseViolation,
    CitationTraining,
    Notice,
    ResponsibleParty,
    Violation,
)
from cso_field.districts.models import District
from cso_field.field_notes.models import FieldNote
from cso_field.geocoding import GeocodeCache
from cso_field.locks import NamedLock
from cso_field.mail import OutboxMessage
from cso_field.neighborhood_watch.models import WatchGroup, WatchMeeting, WatchMember, WatchSignup
from cso_field.numbers.models import DayCount
from cso_field.photos.models import Photo
from cso_field.records.models import RecordVersion
from cso_field.settings import Setting
from cso_field.special_checks.models import CheckDayCount, CheckVisit, SpecialCheck
from cso_field.surveys.models import (
    Answer,
    Canvass,
    Choice,
    Question,
    Survey,
    SurveyResponse,
    SurveyVersion,
)
from cso_field.traffic_posts.models import (
    ActivityEntry,
    DesignatedProblem,
    EnforcementSession,
    OperationalPeriod,
    PostAssignment,
    PostEquipment,
    TrafficIncident,
    TrafficPost,
)

__all__ = [
    "ActivityEntry",
    "Answer",
    "AuditEvent",
    "BlightCase",
    "Canvass",
    "CaseViolation",
    "CheckDayCount",
    "CheckVisit",
    "Choice",
    "CitationTraining",
    "DayCount",
    "DesignatedProblem",
    "District",
    "EnforcementSession",
    "FieldNote",
    "GeocodeCache",
    "LoginAttempt",
    "LoginThrottle",
    "NamedLock",
    "Notice",
    "OperationalPeriod",
    "OutboxMessage",
    "Photo",
    "PostAssignment",
    "PostEquipment",
    "Question",
    "RecordVersion",
    "ResponsibleParty",
    "Setting",
    "SpecialCheck",
    "Survey",
    "SurveyResponse",
    "SurveyVersion",
    "TrafficIncident",
    "TrafficPost",
    "User",
    "UserSession",
    "Violation",
    "WatchGroup",
    "WatchMeeting",
    "WatchMember",
    "WatchSignup",
]
