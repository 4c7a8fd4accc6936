"""The staff pages of possible duplicates and merges: queue, side-by-side, decisions, the merge page
(undo), merging from a person's page, the merged record's page leading to the survivor, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import services
from cases.models import AccessLog, DuplicateReview, Person, PersonMerge
from cases.services.merges import persons_merge
from tests import factories as f
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER, person_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]


def html_of(response) -> str:
    html = response.content.decode()
    assert INVALID_MARKER not in html, html[html.index(INVALID_MARKER) :][:160]
    return html


def signed_in(client, user):
    login_verified(client, user)
    return client


def versions(*persons):
    return {f"version-{p.pk}": Person.objects.get(pk=p.pk).updated_at.isoformat() for p in persons}


def test_queue_lists_the_open_reviews_with_both_names(client, rw):
    html = html_of(signed_in(client, rw.officer_a).get(reverse("reviews:queue")))
    assert reverse("reviews:review", args=[rw.review.pk]) in html
    assert "Herrara" in html
    assert "Herrera" in html


def test_queue_costs_the_same_queries_with_more_rows(client, rw, django_assert_max_num_queries):
    signed_in(client, rw.supervisor_a)
    client.get(reverse("reviews:queue"))
    for n in range(6):
        person = f.make_person(rw.officer_a, given_names=f"Juan {n}", paternal_surname="Herrera")
        DuplicateReview.objects.create(
            person=person, candidate=rw.older, score=0.5, reasons=[], source="import",
            requesting_consulate_id=rw.older.registered_by_id,
        )  # fmt: skip
    with django_assert_max_num_queries(16):
        response = client.get(reverse("reviews:queue"))
    assert html_of(response).count('class="ws-row"') == 7


def test_review_page_shows_both_records_with_masked_identifiers(client, rw):
    html = html_of(signed_in(client, rw.officer_a).get(reverse("reviews:review", args=[rw.review.pk])))
    assert "044" in html
    assert "201555044" not in html
    assert rw.older.curp not in html
    assert rw.older.curp[-3:] in html
    assert "They are different persons" in html or "Son personas distintas" in html
    assert "misma fecha de nacimiento" in html or "same date of birth" in html  # the reasons in words


def test_review_page_of_another_consulates_record_is_logged(client, rw):
    houston = f.make_person(rw.supervisor_b, given_names="Juan Carlos", paternal_surname="Herrera")
    item = DuplicateReview.objects.create(
        person=houston, candidate=rw.older, score=0.7, reasons=[], source="registration",
        requesting_consulate_id=houston.registered_by_id,
    )  # fmt: skip
    signed_in(client, rw.officer_a).get(reverse("reviews:review", args=[item.pk]))
    assert AccessLog.objects.filter(user=rw.officer_a, person_id=houston.pk).exists()
    assert not AccessLog.objects.filter(user=rw.officer_a, person_id=rw.older.pk).exists()


def test_officer_marks_distinct_but_is_told_to_ask_a_supervisor_to_merge(client, rw):
    signed_in(client, rw.officer_a)
    url = reverse("reviews:review", args=[rw.review.pk])
    data = {
        "resolution": "merged",
        "survivor": rw.older.pk,
        "note": "Mismo A",
        **versions(rw.older, rw.newer),
    }
    response = client.post(url, data)
    assert response.status_code == 403
    assert "supervisor" in html_of(response)
    assert not PersonMerge.objects.exists()
    response = client.post(url, {"resolution": "distinct", "note": "Hermanos"})
    assert response.status_code == 302
    rw.review.refresh_from_db()
    assert (rw.review.status, rw.review.resolution) == ("resolved", "distinct")


def test_supervisor_merges_from_the_review_then_undoes_it(client, rw):
    signed_in(client, rw.supervisor_a)
    url = reverse("reviews:review", args=[rw.review.pk])
    data = {
        "resolution": "merged",
        "survivor": rw.older.pk,
        "note": "Mismo A-number",
        **versions(rw.older, rw.newer),
    }
    response = client.post(url, data)
    merge = PersonMerge.objects.get(review=rw.review)
    assert response["Location"] == reverse("reviews:merge", args=[merge.pk])
    html = html_of(client.get(response["Location"]))
    assert "Mismo A-number" in html
    # The merged record's page leads to the survivor.
    response = client.get(reverse("admin:cases_person_change", args=[rw.newer.pk]))
    assert response["Location"] == reverse("admin:cases_person_change", args=[rw.older.pk])
    response = client.post(reverse("reviews:merge", args=[merge.pk]), {"reason": "Eran primos"})
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.unmerged_at is not None
    assert Person.objects.get(pk=rw.newer.pk).merged_into_id is None


def test_a_stale_decision_is_refused_and_the_page_shows_current_data(client, rw):
    signed_in(client, rw.supervisor_a)
    seen = versions(rw.older, rw.newer)
    services.person_update(actor=rw.officer_a, person=rw.newer, phone="+1 214 555 0999")
    data = {"resolution": "merged", "survivor": rw.older.pk, "note": "Mismo A", **seen}
    response = client.post(reverse("reviews:review", args=[rw.review.pk]), data)
    assert response.status_code == 400
    html = html_of(response)
    assert 'role="alert"' in html
    assert Person.objects.get(pk=rw.newer.pk).updated_at.isoformat() in html  # the next try is current
    assert not PersonMerge.objects.exists()


def test_merge_from_a_persons_page(client, rw):
    signed_in(client, rw.supervisor_a)
    page = html_of(client.get(reverse("admin:cases_person_change", args=[rw.newer.pk])))
    assert reverse("reviews:person_merge", args=[rw.newer.pk]) in page
    url = reverse("reviews:person_merge", args=[rw.newer.pk])
    found = html_of(client.get(url, {"q": "herrera"}))
    assert f"?other={rw.older.pk}" in found
    assert html_of(client.get(url, {"other": rw.older.pk})).count("version-") == 2
    response = client.post(url, {"other": rw.older.pk, "survivor": rw.older.pk, "reason": "Misma persona",
                                 **versions(rw.older, rw.newer)})  # fmt: skip
    assert response.status_code == 302
    assert Person.objects.get(pk=rw.newer.pk).merged_into_id == rw.older.pk
    response = client.post(url, {"other": rw.older.pk, "survivor": rw.older.pk, "reason": ""})
    assert response.status_code == 404  # the merged record is gone from everyday use


def test_home_shows_the_count_of_open_possible_duplicates(client, rw):
    html = html_of(signed_in(client, rw.officer_a).get("/"))
    assert 'id="duplicates-link"' in html
    html = html_of(signed_in(client, rw.officer_b).get("/"))
    assert '<span class="ws-count">0</span></a></nav>' in html.replace("\n    ", "")


def test_a_merged_record_is_not_searched_listed_or_found_in_the_api(client, rw):
    made = persons_merge(actor=rw.supervisor_a, survivor=rw.older, merged=rw.newer, reason="Misma persona")
    signed_in(client, rw.officer_a)
    found = html_of(client.get(reverse("workspace:search"), {"q": "herrara"}))
    assert reverse("admin:cases_person_change", args=[rw.newer.pk]) not in found
    listed = client.get(reverse("admin:cases_person_changelist")).content.decode()
    assert f"/admin/cases/person/{rw.newer.pk}/change/" not in listed
    assert f"/admin/cases/person/{rw.older.pk}/change/" in listed
    assert client.get(f"/api/v1/persons/{rw.newer.pk}/").status_code == 404
    assert client.get(f"/api/v1/persons/{rw.older.pk}/").status_code == 200
    # The merge's page reads the merged record, which the officer no longer sees elsewhere: logged.
    client.get(reverse("reviews:merge", args=[made.pk]))
    assert AccessLog.objects.filter(user=rw.officer_a, person_id=rw.newer.pk).exists()


def test_the_merge_page_costs_the_same_queries_with_more_moved(client, rw, django_assert_max_num_queries):
    for _ in range(4):
        f.make_case(rw.officer_a, person=rw.newer)
    made = persons_merge(actor=rw.supervisor_a, survivor=rw.older, merged=rw.newer, reason="Misma persona")
    signed_in(client, rw.supervisor_a)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("reviews:merge", args=[made.pk])).status_code == 200


def test_a_stale_person_form_saved_after_a_merge_is_refused_and_keeps_what_the_merge_copied(client, rw):
    """An officer had the kept record's staff page open; a supervisor merged the other record into it
    (copying its phone); the officer's save is refused with a clear message, nothing overwritten."""
    signed_in(client, rw.officer_a)
    seen = Person.objects.get(pk=rw.older.pk).updated_at.isoformat()
    persons_merge(actor=rw.supervisor_a, survivor=rw.older, merged=rw.newer, reason="Misma persona")
    data = person_post(
        given_names="Juan Carlos", paternal_surname="Herrera", maternal_surname="Gómez", sex="H",
        curp=rw.older.curp, a_number=rw.older.a_number, date_of_birth="1991-02-14", phone="",
        expected_version=seen,
    )  # fmt: skip
    response = client.post(reverse("admin:cases_person_change", args=[rw.older.pk]), data)
    assert response.status_code == 200
    assert "Otra persona modificó estos datos mientras usted los editaba" in response.content.decode()
    assert Person.objects.get(pk=rw.older.pk).phone == "+1 214 555 0144"  # copied by the merge, kept
