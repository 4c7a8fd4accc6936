"""The compiled output (``api.fast_output``) writes exactly what DRF's own ``to_representation`` writes."""

from __future__ import annotations

import zoneinfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from cases.api.case_serializers import CaseSerializer
from cases.models import Case
from tests import factories as f


def _drf(serializer, instance):
    """DRF's own path: ``Serializer.to_representation``, nested serializers included."""
    output = serializers.Serializer.to_representation(serializer, instance)
    return output


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "America/Chicago", "America/Denver"])
def test_every_case_is_written_as_drf_writes_it(zone):
    officer = f.officer("dallas")
    other = f.officer("dallas")
    for index in range(6):
        case = f.make_case(officer)
        if index % 2:
            from cases import services

            services.case_assign(actor=officer, case=case, assignee=other)
    cases = Case.objects.select_related("person", "consulate", "assigned_to").order_by("pk")
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for case in cases:
            fast = CaseSerializer(case).data
            plain = CaseSerializer(case)
            expected = _drf(plain, case)
            expected["person"] = serializers.Serializer.to_representation(plain.fields["person"], case.person)
            if case.assigned_to is not None:
                expected["assigned_to"] = serializers.Serializer.to_representation(
                    plain.fields["assigned_to"], case.assigned_to
                )
            assert fast == expected
    assert any(case.assigned_to_id for case in cases)
