"""The access policy: who may do what, and which rows each user sees. The one place a rule lives.

Every door asks here and nowhere else:

* ``can(user, action, obj)``: may the user do ``action`` on ``obj`` now? The staff UI and the API ask it
  to offer or hide an action (it answers for the object's state too, through ``Rule.when``).
* ``authorize(user, action, obj)``: the services ask it before they write, and it raises
  ``PermissionDenied`` with the rule's refusal. It checks who and where, not the object's state: a
  state the action cannot start from is the service's validation error (400, not 403).
* ``scope(user, model, purpose)``: the filter a queryset applies for the rows the user may see
  (``visible_to``), count in reports (``held_for``) or write (``work``).
* ``reach(user)``: the consulates the user's work covers (reports, forms, filters).

``consulates.access.access_for`` only resolves who a user is (role, consulate, partner, export grant);
it decides nothing. ``POLICY`` names every action; a service, an admin action or an API route whose
action is not in it fails ``tests/consulates/test_policy.py``.

This module sits below ``cases`` (``consulates`` never imports ``cases``): it names cases' models by
their labels and reaches them through the app registry.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consulates.access import Access, access_for
from consulates.expressions import InArray
from consulates.models import EXPORT_ROLES, Role

# ------------------------------------------------------------------------------------------------
# Who

OFFICER, SUPERVISOR, MANAGER, ADMINISTRATOR, AUDITOR = (
    Role.OFFICER,
    Role.SUPERVISOR,
    Role.REGIONAL_MANAGER,
    Role.ADMINISTRATOR,
    Role.AUDITOR,
)
PARTNER = "partner"  # a user of an active partner organisation

STAFF = frozenset({OFFICER, SUPERVISOR, MANAGER, ADMINISTRATOR})  # work with case data (auditors do not)
WORKERS = frozenset({OFFICER, SUPERVISOR, ADMINISTRATOR})  # write case work; managers read
SUPERVISORS = frozenset({SUPERVISOR, ADMINISTRATOR})
ADMINISTRATORS = frozenset({ADMINISTRATOR})
AUDIT = frozenset({ADMINISTRATOR, AUDITOR})
PARTNERS = frozenset({PARTNER})

NETWORK_WIDE = frozenset({MANAGER, ADMINISTRATOR})  # see the whole network's case data
CONSULATE_BOUND = frozenset({OFFICER, SUPERVISOR})  # see their own consulate's

# ------------------------------------------------------------------------------------------------
# What


@dataclass(frozen=True)
class Rule:
    """Who may take an action, on which objects.

    ``who``: the roles (and ``PARTNER``) allowed. ``at``: the object's attribute path naming the consulate
    the action is taken at; a consulate-bound role must hold it (network-wide roles hold every one).
    ``partner``: the attribute path naming the partner whose users may act. ``owner``: the attribute
    path naming the one user who may act on their own object whatever their role. ``within``: a
    purpose of ``scope`` the object must be within. ``export``: needs the export permission an
    administrator grants. ``when``: the object's state the action starts from (``can`` only).
    ``refusal``: what ``authorize`` tells the refused user."""

    who: frozenset[str]
    refusal: Any = None
    at: str | None = None
    partner: str | None = None
    owner: str | None = None
    within: str | None = None
    export: bool = False
    when: Callable[[Any], bool] | None = None


def _case_open(case) -> bool:
    return case.allows("work")


def _child_case_open(case) -> bool:
    """A child's case (its person under 18 on the day it was opened, ``Case.is_child_case``) still open."""
    return case.allows("work") and case.is_child_case


def _transition(name: str) -> Callable[[Any], bool]:
    return lambda obj: obj.allows(name)


_CHANGE_WORK = _("You cannot change case work of this consulate.")
_SUPERVISOR_ONLY = _("Only a supervisor of this consulate can do this.")

