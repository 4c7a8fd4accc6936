from __future__ import annotations

import pytest

from tests import factories as f


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def officer(db):
    return f.officer("dallas", first_name="Olga", last_name="Oficial")


@pytest.fixture
def admin_user(db):
    return f.administrator(first_name="Adela", last_name="Aguirre")
