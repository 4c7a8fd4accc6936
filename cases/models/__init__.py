from cases.models.access import AccessAction, AccessLog
from cases.models.case import Case, CaseSequence
from cases.models.children import AgencyRequest, ChildAssessment, ChildWelfareCase
from cases.models.crossoffice import Consent, Referral, Transfer
from cases.models.custody import CaseLocateAttempt, CustodyEpisode
from cases.models.document import Document
from cases.models.family import FamilyChecklistItem, FamilyRelationship
from cases.models.formal_request import FormalRequest
from cases.models.handover import Handover
from cases.models.identifier_review import IdentifierReview
from cases.models.identity import DuplicateReview, Operation, PersonAlias, PersonMerge
from cases.models.incident import CriticalIncident
from cases.models.notification import Notification
from cases.models.person import EmergencyContact, Person
from cases.models.proceeding import Proceeding, ProceedingDeadline
from cases.models.reminder import Reminder, SmsOptOut, WebhookDelivery
from cases.models.removal import RemovalWarningAck
from cases.models.repatriation import Belonging, RepatriationHandoff
from cases.models.report_summary import (
    DailyFlow,
    OpenCaseload,
    OpenPerson,
    OpenTask,
    ScheduledHearings,
    VulnerableOpen,
)
from cases.models.visits import (
    ChecklistItemAnswer,
    ChecklistVersion,
    FacilityVisit,
    VisitChecklist,
    VisitInterview,
)
from cases.models.work import CaseEvent, Hearing, Task

__all__ = [
    "VisitInterview",
    "VisitChecklist",
    "FormalRequest",
    "FacilityVisit",
    "ChecklistVersion",
    "ChecklistItemAnswer",
    "AccessAction",
    "AccessLog",
    "AgencyRequest",
    "Belonging",
    "Case",
    "CaseLocateAttempt",
    "CriticalIncident",
    "CustodyEpisode",
    "DailyFlow",
    "CaseEvent",
    "CaseSequence",
    "ChildAssessment",
    "ChildWelfareCase",
    "Consent",
    "Document",
    "DuplicateReview",
    "EmergencyContact",
    "FamilyChecklistItem",
    "FamilyRelationship",
    "Handover",
    "Hearing",
    "IdentifierReview",
    "OpenCaseload",
    "Notification",
    "Operation",
    "OpenPerson",
    "OpenTask",
    "Person",
    "PersonAlias",
    "PersonMerge",
    "Proceeding",
    "ProceedingDeadline",
    "Referral",
    "RemovalWarningAck",
    "Reminder",
    "RepatriationHandoff",
    "ScheduledHearings",
    "SmsOptOut",
    "WebhookDelivery",
    "Task",
    "Transfer",
    "VulnerableOpen",
]