POLICY: dict[str, Rule] = {
    # Doors
    "staff.enter": Rule(STAFF, _("This part of the API is for consular staff.")),
    "partner.enter": Rule(PARTNERS, _("This part of the API is for partner organisations.")),
    "reference.view": Rule(STAFF),
    "reference.manage": Rule(ADMINISTRATORS),
    # A facility not in the list (a county jail, a hospital, one in another state), added from the custody
    # form by those who record custody: officers, supervisors and administrators.
    "facility.add": Rule(WORKERS, _("You cannot add facilities.")),
    "partner.deactivate": Rule(
        ADMINISTRATORS, _("Only an administrator can change a partner organisation's access.")
    ),
    # A partner organisation's users replace its webhook signing secret (administrators too, in the UI).
    "partner.webhook_secret.rotate": Rule(
        ADMINISTRATORS | PARTNERS,
        _("Only the organisation itself or an administrator can replace its webhook secret."),
        partner="partner_id",
    ),
    "audit.view": Rule(AUDIT),  # the audit trail and the access log
    "audit.values": Rule(ADMINISTRATORS),  # the values in the trail (personal data, decrypted)
    # What only those who run the system need: a document's checksum, a record's version number, where a
    # row of reference data came from (the loaded data's own notes, in English).
    "technical.view": Rule(ADMINISTRATORS),
    "report.view": Rule(STAFF),
    # The hearings and tasks calendar and one's own calendar feed: staff who work with case data (managers
    # read it too); what it shows is ``scope``'s.
    "calendar.view": Rule(STAFF),
    "report.export": Rule(STAFF, export=True),
    # Persons
    "person.search": Rule(
        STAFF, _("Searching persons and cases is for consular staff.")
    ),  # within visible_to
    "person.register": Rule(WORKERS, _("You cannot register persons for this consulate."), at="pk"),
    "person.edit": Rule(WORKERS, _("You cannot change this person."), within="work"),
    "person.export": Rule(
        ADMINISTRATORS, _("Only an administrator can export a person's data."), export=True
    ),
    "person.erase": Rule(ADMINISTRATORS, _("Only an administrator can erase a person's data.")),
    "identifier_review.view": Rule(WORKERS, within="view"),
    "identifier_review.resolve": Rule(WORKERS, _("You cannot resolve this review."), within="view"),
    "identifier_review.record": Rule(
        ADMINISTRATORS, _("Only an administrator can record the identifier on the record.")
    ),
    # One record per person: possible duplicates are decided by whoever sees the record they resemble;
    # merging (and undoing a merge) is for supervisors of a consulate that holds both records, and for
    # administrators (the service asks for each record).
    "duplicate_review.resolve": Rule(
        WORKERS, _("You cannot decide on this possible duplicate."), within="view"
    ),
    "person.merge": Rule(
        SUPERVISORS,
        _("Only a supervisor of the consulate holding both records can merge them."),
        within="work",
    ),
    # Intake: inquiries from families and partners, detainee lists, enforcement operations
    "inquiry.record": Rule(WORKERS, _("You cannot record inquiries for this consulate."), at="pk"),
    "inquiry.work": Rule(WORKERS, _("This inquiry belongs to another consulate."), at="consulate_id"),
    "inquiry.send": Rule(PARTNERS, _("Only partner organisations send inquiries through the API.")),
    "import.run": Rule(WORKERS, _("You cannot import detainee lists for this consulate."), at="pk"),
    "import.work": Rule(WORKERS, _("This import belongs to another consulate."), at="consulate_id"),
    "operation.manage": Rule(WORKERS, _("You cannot change this consulate's operations."), at="consulate_id"),
    # Cases
    # Who is given work and told of it (``holders``): a case's work goes to officers and supervisors of
    # its consulate; the daily digest to them; a case without an assignee alerts its supervisors; the
    # weekly report goes to supervisors and managers.
    "case.assignee": Rule(CONSULATE_BOUND),
    "digest.receive": Rule(CONSULATE_BOUND),
    "case.alerts": Rule(frozenset({SUPERVISOR})),
    "report.weekly": Rule(frozenset({SUPERVISOR, MANAGER})),
    "case.open": Rule(WORKERS, _CHANGE_WORK, at="pk"),
    "case.work": Rule(WORKERS, _CHANGE_WORK, at="consulate_id"),
    "case.edit": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_case_open),
    "case.assign": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_transition("assign")),
    "case.close.request": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_transition("close_request")),
    # A closure that needs approval, done at once by a supervisor instead of being asked for.
    "case.close.direct": Rule(SUPERVISORS, _SUPERVISOR_ONLY, at="consulate_id"),
    "case.close.approve": Rule(
        SUPERVISORS, _SUPERVISOR_ONLY, at="consulate_id", when=_transition("close_decide")
    ),
    "case.reopen": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_transition("reopen")),
    # Children (decision 0029). A child's case is closed by a supervisor of its consulate, whatever its
    # priority or flags: an officer's closure is a request the supervisor approves (the lifecycle service
    # asks this rule instead of ``case.close.direct``; a closure as repatriated also waits for the DIF's
    # confirmation of receipt, a state the service checks).
    "case.close.child": Rule(
        SUPERVISORS,
        _("Only a supervisor of this consulate can close a child's case; an officer asks for its closure."),
        at="consulate_id",
    ),
    # The child-welfare agency's case, its requests and the child's assessment: recorded by those who work
    # a child's case while it is open; managers read them.
    "child.record": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_child_case_open),
    # Reception in Mexico is confirmed even after the case was closed (often it is closed as repatriated
    # before the reception point answers).
    "handoff.confirm": Rule(WORKERS, _CHANGE_WORK, at="consulate_id"),
    # Legal proceedings, their deadlines and attorney of record: recorded by those who work the case, while
    # it is open (a decision arriving after closure is recorded after reopening).
    "proceeding.record": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_case_open),
    # Facility visits (decision 0026): planned and recorded by the workers of the consulate whose district
    # holds the facility (the visit's consulate is that district's); managers read every visit. A cancelled
    # visit records nothing more.
    "facility.view": Rule(STAFF),
    "visit.plan": Rule(
        WORKERS, _("You can plan visits only to facilities in your consulate's district."), at="consulate_id"
    ),
    "visit.record": Rule(
        WORKERS,
        _("Only the consulate that planned this visit can record it."),
        at="consulate_id",
        when=_transition("record"),
    ),
    # Formal requests to authorities: written by the workers of the consulate that makes them (on its own
    # cases, or facilities of its district); managers read them all.
    "request.record": Rule(
        WORKERS, _("Only the consulate that makes this request can change it."), at="consulate_id"
    ),
    # Families (decision 0027): a relationship is recorded by whoever may change one of the two persons
    # and sees the other (the service checks the relative's visibility); corrected or removed by whoever
    # may change either of them and sees both (``scope(..., "work")``). The family-preparedness checklist
    # is case work: the case's workers while it is open.
    "family.add": Rule(WORKERS, _("You cannot record this person's family."), within="work"),
    "family.change": Rule(WORKERS, _("You cannot change this family relationship."), within="work"),
    "family_checklist.edit": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_case_open),
    # Critical incidents (decision 0028): recorded by those who work the case while it is open; closed, with
    # a note, by a supervisor of the case's consulate (or an administrator). Recording one tells the case's
    # consulate's supervisors and every regional manager (``told``); a notification is read (and marked
    # read) by its recipient alone.
    "incident.record": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_case_open),
    "incident.close": Rule(SUPERVISORS, _SUPERVISOR_ONLY, at="case.consulate_id", when=_transition("close")),
    "incident.told": Rule(frozenset({SUPERVISOR, MANAGER})),
    "notification.read": Rule(frozenset(), _("This notification is for someone else."), owner="recipient_id"),
    "document.download": Rule(STAFF | PARTNERS),  # which documents: ``scope``
    "document.upload": Rule(WORKERS, _CHANGE_WORK, at="consulate_id"),
    "document.upload.partner": Rule(PARTNERS, _("You cannot add documents to this case."), within="view"),
    "reminder.retry": Rule(WORKERS, _("You cannot retry this reminder."), at="case.consulate_id"),
    "digest.retry": Rule(ADMINISTRATORS, _("You cannot retry this reminder."), owner="user_id"),
    # The webhook delivery log (every partner's event webhooks and webhook reminders) and its retry.
    "webhook.delivery.view": Rule(ADMINISTRATORS),
    "webhook.delivery.retry": Rule(ADMINISTRATORS, _("Only an administrator can send a webhook again.")),
    # Across offices
    "transfer.request": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_case_open),
    "transfer.decide": Rule(SUPERVISORS, _SUPERVISOR_ONLY, at="to_consulate_id", when=_transition("decide")),
    "transfer.cancel": Rule(
        WORKERS,
        _("Only the consulate that asked for the transfer can cancel it."),
        at="from_consulate_id",
        when=_transition("cancel"),
    ),
    # A hand-over to a Mexican consulate outside the network sends the person's data (the person export)
    # and closes the case: a supervisor of the case's consulate decides it, as a closure needing approval
    # and a transfer are decided (docs/decisions/0022-handover-outside-network.md). The data sent is
    # downloaded again by the same; the other consulate's receipt is recorded by anyone working the case.
    "handover.send": Rule(
        SUPERVISORS,
        _("Only a supervisor of this consulate can hand a case over to another consulate."),
        at="consulate_id",
        when=_transition("close_request"),
    ),
    "handover.export.download": Rule(
        SUPERVISORS,
        _("Only a supervisor of this consulate can download the data sent."),
        at="case.consulate_id",
    ),
    "handover.acknowledge": Rule(WORKERS, _CHANGE_WORK, at="case.consulate_id"),
    "consent.record": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_case_open),
    "consent.withdraw": Rule(WORKERS, _CHANGE_WORK, at="case.consulate_id", when=_transition("withdraw")),
    "referral.create": Rule(WORKERS, _CHANGE_WORK, at="consulate_id", when=_case_open),
    "referral.respond": Rule(
        WORKERS | PARTNERS,
        _("Only the partner organisation or the case's consulate can do this."),
        at="case.consulate_id",
        partner="partner_id",
    ),
    "referral.withdraw": Rule(WORKERS, _CHANGE_WORK, at="case.consulate_id", when=_transition("withdraw")),
    "referral.note": Rule(
        PARTNERS, _("Only the partner organisation can post updates on its referral."), partner="partner_id"
    ),
}


