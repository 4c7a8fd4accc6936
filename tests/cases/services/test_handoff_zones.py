"""Reception points and the hand-off (issue 20): a point closed or no longer designated is not named by
a new case or hand-off but stays on the records that name it; the 48-hour confirmation deadline counts
in the reception point's zone (Tapachula is not on Central time)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import Reminder, RepatriationHandoff
from consulates.models import ReceptionPoint
from tests import factories as f
from tests.dbchecks import error_fields

pytestmark = pytest.mark.django_db

SUMMER_REMOVAL = dt.date(2027, 7, 10)  # Central daylight time is UTC-5; Mexico City stays at UTC-6


def _local(tz: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz))


def _point(city: str) -> ReceptionPoint:
    return ReceptionPoint.objects.get(mx_city=city)


def _ready(officer, point: ReceptionPoint, removal: dt.date = SUMMER_REMOVAL):
    case = f.make_case(officer)
    return services.case_update(
        actor=officer, case=case, expected_removal_date=removal, reception_point=point
    )


# --- points not offered ---------------------------------------------------------------------------


def test_a_point_not_offered_cannot_be_chosen_for_a_case():
    officer = f.officer("eagle_pass")
    case = f.make_case(officer)
    for closed in (_point("Nueva Rosita"), ReceptionPoint.objects.get(name="Miguel Alemán / Camargo")):
        with pytest.raises(ValidationError) as exc:
            services.case_update(actor=officer, case=case, reception_point=closed)
        assert error_fields(exc.value) == {"reception_point"}
    case.refresh_from_db()
    assert case.reception_point_id is None


def test_records_that_name_a_point_keep_it_after_it_closes_but_no_new_handoff_names_it():
    officer = f.officer("eagle_pass")
    point = _point("Piedras Negras")
    prepared = services.handoff_prepare(actor=officer, case=_ready(officer, point))
    waiting = _ready(officer, point)
    ReceptionPoint.objects.filter(pk=point.pk).update(offered=False, status=ReceptionPoint.Status.CLOSED)

    # the case and the hand-off that name it keep it, and can still be worked on
    waiting.refresh_from_db()
    assert waiting.reception_point_id == point.pk
    services.case_update(actor=officer, case=waiting, summary="Sigue en custodia")  # other fields save
    updated = services.handoff_update(actor=officer, handoff=prepared, notes="Llega en autobús")
    assert (updated.reception_point_id, updated.notes) == (point.pk, "Llega en autobús")
    # a new hand-off cannot be prepared to it
    with pytest.raises(ValidationError) as exc:
        services.handoff_prepare(actor=officer, case=waiting)
    assert error_fields(exc.value) == {"reception_point"}
    assert not RepatriationHandoff.objects.filter(case=waiting).exists()
    # another point, and the hand-off is prepared
    waiting = services.case_update(actor=officer, case=waiting, reception_point=_point("Ciudad Acuña"))
    assert services.handoff_prepare(actor=officer, case=waiting).reception_point == _point("Ciudad Acuña")


# --- the deadline in the point's zone -------------------------------------------------------------


def test_deadline_counts_in_the_reception_points_zone():
    officer = f.officer("dallas")
    tapachula = services.handoff_prepare(actor=officer, case=_ready(officer, _point("Tapachula")))
    nuevo_laredo = services.handoff_prepare(actor=officer, case=_ready(officer, _point("Nuevo Laredo")))
    assert tapachula.confirmation_due_at() == _local("America/Mexico_City", 2027, 7, 13)
    assert nuevo_laredo.confirmation_due_at() == _local("America/Matamoros", 2027, 7, 13)
    # in summer, midnight in Tapachula is one in the morning in Dallas
    assert tapachula.confirmation_due_at() - nuevo_laredo.confirmation_due_at() == dt.timedelta(hours=1)
    reminder = Reminder.objects.get(subject_type="handoff", subject_id=tapachula.pk)
    assert reminder.due_at == tapachula.confirmation_due_at()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_local("America/Chicago", 2027, 7, 12, 23, 59), set()),
        (_local("America/Chicago", 2027, 7, 13, 0, 0), {"Nuevo Laredo"}),
        (_local("America/Mexico_City", 2027, 7, 12, 23, 59), {"Nuevo Laredo"}),
        (_local("America/Mexico_City", 2027, 7, 13, 0, 0), {"Nuevo Laredo", "Tapachula"}),
    ],
    ids=["minute-before-laredo", "laredo-due", "minute-before-tapachula", "tapachula-due"],
)
def test_overdue_at_the_boundary_of_each_points_zone(monkeypatch, now, expected):
    officer = f.officer("dallas")
    handoffs = [
        services.handoff_prepare(actor=officer, case=_ready(officer, _point(city)))
        for city in ("Tapachula", "Nuevo Laredo")
    ]
    found = RepatriationHandoff.objects.unconfirmed_overdue(now).filter(pk__in=[h.pk for h in handoffs])
    assert {h.reception_point.mx_city for h in found.select_related("reception_point")} == expected
    monkeypatch.setattr(timezone, "now", lambda: now)
    flagged = {h.reception_point.mx_city for h in handoffs if h.confirmation_overdue}
    monkeypatch.undo()
    assert flagged == expected
