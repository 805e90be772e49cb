"""Directory benchmark: run against a database seeded with `manage.py seed_demo --scale 25000`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/directory.py

Prints, with the goals of issue 3:
- the filtered list page: p50/p95 over realistic filter combinations, and the ratio of its p95
  to a trivial Django view measured in the same run (goal: p95 ≤ 150 ms and ≤ 3×), twice: as the
  site runs (a combination already seen reuses its rendered list) and cold (every request
  computed and rendered from scratch);
- the GeoJSON of every point: time and gzip size (goal: ≤ 500 ms and ≤ 1 MB compressed);
- the map's first paint with every point in headless Chromium (goal: ≤ 2 s), through a
  `runserver` started for the occasion (BENCH_PORT, default 8102).
With projects (issue 15: 25,000 actors and about 2,000 projects), beside each of today's figures:
the list filtered on projects (type=projet), the GeoJSON with and without the projects' points
(type=personne&type=structure: today's map), and the map's first paint with and without them.
Requests go through Django's full stack (middleware, sessions, templates) in this process.
"""

import gzip
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cops.settings")
# Measure the production configuration (cached templates, no static files autorefresh).
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from actors.enums import ModerationStatus  # noqa: E402
from actors.models import Person  # noqa: E402
from directory import facets, listing_cache  # noqa: E402
from directory.models import Entry, Project  # noqa: E402


def trivial(request):
    """A trivial Django view: the site's layout (base.html) with no data of its own."""
    return render(request, "base.html")


def bare(request):
    return HttpResponse("ok")


urlpatterns = [
    path("__bench__/trivial/", trivial),
    path("__bench__/bare/", bare),
    path("", include("cops.urls")),
]

LIST_QUERIES = [
    {},
    {"type": "personne"},
    {"type": "structure", "type_structure": "ch"},
    {"domaine": "soin-accompagnement", "territoire": "31"},
    {"profil": ["patient-partenaire", "patient-partenaire-formateur"], "disponibilite": "a-distance"},
    {"territoire": "est", "domaine": "formation-recherche-innovation", "page": "3"},
    {"commune": "34172", "rayon": "20"},
    {"q": "éducation thérapeutique"},
    {"nom": "Dupond"},
    {"code_postal": "81000"},
]
# The same kinds of combinations, on the projects (issue 15).
PROJECT_QUERIES = [
    {"type": "projet"},
    {"type": "projet", "etat": "en_cours"},
    {"type": "projet", "domaine": "soin-accompagnement", "territoire": "31"},
    {"type": "projet", "activite": "education-therapeutique"},
    {"type": "projet", "q": "patients partenaires"},
    {"type": "projet", "annee": "2023", "page": "2"},
]
# Today's map: the actors only.
ACTORS_ONLY = {"type": ["personne", "structure"]}
REPEAT = 12


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def timed(client: Client, url: str, params=None, **headers) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(url, params or {}, **headers)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, params, response.status_code)
    return elapsed, response


def forget_results() -> None:
    """Drop the rendered lists and remembered keyword/distance results (not the index itself)."""
    listing_cache.reset()
    for index in facets._cache.values():
        index.memo.clear()


def bench_list(client: Client, *, cold: bool = False, queries: list[dict] = LIST_QUERIES) -> dict:
    """`cold`: every list request computed and rendered from scratch (as the first visitor of a
    filter combination sees it); otherwise as the site runs (repeated combinations reuse work)."""
    for params in queries:  # warm-up: connections, template and URL caches
        timed(client, "/annuaire/", params)
    timed(client, "/__bench__/trivial/")
    list_times, trivial_times, bare_times = [], [], []
    by_query: dict[int, list[float]] = {index: [] for index in range(len(queries))}
    for _ in range(REPEAT):
        for index, params in enumerate(queries):
            if cold:
                forget_results()
            elapsed = timed(client, "/annuaire/", params)[0]
            list_times.append(elapsed)
            by_query[index].append(elapsed)
            trivial_times.append(timed(client, "/__bench__/trivial/")[0])
            bare_times.append(timed(client, "/__bench__/bare/")[0])
    return {
        "by_query": {index: statistics.median(values) for index, values in by_query.items()},
        "bare_p95": percentile(bare_times, 95),
        "list_p50": statistics.median(list_times),
        "list_p95": percentile(list_times, 95),
        "trivial_p50": statistics.median(trivial_times),
        "trivial_p95": percentile(trivial_times, 95),
        "samples": len(list_times),
    }


