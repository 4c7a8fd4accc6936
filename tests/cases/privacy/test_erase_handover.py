"""Erasing a person whose case was handed over to a consulate outside the network: the export sent (the
person's data) is deleted from storage, the hand-over's free text is cleared in the row and its history;
which consulate, when and how stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps

from cases.models import Handover
from cases.services import handover_record, privacy
from consulates.models import ConsularPost
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_erasure_deletes_the_export_sent_and_clears_the_hand_overs_text(
    admin_user, media_root, django_capture_on_commit_callbacks
):
    boss = f.supervisor("dallas")
    case = f.make_case(boss)
    handover = handover_record(
        actor=boss,
        case=case,
        post=ConsularPost.objects.get(city="Atlanta"),
        reason="other",
        reason_notes="Vive con su hermana en Marietta",
        method="other",
        method_notes="Entregado en mano a su abogada",
    )
    stored = Path(handover.export_file.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        privacy.person_erase(actor=f.administrator(), person=case.person, reason="Solicitud de la persona")
    assert not stored.exists()
    erased = Handover.objects.get(pk=handover.pk)
    assert (erased.reason_notes, erased.method_notes, erased.export_file.name) == ("", "", "")
    assert (erased.post.city, erased.reason, erased.method) == ("Atlanta", "other", "other")
    history = apps.get_model("cases", "HandoverHistory").objects.filter(pgh_obj_id=handover.pk)
    assert set(history.values_list("reason_notes", "method_notes", "export_file")) == {("", "", "")}
