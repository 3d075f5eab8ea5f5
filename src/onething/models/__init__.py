"""Every ORM class, one module per aggregate; importing this package registers them all."""

from onething.models.audit import AuditEntry
from onething.models.auth import AuthSession, LoginFailure
from onething.models.base import Base
from onething.models.calendar import HolidayDay, HolidayYear
from onething.models.cases import Case, CaseEvent, CaseMaterial, CaseSequence, Task, TaskEvent
from onething.models.catalog import CatalogEntry, CatalogVersion
from onething.models.evaluations import Evaluation, EvaluationDaily, EvaluationEvent, Rectification
from onething.models.identity import EnterpriseMandate, Hall, Org, RoleGrant, User, Window
from onething.models.licenses import License, LicenseEvent, LicenseSequence, SealKey
from onething.models.policies import Payment, PaymentBatch, Policy, PolicyEvent, PolicyMatch, PolicyRun, PolicyVersion
from onething.models.region import Region
from onething.models.sharing import Enterprise, EnterpriseFacts, Person
from onething.models.supervision import DeadlineWarning, JobLease, OutboxMessage

__all__ = [
    "AuditEntry",
    "AuthSession",
    "Base",
    "Case",
    "CaseEvent",
    "CaseMaterial",
    "CaseSequence",
    "CatalogEntry",
    "CatalogVersion",
    "DeadlineWarning",
    "Enterprise",
    "EnterpriseFacts",
    "EnterpriseMandate",
    "Evaluation",
    "EvaluationDaily",
    "EvaluationEvent",
    "Hall",
    "HolidayDay",
    "HolidayYear",
    "JobLease",
    "License",
    "LicenseEvent",
    "LicenseSequence",
    "LoginFailure",
    "Org",
    "OutboxMessage",
    "Payment",
    "PaymentBatch",
    "Person",
    "Policy",
    "PolicyEvent",
    "PolicyMatch",
    "PolicyRun",
    "PolicyVersion",
    "Rectification",
    "Region",
    "RoleGrant",
    "SealKey",
    "Task",
    "TaskEvent",
    "User",
    "Window",
]