def bench_geojson(client: Client, params: dict | None = None) -> dict:
    timed(client, "/api/annuaire/carte.geojson", params, HTTP_ACCEPT_ENCODING="gzip")
    times, size, raw, features, projects = [], 0, 0, 0, 0
    for _ in range(7):
        elapsed, response = timed(client, "/api/annuaire/carte.geojson", params, HTTP_ACCEPT_ENCODING="gzip")
        times.append(elapsed)
        size = len(response.content)
        assert response["Content-Encoding"] == "gzip"
        body = gzip.decompress(response.content)
        raw, features, projects = len(body), body.count(b'"Feature"'), body.count(b'"k":"j"')
    return {
        "geojson_ms": statistics.median(times),
        "geojson_gzip": size,
        "geojson_raw": raw,
        "features": features,
        "projects": projects,
    }


def _wait_for(port: int) -> None:
    import urllib.error
    import urllib.request

    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/donnees-personnelles/", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not start")


def bench_http(port: int, *, cold: bool = False, queries: list[dict] = LIST_QUERIES) -> dict:
    """The same list requests through HTTP and gunicorn (the production server, two workers), with
    the site's simplest page (/donnees-personnelles/: layout and static text) as the trivial view.
    `cold`: the workers keep no rendered list and no keyword/distance result (bench/cold_wsgi.py)."""
    import urllib.parse
    import urllib.request

    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "cold_wsgi" if cold else "cops.wsgi",
            "--pythonpath",
            f"{ROOT},{ROOT / 'bench'}",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port)

        def get(path: str) -> float:
            started = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
                response.read()
            return (time.perf_counter() - started) * 1000

        urls = ["/annuaire/?" + urllib.parse.urlencode(params, doseq=True) for params in queries]
        for url in urls * 2:  # warm both workers
            get(url)
        get("/donnees-personnelles/")
        list_times, trivial_times = [], []
        for _ in range(REPEAT):
            for url in urls:
                list_times.append(get(url))
                trivial_times.append(get("/donnees-personnelles/"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "list_p50": statistics.median(list_times),
        "list_p95": percentile(list_times, 95),
        "trivial_p50": statistics.median(trivial_times),
        "trivial_p95": percentile(trivial_times, 95),
    }


def bench_map_paint(port: int, query: str = "") -> dict:
    """`query`: the map's filters (e.g. "?type=personne&type=structure": today's map, no projects)."""
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "DEBUG": "true"}  # runserver serves the static files only in debug mode
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import urllib.request

        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except Exception as exc:  # noqa: BLE001 - the server is starting
                if "HTTP Error" in str(exc):
                    break
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                ],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            # Tiles come from the network in production; the benchmark measures our own work.
            page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
            page.goto(f"http://127.0.0.1:{port}/carte/{query}")  # warm-up (static files, caches)
            page.wait_for_selector("body[data-map-ready]", timeout=60000)
            paints = []
            for _ in range(3):
                page.goto(f"http://127.0.0.1:{port}/carte/{query}")
                page.wait_for_selector("body[data-map-ready]", timeout=60000)
                # Time from navigation start to the frame after the last cluster was added.
                paints.append(float(page.get_attribute("body", "data-map-ready-at")))
                marks = page.evaluate(
                    "Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))"
                )
            markers = int(page.get_attribute("body", "data-map-ready"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"paint_ms": statistics.median(paints), "paint_runs": paints, "markers": markers, "marks": marks}


def main() -> None:
    entries = Entry.objects.count()
    persons = Person.objects.filter(status=ModerationStatus.PUBLISHED).count()
    projects = Project.objects.filter(status=ModerationStatus.PUBLISHED).count()
    print(f"Annuaire : {entries} fiches publiées dans l'index ({persons} personnes, {projects} projets)")
    if entries < 20000:
        print("  attention : la base semble ne pas être chargée avec --scale 25000")
    if projects < 1500:
        print("  attention : peu de projets (seed_demo --scale 25000 en crée environ 2 000)")
    with override_settings(
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        DEBUG=False,
        RATE_LIMITS={"directory.search": (10**9, 60)},
    ):
        client = Client()
        listing = bench_list(client)
        cold = bench_list(client, cold=True)
        project_listing = bench_list(client, queries=PROJECT_QUERIES)
        project_cold = bench_list(client, cold=True, queries=PROJECT_QUERIES)
        geo = bench_geojson(client)
        geo_actors = bench_geojson(client, ACTORS_ONLY)
    print(f"Liste filtrée ({listing['samples']} requêtes, {len(LIST_QUERIES)} combinaisons de filtres) :")
    print(
        f"  vue triviale (gabarit du site, sans données) p50 {listing['trivial_p50']:.1f} ms · "
        f"p95 {listing['trivial_p95']:.1f} ms ; HttpResponse nue p95 {listing['bare_p95']:.1f} ms"
    )
    for label, figures in (
        ("en service (combinaisons déjà vues)", listing),
        ("à froid (tout recalculé)", cold),
        (f"projets seuls (type=projet, {len(PROJECT_QUERIES)} combinaisons), en service", project_listing),
        ("projets seuls, à froid", project_cold),
    ):
        ratio = figures["list_p95"] / figures["trivial_p95"] if figures["trivial_p95"] else float("inf")
        print(
            f"  {label} : p50 {figures['list_p50']:.1f} ms · p95 {figures['list_p95']:.1f} ms "
            f"(objectif ≤ 150 ms) ; rapport p95 / vue triviale {ratio:.1f}× (objectif ≤ 3×)"
        )
    if "--detail" in sys.argv:
        for index, median in cold["by_query"].items():
            print(f"    à froid, médiane {median:6.1f} ms  {LIST_QUERIES[index] or '(sans filtre)'}")
        for index, median in project_cold["by_query"].items():
            print(f"    projets à froid, médiane {median:6.1f} ms  {PROJECT_QUERIES[index]}")
    print(f"GeoJSON de tous les points ({geo['features']} points dont {geo['projects']} projets) :")
    print(f"  {geo['geojson_ms']:.0f} ms (objectif ≤ 500 ms)")
    print(
        f"  {geo['geojson_gzip'] / 1024:.0f} Kio compressé gzip, {geo['geojson_raw'] / 1024:.0f} Kio brut (objectif ≤ 1 Mo)"
    )
    print(
        f"  sans les projets (type=personne&type=structure, {geo_actors['features']} points) : "
        f"{geo_actors['geojson_ms']:.0f} ms, {geo_actors['geojson_gzip'] / 1024:.0f} Kio compressé ; "
        f"avec les projets : × {geo['geojson_ms'] / geo_actors['geojson_ms']:.2f} en temps, "
        f"× {geo['geojson_gzip'] / geo_actors['geojson_gzip']:.2f} en taille"
    )
    port = int(os.environ.get("BENCH_PORT", "8102"))
    print("Liste filtrée par HTTP (gunicorn, 2 workers), mêmes requêtes :")
    for label, cold_run, queries in (
        ("en service", False, LIST_QUERIES),
        ("à froid", True, LIST_QUERIES),
        ("projets seuls, en service", False, PROJECT_QUERIES),
    ):
        http = bench_http(port, cold=cold_run, queries=queries)
        http_ratio = http["list_p95"] / http["trivial_p95"]
        print(
            f"  {label} : p50 {http['list_p50']:.1f} ms · p95 {http['list_p95']:.1f} ms (objectif ≤ 150 ms) ; "
            f"page triviale /donnees-personnelles/ p95 {http['trivial_p95']:.1f} ms ; "
            f"rapport p95 {http_ratio:.1f}× (objectif ≤ 3×)"
        )
    if "--no-map" in sys.argv:
        return
    paint = bench_map_paint(port)
    runs = ", ".join(f"{value:.0f}" for value in paint["paint_runs"])
    print(
        f"Carte, premier affichage des {paint['markers']} points (projets compris) dans Chromium sans écran :"
    )
    print(f"  médiane {paint['paint_ms']:.0f} ms (essais : {runs} ms ; objectif ≤ 2 000 ms)")
    actors_paint = bench_map_paint(port, "?type=personne&type=structure")
    print(
        f"  sans les projets ({actors_paint['markers']} points) : médiane {actors_paint['paint_ms']:.0f} ms ; "
        f"avec les projets : × {paint['paint_ms'] / actors_paint['paint_ms']:.2f}"
    )
    marks = paint["marks"]
    if marks:
        steps = ", ".join(
            f"{name.removeprefix('map-')} {value:.0f} ms"
            for name, value in sorted(marks.items(), key=lambda i: i[1])
        )
        print(f"  dernier essai : {steps}")


if __name__ == "__main__":
    main()
