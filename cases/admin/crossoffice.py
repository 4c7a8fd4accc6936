"""Cross-office work on the case page: transfers between consulates, the person's consent for partners
and referrals to partners. The case page's hooks (called by ``CaseAdmin``) live here, with the small
action pages they link to; the Transfer and Referral lists are in ``crossoffice_lists``.

Which action a user is offered is decided by the ``*_actions`` functions below, from the same rules
the services apply; the services still decide (a forged POST meets their refusal, shown on the form).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services
from cases.admin import crossoffice_forms as forms
from cases.admin.base import add_service_errors
from cases.models import Case, Consent, Referral, Transfer
from cases.models.crossoffice import TransferStatus
from cases.selectors.crossoffice import (
    case_consents,
    case_referrals,
    case_transfers,
    referral_partner_suggestions,
)
from consulates.models import PartnerService
from consulates.policy import can

# name: (label, the action in ``consulates.policy``, which decides who is offered it and when)
CASE_TOOLS = {
    "transfer": (gettext_lazy("Request transfer"), "transfer.request"),
    "consent": (gettext_lazy("Record consent"), "consent.record"),
    "refer": (gettext_lazy("Refer to a partner"), "referral.create"),
}
TRANSFER_ACTIONS = {
    "accept": (gettext_lazy("Accept transfer"), "transfer.decide"),
    "reject": (gettext_lazy("Reject transfer"), "transfer.decide"),
    "cancel": (gettext_lazy("Cancel transfer"), "transfer.cancel"),
}
REFERRAL_ACTIONS = {
    "accept": (gettext_lazy("Partner accepted"), "referral.respond"),
    "decline": (gettext_lazy("Partner declined"), "referral.respond"),
    "start": (gettext_lazy("Mark in progress"), "referral.respond"),
    "complete": (gettext_lazy("Complete"), "referral.respond"),
    "withdraw": (gettext_lazy("Withdraw referral"), "referral.withdraw"),
}


def case_tools(user, case: Case, *, has_pending_transfer: bool) -> list[str]:
    names = [name for name, (_label, action) in CASE_TOOLS.items() if can(user, action, case)]
    return [name for name in names if not (name == "transfer" and has_pending_transfer)]


def transfer_actions(user, transfer: Transfer) -> list[str]:
    return [name for name, (_label, action) in TRANSFER_ACTIONS.items() if can(user, action, transfer)]


def referral_actions(user, referral: Referral, case: Case) -> list[str]:
    referral.case = case  # the case the caller already holds: no query per referral
    allowed = referral.allowed_transitions()
    return [
        name
        for name, (_label, action) in REFERRAL_ACTIONS.items()
        if name in allowed and can(user, action, referral)
    ]


def consent_can_withdraw(user, consent: Consent, case: Case) -> bool:
    consent.case = case
    return can(user, "consent.withdraw", consent)


def action_links(names, labels, url_name, pk) -> list[tuple[str, str, str]]:
    return [(name, labels[name][0], reverse(url_name, args=[pk, name])) for name in names]


# Case page hooks.


def _loaded(request, case: Case) -> dict:
    """The case's transfers, consents and referrals: three queries per page, whatever their number."""
    cached = getattr(case, "_crossoffice", None)
    if cached is None:
        user = request.user
        transfers = list(case_transfers(user=user, case=case))
        consents = list(case_consents(user=user, case=case))
        referrals = list(case_referrals(user=user, case=case))
        cached = {
            "transfers": [
                (
                    t,
                    action_links(
                        transfer_actions(user, t), TRANSFER_ACTIONS, "admin:cases_transfer_action", t.pk
                    ),
                )
                for t in transfers
            ],
            "consents": [
                (
                    c,
                    reverse("admin:cases_case_consent_withdraw", args=[case.pk, c.pk])
                    if consent_can_withdraw(user, c, case)
                    else "",
                )
                for c in consents
            ],
            "referrals": [
                (
                    r,
                    action_links(
                        referral_actions(user, r, case), REFERRAL_ACTIONS, "admin:cases_referral_action", r.pk
                    ),
                )
                for r in referrals
            ],
            "pending_transfer": next((t for t in transfers if t.status == TransferStatus.PENDING), None),
        }
        case._crossoffice = cached
    return cached


def case_page_context(request, case) -> dict:
    loaded = _loaded(request, case)
    return {
        "crossoffice": {
            **loaded,
            "transfers_url": reverse("admin:cases_transfer_changelist"),
            "referrals_url": reverse("admin:cases_referral_changelist"),
        }
    }


def case_object_tools(request, case) -> list[tuple[str, str, str]]:
    pending = _loaded(request, case)["pending_transfer"] is not None
    names = case_tools(request.user, case, has_pending_transfer=pending)
    return action_links(names, CASE_TOOLS, "admin:cases_case_crossoffice", case.pk)


def case_urls(model_admin) -> list:
    site = model_admin.admin_site

    def tool_view(request, object_id, tool):
        return _case_tool_view(model_admin, request, object_id, tool)

    def withdraw_view(request, object_id, consent_id):
        return _consent_withdraw_view(model_admin, request, object_id, consent_id)

    return [
        path(
            "<path:object_id>/crossoffice/<str:tool>/",
            site.admin_view(tool_view),
            name="cases_case_crossoffice",
        ),
        path(
            "<path:object_id>/consent/<int:consent_id>/withdraw/",
            site.admin_view(withdraw_view),
            name="cases_case_consent_withdraw",
        ),
    ]


