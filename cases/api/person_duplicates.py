"""``POST persons/`` when the person may already be registered: 409 ``possible_duplicates`` listing the likely
duplicates the caller may see; the caller either uses the existing person or sends the registration again with
``confirm_new_person: true`` and a ``new_person_reason`` (``cases.services.registration``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.response import Response

from api.errors import Conflict, problem_body
from cases.services.registration import REASON_MAX_LENGTH, PossibleDuplicates


class PossibleDuplicatesConflict(Conflict):
    """409 ``possible_duplicates``: answered with the candidates by ``possible_duplicates_response``."""

    default_code = "possible_duplicates"


class RegisterConfirmationSerializer(serializers.Serializer):
    """The two fields a registration adds to the person's: the confirmation after a 409."""

    confirm_new_person = serializers.BooleanField(
        required=False,
        help_text=(
            "After a 409 `possible_duplicates`: true to register a new person anyway, with "
            "`new_person_reason`. Ignored when no likely duplicate is found, and on updates."
        ),
    )
    new_person_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text="Why this is a different person from the candidates (required with `confirm_new_person`; "
        "registration only).",
    )


class CandidateConsulateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PossibleDuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The existing person's id (`GET persons/{id}/`).")
    full_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    registered_by = CandidateConsulateSerializer()
    score = serializers.FloatField(help_text="Likeness, 0 to 1.")
    certain = serializers.BooleanField(help_text="The matcher is certain this is the same person.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Reason codes.")
    reasons_text = serializers.ListField(
        child=serializers.CharField(), help_text="The reasons in the caller's language."
    )


class PossibleDuplicatesProblemSerializer(serializers.Serializer):
    """The error shape of every refusal, with ``candidates``."""

    type = serializers.CharField()
    code = serializers.CharField(help_text="`possible_duplicates` (or another 409 code).")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    candidates = PossibleDuplicateSerializer(
        many=True,
        required=False,
        help_text="With `possible_duplicates`: the likely duplicates you may see, most alike first.",
    )


def possible_duplicates_response(exc: PossibleDuplicates):
    detail = exc.summary
    errors = {"non_field_errors": [detail], **{k: v for k, v in exc.message_dict.items() if k != "__all__"}}
    errors.setdefault(
        "confirm_new_person",
        [_("To register a new person anyway, send confirm_new_person with new_person_reason.")],
    )
    body = problem_body(409, code=PossibleDuplicatesConflict.default_code, detail=detail, errors=errors)
    candidates = [
        {
            "id": item.person.pk,
            "full_name": item.person.full_name,
            "date_of_birth": item.person.date_of_birth.isoformat() if item.person.date_of_birth else None,
            "registered_by": {"id": item.person.registered_by_id, "name": str(item.person.registered_by)},
            "score": round(item.score, 3),
            "certain": item.certain,
            "reasons": list(item.reasons),
            "reasons_text": item.reasons_text,
        }
        for item in exc.candidates
    ]
    return Response({**body, "candidates": candidates}, status=409)
