"""Every model holding personal data is tracked by pghistory. Every model of the project's apps is
classified here, so a new model fails ``test_every_model_is_classified`` until someone decides whether it
holds personal data (and tracks it if so)."""

from __future__ import annotations

import pytest
from django.apps import apps

PROJECT_APPS = ("cases", "consulates", "api", "workspace", "intake")

# Models whose rows name, locate, contact or describe a person (detained nationals, their families,
# partner contacts, staff accounts), or record what was done for them.
PERSONAL_DATA = {
    "cases.Person",
    "cases.EmergencyContact",
    "cases.Case",
    "cases.CaseEvent",
    "cases.Hearing",
    "cases.Task",
    "cases.Proceeding",  # a person's legal proceedings, their attorney and docket number
    "cases.ProceedingDeadline",  # the deadlines of a person's proceedings
    "cases.Transfer",
    "cases.Consent",
    "cases.Referral",
    "cases.RepatriationHandoff",
    "cases.Belonging",
    "cases.Handover",  # which person's case went to which consulate, and what was sent
    "cases.RemovalWarningAck",  # why a vulnerable person's removal went ahead despite a warning
    "cases.Document",
    "cases.IdentifierReview",  # who entered which person's identifier (the value itself is not tracked)
    "cases.Reminder",  # recipient phone or e-mail address
    "cases.SmsOptOut",  # a phone number
    "consulates.Partner",  # contact person, phone, e-mail
    "consulates.StaffMembership",
    "consulates.PartnerMembership",
    "consulates.UserAccount",  # Django's users: names, e-mail (password hash excluded)
    "api.ApiToken",
    "workspace.CalendarFeed",  # whose private calendar address it is (the history leaves out the digest)
    "cases.PersonAlias",  # another way a person's name is written
    "cases.DuplicateReview",  # which two records may be the same person
    "cases.PersonMerge",  # which records were merged (the snapshot of both is not tracked)
    "intake.Inquiry",  # the caller and the person sought
    "intake.LocateAttempt",  # where the person was searched for and found
    "cases.CustodyEpisode",  # where a person was held, from when to when
    "cases.FamilyRelationship",  # who is whose relative, where each one is
    "cases.FamilyChecklistItem",  # who cares for a person's children, their contact
    "cases.CaseLocateAttempt",  # where the person of a case was searched for and found
    "cases.CriticalIncident",  # a death, injury or disappearance in custody (the description encrypted)
    "cases.Notification",  # which staff member was told of which case's incident, and when they read it
    "cases.ChildWelfareCase",  # a child's agency and court numbers, the caseworker and the advocate
    "cases.AgencyRequest",  # what a child-welfare agency asked the consulate to do for a child
    "cases.ChildAssessment",  # a child's screening answers and guardian in Mexico
    "intake.ImportBatch",  # the uploaded list (the file itself is not tracked)
    "intake.ImportRow",  # which person a list's row became (its values are not tracked)
    "cases.FacilityVisit",  # which officers visited which facility when (decision 0026)
    "cases.VisitInterview",  # what a visit found of a person and what they need (encrypted)
    "cases.VisitChecklist",  # who answered a visit's conditions checklist
    "cases.ChecklistItemAnswer",  # a visit's answer on the conditions (its note may name someone)
    "cases.FormalRequest",  # a request to an authority about a person's case (details and answer encrypted)
}

# Models without personal data, each with the reason (tracked or not).
NOT_PERSONAL = {
    "cases.CaseSequence": "a counter per consulate and year",
    "cases.AccessLog": "the read log itself: ids only, append-only in the database",
    "api.IdempotencyRecord": (
        "a short-lived replay cache of API answers, purged after a day; tracking it would copy the "
        "answers (personal data) into permanent history"
    ),
    "cases.OpenCaseload": "report summary: counts per consulate, status, category... (no person)",
    "cases.OpenTask": "report summary: counts of open tasks per consulate, assignee and due date",
    "cases.OpenPerson": "report summary: how many open cases a person id has (ids and counts only)",
    "cases.VulnerableOpen": "report summary: counts of vulnerable persons per consulate",
    "cases.ScheduledHearings": "report summary: counts of hearings per consulate and hour",
    "cases.DailyFlow": "report summary: cases opened and closed per consulate and day",
    "api.ApiTokenUse": (
        "the record of partner-token calls (token, time, method, path without query, status, address): "
        "itself an audit record, written once, purged after API_TOKEN_USE_RETENTION_DAYS"
    ),
    "cases.WebhookDelivery": (
        "a proxy of cases.Reminder (its webhook rows, for the delivery log): no table of its own; the "
        "rows are tracked as cases.Reminder"
    ),
    "cases.Operation": "an enforcement operation: date, place, agency (tracked all the same)",
    "consulates.Consulate": "network reference data (tracked all the same)",
    "consulates.County": "network reference data (tracked all the same)",
    "consulates.DetentionFacility": "network reference data (tracked all the same)",
    "consulates.ReceptionPoint": "network reference data (tracked all the same)",
    "consulates.ImmigrationCourt": "network reference data (tracked all the same)",
    "consulates.ConsularPost": "network reference data (tracked all the same)",
    "cases.ChecklistVersion": "the checklist's item texts, one row per version (tracked all the same)",
}


def _project_models():
    """The apps' own models, without pghistory's event models."""
    from pghistory.models import Event

    return {
        model._meta.label: model
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if not issubclass(model, Event)
    }


def _tracked_labels() -> set[str]:
    from pghistory.models import Event

    return {
        model.pgh_tracked_model._meta.label
        for model in apps.get_models()
        if issubclass(model, Event) and model.pgh_tracked_model is not None
    }


def test_every_model_is_classified():
    unclassified = set(_project_models()) - PERSONAL_DATA - set(NOT_PERSONAL)
    assert not unclassified, f"personal data or not? classify {sorted(unclassified)}"
    stale = (PERSONAL_DATA | set(NOT_PERSONAL)) - set(_project_models())
    assert not stale, f"no such models: {sorted(stale)}"


@pytest.mark.parametrize("label", sorted(PERSONAL_DATA))
def test_every_personal_data_model_is_tracked(label):
    assert label in _tracked_labels(), f"{label} holds personal data: add @pghistory.track"


def test_the_account_history_keeps_no_password_hash():
    event_model = apps.get_model("consulates", "UserAccountEvent")
    assert "password" not in {field.name for field in event_model._meta.fields}
