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


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "America/Chicago"])
def test_every_person_is_written_as_drf_writes_it(zone):
    from cases.api.persons import PersonSerializer
    from cases.models import EmergencyContact, Person
    from cases.services import emergency_contact_save

    officer = f.officer("dallas")
    people = [f.make_person(officer) for _ in range(4)]
    emergency_contact_save(
        actor=officer,
        person=people[0],
        contact=EmergencyContact(
            person=people[0], name="Rosa Pérez", relationship="hermana", phone="2145550100"
        ),
    )
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for person in Person.objects.filter(pk__in=[p.pk for p in people]).prefetch_related(
            "emergency_contacts"
        ):
            plain = PersonSerializer(person)
            expected = serializers.Serializer.to_representation(plain, person)
            child = plain.fields["emergency_contacts"].child
            expected["emergency_contacts"] = [
                serializers.Serializer.to_representation(child, contact)
                for contact in person.emergency_contacts.all()
            ]
            assert PersonSerializer(person).data == expected
