"""Instances loaded through ``FastLoad.from_db`` (consulates/loading.py) are the instances Django's own
``from_db`` builds: the same attributes, the same deferred columns, the same state."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.db.models import signals

from consulates.loading import FastLoad
from tests import factories as f
from tests.factories.crossoffice import make_referral

FAST = [model for model in apps.get_models() if issubclass(model, FastLoad)]


def test_the_fast_models_have_no_init_of_their_own_and_no_init_receivers():
    assert len(FAST) >= 15
    for model in FAST:
        assert "__init__" not in vars(model), model
        assert not signals.pre_init.has_listeners(model), model
        assert not signals.post_init.has_listeners(model), model


def _seen(instance) -> tuple:
    attributes = {k: v for k, v in vars(instance).items() if k != "_state"}
    state = instance._state
    return attributes, state.adding, state.db, dict(state.fields_cache), instance.get_deferred_fields()


@pytest.mark.django_db
def test_an_instance_loads_as_django_would_load_it(monkeypatch):
    officer = f.officer("dallas")
    case = f.make_case(officer)
    partner = f.partner_user().partner_membership.partner
    make_referral(officer, case, partner)
    querysets = []
    for model in FAST:
        querysets.append(model.objects.order_by("pk")[:3])
        fields = [field.name for field in model._meta.concrete_fields][:3]
        querysets.append(model.objects.only(*fields).order_by("pk")[:3])
    fast = [[_seen(row) for row in queryset.all()] for queryset in querysets]
    for model in FAST:
        monkeypatch.setattr(model, "from_db", classmethod(models.Model.from_db.__func__))
    django = [[_seen(row) for row in queryset.all()] for queryset in querysets]
    assert fast == django
    empty = [model.__name__ for model, rows in zip(FAST, fast[::2], strict=True) if not rows]
    assert len(FAST) - len(empty) >= 12, empty  # a dozen models at least had rows to compare
