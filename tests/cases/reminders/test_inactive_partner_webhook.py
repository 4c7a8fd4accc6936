"""Partner webhooks (cases/reminders/messages.py): nothing is posted to an organisation the network stopped
working with; the outbox row is closed with the reason, as every reminder that no longer applies."""

from __future__ import annotations

import datetime as dt

import pytest

from cases import services
from cases.models import Reminder
from cases.reminders.dispatch import deliver
from consulates.services import partner_deactivate
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.conftest import NOW
from tests.factories.crossoffice import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


def test_no_webhook_goes_to_a_deactivated_partner(frozen, endpoint):
    officer = f.officer("dallas")
    partner = f.PartnerFactory(covers=["dallas"], webhook_url=endpoint.url, webhook_secret="x" * 32)
    case = f.make_case(officer)
    make_referral(officer, case, partner)
    services.hearing_schedule(
        actor=officer,
        case=case,
        kind="bond",
        starts_at=NOW + dt.timedelta(days=5),
        location="Dallas Immigration Court",
    )
    rows = list(Reminder.objects.filter(partner=partner, channel="webhook", status="pending"))
    assert {row.kind for row in rows} == {
        "referral_partner_72h",
        "hearing_partner_2d",
        "event_referral_created",  # the event webhooks too (cases/reminders/webhook_events.py)
        "event_hearing_scheduled",
    }

    partner_deactivate(actor=f.administrator(), partner=partner)
    frozen.move_to(NOW + dt.timedelta(days=4))
    for row in rows:
        assert deliver(row.pk) == "skipped"
        row.refresh_from_db()
        assert (row.status, row.last_error) == ("skipped", "the partner is not active")
    assert endpoint.deliveries == []
    assert sum(endpoint.requests.values()) == 0
