"""Staff UI for the hand-over to a consulate outside the network: the case page offers it to a supervisor
of the case's consulate only, the form lists the 40 posts outside the network by state, a refusal shows
next to its field, the case closes as transferred out, the export sent is downloaded only as the policy
allows and every download is logged."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessLog, CaseEvent, Handover
from cases.models.access import AccessAction
from cases.models.case import Outcome, Status
from cases.timeline import timeline_entries
from consulates.models import ConsularPost
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def supervisor():
    return f.supervisor("dallas")


@pytest.fixture
def case(officer):
    return f.make_case(officer)


def _url(name: str, case, *args) -> str:
    return reverse(f"admin:cases_case_{name}", args=[case.pk, *args])


def _post_data(post: ConsularPost, **overrides) -> dict:
    return {
        "post": str(post.pk),
        "reason": "moved",
        "reason_notes": "",
        "method": "email",
        "method_notes": "proteccion@consulado",
        "sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        **overrides,
    }


def _tools(response) -> set[str]:
    return {name for name, _label, _url in response.context["case_actions"]}


def test_only_a_supervisor_of_the_cases_consulate_is_offered_the_hand_over(client, officer, supervisor, case):
    login_verified(client, officer)
    assert "handover" not in _tools(client.get(_url("change", case)))
    response = client.get(_url("handover", case))
    assert response.status_code == 302
    login_verified(client, supervisor)
    assert "handover" in _tools(client.get(_url("change", case)))


def test_the_form_lists_the_forty_posts_outside_the_network_by_state(client, supervisor, case):
    login_verified(client, supervisor)
    response = client.get(_url("handover", case))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        html.count("<optgroup") == ConsularPost.objects.outside_network().values("state").distinct().count()
    )
    field = response.context["form"].fields["post"]
    offered = [pk for _state, options in field.choices[1:] for pk, _label in options]
    assert len(offered) == 40
    assert not ConsularPost.objects.filter(pk__in=offered, in_network=True).exists()
    assert 'data-filter-select="id_post"' in html


def test_an_in_network_post_posted_anyway_is_refused_at_the_field(client, supervisor, case):
    login_verified(client, supervisor)
    houston = ConsularPost.objects.get(city="Houston")
    response = client.post(_url("handover", case), _post_data(houston))
    assert response.status_code == 200
    assert response.context["form"].errors["post"]
    assert not Handover.objects.exists()


def test_handing_over_closes_the_case_shows_it_and_the_export_downloads_logged(
    client, officer, supervisor, case
):
    atlanta = ConsularPost.objects.get(city="Atlanta")
    login_verified(client, supervisor)
    response = client.post(_url("handover", case), _post_data(atlanta))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.TRANSFERRED_OUT)
    handover = Handover.objects.get(case=case)
    page = client.get(_url("change", case))
    html = page.content.decode()
    assert atlanta.name in html
    assert "handover-download" in html
    assert AccessLog.objects.filter(action=AccessAction.HANDOVER_EXPORT, case_id=case.pk).count() == 1
    download = client.get(_url("handover_download", case, handover.pk))
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "data.json" in archive.namelist()
    assert AccessLog.objects.filter(action=AccessAction.HANDOVER_EXPORT, case_id=case.pk).count() == 2
    # An officer sees the hand-over but not the data sent; another consulate sees nothing.
    login_verified(client, officer)
    html = client.get(_url("change", case)).content.decode()
    assert atlanta.name in html
    assert "handover-download" not in html
    assert client.get(_url("handover_download", case, handover.pk)).status_code == 404
    login_verified(client, f.supervisor("houston"))
    assert client.get(_url("handover_download", case, handover.pk)).status_code == 404
    assert AccessLog.objects.filter(action=AccessAction.HANDOVER_EXPORT, case_id=case.pk).count() == 2


def test_the_receipt_is_recorded_from_the_case_page(client, officer, supervisor, case):
    atlanta = ConsularPost.objects.get(city="Atlanta")
    login_verified(client, supervisor)
    client.post(_url("handover", case), _post_data(atlanta))
    handover = Handover.objects.get(case=case)
    login_verified(client, officer)
    url = _url("handover_receipt", case, handover.pk)
    assert url in client.get(_url("change", case)).content.decode()
    response = client.post(
        url, {"acknowledged_by_name": "", "acknowledged_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.context["form"].errors["acknowledged_by_name"]
    response = client.post(
        url,
        {
            "acknowledged_by_name": "Lic. Ana Ruiz",
            "acknowledged_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "notes": "",
        },
    )
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.acknowledged_by_name == "Lic. Ana Ruiz"
    assert "Lic. Ana Ruiz" in client.get(_url("change", case)).content.decode()


def test_the_timeline_names_the_consulate(client, supervisor, case):
    atlanta = ConsularPost.objects.get(city="Atlanta")
    login_verified(client, supervisor)
    client.post(_url("handover", case), _post_data(atlanta))
    entries = timeline_entries(CaseEvent.objects.filter(case=case).select_related("actor").order_by("pk"))
    sent = [e for e in entries if e.event.kind == "handover_sent"]
    assert sent
    assert atlanta.name in [str(fact) for fact in sent[0].facts]