def holders(action: str, consulate_id: int | None = None):
    """The active staff users whose role ``action``'s rule names (at ``consulate_id`` when given): who
    is given work, and who is told."""
    users = get_user_model().objects.filter(is_active=True, staff_membership__role__in=POLICY[action].who)
    if consulate_id is not None:
        users = users.filter(staff_membership__consulate_id=consulate_id)
    return users


def told(action: str, consulate_id: int):
    """The active staff users ``action``'s rule names who are told of something at ``consulate_id``: its
    consulate-bound roles at that consulate, its network-wide roles wherever they are."""
    who = POLICY[action].who
    return get_user_model().objects.filter(
        Q(staff_membership__role__in=who & CONSULATE_BOUND, staff_membership__consulate_id=consulate_id)
        | Q(staff_membership__role__in=who & NETWORK_WIDE),
        is_active=True,
    )


def _path(obj, path: str):
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


def _role(access: Access) -> str | None:
    return PARTNER if access.partner_id else access.role


def _allowed(user, access: Access, rule: Rule, obj) -> bool:
    verdict = _verdict(user, access, rule, obj)
    if verdict is not None:
        return verdict
    model = type(obj)
    return model._default_manager.filter(scope(user, model, rule.within), pk=obj.pk).exists()


def _verdict(user, access: Access, rule: Rule, obj) -> bool | None:
    """The rule's answer from the user and the object alone; ``None``: it depends on the rule's scope
    (``within``), which only the database can tell."""
    if rule.owner and obj is not None and access.role is not None and _path(obj, rule.owner) == user.pk:
        return True
    role = _role(access)
    if role not in rule.who:
        return False
    if rule.export and not (access.export_granted and role in EXPORT_ROLES):
        return False
    if obj is None:
        return True
    if role == PARTNER:
        if rule.partner and _path(obj, rule.partner) != access.partner_id:
            return False
    elif rule.at and not _covers(access, _path(obj, rule.at)):
        return False
    return True if not rule.within else None


