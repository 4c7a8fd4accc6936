"""Case-page hooks for the crossoffice staff UI (filled in by the crossoffice work)."""


def case_page_context(request, case) -> dict:
    return {}


def case_object_tools(request, case) -> list[tuple[str, str, str]]:
    return []


def case_urls(model_admin) -> list:
    return []


def case_inlines(request, case) -> list:
    return []
