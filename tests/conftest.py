"""The fixed cast of users and the shared test set-up.

Every test runs against the real PostgreSQL. Celery runs tasks eagerly here, except in tests
marked `celery`, which start a real worker against Redis.
"""

import os

import pytest
from django.test import Client

from actors.enums import Role
from tests.factories.actors import PASSWORD, UnverifiedUserFactory, UserFactory

# Playwright drives the live server from its own event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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
def _fast_and_eager(settings, request):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "http://testserver"
    from cops.celery import app

    eager = request.node.get_closest_marker("celery") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_directory_results():
    """The directory's per-process results (facet bitsets, rendered lists) outlive a test's
    transaction: every test starts without them."""
    from directory import facets

    facets.reset()
    yield
    facets.reset()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush every table afterwards: put the migrations' data back first."""
    if (
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or request.node.get_closest_marker("django_db")
        and request.node.get_closest_marker("django_db").kwargs.get("transaction")
    ):
        request.getfixturevalue("transactional_db")
        from tests.migration_data import restore_migration_data

        restore_migration_data()


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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}
