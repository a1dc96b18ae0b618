"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""

from .attempt import Attempt, AttemptItem, AttemptStatus, ExtraAttempt
from .audit import AuditEvent
from .bank import Competency, Module, Question, QuestionVersion, VersionStatus
from .types import utcnow
from .user import Cohort, CohortMembership, Invitation, LoginSession, Role, User

__all__ = [
    "Attempt", "AttemptItem", "AttemptStatus", "AuditEvent", "Cohort", "CohortMembership", "Competency",
    "ExtraAttempt", "Invitation", "LoginSession", "Module", "Question", "QuestionVersion", "Role", "User",
    "VersionStatus", "utcnow",
]
