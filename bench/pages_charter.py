"""Charter pages at the seeded scale: p50 / p95 of one request and queries per request.

Runs against an existing database (e.g. after `seed_demo --scale 25000 --seed 7`), reads only,
and prints for each public page of the charter (and the home page, whose figures include the
charter's) the median and 95th percentile over 30 single requests after one warm-up request,
the SQL queries of one request, and the ratio to the trivial page `/donnees-personnelles/`
measured in the same run. The warm-up request fills the caches, as the first visitor would;
`--cold` also times one request right after the charter's data version changed (what the
first visitor after a new signature waits).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/pages_charter.py [--cold]
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

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import translation  # noqa: E402

from actors.models import Signature  # noqa: E402
from actors.selectors.charter import charter_current_version  # noqa: E402

RUNS = 30


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def timed_get(client, url, runs=RUNS):
    client.get(url)  # warm-up (fills the caches, as the first visitor does)
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(durations), percentile(durations, 95), len(queries)


def cold_get(client, url) -> float:
    """One request right after the charter's data changed (its version token bumped)."""
    try:
        from actors.signals import charter_data_changed
    except ImportError:  # the code before the cache: every request is cold
        charter_data_changed = None
    if charter_data_changed is not None:
        charter_data_changed()
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def main(cold: bool) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    translation.activate("fr")
    client = Client()
    version = charter_current_version()
    standing = Signature.objects.filter(version=version, withdrawn_at__isnull=True).count() if version else 0
    print(f"Charte {version.year if version else '—'} : {standing} signatures en cours")
    pages = [
        ("accueil (chiffres clés)", "/"),
        ("charte", "/charte/"),
        ("statistiques", "/charte/statistiques/"),
        ("signataires, page 1", "/charte/signataires/"),
        ("signataires, page 40", "/charte/signataires/?page=40"),
        ("signataires filtrés (personnes, Est)", "/charte/signataires/?type=personne&localisation=est"),
        ("signataires filtrés, page 5", "/charte/signataires/?type=personne&localisation=est&page=5"),
        ("instances (comités)", "/comites/"),
        ("composition du CoPil", "/comites/copil/"),
    ]
    base_median, base_p95, base_queries = timed_get(client, "/donnees-personnelles/")
    print(
        f"{'page triviale (référence)':40} p50 {base_median:7.1f} ms   p95 {base_p95:7.1f} ms   "
        f"{base_queries:3} requêtes SQL"
    )
    for label, url in pages:
        median, p95, queries = timed_get(client, url)
        line = (
            f"{label:40} p50 {median:7.1f} ms   p95 {p95:7.1f} ms   {queries:3} requêtes SQL   "
            f"({median / base_median:5.1f} × la page triviale, soit {100 * base_median / median:5.1f} %)"
        )
        if cold:
            line += f"   à froid {cold_get(client, url):7.1f} ms"
        print(line)


if __name__ == "__main__":
    main(cold="--cold" in sys.argv)
