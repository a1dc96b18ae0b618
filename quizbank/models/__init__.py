"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""

from .attempt import Attempt, AttemptItem, AttemptStatus, ExtraAttempt, ItemChoice
from .audit import AuditEvent
from .bank import Competency, Image, ImportBatch, Module, Question, QuestionVersion, ReviewComment, VersionStatus
from .certification import (
    Certificate,
    CertificateState,
    HoursEntry,
    HoursKind,
    SignOffOutcome,
    SkillSignOff,
    Track,
    TrackModule,
    TrackSkill,
)
from .standard_setting import AngoffRating, StandardSettingStudy, StudyStage
from .types import utcnow
from .user import Cohort, CohortMembership, Invitation, LoginSession, Role, User

__all__ = [
    "AngoffRating",
    "Attempt",
    "AttemptItem",
    "AttemptStatus",
    "AuditEvent",
    "Certificate",
    "CertificateState",
    "Cohort",
    "CohortMembership",
    "Competency",
    "ExtraAttempt",
    "HoursEntry",
    "HoursKind",
    "Image",
    "ImportBatch",
    "Invitation",
    "ItemChoice",
    "LoginSession",
    "Module",
    "Question",
    "QuestionVersion",
    "ReviewComment",
    "Role",
    "SignOffOutcome",
    "SkillSignOff",
    "StandardSettingStudy",
    "StudyStage",
    "Track",
    "TrackModule",
    "TrackSkill",
    "User",
    "VersionStatus",
    "utcnow",
]
