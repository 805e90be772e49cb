"""Reliability: nothing queued by a rolled-back transaction, a Redis outage survived without losing
an email, and a pg_dump / pg_restore round trip of the demo data that loses nothing."""

import base64
import email
import json
import os
import subprocess
import sys
import time
import uuid
from email.header import decode_header, make_header

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction

from actors.models import User
from actors.services.accounts import user_send_verification, user_sign_up
from barometer.enums import ResponseStatus
from barometer.models import Response
from cops.mail import send_templated_email
from cops.models import OutgoingEmail
from tests.barometer.conftest import answer_all
from tests.factories.actors import UserFactory
from tests.factories.barometer import PAGE_ANSWERS, CampaignFactory, make_questionnaire

# How long the private Redis stays down. The issue speaks of 60 s; 5 s keeps the suite quick and
# exercises the same paths (nothing in the platform waits for the broker). Override with
# COPS_REDIS_OUTAGE_SECONDS=60 to play the full minute.
OUTAGE_SECONDS = float(os.environ.get("COPS_REDIS_OUTAGE_SECONDS", "5"))

PASSWORD = "Partenariat-en-sante-2026"


def queued_tasks(server) -> list[tuple[str, dict]]:
    """(task name, kwargs) of every message waiting in the private queue, oldest first."""
    tasks = []
    for raw in reversed(server.client().lrange(server.queue, 0, -1)):
        message = json.loads(raw)
        _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        tasks.append((message["headers"]["task"], kwargs))
    return tasks


# --- Tasks are queued only after commit -----------------------------------------------------------


@pytest.mark.celery
def test_rolled_back_transaction_writes_no_email_and_queues_no_task(transactional_db, private_redis):
    user = UserFactory(email="lea@exemple.fr", first_name="Léa")

    with pytest.raises(RuntimeError), transaction.atomic():
        send_templated_email(
            to=user.email,
            template="actors/emails/verify_email",
            context={"user": user, "verification_url": "x", "valid_days": 7},
        )
        raise RuntimeError("a later step of the same transaction fails")
    with pytest.raises(RuntimeError), transaction.atomic():
        user_sign_up(email="nouvelle@exemple.fr", password=PASSWORD, first_name="Nina")
        raise RuntimeError("the caller's transaction fails after the sign-up")

    assert OutgoingEmail.objects.count() == 0
    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()
    assert queued_tasks(private_redis) == []

    # The control: the same call, committed, writes one email and queues exactly one delivery.
    user_send_verification(user=user)

    sent = OutgoingEmail.objects.get()
    assert queued_tasks(private_redis) == [("cops.deliver_email", {"email_id": sent.pk})]


# --- A Redis outage ----------------------------------------------------------------------------------


@pytest.mark.celery
def test_redis_outage_keeps_pages_signups_and_surveys_working_and_the_email_goes_out_afterwards(
    transactional_db, private_redis, start_worker, smtp_sink, client, staff_client
):
    from cops.tasks import flush_outbox

    questionnaire = make_questionnaire(CampaignFactory(year=2026, title="Baromètre 2026"))
    assert client.get("/healthz").json()["broker"] == "ok"

    private_redis.stop()
    outage_started = time.monotonic()

    health = client.get("/healthz")
    pages = {
        url: client.get(url).status_code
        for url in ["/", "/compte/inscription/", "/compte/connexion/", "/annuaire/", "/carte/", "/barometre/"]
    }
    staff_page = staff_client.get("/equipe/").status_code
    signed_up = client.post(
        "/compte/inscription/",
        {
            "first_name": "Inès",
            "last_name": "Roux",
            "email": "ines.roux@exemple.fr",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    survey = answer_all(client.__class__(), questionnaire, PAGE_ANSWERS)
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))

    assert health.status_code == 503
    assert health.json()["status"] == "erreur : broker"
    assert health.json()["database"] == "ok"
    assert pages == {url: 200 for url in pages}
    assert staff_page == 200
    assert signed_up.status_code == 200
    assert "Plus qu'une étape" in signed_up.content.decode()
    assert User.objects.get(email="ines.roux@exemple.fr").email_verified_at is None
    pending = OutgoingEmail.objects.get(to=["ines.roux@exemple.fr"])
    assert (pending.sent_at, pending.attempts) == (None, 0)
    assert survey.status_code == 302
    assert Response.objects.get().status == ResponseStatus.SUBMITTED

    private_redis.start()
    assert client.get("/healthz").status_code == 200  # the web process reconnects by itself
    worker = start_worker(broker_url=private_redis.url)
    flush_outbox.apply_async()  # what beat does every minute

    envelopes = worker.wait_until(lambda: smtp_sink.envelopes)
    assert len(envelopes) == 1
    assert envelopes[0].rcpt_tos == ["ines.roux@exemple.fr"]
    message = email.message_from_bytes(envelopes[0].content)
    assert str(make_header(decode_header(message["Subject"]))) == (
        "Confirmez votre adresse pour la plateforme COPS"
    )
    # The server has the message before the worker commits its « sent » mark: wait for the mark.
    pending = worker.wait_until(
        lambda: OutgoingEmail.objects.filter(pk=pending.pk, sent_at__isnull=False).first()
    )
    assert pending.attempts == 1


# --- Backup and restore --------------------------------------------------------------------------------


def _admin_dsn(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={name}" + (
        f" password={db['PASSWORD']}" if db["PASSWORD"] else ""
    )


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432)}
    env["PGUSER"] = db["USER"]
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(command: list[str], env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    )
    return result


def _table_counts(name: str, tables: list[str]) -> dict[str, int]:
    with psycopg.connect(_admin_dsn(name)) as conn:
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - catalogue names
            for table in tables
        }


def _catalogue(name: str) -> tuple[list[str], dict[str, int]]:
    """Every table of the public schema, and every sequence's last value."""
    with psycopg.connect(_admin_dsn(name)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        sequences = dict(
            conn.execute(
                "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'public'"
            )
        )
    return tables, sequences


@pytest.fixture
def scratch_databases():
    suffix = uuid.uuid4().hex[:8]
    names = [f"cops_backup_src_{suffix}", f"cops_backup_dst_{suffix}"]
    yield names
    with psycopg.connect(_admin_dsn("postgres"), autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_pg_dump_and_pg_restore_round_trip_of_the_demo_data_loses_nothing(scratch_databases, tmp_path):
    source, target = scratch_databases
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cops.settings",
        "DATABASE_URL": _url(source),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    manage = [sys.executable, "manage.py"]
    _run([*manage, "ensure_database"], env)
    _run([*manage, "migrate", "--no-input", "-v0"], env)
    _run([*manage, "createcachetable"], env)
    _run([*manage, "seed_demo", "--scale", "200"], env)
    dump = tmp_path / "cops.dump"

    # The commands the README gives operators.
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), source], _pg_env())
    _run(["createdb", target], _pg_env())
    _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(dump)], _pg_env())

    model_tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True) if model._meta.managed}
    )
    source_tables, source_sequences = _catalogue(source)
    target_tables, target_sequences = _catalogue(target)
    before = _table_counts(source, source_tables)
    after = _table_counts(target, target_tables)
    assert set(model_tables) <= set(source_tables), set(model_tables) - set(source_tables)
    assert target_tables == source_tables
    assert after == before
    assert target_sequences == source_sequences
    # The demo data is really there (a round trip of empty tables would prove nothing).
    assert before["actors_user"] >= 50
    assert before["actors_commune"] == 4446
    assert before["barometer_answer"] > 1000
    assert sum(before[table] for table in model_tables) > 10_000
    assert sum(1 for table in model_tables if before[table] > 0) >= 50
