import pytest

from tests.cases.admin.conftest import strict_templates  # noqa: F401
from tests.intake.reviews import world as reviews_world
from tests.worlds import rolled_back


@pytest.fixture(scope="module")
def reviews_module_world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield reviews_world.build_world()


@pytest.fixture
def rw(reviews_module_world, db):
    for name in ("older", "newer", "review"):
        getattr(reviews_module_world, name).refresh_from_db()
    return reviews_module_world