def allowed_among(user, action: str, objects) -> set:
    """``can`` for many saved objects of one model at once: the pks of those ``user`` may take
    ``action`` on (one query for the rule's scope, however many objects)."""
    rule, access = POLICY[action], access_for(user)
    verdicts = {obj.pk: _verdict(user, access, rule, obj) for obj in objects}
    undecided = [pk for pk, verdict in verdicts.items() if verdict is None]
    if undecided:
        model = type(next(iter(objects)))
        within = set(
            model._default_manager.filter(scope(user, model, rule.within), pk__in=undecided).values_list(
                "pk", flat=True
            )
        )
        verdicts.update({pk: pk in within for pk in undecided})
    return {obj.pk for obj in objects if verdicts[obj.pk] and (rule.when is None or rule.when(obj))}


def _covers(access: Access, consulate_id: int | None) -> bool:
    if access.role in NETWORK_WIDE:
        return True
    return access.role in CONSULATE_BOUND and consulate_id == access.consulate_id


def can(user, action: str, obj=None) -> bool:
    """May ``user`` take ``action`` on ``obj`` now (its state included)? ``obj=None``: on some object."""
    rule = POLICY[action]
    if not _allowed(user, access_for(user), rule, obj):
        return False
    return rule.when is None or obj is None or rule.when(obj)


def authorize(user, action: str, obj=None) -> None:
    """Raise ``PermissionDenied`` (the rule's refusal) unless ``user`` may take ``action`` on ``obj``."""
    rule = POLICY[action]
    if not _allowed(user, access_for(user), rule, obj):
        raise PermissionDenied(*([str(rule.refusal)] if rule.refusal else []))


# ------------------------------------------------------------------------------------------------
# Which rows


@dataclass(frozen=True)
class Reach:
    """The consulates a user's work covers: ``none``, the whole network (``consulate_id`` None) or one."""

    any: bool
    consulate_id: int | None = None

    @property
    def network(self) -> bool:
        return self.any and self.consulate_id is None

    def q(self, *lookups: str) -> Q:
        """A filter on consulate ids: any of ``lookups`` equal to the one consulate."""
        if not self.any:
            return NOTHING
        if self.consulate_id is None:
            return EVERYTHING
        return reduce(operator.or_, (Q(**{lookup: self.consulate_id}) for lookup in lookups))

    def narrowed(self, consulate_id: int | None) -> Reach:
        """The reach kept to ``consulate_id`` when the user chose one (network-wide roles only)."""
        if not self.any or self.consulate_id is not None or consulate_id is None:
            return self
        return Reach(True, consulate_id)


