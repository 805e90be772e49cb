"""Charter benchmark: the public signatories and statistics pages, and the renewal batch.

Creates N signatory structures and N signatory persons (published, with profiles, domains and
territories) inside a transaction that is rolled back at the end, then prints:
- the signatories page and the statistics page: median / p95 over 30 requests, and query counts;
- the annual PDF report's build time;
- the renewal batch (one invitation per signatory): invitations written to the outbox per second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/charter_pages.py [N]
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cops.settings")

import django  # noqa: E402

django.setup()

from datetime import date  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from actors.enums import ActorKind, ModerationStatus  # noqa: E402
from actors.models import (  # noqa: E402
    ActorProfile,
    CharterVersion,
    Departement,
    Domain,
    Person,
    Signature,
    Structure,
    User,
)


class Rollback(Exception):
    pass


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def timed_get(client, url, runs=30):
    client.get(url)  # warm-up
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(durations), percentile(durations, 95), len(queries)


def seed(n: int) -> tuple[CharterVersion, CharterVersion]:
    now = timezone.now()
    previous = CharterVersion.objects.create(
        year=2090, title="Charte banc d'essai", text="Texte", valid_from=date(2090, 1, 1), published_at=now
    )
    users = User.objects.bulk_create(
        [User(email=f"banc{i}@charte.exemple", first_name="Banc", last_name=f"Essai{i}") for i in range(n)]
    )
    persons = Person.objects.bulk_create(
        [
            Person(user=user, first_name="Banc", last_name=f"Essai{i}", status=ModerationStatus.PUBLISHED)
            for i, user in enumerate(users)
        ]
    )
    structures = Structure.objects.bulk_create(
        [
            Structure(name=f"Structure banc {i}", status=ModerationStatus.PUBLISHED, zone="est")
            for i in range(n)
        ]
    )
    profiles, domains = list(ActorProfile.objects.all()), list(Domain.objects.all())
    departements = list(Departement.objects.all())
    Person.profiles.through.objects.bulk_create(
        [
            Person.profiles.through(person=p, actorprofile=profiles[i % len(profiles)])
            for i, p in enumerate(persons)
        ]
    )
    Person.domains.through.objects.bulk_create(
        [Person.domains.through(person=p, domain=domains[i % len(domains)]) for i, p in enumerate(persons)]
    )
    Person.territories.through.objects.bulk_create(
        [
            Person.territories.through(person=p, departement=departements[i % len(departements)])
            for i, p in enumerate(persons)
        ]
    )
    Structure.domains.through.objects.bulk_create(
        [
            Structure.domains.through(structure=s, domain=domains[i % len(domains)])
            for i, s in enumerate(structures)
        ]
    )
    Signature.objects.bulk_create(
        [
            Signature(
                version=previous,
                kind=ActorKind.PERSON,
                person=p,
                signed_by=p.user,
                signer_name="x",
                signed_at=now,
            )
            for p in persons
        ]
        + [
            Signature(version=previous, kind=ActorKind.STRUCTURE, structure=s, signer_name="x", signed_at=now)
            for s in structures
        ]
    )
    draft = CharterVersion.objects.create(
        year=2091, title="Charte banc 2", text="Texte", valid_from=date(2091, 1, 1)
    )
    return previous, draft


def main(n: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["*"]
    translation.activate("fr")
    client = Client()
    staff = None
    try:
        with transaction.atomic():
            started = time.perf_counter()
            previous, draft = seed(n)
            print(
                f"Données : {2 * n} signataires de la charte {previous.year} créés en {time.perf_counter() - started:.1f} s"
            )
            base_median, base_p95, _queries = timed_get(client, "/donnees-personnelles/")
            print(f"{'page triviale (référence)':48} médiane {base_median:7.1f} ms   p95 {base_p95:7.1f} ms")
            for label, url in (
                ("page des signataires", f"/charte/signataires/?annee={previous.year}"),
                (
                    "page des signataires filtrée (personnes, Est)",
                    f"/charte/signataires/?annee={previous.year}&type=personne&localisation=est",
                ),
                ("page des statistiques", f"/charte/statistiques/?annee={previous.year}"),
            ):
                median, p95, queries = timed_get(client, url)
                print(
                    f"{label:48} médiane {median:7.1f} ms   p95 {p95:7.1f} ms   {queries} requêtes SQL   "
                    f"({median / base_median:.1f} × la page triviale)"
                )
            from actors.reports import build_annual_report

            started = time.perf_counter()
            build_annual_report({"year": timezone.localdate().year})
            print(f"{'rapport annuel PDF':48} {1000 * (time.perf_counter() - started):7.0f} ms")

            staff = User.objects.create(email="banc-equipe@charte.exemple")
            from actors.services.charter import charter_version_publish, renewal_invitations_send

            started = time.perf_counter()
            prepared = charter_version_publish(version=draft, by=staff)
            prepare_s = time.perf_counter() - started
            started = time.perf_counter()
            sent = renewal_invitations_send(version_id=draft.pk)
            send_s = time.perf_counter() - started
            print(f"renouvellement : {prepared} invitations préparées en {prepare_s:.2f} s à la publication")
            print(
                f"renouvellement : {sent} invitations écrites dans la boîte d'envoi en {send_s:.2f} s "
                f"({sent / send_s:.0f} par seconde, par lots de 25 par transaction)"
            )
            raise Rollback
    except Rollback:
        print("(données du banc d'essai annulées)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
