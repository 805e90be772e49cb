"""Every public page and every page a partner uses daily, side by side with a trivial page.

    .venv/bin/python bench/pages.py [--database cops_bench_pages] [--scale 25000]
        [--duration 6] [--connections 16] [--workers 3] [--only home,charte]

On its own database (seeded once with `seed_demo --scale <scale> --seed 7`, kept for the next
runs), with gunicorn running the production settings (3 workers, DEBUG off), on loopback:

1. one request alone, 30 times after two warm-up requests per worker (they fill each worker's
   caches, as the first visitors do; a cold first request is what bench/directory.py --cold shows): p50 and p95, the size of the HTML and the SQL queries of one request
   (counted by the test client in this process, against the same database);
2. throughput under load: `--connections` keep-alive connections (two client processes, each with
   half of them as threads) request the page without pause for `--duration` seconds; requests/s
   and the share of the trivial page's requests/s measured the same way right after it (the
   machine's other work changes during a run: each page is compared with its neighbour in time).

The goals (issue « every page fast at full scale »): p95 ≤ 50 ms for one request, and ≥ 25 % of
the trivial page's throughput. The client runs on the same two cores as the server, so absolute
figures are lower than a C load generator's; the ratios are what compare.
"""

import argparse
import http.client
import multiprocessing
import os
import secrets
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "load"))

from run import (  # noqa: E402  (bench/load/run.py: the load bench's server and database helpers)
    CSRF,
    HOST,
    free_port,
    percentile,
    prepare_database,
    prepare_static,
    start_gunicorn,
    stop,
)

TRIVIAL = "/donnees-personnelles/"
P95_GOAL_MS = 50
SHARE_GOAL = 0.25
RUNS = 30
PASSWORD = "demo-cops-occitanie"