def reach(user) -> Reach:
    """Network-wide roles: every consulate; officers and supervisors: their own; anyone else: none."""
    access = access_for(user)
    if access.role in NETWORK_WIDE:
        return Reach(True)
    if access.role in CONSULATE_BOUND:
        return Reach(True, access.consulate_id)
    return Reach(False)


def home_consulate(user) -> int | None:
    """The consulate a consulate-bound user works at (the default for what they register or open)."""
    access = access_for(user)
    return access.consulate_id if access.role in CONSULATE_BOUND else None


def home_timezone(user) -> str | None:
    """The time zone of the consulate a consulate-bound user works at (None for network-wide roles)."""
    access = access_for(user)
    return access.timezone if access.role in CONSULATE_BOUND else None


def partner_of(user) -> int | None:
    """The active partner organisation ``user`` acts for, or None."""
    return access_for(user).partner_id


EVERYTHING = Q()
NOTHING = Q(pk__in=[])


def _model(label: str):
    return apps.get_model(label)


def shared_case_ids(partner_id: int, category: str | None = None):
    """Ids of the cases a partner may see now: an active referral to it resting on a consent that stands
    (and, with ``category``, whose scope includes that data category), while the partner is active. The
    one rule partners live by."""
    consents = _model("cases.Consent").objects.active().filter(partner_id=partner_id)
    if category:
        consents = consents.filter(scope__contains=[category])
    return (
        _model("cases.Referral")
        .objects.active()
        .filter(
            partner_id=partner_id,
            partner__active=True,  # an organisation the network stopped working with sees nothing
            consent__in=consents.values("pk"),
        )
        .values("case_id")
    )


def _visible_cases(user):
    return _model("cases.Case").objects.visible_to(user).values("pk")


def _case_view(user, access: Access, model) -> Q:
    if access.role in NETWORK_WIDE:
        return EVERYTHING
    if access.role in CONSULATE_BOUND:
        # A supervisor deciding on an incoming transfer reads the case first (read-only: every write
        # checks the case's own consulate).
        incoming = _model("cases.Transfer").objects.pending().filter(to_consulate_id=access.consulate_id)
        return Q(consulate_id=access.consulate_id) | Q(InArray("pk", incoming.order_by().values("case_id")))
    if access.partner_id:
        return Q(pk__in=shared_case_ids(access.partner_id))
    return NOTHING


def _held(user, access: Access, model) -> Q:
    """The rows a user's reports count: everything for network-wide roles, their consulate's for
    officers and supervisors (not cases merely offered to it by a pending transfer), nothing else. A
    plain filter, so reports' plans carry no sub-queries."""
    return reach(user).q("consulate_id")


def _transfer_view(user, access: Access, model) -> Q:
    """Both ends of a transfer see it, for ever (the sending consulate keeps the record of where the
    case went); network-wide roles see all."""
    return reach(user).q("from_consulate_id", "to_consulate_id")


def _case_rows(category: str | None):
    """Rows of a case: staff see them when they see the case; a partner when the person's consent covers
    ``category`` (``None``: never)."""

    def rule(user, access: Access, model) -> Q:
        if access.partner_id:
            if category is None:
                return NOTHING
            return Q(case__in=shared_case_ids(access.partner_id, category))
        return Q(case__in=_visible_cases(user))

    return rule


def _deadline_view(user, access: Access, model) -> Q:
    """A proceeding's deadlines: staff who see its case; partners never."""
    if access.partner_id:
        return NOTHING
    return Q(proceeding__case__in=_visible_cases(user))


def _notification_view(user, access: Access, model) -> Q:
    """A notification is its recipient's alone."""
    if access.role not in STAFF:
        return NOTHING
    return Q(recipient_id=user.pk)


def _incident_held(user, access: Access, model) -> Q:
    """The incidents a user's reports count: their case's consulate within the user's reach."""
    return reach(user).q("case__consulate_id")


def _event_view(user, access: Access, model) -> Q:
    """A partner reads the entries about its own referrals while the case is shared with it, and the
    entries of each data category its consent covers."""
    if not access.partner_id:
        return Q(case__in=_visible_cases(user))
    partner = access.partner_id
    allowed = Q(kind__in=model.REFERRAL_KINDS, payload__partner_id=partner) & Q(
        case__in=shared_case_ids(partner)
    )
    for category, kinds in model.KINDS_BY_CATEGORY.items():
        allowed |= Q(kind__in=kinds, case__in=shared_case_ids(partner, category))
    return allowed


def _consent_view(user, access: Access, model) -> Q:
    """Staff who see the case see its consents; a partner sees the consents given to it."""
    if access.partner_id:
        return Q(partner_id=access.partner_id, case__in=_visible_cases(user))
    return Q(case__in=_visible_cases(user))


