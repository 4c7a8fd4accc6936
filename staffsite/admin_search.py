"""The staff UI's list searches never put the term in an address.

A query string is kept by reverse-proxy access logs, browser history and ``Referer`` headers, and the
terms typed in a list's search box are names, CURPs and A-numbers. So the search box posts (with its
CSRF token) to the list; ``PostedSearchAdminMixin`` keeps the term in the session, encrypted with the
field-encryption keys (the session table holds no plaintext), under a fresh random key, and answers
303 to the list with ``qs=<key>`` in place of ``q``. A list asked for with ``qs`` runs Django's normal
search with the stored term; its pagination, sorting, filter and "preserved filters" links carry
``qs``, never the term. An old address with ``?q=`` is converted the same way. A session keeps at most
``MAX_STORED_SEARCHES`` terms (the oldest go first); an unknown or expired key shows the whole list
with a message.

The admin's autocomplete (``/admin/autocomplete/``, select2 on ``autocomplete_fields``) is answered
only to POST for the same reason (``PostedAutocompleteJsonView``): the typed name goes in the body.
"""

from __future__ import annotations

import functools
import secrets
from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR, SEARCH_VAR, ChangeListSearchForm
from django.contrib.admin.widgets import AutocompleteMixin
from django.http import HttpResponseRedirect, QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext as _

import encryption

SEARCH_KEY_VAR = "qs"
SESSION_KEY = "admin_searches"
MAX_STORED_SEARCHES = 20
# What a search form sends besides the term and the list's filters.
_NOT_FILTERS = {SEARCH_VAR, SEARCH_KEY_VAR, PAGE_VAR, ERROR_FLAG, "csrfmiddlewaretoken"}


class SeeOther(HttpResponseRedirect):
    status_code = 303


def store_search(request, term: str) -> str:
    """Keep ``term`` (encrypted) in the session; return the opaque key that names it."""
    key = secrets.token_urlsafe(16)
    kept = [pair for pair in request.session.get(SESSION_KEY, []) if isinstance(pair, list)]
    kept = [*kept[-(MAX_STORED_SEARCHES - 1) :], [key, encryption.encrypt(term)]]
    request.session[SESSION_KEY] = kept
    return key


def stored_search(request, key: str) -> str | None:
    """The term stored under ``key`` in this session; ``None`` when unknown, dropped or unreadable."""
    for stored_key, value in request.session.get(SESSION_KEY, []):
        if secrets.compare_digest(str(stored_key), key):
            try:
                return encryption.decrypt(value)
            except encryption.DecryptionError:
                return None  # encrypted under a key that has since been removed
    return None


def _filters(params: QueryDict) -> QueryDict:
    kept = params.copy()
    for name in _NOT_FILTERS:
        kept.pop(name, None)
    return kept


def _with_search_key(request, params: QueryDict, term: str) -> str:
    """``params`` as a query string, with the stored key of ``term`` (none for an empty term)."""
    params = params.copy()
    if term.strip():
        params[SEARCH_KEY_VAR] = store_search(request, term)
    return params.urlencode()


def _list_address(request, query: str) -> str:
    return f"{request.path}?{query}" if query else request.path


class _PostedSearchChangeList:
    """Mixed before the admin's ChangeList: the term comes from the session (``request``), and ``qs``
    is neither a lookup parameter nor dropped from the list's own links."""

    def __init__(self, request, *args, **kwargs):
        term = getattr(request, "posted_search_term", None)
        if term is not None:
            self.search_form_class = functools.partial(_SearchForm, term)
        super().__init__(request, *args, **kwargs)

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(SEARCH_KEY_VAR, None)
        return lookup_params


class _SearchForm(ChangeListSearchForm):
    def __init__(self, term, data=None, *args, **kwargs):
        super().__init__({SEARCH_VAR: term}, *args, **kwargs)


@functools.cache
def _changelist_class(base: type) -> type:
    return type(f"PostedSearch{base.__name__}", (_PostedSearchChangeList, base), {})


class PostedSearchAdminMixin:
    """Mix into every ModelAdmin that has ``search_fields`` (before ``admin.ModelAdmin``)."""

    posts_search = True  # read by admin/search_form.html: the box posts, with the CSRF token

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and self._is_search_post(request.POST):
            query = _with_search_key(request, _filters(request.POST), request.POST[SEARCH_VAR])
            return SeeOther(_list_address(request, query))
        if request.method == "GET" and SEARCH_VAR in request.GET:
            # An old bookmark or a hand-typed address: move the term out of it at once.
            params = request.GET.copy()
            term = params.pop(SEARCH_VAR)[-1]
            params.pop(PAGE_VAR, None)
            return SeeOther(_list_address(request, _with_search_key(request, params, term)))
        key = request.GET.get(SEARCH_KEY_VAR)
        if key is not None:
            term = stored_search(request, key)
            if term is None:
                messages.warning(
                    request, _("That search is no longer available; the whole list is shown. Search again.")
                )
                params = request.GET.copy()
                params.pop(SEARCH_KEY_VAR)
                params.pop(PAGE_VAR, None)
                return SeeOther(_list_address(request, params.urlencode()))
            request.posted_search_term = term
        return super().changelist_view(request, extra_context)

    @staticmethod
    def _is_search_post(data: QueryDict) -> bool:
        # The list's other POSTs (actions, list_editable's save) are Django's own.
        return SEARCH_VAR in data and not ({"action", "index", "_save"} & set(data))

    def get_changelist(self, request, **kwargs):
        return _changelist_class(super().get_changelist(request, **kwargs))

    def get_preserved_filters(self, request):
        """The list's filters carried by the change page's links and redirects: with ``qs``, and a
        term that arrived in an older ``_changelist_filters`` is stored and replaced by its key."""
        preserved = super().get_preserved_filters(request)
        if not preserved:
            return preserved
        inner = QueryDict(dict(parse_qsl(preserved)).get("_changelist_filters", ""), mutable=True)
        if SEARCH_VAR not in inner:
            return preserved
        # Asked for several times per page: one stored key per request and term.
        converted = request.__dict__.setdefault("_converted_preserved_filters", {})
        if preserved not in converted:
            term = inner.pop(SEARCH_VAR)[-1]
            query = _with_search_key(request, inner, term)
            converted[preserved] = urlencode({"_changelist_filters": query}) if query else ""
        return converted[preserved]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        posted_autocomplete(formfield)
        return formfield


def posted_autocomplete(formfield) -> None:
    """Make an autocomplete widget send what is typed in a POST body (select2's ``ajax.type``); the
    CSRF header is added by staff.js."""
    widget = getattr(formfield, "widget", None)
    widget = getattr(widget, "widget", widget)  # inside RelatedFieldWidgetWrapper
    if isinstance(widget, AutocompleteMixin) and not isinstance(widget, _PostedAutocomplete):
        widget.__class__ = _posted_widget_class(type(widget))


class _PostedAutocomplete:
    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        attrs["data-ajax--type"] = "POST"
        return attrs


@functools.cache
def _posted_widget_class(base: type) -> type:
    return type(f"Posted{base.__name__}", (_PostedAutocomplete, base), {})


class PostedAutocompleteJsonView(AutocompleteJsonView):
    """The admin's autocomplete, answered to POST only: the typed term is in the body."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        request.GET = request.POST  # Django's view reads its parameters from GET
        return super().get(request, *args, **kwargs)
