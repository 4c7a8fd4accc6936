"""The reports, in the order the dashboard shows them, grouped by section."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases.reports import art36, children, incidents, network, operations, proceedings, quality, requests

SECTIONS = [
    (
        _("Network overview"),
        [network.open_cases, network.weekly_flow, network.custody_by_facility, network.upcoming_hearings],
    ),
    (_("Workload"), [network.workload, network.attention]),
    (
        _("Timeliness"),
        [
            quality.days_to_closure,
            quality.art36_by_facility,
            quality.art36_by_notifier,
            art36.art36_by_agency,
            art36.art36_sequence_by_facility,
            quality.referrals_by_partner,
            quality.pending_transfers,
        ],
    ),
    (_("Outcomes"), [quality.closed_by_outcome, quality.repatriations, quality.vulnerable_open]),
    (_("Legal proceedings"), [proceedings.detained_without_counsel, proceedings.proceeding_outcomes]),
    (_("Requests to authorities"), [requests.unanswered_requests]),
    (_("Critical incidents"), [incidents.critical_incidents]),
    (
        _("Children"),
        [
            children.children_by_status,
            children.children_screened_before_return,
            children.children_dif_confirmation,
        ],
    ),
    (_("Enforcement operations"), [operations.operations]),
]

REPORTS = {function.__name__: function for _title, functions in SECTIONS for function in functions}


def run(name: str, user, params):
    return REPORTS[name](user, params)


def register(title, functions) -> None:
    """A section of reports from a higher layer (the intake app's inquiries), added at start-up
    (an app's ``ready``): the dashboard, the exports, the API and the weekly report list it."""
    if any(function.__name__ in REPORTS for function in functions):
        return
    SECTIONS.append((title, list(functions)))
    REPORTS.update({function.__name__: function for function in functions})
