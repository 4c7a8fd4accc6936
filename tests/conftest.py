import pytest

from consulates.services import network_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The whole consular network, loaded once for the session (as ``make run`` does)."""
    with django_db_blocker.unblock():
        network_load()
