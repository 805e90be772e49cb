"""Health checks, the service check, and the production settings' safety nets.

Outages are real: the checks are pointed at loopback ports where nothing listens.
"""

import json
import secrets
import time

import pytest

from tests.workers import database_url_for_tests, free_port, run_python, use_broker

HEALTHZ_SCRIPT = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(response.status_code)
print(response.content.decode())
"""


def production_env(**overrides: str | None) -> dict[str, str | None]:
    env = {
        "COPS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "cops-occitanie.fr",
        "DEBUG": "false",
        "SITE_URL": "https://cops-occitanie.fr",
        "DJANGO_ALLOW_ASYNC_UNSAFE": None,  # set by the test suite for Playwright, never in production
    }
    env.update(overrides)
    return env


@pytest.mark.django_db
def test_healthz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_names_the_broker_when_it_is_unreachable(client, unreachable_broker):
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "erreur : broker"
    assert body["database"] == "ok"
    assert body["broker"] == "erreur : OperationalError"
    assert "127.0.0.1" not in response.content.decode()  # the details go to the log only


@pytest.mark.django_db
def test_healthz_answers_at_once_while_the_broker_stays_unreachable(client, unreachable_broker, settings):
    """A probe calling every few seconds while the broker's host does not answer must not hold the
    web workers: the first check waits a short timeout, the next ones reuse its answer from the
    process's memory."""
    settings.HEALTHCHECK_BROKER_TIMEOUT = 0.5
    use_broker("redis://192.0.2.1:6379/0")  # TEST-NET-1: a host that neither answers nor refuses

    started = time.monotonic()
    first = client.get("/healthz")
    first_took = time.monotonic() - started
    started = time.monotonic()
    second = client.get("/healthz")
    second_took = time.monotonic() - started

    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["status"] == second.json()["status"] == "erreur : broker"
    assert first_took < 1.0
    assert second_took < 0.05


def test_healthz_names_the_database_when_it_is_unreachable():
    result = run_python(
        ["-c", HEALTHZ_SCRIPT], {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/cops"}
    )

    status, body = result.stdout.strip().split("\n", 1)
    body = json.loads(body)
    assert result.returncode == 0, result.stderr
    assert status == "503"
    assert body["status"] == "erreur : database"
    assert body["broker"] == "ok"
    assert body["database"] == "erreur : OperationalError"
    assert "postgres" not in body["database"]


def test_servicecheck_says_in_one_line_that_postgresql_is_unreachable():
    port = free_port()

    result = run_python(
        ["-m", "cops.servicecheck"], {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/cops"}
    )

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"✗ PostgreSQL injoignable sur 127.0.0.1:{port} : démarrez-le")
    assert "Traceback" not in result.stderr


def test_servicecheck_says_in_one_line_that_redis_is_unreachable():
    port = free_port()

    result = run_python(["-m", "cops.servicecheck"], {"CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0"})

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"✗ Redis injoignable sur 127.0.0.1:{port} : démarrez-le")


def test_servicecheck_is_silent_and_succeeds_when_services_answer():
    result = run_python(["-m", "cops.servicecheck"], {})

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.django_db
def test_check_deploy_passes_with_production_settings():
    # On the migrated test database: the API schema, checked here, lists the taxonomies' codes.
    env = production_env(DATABASE_URL=database_url_for_tests())

    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"DEBUG": "true"}, "DEBUG must be false"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set to a random value"),  # unset: the default key
        ({"SECRET_KEY": "short-but-set"}, "SECRET_KEY must be set to a random value"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list the site's host names"),
    ],
)
def test_production_settings_refuse_to_start_when_unsafe(overrides, problem):
    result = run_python(["manage.py", "check"], production_env(**overrides))

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: Unsafe production settings: " in result.stderr
    assert problem in result.stderr


def test_production_settings_without_any_variable_list_every_problem():
    env = {"COPS_ENV": "production", "DEBUG": "", "SECRET_KEY": "", "ALLOWED_HOSTS": ""}

    result = run_python(["-c", "import django; django.setup()"], env)

    assert "DEBUG must be false" not in result.stderr  # DEBUG defaults to off in production
    assert "SECRET_KEY must be set" in result.stderr
    assert "ALLOWED_HOSTS must list" in result.stderr