def _referral_view(user, access: Access, model) -> Q:
    """Staff see the referrals of the cases they see; a partner its own referrals (the rows, with their
    status; the case behind one only while it is active and consented)."""
    if access.partner_id:
        return Q(partner_id=access.partner_id)
    return Q(case__in=_visible_cases(user))


# The data category a document's kind belongs to, for partners: a partner reads a document of a case
# shared with it when the person's consent covers that category. A kind not listed (signed consent
# forms, medical records, anything else) is shared with no partner, except the one that uploaded it.
DOCUMENT_CATEGORIES = {
    "identity": "identity",  # identity document
    "court": "hearings",  # court or immigration document
    "repatriation": "custody",  # removal and reception papers
    "correspondence": "notes",  # letters about the case
}


def _document_view(user, access: Access, model) -> Q:
    """Staff: the documents of the cases they see. A partner, while a case is shared with it (an active
    referral on a standing consent): the documents it uploaded, and the consulate's documents whose kind
    falls in a data category the consent covers (``DOCUMENT_CATEGORIES``)."""
    if access.partner_id:
        partner = access.partner_id
        allowed = Q(case__in=shared_case_ids(partner), uploaded_by_partner_id=partner)
        for kind, category in DOCUMENT_CATEGORIES.items():
            # The consulate's documents only: another partner's uploads are that partner's work.
            allowed |= Q(
                kind=kind, uploaded_by_partner__isnull=True, case__in=shared_case_ids(partner, category)
            )
        return allowed
    return Q(case__in=_visible_cases(user))


def _reminder_view(user, access: Access, model) -> Q:
    """Staff see the reminders of the cases they see, and their own digests; partners none."""
    if access.role not in STAFF:
        return NOTHING
    if access.role in NETWORK_WIDE:
        return EVERYTHING
    return Q(case__in=_visible_cases(user)) | Q(case__isnull=True, user=user)


def _webhook_delivery_view(user, access: Access, model) -> Q:
    """The delivery log: all of it for whom ``webhook.delivery.view`` allows, nothing for anyone else."""
    return EVERYTHING if _allowed(user, access, POLICY["webhook.delivery.view"], None) else NOTHING


def _held_persons(consulate_id: int) -> Q:
    held = _model("cases.Case").objects.filter(consulate_id=consulate_id).values("person_id")
    return Q(registered_by_id=consulate_id) | Q(pk__in=held)


# A record merged into another (``Person.merged_into``) is out of everyday use for everyone: not listed,
# searched, matched or opened (its staff page leads to the record it was merged into). Its data stays for
# an unmerge, which reaches it through ``PersonMerge`` (``_merge_view``), never through this rule.
NOT_MERGED = Q(merged_into__isnull=True)


def _person_view(user, access: Access, model) -> Q:
    """Network-wide roles see everyone; consulate staff the persons their consulate registered or has a
    case for (incoming transfers included); a partner the persons of its referred cases whose consent
    covers their identity. Never a merged-away record (``NOT_MERGED``)."""
    if access.role in NETWORK_WIDE:
        return NOT_MERGED
    if access.role in CONSULATE_BOUND:
        # IN (hashed subplan) rather than a correlated EXISTS: with a name search on a million persons
        # the planner keeps the trigram index and checks membership in a hash.
        with_case = _model("cases.Case").objects.visible_to(user).values("person_id")
        return NOT_MERGED & (Q(registered_by_id=access.consulate_id) | Q(pk__in=with_case))
    if access.partner_id:
        cases = _model("cases.Case").objects.filter(pk__in=shared_case_ids(access.partner_id, "identity"))
        return NOT_MERGED & Q(pk__in=cases.values("person_id"))
    return NOTHING


def _person_work(user, access: Access, model) -> Q:
    """The persons a user may change and open cases for: administrators anyone; officers and
    supervisors those their consulate registered or holds a case of, not those it only reads because
    another consulate offered it a case by a pending transfer."""
    if access.role not in WORKERS:
        return NOTHING
    if access.role in NETWORK_WIDE:
        return EVERYTHING
    return _held_persons(access.consulate_id)


def _contact_view(user, access: Access, model) -> Q:
    if access.partner_id:
        cases = _model("cases.Case").objects.filter(pk__in=shared_case_ids(access.partner_id, "contact"))
        return Q(person__in=cases.values("person_id"))
    return Q(person__in=_model("cases.Person").objects.visible_to(user).values("pk"))


