"""The API benchmark refuses a raw page that drifted from its API page: the comparison it runs."""

from devtools.bench_raw_pages import first_difference


def page(**overrides):
    case = {"id": 1, "art36": {"contact_expected": True, "advice_delay_hours": 1.5}, "handovers": []}
    case.update(overrides)
    return {"count": 1, "next": None, "results": [case]}


def test_equal_pages_have_no_difference():
    assert first_difference(page(), page()) is None


def test_a_key_the_raw_page_lacks_is_named_with_both_values():
    raw = page()
    del raw["results"][0]["art36"]["advice_delay_hours"]
    assert first_difference(page(), raw) == ("results[0].art36.advice_delay_hours", 1.5, "<missing>")


def test_a_key_only_the_raw_page_has():
    assert first_difference(page(), page(extra=2)) == ("results[0].extra", "<missing>", 2)


def test_a_different_value_the_count_and_a_shorter_list():
    assert first_difference(page(), page(id=2)) == ("results[0].id", 1, 2)
    assert first_difference(page(), {**page(), "count": 2}) == ("count", 1, 2)
    assert first_difference(page(handovers=[{"id": 3}]), page()) == ("results[0].handovers (length)", 1, 0)


def test_a_time_in_another_zone_and_a_number_of_another_type_differ():
    assert first_difference(page(at="2026-12-06T23:30:00-06:00"), page(at="2026-12-07T05:30:00Z"))
    assert first_difference(page(flag=True), page(flag=1)) == ("results[0].flag", True, 1)
