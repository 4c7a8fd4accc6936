"""Every write to persons and cases goes through these functions."""

from cases.services.cases import case_assign, case_note_add, case_open, case_reference_allocate, case_update
from cases.services.children import (
    agency_request_add,
    agency_request_update,
    child_assess,
    child_welfare_record,
)
from cases.services.custody import custody_episode_correct, custody_move, custody_release, custody_verify
from cases.services.documents import document_upload
from cases.services.family import (
    checklist_item_add,
    checklist_item_update,
    relationship_add,
    relationship_correct,
    relationship_end,
)
from cases.services.formal_requests import (
    request_answer,
    request_create,
    request_document_attach,
    request_send,
    request_update,
    request_withdraw,
)
from cases.services.handover import handover_acknowledge, handover_record
from cases.services.incidents import incident_close, incident_record
from cases.services.lifecycle import case_close_approve, case_close_reject, case_close_request, case_reopen
from cases.services.locate import locate_attempt_record
from cases.services.notifications import notification_mark_read, notifications_mark_all_read
from cases.services.persons import (
    emergency_contact_delete,
    emergency_contact_save,
    identifier_review_resolve,
    person_register,
    person_update,
)
from cases.services.proceedings import (
    deadline_add,
    deadline_resolve,
    proceeding_decide,
    proceeding_open,
    proceeding_status_set,
    proceeding_update,
)
from cases.services.referrals import (
    consent_record,
    consent_withdraw,
    referral_accept,
    referral_complete,
    referral_create,
    referral_decline,
    referral_document_upload,
    referral_note_add,
    referral_start,
    referral_withdraw,
)
from cases.services.registration import person_register_screened
from cases.services.reminders import reminder_retry, webhook_delivery_retry
from cases.services.removal import removal_warnings_acknowledge
from cases.services.repatriation import (
    belonging_record,
    belonging_resolve,
    handoff_confirm,
    handoff_prepare,
    handoff_update,
)
from cases.services.transfers import transfer_accept, transfer_cancel, transfer_reject, transfer_request
from cases.services.visits import (
    visit_checklist_record,
    visit_interviews_record,
    visit_plan,
    visit_update,
)
from cases.services.work import (
    hearing_cancel,
    hearing_outcome_record,
    hearing_schedule,
    hearing_state,
    hearing_update,
    task_add,
    task_complete,
    task_update,
)

__all__ = [
    "request_answer",
    "request_create",
    "request_document_attach",
    "request_send",
    "request_update",
    "request_withdraw",
    "visit_checklist_record",
    "visit_interviews_record",
    "visit_plan",
    "visit_update",
    "checklist_item_add",
    "checklist_item_update",
    "relationship_add",
    "relationship_correct",
    "relationship_end",
    "incident_close",
    "incident_record",
    "notification_mark_read",
    "notifications_mark_all_read",
    "agency_request_add",
    "agency_request_update",
    "child_assess",
    "child_welfare_record",
    "custody_episode_correct",
    "custody_move",
    "custody_release",
    "custody_verify",
    "locate_attempt_record",
    "deadline_add",
    "deadline_resolve",
    "proceeding_decide",
    "proceeding_open",
    "proceeding_status_set",
    "proceeding_update",
    "person_register_screened",
    "belonging_record",
    "belonging_resolve",
    "consent_record",
    "consent_withdraw",
    "document_upload",
    "handoff_confirm",
    "handover_acknowledge",
    "handover_record",
    "handoff_prepare",
    "removal_warnings_acknowledge",
    "handoff_update",
    "referral_accept",
    "referral_document_upload",
    "referral_complete",
    "referral_create",
    "referral_decline",
    "referral_note_add",
    "referral_start",
    "referral_withdraw",
    "reminder_retry",
    "webhook_delivery_retry",
    "transfer_accept",
    "transfer_cancel",
    "transfer_reject",
    "transfer_request",
    "case_assign",
    "case_close_approve",
    "case_close_reject",
    "case_close_request",
    "case_note_add",
    "case_open",
    "case_reference_allocate",
    "case_reopen",
    "case_update",
    "emergency_contact_delete",
    "emergency_contact_save",
    "hearing_cancel",
    "hearing_outcome_record",
    "hearing_schedule",
    "hearing_state",
    "hearing_update",
    "identifier_review_resolve",
    "person_register",
    "person_update",
    "task_add",
    "task_complete",
    "task_update",
]