def _review_view(user, access: Access, model) -> Q:
    """Administrators see every review; officers and supervisors the reviews about a person their
    consulate registered or holds a case of. The requesting officer does not see the review: it is
    about someone else's person."""
    if access.role == ADMINISTRATOR:
        return EVERYTHING
    if access.role in CONSULATE_BOUND:
        held = _model("cases.Case").objects.filter(consulate_id=access.consulate_id).values("person_id")
        return Q(existing_person__registered_by_id=access.consulate_id) | Q(existing_person_id__in=held)
    return NOTHING


def _duplicate_review_view(user, access: Access, model) -> Q:
    """Administrators see every possible duplicate; officers and supervisors those whose resembled record
    (``candidate``) their consulate registered or holds a case of. Whoever entered the newer record sees
    the review only when they see that record too: a record of another consulate is never hinted at."""
    if access.role == ADMINISTRATOR:
        return EVERYTHING
    if access.role in CONSULATE_BOUND:
        held = _model("cases.Case").objects.filter(consulate_id=access.consulate_id).values("person_id")
        return Q(candidate__registered_by_id=access.consulate_id) | Q(candidate_id__in=held)
    return NOTHING


def _merge_view(user, access: Access, model) -> Q:
    """Administrators see every merge; officers and supervisors those of a record their consulate holds."""
    if access.role == ADMINISTRATOR:
        return EVERYTHING
    if access.role in CONSULATE_BOUND:
        return _held_persons_of("survivor", access.consulate_id) | _held_persons_of(
            "merged", access.consulate_id
        )
    return NOTHING


def _held_persons_of(relation: str, consulate_id: int) -> Q:
    held = _model("cases.Case").objects.filter(consulate_id=consulate_id).values("person_id")
    return Q(**{f"{relation}__registered_by_id": consulate_id}) | Q(**{f"{relation}_id__in": held})


def _shared_persons(partner_id: int, category: str):
    return (
        _model("cases.Case").objects.filter(pk__in=shared_case_ids(partner_id, category)).values("person_id")
    )


def _relationship_view(user, access: Access, model) -> Q:
    """Staff see a relationship when they see both persons (the person rule, once per side); a partner
    the relationships of the persons of its referred cases whose standing consent covers ``family``."""
    if access.partner_id:
        persons = _shared_persons(access.partner_id, "family")
        return Q(person_a__in=persons) | Q(person_b__in=persons)
    if access.role not in STAFF:
        return NOTHING
    persons = _model("cases.Person").objects.visible_to(user).values("pk")
    return Q(person_a__in=persons) & Q(person_b__in=persons)


def _relationship_work(user, access: Access, model) -> Q:
    """Corrected or removed by a worker who sees both persons and may change either of them."""
    if access.role not in WORKERS:
        return NOTHING
    persons = _model("cases.Person").objects.filter(scope(user, _model("cases.Person"), "work")).values("pk")
    return _relationship_view(user, access, model) & (Q(person_a__in=persons) | Q(person_b__in=persons))


def _alias_view(user, access: Access, model) -> Q:
    """A person's other names are seen by whoever sees the person."""
    return Q(person__in=_model("cases.Person").objects.visible_to(user).values("pk"))


def _consulate_rows(user, access: Access, model) -> Q:
    """Staff who work with case data see their consulate's rows (network-wide roles every consulate's)."""
    if access.role not in STAFF:
        return NOTHING
    return reach(user).q("consulate_id")


def _inquiry_view(user, access: Access, model) -> Q:
    """Staff: their consulate's inquiries (network-wide roles all); a partner the inquiries it sent."""
    if access.partner_id:
        return Q(partner_id=access.partner_id)
    rows = _consulate_rows(user, access, model)
    # Inquiries: the consulate that forwarded an inquiry keeps a record of it (the staff page shows it
    # only the summary: where it went, when and the note); working on it stays the receiver's
    # (``inquiry.work``).
    if access.role in STAFF:
        rows |= reach(user).q("forwarded_from_id")
    return rows


def _locate_view(user, access: Access, model) -> Q:
    if access.role not in STAFF:
        return NOTHING
    return reach(user).q("inquiry__consulate_id")


def _import_row_view(user, access: Access, model) -> Q:
    if access.role not in STAFF:
        return NOTHING
    return reach(user).q("batch__consulate_id")


def _reached(*lookups: str) -> Callable[[Any, Access, Any], Q]:
    """Rows of a consulate's own work (visits, their interviews and checklists, formal requests): staff
    who work with case data at that consulate see them, network-wide roles all; partners none."""

    def rule(user, access: Access, model) -> Q:
        if access.role not in STAFF:
            return NOTHING
        return reach(user).q(*lookups)

    return rule


