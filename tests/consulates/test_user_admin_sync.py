"""A staff membership grants the staff UI; a partner membership never does."""

import pytest

from consulates.models import PartnerMembership, Role, StaffMembership
from consulates.services import user_staff_flag_sync
from tests.factories import PartnerFactory, UserFactory, consulate

pytestmark = pytest.mark.django_db


def test_staff_membership_grants_staff_ui():
    user = UserFactory(is_staff=False)
    StaffMembership.objects.create(user=user, role=Role.OFFICER, consulate=consulate("dallas"))
    user_staff_flag_sync(user=user)
    user.refresh_from_db()
    assert user.is_staff is True


def test_partner_user_never_gets_staff_ui():
    user = UserFactory(is_staff=True)
    PartnerMembership.objects.create(user=user, partner=PartnerFactory())
    user_staff_flag_sync(user=user)
    user.refresh_from_db()
    assert user.is_staff is False


def test_membership_removed_takes_the_staff_ui_away():
    user = UserFactory(is_staff=True)
    user_staff_flag_sync(user=user)
    user.refresh_from_db()
    assert user.is_staff is False
