"""The person page's "Other names" section: the spellings a person is also known by (searchable like the
main name, compared by the matcher). Added and removed through ``cases.services.aliases``; a recorded name is
not edited (remove it and add the right one: the history keeps both)."""

from __future__ import annotations

from django.contrib import admin

from cases.admin.base import ServiceInlineMixin, ServiceModelForm
from cases.models import Person, PersonAlias
from cases.services import aliases
from consulates.policy import can


class PersonAliasForm(ServiceModelForm):
    class Meta:
        model = PersonAlias
        fields = ["given_names", "paternal_surname", "maternal_surname", "source"]

    def run_service(self, data):
        if self.instance.pk is not None or self.instance.person_id is None:
            return None  # a recorded name is not changed; a refused person page keeps nothing
        person = Person.objects.get(pk=self.instance.person_id)
        return aliases.alias_add(
            actor=self.request.user,
            person=person,
            given_names=data.get("given_names", ""),
            paternal_surname=data.get("paternal_surname", ""),
            maternal_surname=data.get("maternal_surname", ""),
            source=data.get("source", ""),
        )

    @staticmethod
    def delete_with_service(request, alias):
        aliases.alias_remove(actor=request.user, alias=alias)


def _editable(user, person) -> bool:
    return can(user, "person.edit", person) and getattr(person, "anonymised_at", None) is None


class PersonAliasInline(ServiceInlineMixin, admin.TabularInline):
    model = PersonAlias
    form = PersonAliasForm
    extra = 0
    fields = ["given_names", "paternal_surname", "maternal_surname", "source", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "staff.enter")

    def has_add_permission(self, request, obj=None):
        return _editable(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return False  # shown read-only: a wrong name is removed and added again

    def has_delete_permission(self, request, obj=None):
        return _editable(request.user, obj)