# (model label, purpose) -> the filter. A model missing here has no rows anyone may list.
SCOPES: dict[tuple[str, str], Callable[[Any, Access, Any], Q]] = {
    ("cases.Case", "view"): _case_view,
    ("cases.Case", "held"): _held,
    ("cases.Person", "view"): _person_view,
    ("cases.Person", "work"): _person_work,
    ("cases.EmergencyContact", "view"): _contact_view,
    ("cases.IdentifierReview", "view"): _review_view,
    ("cases.CaseEvent", "view"): _event_view,
    ("cases.Hearing", "view"): _case_rows("hearings"),
    ("cases.Task", "view"): _case_rows(None),
    # Proceedings are the consulate's legal follow-up: partners read the hearings their consent covers,
    # not the proceedings, their deadlines or the attorney of record (decision 0024).
    ("cases.Proceeding", "view"): _case_rows(None),
    ("cases.ProceedingDeadline", "view"): _deadline_view,
    ("cases.RepatriationHandoff", "view"): _case_rows("custody"),
    ("cases.CustodyEpisode", "view"): _case_rows("custody"),
    ("cases.CaseLocateAttempt", "view"): _case_rows(None),
    ("cases.Belonging", "view"): _case_rows("custody"),
    ("cases.Handover", "view"): _case_rows(None),
    ("cases.RemovalWarningAck", "view"): _case_rows("custody"),
    # Critical incidents are the consulate's own protection work: staff who see the case, partners never.
    ("cases.CriticalIncident", "view"): _case_rows(None),
    ("cases.CriticalIncident", "held"): _incident_held,
    ("cases.Notification", "view"): _notification_view,
    # A child's agency case, the agency's requests and the assessment: the consulate's protection work for
    # the child, never shared with partners (the agency is not a partner with a door).
    ("cases.ChildWelfareCase", "view"): _case_rows(None),
    ("cases.AgencyRequest", "view"): _case_rows(None),
    ("cases.ChildAssessment", "view"): _case_rows(None),
    ("cases.Document", "view"): _document_view,
    ("cases.Reminder", "view"): _reminder_view,
    ("cases.WebhookDelivery", "view"): _webhook_delivery_view,
    ("cases.Transfer", "view"): _transfer_view,
    ("cases.Consent", "view"): _consent_view,
    ("cases.Referral", "view"): _referral_view,
    ("cases.PersonAlias", "view"): _alias_view,
    ("cases.FamilyRelationship", "view"): _relationship_view,
    ("cases.FamilyRelationship", "work"): _relationship_work,
    # The checklist is the consulate's case work: partners do not see it.
    ("cases.FamilyChecklistItem", "view"): _case_rows(None),
    ("cases.DuplicateReview", "view"): _duplicate_review_view,
    ("cases.PersonMerge", "view"): _merge_view,
    ("cases.Operation", "view"): _consulate_rows,
    ("cases.Operation", "held"): _held,
    # Facility visits and formal requests are the visiting (requesting) consulate's work (decision 0026).
    ("cases.FacilityVisit", "view"): _reached("consulate_id"),
    ("cases.VisitInterview", "view"): _reached("visit__consulate_id"),
    ("cases.VisitChecklist", "view"): _reached("visit__consulate_id"),
    ("cases.ChecklistItemAnswer", "view"): _reached("checklist__visit__consulate_id"),
    ("cases.FormalRequest", "view"): _reached("consulate_id"),
    ("cases.FormalRequest", "held"): _held,
    ("intake.Inquiry", "view"): _inquiry_view,
    ("intake.Inquiry", "held"): _held,
    ("intake.LocateAttempt", "view"): _locate_view,
    ("intake.ImportBatch", "view"): _consulate_rows,
    ("intake.ImportRow", "view"): _import_row_view,
    # The report summaries: a consulate's rows (and, for network-wide roles, the network's).
    **{
        (f"cases.{name}", "held"): _held
        for name in (
            "OpenCaseload",
            "OpenTask",
            "OpenPerson",
            "VulnerableOpen",
            "ScheduledHearings",
            "DailyFlow",
        )
    },
}


def scope(user, model, purpose: str = "view") -> Q:
    """The filter on ``model``'s rows for ``purpose``: ``view`` (what the user may read), ``held`` (what
    their reports count), ``work`` (what they may change)."""
    access = access_for(user)
    return SCOPES[(model._meta.label, purpose)](user, access, model)


def scope_key(user) -> tuple:
    """Everything ``scope`` depends on beside the data: the user and their resolved access (role,
    consulate, partner, zone). Two calls with equal keys build the same filters (the key of a statement
    compiled once, ``api.statements``)."""
    return (user.pk, access_for(user))


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows each user sees through ``scope``: ``visible_to`` (read) and ``held_for``
    (counted in reports). Every model with per-user rows uses it; the rules are in ``SCOPES``."""

    def visible_to(self, user):
        return self.filter(scope(user, self.model, "view"))

    def held_for(self, user):
        return self.filter(scope(user, self.model, "held"))