def server_env(database: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cops.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "COPS_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "DEBUG": "false",
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "BEHIND_TLS_PROXY": "false",
            "SITE_URL": f"http://{HOST}",
            # A queue of its own: no worker of a developer's `make run` takes what the pages queue.
            "CELERY_TASK_DEFAULT_QUEUE": f"bench-pages-{uuid.uuid4().hex[:8]}",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    return env


def sign_in(port: int, email: str) -> str:
    """The session cookie of a demo account ('' if the sign-in failed)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", "/compte/connexion/", headers={"Host": HOST})
    response = connection.getresponse()
    html = response.read().decode()
    cookies = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    body = f"csrfmiddlewaretoken={CSRF.search(html).group(1)}&username={email}&password={PASSWORD}"
    connection.request(
        "POST",
        "/compte/connexion/",
        body=body,
        headers={
            "Host": HOST,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}:{port}/compte/connexion/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    response = connection.getresponse()
    response.read()
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("sessionid="):
            return "sessionid=" + value.split(";", 1)[0].split("=", 1)[1]
    return ""


def pages(database: str) -> list[tuple[str, str, str]]:
    """(label, path, account) for every page of the goal, with real ids from the database."""
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as conn:

        def one(sql: str):
            row = conn.execute(sql).fetchone()
            return row[0] if row else None

        person = one("SELECT person_id FROM directory_entry WHERE person_id IS NOT NULL ORDER BY id LIMIT 1")
        structure = one(
            "SELECT structure_id FROM directory_entry WHERE structure_id IS NOT NULL ORDER BY id LIMIT 1"
        )
        domain = one("SELECT code FROM actors_domain ORDER BY position, id LIMIT 1")
        edition = one(
            "SELECT year FROM barometer_campaign WHERE published_at IS NOT NULL ORDER BY year LIMIT 1"
        )
        project = (
            one("SELECT slug FROM directory_project WHERE status = 'publie' ORDER BY id LIMIT 1")
            if one("SELECT to_regclass('directory_project')")
            else None
        )
        event = one(
            "SELECT slug FROM actors_meeting WHERE is_public AND kind <> 'reunion_instance' "
            "AND ends_at > now() AND slug <> '' ORDER BY starts_at, id LIMIT 1"
        )
    listed = [
        ("page triviale", TRIVIAL, ""),
        ("accueil", "/", ""),
        ("annuaire", "/annuaire/", ""),
        ("annuaire filtré", f"/annuaire/?territoire=31&domaine={domain}", ""),
        ("carte", "/carte/", ""),
        ("fiche personne", f"/annuaire/personnes/{person}/", ""),
        ("fiche structure", f"/annuaire/structures/{structure}/", ""),
        ("charte", "/charte/", ""),
        ("signataires", "/charte/signataires/", ""),
        ("signataires p. 40", "/charte/signataires/?page=40", ""),
        ("statistiques", "/charte/statistiques/", ""),
        ("instances", "/comites/", ""),
        ("CoPil", "/comites/copil/", ""),
        ("baromètre", "/barometre/", ""),
        ("ressources", "/ressources/", ""),
        ("projets", "/annuaire/?type=projet", ""),
        ("agenda", "/agenda/", ""),
        ("mon espace (partenaire)", "/compte/", "partenaire@cops.demo"),
        ("mon espace (CoPil)", "/compte/", "copil@cops.demo"),
    ]
    if edition:
        listed.insert(14, (f"résultats {edition}", f"/barometre/resultats/{edition}/", ""))
    if project:
        listed.append(("fiche projet", f"/projets/{project}/", ""))
    if event:
        listed.append(("fiche événement", f"/agenda/{event}/", ""))
    return listed


def single(port: int, path: str, cookie: str, warm_ups: int = 1) -> tuple[float, float, int, int]:
    """p50, p95 (ms), HTML size and status of one request alone, after `warm_ups` requests (one per
    gunicorn worker fills each worker's own memo, as the first visitors do)."""
    headers = {"Host": HOST, "Accept-Encoding": "identity"}
    if cookie:
        headers["Cookie"] = cookie

    def get(connection: http.client.HTTPConnection) -> tuple[int, bytes]:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()

    def warm_up() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        get(connection)
        connection.close()

    # The warm-ups at once, each on its own connection: a (synchronous) gunicorn worker serves one
    # connection at a time, so concurrent ones reach every worker. One after the other, they could
    # all go to the same idle worker and leave another cold for the measured requests.
    warmers = [threading.Thread(target=warm_up) for _ in range(warm_ups)]
    for warmer in warmers:
        warmer.start()
    for warmer in warmers:
        warmer.join()
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    durations, size, status = [], 0, 0
    for _attempt in range(RUNS):
        started = time.perf_counter()
        status, body = get(connection)
        durations.append((time.perf_counter() - started) * 1000)
        size = len(body)
    connection.close()
    return statistics.median(durations), percentile(durations, 95), size, status


def _hammer(port: int, path: str, cookie: str, threads: int, duration: float, counts) -> None:
    deadline = time.monotonic() + duration

    def loop(slot: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        headers = {"Host": HOST}
        if cookie:
            headers["Cookie"] = cookie
        done = 0
        while time.monotonic() < deadline:
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                done += 1
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=60)
        counts.append(done)

    workers = [threading.Thread(target=loop, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def server_cpu_seconds(leader_pid: int) -> float:
    """User + system CPU time of gunicorn's processes (its session: master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == leader_pid:  # the process group
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def throughput(
    port: int, path: str, cookie: str, connections: int, duration: float, server_pid: int = 0
) -> tuple[float, float]:
    """(requests/s, server CPU ms per request): the second does not depend on what else the
    machine runs at the time, the first does."""
    manager = multiprocessing.Manager()
    counts = manager.list()
    processes = [
        multiprocessing.Process(target=_hammer, args=(port, path, cookie, connections // 2, duration, counts))
        for _ in range(2)
    ]
    cpu_before = server_cpu_seconds(server_pid) if server_pid else 0.0
    started = time.monotonic()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.monotonic() - started
    cpu = (server_cpu_seconds(server_pid) - cpu_before) if server_pid else 0.0
    done = sum(counts)
    return done / elapsed, 1000 * cpu / max(1, done)


def query_counts(database: str, listed, cookies: dict[str, str]) -> dict[str, int]:
    """SQL queries of one request of each page, by Django's test client in this process."""
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cops.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from actors.models import User

    settings.ALLOWED_HOSTS = ["*"]
    counts = {}
    clients = {"": Client()}
    for _label, _path, account in listed:
        if account and account not in clients:
            client = Client()
            client.force_login(User.objects.get(email=account))
            clients[account] = client
    for label, path, account in listed:
        client = clients[account]
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        counts[label] = len(queries)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="cops_bench_pages")
    parser.add_argument("--scale", type=int, default=25000)
    parser.add_argument("--duration", type=float, default=6)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated words; pages whose label contains one")
    args = parser.parse_args()

    env = server_env(args.database)
    os.environ.update({k: v for k, v in env.items() if k in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}})
    # Static files first: seeding renders pages and emails, which need the manifest in production.
    prepare_static(env, force=False)
    prepare_database(env, database=args.database, scale=args.scale, reseed=False)
    listed = pages(args.database)
    if args.only:
        words = args.only.split(",")
        listed = [listed[0]] + [page for page in listed[1:] if any(w in page[0] for w in words)]

    port = free_port()
    log = Path("/tmp") / f"bench-pages-{port}.log"
    server = start_gunicorn(env, port=port, workers=args.workers, threads=1, log=log)
    try:
        cookies = {account: sign_in(port, account) for _l, _p, account in listed if account}
        rows = []
        for label, path, account in listed:
            p50, p95, size, status = single(port, path, cookies.get(account, ""), warm_ups=2 * args.workers)
            rps, cpu = throughput(
                port, path, cookies.get(account, ""), args.connections, args.duration, server.pid
            )
            # The trivial page again, right after: the machine's load changes during a run (other
            # work on the same cores), so each page's share is taken against its own neighbour.
            trivial, trivial_cpu = (
                (rps, cpu)
                if path == TRIVIAL
                else throughput(port, TRIVIAL, "", args.connections, args.duration, server.pid)
            )
            rows.append((label, path, status, p50, p95, size, rps, trivial, cpu, trivial_cpu))
            print(
                f"  {label:<26} {status} p95 {p95:6.1f} ms  {rps:7.0f} req/s (triviale {trivial:.0f}) "
                f"CPU {cpu:5.1f} ms/req (triviale {trivial_cpu:.1f})",
                flush=True,
            )
    finally:
        stop(server)
    queries = query_counts(args.database, listed, cookies)

    print()
    print(
        f"gunicorn {args.workers} workers, {args.connections} connexions, {args.duration:.0f} s par page "
        "(et autant pour la page triviale juste après : « part » = débit de la page / débit de celle-ci)"
    )
    header = (
        f"{'page':<26} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7} {'triv.':>6} {'part':>6} {'CPU ms':>7} "
        f"{'part CPU':>8} {'Ko':>5} {'req. SQL':>8}  objectif"
    )
    print(header)
    print("-" * len(header))
    failed = 0
    for label, path, status, p50, p95, size, rps, trivial_rps, cpu, trivial_cpu in rows:
        share = rps / (trivial_rps or 1.0)
        # The same share from the server's CPU time per request (what other work on the machine
        # blurs less): the trivial page's CPU time divided by the page's.
        cpu_share = trivial_cpu / cpu if cpu else 0.0
        ok = status == 200 and (path == TRIVIAL or (p95 <= P95_GOAL_MS and share >= SHARE_GOAL))
        failed += not ok
        print(
            f"{label:<26} {p50:7.1f} {p95:7.1f} {rps:7.0f} {trivial_rps:6.0f} {share:6.0%} {cpu:7.1f} "
            f"{cpu_share:8.0%} {size / 1024:5.0f} {queries.get(label, 0):8d}  {'oui' if ok else 'NON'}"
            + ("" if status == 200 else f" (HTTP {status})")
        )
    print(f"\nObjectif : p95 ≤ {P95_GOAL_MS} ms seul et ≥ {SHARE_GOAL:.0%} du débit de la page triviale.")
    print("« CPU ms » : temps processeur de gunicorn par requête sous la charge ; « part CPU » : celui de la")
    print("page triviale divisé par celui de la page (la même part, moins sensible au reste de la machine).")
    print(f"{len(rows) - failed} pages sur {len(rows)} l'atteignent.")
    return 0


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    sys.exit(main())
