"""Small helpers shared by the staff-UI tests."""

from __future__ import annotations

from tests.factories import consulate

# What a template prints for a variable it cannot resolve (a typo, a missing context key); see the
# ``strict_templates`` fixture.
INVALID_MARKER = "@@INVALID-TEMPLATE-VARIABLE@@"


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    """The management form of an inline formset, as the browser posts it."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def refused(role_is_staff: bool, response) -> bool:
    """Staff without the right get 403; everyone else (partner users, inactive accounts) is sent to
    the login page, as Django's admin does for anyone who is not active staff."""
    if role_is_staff:
        return response.status_code == 403
    return response.status_code == 302 and "/admin/login/" in response["Location"]


def person_post(**overrides) -> dict:
    data = {
        "given_names": "Wendy",
        "paternal_surname": "Bóxer",
        "maternal_surname": "",
        "sex": "H",  # as the CURP BOXW310820HNERXN09 encodes
        "curp": "BOXW310820HNERXN09",
        "registered_by": consulate("dallas").pk,
        "preferred_language": "es",
        "languages": "español, mixteco",
        **inline_management("emergency_contacts"),
        **inline_management("aliases"),
    }
    data.update(overrides)
    return data


def admin_search(client, url: str, term: str, **filters):
    """Search a staff list as the search box does: POST the term (with the list's filters), follow
    the 303 to the list with its opaque ``qs`` key. The followed response has ``redirect_chain``."""
    response = client.post(url, {"q": term, **filters}, follow=True)
    assert response.redirect_chain, "the search was not redirected"
    assert response.redirect_chain[0][1] == 303, response.redirect_chain
    return response
