"""Every model, imported once so Alembic and the app see the whole schema."""

from cso_field.assignments.models import Assignment
from cso_field.audit.models import AuditEvent
from cso_field.auth.mfa.models import Passkey, RecoveryCode, TrustedDevice
from cso_field.auth.models import LoginAttempt, LoginThrottle, User, UserSession
from cso_field.betterment.models import (
    Committee,
    CommitteeAction,
    CommitteeGoal,
    CommitteeMeeting,
)
from cso_field.calls.models import CallType, HandledCall, OfficeLogEntry
from cso_field.certifications.models import Certification, CertificationType
from cso_field.citations.models import (
    BlightCase,
    CaseViolation,
    Notice,
    ResponsibleParty,
    Violation,
)
from cso_field.community.models import (
    DeliveryAttempt,
    FingerprintAppointment,
    FingerprintSlot,
    MessageDelivery,
)
from cso_field.custody.models import (
    AssetSeizure,
    CustodyItem,
    CustodyTransfer,
    LabMailing,
    SupplyItem,
    SupplyMovement,
    Transport,
    TransportItem,
)
from cso_field.districts.models import District, Shift
from cso_field.field_notes.models import FieldNote
from cso_field.geocoding import GeocodeCache
from cso_field.locks import NamedLock
from cso_field.mail import OutboxMessage
from cso_field.missing_persons.models import (
    Distribution,
    MissingPerson,
    ParentNotification,
    Poster,
    SearchArea,
    Searcher,
    SearchLog,
    Step,
)
from cso_field.neighborhood_watch.models import WatchGroup, WatchMeeting, WatchMember, WatchSignup
from cso_field.numbers.models import DayCount
from cso_field.operations.models import BackupRun
from cso_field.photos.models import Photo
from cso_field.records.models import RecordVersion
from cso_field.retention.models import RetentionHold
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
from cso_field.team.models import (
    Contact,
    SpokenLanguage,
    TrainingAttendee,
    TrainingSession,
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
    "AssetSeizure",
    "Assignment",
    "AuditEvent",
    "BackupRun",
    "BlightCase",
    "CallType",
    "Canvass",
    "CaseViolation",
    "Certification",
    "CertificationType",
    "CheckDayCount",
    "CheckVisit",
    "Choice",
    "Committee",
    "CommitteeAction",
    "CommitteeGoal",
    "CommitteeMeeting",
    "Contact",
    "CustodyItem",
    "CustodyTransfer",
    "DayCount",
    "DeliveryAttempt",
    "DesignatedProblem",
    "Distribution",
    "District",
    "EnforcementSession",
    "FieldNote",
    "FingerprintAppointment",
    "FingerprintSlot",
    "GeocodeCache",
    "HandledCall",
    "LabMailing",
    "LoginAttempt",
    "LoginThrottle",
    "MessageDelivery",
    "MissingPerson",
    "NamedLock",
    "Notice",
    "OfficeLogEntry",
    "OperationalPeriod",
    "OutboxMessage",
    "ParentNotification",
    "Passkey",
    "Photo",
    "PostAssignment",
    "PostEquipment",
    "Poster",
    "Question",
    "RecordVersion",
    "RecoveryCode",
    "ResponsibleParty",
    "RetentionHold",
    "SearchArea",
    "SearchLog",
    "Searcher",
    "Setting",
    "Shift",
    "SpecialCheck",
    "SpokenLanguage",
    "Step",
    "SupplyItem",
    "SupplyMovement",
    "Survey",
    "SurveyResponse",
    "SurveyVersion",
    "TrafficIncident",
    "TrafficPost",
    "TrainingAttendee",
    "TrainingSession",
    "Transport",
    "TransportItem",
    "TrustedDevice",
    "User",
    "UserSession",
    "Violation",
    "WatchGroup",
    "WatchMeeting",
    "WatchMember",
    "WatchSignup",
]
