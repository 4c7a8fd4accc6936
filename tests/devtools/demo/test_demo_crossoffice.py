"""seed_demo: the cross-office demo data is made through the services, after the bulk seed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases.models import (
    Belonging,
    Case,
    CaseEvent,
    Consent,
    Referral,
    RemovalWarningAck,
    RepatriationHandoff,
    Transfer,
)
from cases.models.crossoffice import ACTIVE_REFERRAL, ReferralStatus, TransferStatus
from consulates.models import PartnerMembership

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once for the module (its tests only read, or re-seed to find nothing to do), rolled
    back at its end."""
    md5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # demo users log in nowhere here
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=md5):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", cases=400, seed=11, force=True, stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def user(username: str):
    return get_user_model().objects.get(username=username)


def test_supervisors_have_incoming_transfers_including_an_automatic_proposal(seeded):
    for slug in ("dallas", "el_paso"):
        queue = (
            Transfer.objects.visible_to(user(f"supervisora.{slug}")).pending().filter(to_consulate__slug=slug)
        )
        assert queue.count() >= 3, slug
        assert queue.filter(automatic=True).exists(), slug
        assert all(t.case in Case.objects.visible_to(user(f"supervisora.{slug}")) for t in queue)
    statuses = set(Transfer.objects.values_list("status", flat=True))
    assert statuses == set(TransferStatus.values)
    decided = Transfer.objects.filter(status__in=[TransferStatus.ACCEPTED, TransferStatus.REJECTED])
    assert {t.decided_by.username for t in decided} == {"supervisora.dallas", "supervisora.el_paso"}
    for transfer in Transfer.objects.filter(status=TransferStatus.ACCEPTED):
        assert transfer.case.consulate_id == transfer.to_consulate_id
    requested = CaseEvent.objects.filter(kind="transfer_requested").values_list(
        "payload__transfer_id", flat=True
    )
    assert set(requested) == set(Transfer.objects.values_list("pk", flat=True))


def test_referrals_to_the_demo_partner_in_every_status(seeded):
    partner = PartnerMembership.objects.get(user__username="ong.demo").partner
    referrals = Referral.objects.filter(partner=partner)
    assert set(referrals.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert set(referrals.values_list("service", flat=True)) <= set(partner.services)
    assert set(referrals.values_list("case__consulate", flat=True)) <= set(
        partner.consulates.values_list("pk", flat=True)
    )
    overdue = referrals.awaiting_answer_overdue()
    assert overdue.count() == 1
    assert overdue.get().referred_at < timezone.now() - dt.timedelta(hours=72)
    withdrawn = Consent.objects.filter(partner=partner, withdrawn_at__isnull=False)
    assert withdrawn.count() == 1
    assert set(Referral.objects.filter(consent__in=withdrawn).values_list("status", flat=True)) == {
        "withdrawn"
    }
    assert CaseEvent.objects.filter(kind="partner_note", actor__username="ong.demo").exists()


def test_the_partner_user_sees_exactly_the_cases_referred_to_it_with_consent(seeded):
    ong = user("ong.demo")
    partner = PartnerMembership.objects.get(user=ong).partner
    expected = {
        r.case_id
        for r in Referral.objects.filter(partner=partner, status__in=ACTIVE_REFERRAL)
        if Consent.objects.filter(case_id=r.case_id, partner=partner, withdrawn_at__isnull=True).exists()
    }
    assert len(expected) >= 5
    assert set(Case.objects.visible_to(ong).values_list("pk", flat=True)) == expected
    ended = Referral.objects.filter(partner=partner).exclude(status__in=ACTIVE_REFERRAL)
    assert not expected & set(ended.values_list("case_id", flat=True))


def test_handoffs_belongings_and_art36_delays(seeded):
    handoffs = RepatriationHandoff.objects.select_related("case")
    assert handoffs.count() >= 6
    for handoff in handoffs:
        assert (handoff.removal_date, handoff.reception_point_id) == (
            handoff.case.expected_removal_date,
            handoff.case.reception_point_id,
        )
    assert handoffs.filter(confirmed_at__isnull=False).count() >= 2
    overdue = RepatriationHandoff.objects.unconfirmed_overdue()
    assert overdue.count() == 1
    assert overdue.get().confirmation_overdue
    # each at a designated point that receives people, and one by flight to Tapachula's airport
    points = {h.reception_point for h in handoffs.select_related("reception_point")}
    flights = [p for p in points if p.kind == "airport"]
    assert [p.mx_city for p in flights] == ["Tapachula"]
    assert all(p.offered and p.status in ("active", "reduced") for p in points)
    assert all(p.designated_2016 in ("yes", "inferred") for p in points - set(flights))
    upcoming = handoffs.filter(confirmed_at__isnull=True).exclude(pk__in=overdue.values("pk"))
    assert upcoming.exists()
    assert not any(h.confirmation_overdue for h in upcoming)
    prepared = CaseEvent.objects.filter(kind="handoff_prepared").values_list("case_id", flat=True)
    assert sorted(prepared) == sorted(handoffs.values_list("case_id", flat=True))
    # every hand-off with a time and a mode that reaches its point (decision 0025)
    assert all(h.removal_time and h.removal_mode for h in handoffs)
    [flight] = [h for h in handoffs.select_related("reception_point") if h.reception_point.kind == "airport"]
    assert flight.removal_mode == "flight"
    assert flight.removal_flight_number
    assert {h.removal_mode for h in handoffs if h.pk != flight.pk} <= {"bus", "on_foot"}
    assert handoffs.filter(removal_mode="bus").exists()
    # an older adult scheduled outside a bridge's agreed hours, the warning seen with its reason
    [ack] = RemovalWarningAck.objects.select_related("case__person", "case__reception_point")
    assert ack.key.startswith("hours:")
    assert ack.reason
    assert ack.case.person.is_older_adult
    assert ack.case.expected_removal_time > ack.case.reception_point.hours_to
    assert CaseEvent.objects.filter(kind="removal_warning_seen", case=ack.case).count() == 1
    assert set(Belonging.objects.values_list("status", flat=True)) == {"held", "returned", "missing"}
    assert Belonging.objects.filter(kind="cash", amount__gt=0).exists()
    # art. 36: the cases whose clock the demo officers set through the service are overdue
    set_by_officers = CaseEvent.objects.filter(kind="art36", actor__username__startswith="oficial.")
    flagged = Case.objects.art36_contact_overdue().filter(pk__in=set_by_officers.values("case_id"))
    assert flagged.count() >= 3
    # a detainee who declined notification (never flagged) and one arrested by a 287(g) sheriff
    declined = Case.objects.filter(notification_request="declined", advised_at__isnull=False)
    assert declined.count() == 1
    assert not Case.objects.art36_contact_overdue().filter(pk__in=declined).exists()
    assert Case.objects.filter(arresting_agency="sheriff_287g", consulate__state="TX").count() == 1


def test_reseeding_if_empty_changes_nothing(seeded):
    counts = (
        Transfer.objects.count(),
        Referral.objects.count(),
        RepatriationHandoff.objects.count(),
        Case.objects.count(),
    )
    out = io.StringIO()
    call_command("seed_demo", if_empty=True, force=True, stdout=out)
    assert "nothing seeded" in out.getvalue()
    assert (
        Transfer.objects.count(),
        Referral.objects.count(),
        RepatriationHandoff.objects.count(),
        Case.objects.count(),
    ) == counts
    assert "Cross-office demo data" in seeded
