"""The fixed cast of users and the shared test set-up.

Every test runs against the real PostgreSQL. Celery runs tasks eagerly here, except in tests
marked `celery`, which start a real worker against Redis.
"""

import os
import re

import pytest
from django.test import Client, TransactionTestCase

from actors.enums import Role
from tests import database
from tests.factories.actors import PASSWORD, UnverifiedUserFactory, UserFactory
from tests.workers import tasks_run_in_process

# The SMTP sink, real Celery workers, a private Redis… (tests/workers.py), for every test.
pytest_plugins = ["tests.workers"]

# Playwright drives the live server from its own event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

OUTSIDE = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])[a-z]+://")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Tasks run in the test's process, except in tests marked `celery` (a real worker runs them)."""
    with tasks_run_in_process(eager=request.node.get_closest_marker("celery") is None):
        yield


@pytest.fixture(autouse=True)
def _french_by_default():
    """Every test starts in the site's language, whatever a test before it activated (a request
    to an English page, a test of the English catalogue): a leaked language would turn the exact
    French texts other tests compare into English ones."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_directory_results():
    """The directory's and the charter's per-process results (facet bitsets, rendered lists,
    signatory data) outlive a test's transaction: every test starts without them."""
    from actors.selectors.charter import forget_remembered
    from cops.figures import forget_home_figures
    from cops.memo import forget_everything_kept
    from directory import facets

    facets.reset()
    forget_remembered()
    forget_home_figures()
    forget_everything_kept()
    yield
    facets.reset()
    forget_remembered()
    forget_home_figures()
    forget_everything_kept()


@pytest.fixture(scope="session")
def django_db_createdb(request, django_db_modify_db_settings) -> bool:
    """Recreate the test database only when asked, or when it cannot be trusted (tests/database.py)."""
    return request.config.getvalue("create_db") or not database.is_reusable(database.migrations_fingerprint())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The migrated rows are copied once; each transactional test ends by putting them back."""
    fingerprint = database.migrations_fingerprint()
    with django_db_blocker.unblock():
        database.mark("running", fingerprint)
        migrated = database.Snapshot.take()
        database.keep(migrated)
    previous = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = lambda test_case: database.current().restore()
    yield
    TransactionTestCase._fixture_teardown = previous
    with django_db_blocker.unblock():
        database.release(migrated)
        migrated.restore()  # rows a subprocess committed outside any transactional test
        database.mark("clean", fingerprint)


@pytest.fixture(scope="session")
def _demo_site(django_db_setup, django_db_blocker):
    """The demo site, small (scale 20), seeded once per run and kept as a snapshot."""
    from cops.demo import seed_all

    with django_db_blocker.unblock(), tasks_run_in_process():
        context = seed_all(scale=20, seed=2026, log=lambda line: None)
        snapshot = database.Snapshot.take()
        database.current().restore()
    return context, snapshot


@pytest.fixture
def demo(_demo_site, transactional_db):
    """Pages checked with realistic content, not empty states: the demo site, put back by copy."""
    context, snapshot = _demo_site
    database.keep(snapshot)
    yield context
    database.release(snapshot)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def partner(db):
    return UserFactory(email="partenaire@exemple.fr", first_name="Sacha", last_name="Martin")


@pytest.fixture
def other_partner(db):
    return UserFactory(email="autre@exemple.fr", first_name="Lou", last_name="Bernard")


@pytest.fixture
def unverified_user(db):
    return UnverifiedUserFactory(email="nouveau@exemple.fr")


@pytest.fixture
def staff_user(db):
    return UserFactory(email="equipe@exemple.fr", first_name="Camille", roles=[Role.STAFF, Role.PARTNER])


@pytest.fixture
def copil_user(db):
    return UserFactory(email="copil@exemple.fr", first_name="Dominique", roles=[Role.COPIL, Role.PARTNER])


@pytest.fixture
def admin_user(db):
    return UserFactory(
        email="admin@exemple.fr", first_name="Alix", is_staff=True, is_superuser=True, roles=[Role.ADMIN]
    )


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def partner_client(partner):
    return _client_for(partner)


@pytest.fixture
def staff_client(staff_user):
    return _client_for(staff_user)


@pytest.fixture
def copil_client(copil_user):
    return _client_for(copil_user)


@pytest.fixture
def admin_client(admin_user):
    return _client_for(admin_user)


@pytest.fixture
def context(context):
    """The browser stays on this machine: a request elsewhere (map tiles) fails at once instead of
    waiting on a network that is not there."""
    context.route(OUTSIDE, lambda route: route.abort())
    return context


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}