def case_inlines(request, case) -> list:
    return []


# Action pages.


def render_action_page(request, model_admin, *, case: Case, form, label, crumbs, template=None, **extra):
    """One small form page: breadcrumbs up to the case (or the transfer/referral), the form, a Cancel."""
    case_url = reverse("admin:cases_case_change", args=[case.pk]) if extra.pop("case_link", True) else ""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"{label}: {case.reference}",
        "case": case,
        "case_url": case_url,
        "form": form,
        "action_label": label,
        "crumbs": crumbs,
        "cancel_url": crumbs[-1][1],
        **extra,
    }
    return TemplateResponse(request, template or "admin/cases/transfer/action.html", context)


def run_form(request, form, call) -> object | None:
    """Validate, call the service; its refusals go on the form. Returns the service's result or None."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You cannot do this."))
    return None


def _case_crumbs(case: Case) -> list[tuple[str, str]]:
    return [
        (Case._meta.verbose_name_plural, reverse("admin:cases_case_changelist")),
        (case.reference, reverse("admin:cases_case_change", args=[case.pk])),
    ]


def _case_tool_view(model_admin, request, object_id, tool):
    case = model_admin.get_object(request, object_id)
    if case is None or tool not in CASE_TOOLS:
        raise Http404
    case_url = reverse("admin:cases_case_change", args=[case.pk])
    pending = Transfer.objects.pending().filter(case=case).exists()
    if tool not in case_tools(request.user, case, has_pending_transfer=pending):
        messages.error(request, _("This action is not available for this case now."))
        return HttpResponseRedirect(case_url)
    user, label = request.user, CASE_TOOLS[tool][0]
    data = request.POST if request.method == "POST" else None
    extra = {}
    if tool == "transfer":
        form = forms.TransferRequestForm(data, case=case, user=user)
        done = run_form(
            request,
            form,
            lambda d: services.transfer_request(
                actor=user, case=case, to_consulate=d["to_consulate"], reason=d["reason"]
            ),
        )
        success = _("Transfer requested. The case stays here until the other consulate accepts it.")
    elif tool == "consent":
        initial = {"partner": request.GET.get("partner")} if request.GET.get("partner", "").isdigit() else {}
        form = forms.ConsentForm(data, case=case, user=user, initial=initial)
        done = run_form(
            request,
            form,
            lambda d: services.consent_record(
                actor=user,
                case=case,
                partner=d["partner"],
                scope=d["scope"],
                method=d["method"],
                given_at=d.get("given_at"),
                form_document=d.get("form_document"),
            ),
        )
        success = _("Consent recorded.")
    else:
        service = (data or request.GET).get("service", "")
        service = service if service in PartnerService.values else ""
        form = forms.ReferralForm(data, case=case, user=user, service=service)
        done = run_form(
            request,
            form,
            lambda d: services.referral_create(
                actor=user,
                case=case,
                partner=d["partner"],
                service=d["service"],
                request_note=d.get("request_note", ""),
            ),
        )
        success = _("Referred. The partner's answer is expected within 72 hours.")
        extra = {
            "service": service,
            "service_choices": PartnerService.choices,
            "suggestions": list(referral_partner_suggestions(case=case, service=service)) if service else [],
            "consent_url": reverse("admin:cases_case_crossoffice", args=[case.pk, "consent"]),
        }
    if done is not None:
        messages.success(request, success)
        return HttpResponseRedirect(case_url)
    template = {"consent": "admin/cases/consent/action.html", "refer": "admin/cases/referral/refer.html"}
    return render_action_page(
        request,
        model_admin,
        case=case,
        form=form,
        label=label,
        crumbs=_case_crumbs(case),
        template=template.get(tool),
        **extra,
    )


def _consent_withdraw_view(model_admin, request, object_id, consent_id):
    case = model_admin.get_object(request, object_id)
    if case is None:
        raise Http404
    consent = (
        Consent.objects.visible_to(request.user)
        .filter(case=case)
        .select_related("partner")
        .filter(pk=consent_id)
    ).first()
    if consent is None:
        raise Http404
    case_url = reverse("admin:cases_case_change", args=[case.pk])
    if not consent_can_withdraw(request.user, consent, case):
        messages.error(request, _("This action is not available for this case now."))
        return HttpResponseRedirect(case_url)
    form = forms.ConsentWithdrawForm(request.POST if request.method == "POST" else None)
    done = run_form(
        request,
        form,
        lambda d: services.consent_withdraw(actor=request.user, consent=consent, note=d.get("note", "")),
    )
    if done is not None:
        messages.success(
            request,
            _("Consent for %(partner)s withdrawn: the partner's access and referrals ended.")
            % {"partner": consent.partner},
        )
        return HttpResponseRedirect(case_url)
    return render_action_page(
        request,
        model_admin,
        case=case,
        form=form,
        label=_("Withdraw consent"),
        crumbs=_case_crumbs(case),
        template="admin/cases/consent/action.html",
        consent=consent,
    )
