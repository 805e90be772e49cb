"""Load: 50 concurrent users against gunicorn with the production settings, on loopback.

    .venv/bin/python bench/load/run.py [--users 50] [--duration 60] [--think 2:6]
        [--scale 2000] [--database cops_bench_load] [--workers 3] [--threads 4] [--reseed]

What it does, bounded in time and in requests, on 127.0.0.1 only:
  1. a database of its own (default `cops_bench_load`): migrated and seeded once with
     `seed_demo --scale 2000` (kept for the next runs; --reseed starts again);
  2. `collectstatic` with the production settings (skipped while the manifest is newer than every
     static file);
  3. gunicorn (COPS_ENV=production, a generated SECRET_KEY, DEBUG=false, ALLOWED_HOSTS=127.0.0.1,
     SECURE_SSL_REDIRECT=false; the cookies are not marked Secure, since the client speaks plain
     HTTP on loopback) on a free loopback port;
  4. `--users` virtual users, each a thread with its own keep-alive connection and cookies, pick
     an action by weight and wait a think time between actions, until `--duration` is over:
     home page, directory with facet filters, a keyword search, the map page and its GeoJSON,
     the open barometer questionnaire (its first page, or a complete anonymous answer: consent,
     every page, submit), and the staff home page in a signed-in staff session.

The think time (uniform, default 2 to 6 s between two actions) is what makes 50 users 50 people
rather than 50 robots: `--think 0:0` measures the server's saturation throughput instead.

Prints throughput, p50/p95/p99/max latencies and errors per endpoint, then the goal (0 errors,
p95 <= 300 ms). Exit status 1 when an error happened. Figures of a run are in the closing note
of the trust issue.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"  # loopback only, on purpose
REQUEST_TIMEOUT = 30
MAX_REQUESTS = 500_000  # a hard stop whatever the duration
P95_GOAL_MS = 300

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CLIENT_KEY = re.compile(r'name="client_key" value="([^"]+)"')

# (action, weight): what a visitor does next.
ACTIONS = [
    ("home", 14),
    ("directory_filters", 24),
    ("directory_search", 4),
    ("map_page", 6),
    ("map_geojson", 18),
    ("survey_page", 14),
    ("survey_submit", 6),
    ("staff_home", 14),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run(command: list[str], env: dict, *, quiet: bool = True) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=quiet, text=True)
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} failed:\n{(result.stdout or '')[-2000:]}{(result.stderr or '')[-3000:]}"
        )


# --- Preparation ----------------------------------------------------------------------------------------


def prepare_database(env: dict, *, database: str, scale: int, reseed: bool) -> None:
    import psycopg

    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if reseed:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    manage = [PYTHON, "manage.py"]
    if not exists:
        run([*manage, "ensure_database"], env)
    run([*manage, "migrate", "--no-input", "-v0"], env)
    run([*manage, "createcachetable"], env)
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as conn:
        users = conn.execute("SELECT count(*) FROM actors_user").fetchone()[0]
    if users == 0:
        print(f"Seeding the demo data at scale {scale} into {database} (once; a few minutes)…", flush=True)
        started = time.monotonic()
        run([*manage, "seed_demo", "--scale", str(scale)], env)
        print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
    else:
        print(f"Database {database}: already seeded ({users} accounts), kept.", flush=True)


def prepare_static(env: dict, *, force: bool) -> None:
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    newest = max(
        (path.stat().st_mtime for path in (ROOT / "static").rglob("*") if path.is_file()), default=0.0
    )
    if not force and manifest.exists() and manifest.stat().st_mtime > newest:
        print("Static files: manifest up to date, collectstatic skipped.", flush=True)
        return
    print("collectstatic with the production settings (about two minutes)…", flush=True)
    started = time.monotonic()
    run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    print(f"  done in {time.monotonic() - started:.0f} s", flush=True)


def start_gunicorn(env: dict, *, port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    command = [
        GUNICORN, "cops.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", str(workers),
        "--threads", str(threads), "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/healthz", headers={"Host": HOST})
            if connection.getresponse().status in {200, 503}:
                return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(5)
    except ProcessLookupError:
        pass


# --- The virtual users ------------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.throttled: dict[str, int] = defaultdict(int)
        self.count = 0

    def add(self, endpoint: str, milliseconds: float, error: str | None, throttled: bool = False) -> None:
        with self.lock:
            self.count += 1
            self.latencies[endpoint].append(milliseconds)
            if throttled:
                self.throttled[endpoint] += 1
            if error:
                self.errors[endpoint].append(error)


class Visitor:
    """One person: a keep-alive connection, cookies, and the recorder of what each request took."""

    def __init__(self, port: int, recorder: Recorder, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.recorder = recorder
        self.cookies = dict(cookies or {})
        self.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)

    def request(
        self, endpoint: str, method: str, path: str, data: dict | None = None, expect=(200,)
    ) -> tuple[int, dict, str]:
        body = urlencode(data, doseq=True) if data is not None else None
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{self.port}{path}"
        started = time.perf_counter()
        try:
            for attempt in range(2):
                try:
                    self.connection.request(method, path, body=body, headers=headers)
                    response = self.connection.getresponse()
                    text = response.read().decode("utf-8", "replace")
                    break
                except (ConnectionError, http.client.HTTPException):
                    # The server closed an idle keep-alive connection: one new connection, once.
                    self.connection.close()
                    self.connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
                    if attempt:
                        raise
        except Exception as exc:
            self.recorder.add(
                endpoint, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}"
            )
            raise
        elapsed = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        status = response.status
        error = None if status in expect else f"HTTP {status} {method} {path}"
        self.recorder.add(endpoint, elapsed, error, throttled=status == 429)
        if error:
            raise RuntimeError(error)
        return status, dict(response.getheaders()), text


class Scenario:
    def __init__(self, data: dict, port: int, staff_cookies: dict[str, str]) -> None:
        self.data = data
        self.port = port
        self.staff_cookies = staff_cookies
        self.lock = threading.Lock()
        self.submitted = 0

    def filters_query(self, rng: random.Random) -> str:
        params = {}
        choices = [
            ("type", self.data["kinds"]),
            ("domaine", self.data["domains"]),
            ("territoire", self.data["territories"]),
            ("profil", self.data["profiles"]),
        ]
        for name, values in rng.sample(choices, k=rng.randint(1, 2)):
            params[name] = rng.choice(values)
        if rng.random() < 0.3:
            params["page"] = rng.randint(2, 3)
        return urlencode(params)

    def act(self, action: str, visitor: Visitor, staff: Visitor, rng: random.Random) -> None:
        key = self.data["survey_key"]
        if action == "home":
            visitor.request("accueil /", "GET", "/")
        elif action == "directory_filters":
            # A page past the last one answers 404: the directory's own behaviour, not an error.
            visitor.request(
                "annuaire (filtres)", "GET", f"/annuaire/?{self.filters_query(rng)}", expect=(200, 404)
            )
        elif action == "directory_search":
            word = rng.choice(self.data["words"])
            visitor.request("annuaire (mot-clé)", "GET", f"/annuaire/?{urlencode({'q': word})}")
        elif action == "map_page":
            visitor.request("carte /carte/", "GET", "/carte/")
        elif action == "map_geojson":
            query = self.filters_query(rng) if rng.random() < 0.5 else ""
            visitor.request("carte GeoJSON", "GET", f"/api/annuaire/carte.geojson?{query}".rstrip("?"))
        elif action == "survey_page":
            visitor.request("baromètre : questionnaire", "GET", f"/barometre/q/{key}/")
        elif action == "survey_submit":
            self.submit_survey(Visitor(self.port, visitor.recorder), rng)
        elif action == "staff_home":
            staff.request("équipe /equipe/", "GET", "/equipe/")

    def submit_survey(self, visitor: Visitor, rng: random.Random) -> None:
        """A new respondent (own cookies): consent, every page with valid answers, submit."""
        key = self.data["survey_key"]
        _status, _headers, html = visitor.request("baromètre : questionnaire", "GET", f"/barometre/q/{key}/")
        csrf, client_key = CSRF.search(html).group(1), CLIENT_KEY.search(html).group(1)
        visitor.request(
            "baromètre : pages (POST)",
            "POST",
            f"/barometre/q/{key}/",
            {"csrfmiddlewaretoken": csrf, "client_key": client_key, "consent": "on"},
            expect=(302,),
        )
        questions = self.data["survey_questions"]
        values = rng.choice(self.data["survey_answers"])
        for number, section_id in enumerate(self.data["survey_sections"], start=1):
            page = [q for q in questions if q.section_id == section_id]
            data = {"csrfmiddlewaretoken": csrf, "action": "next", **form_data(page, values)}
            visitor.request(
                "baromètre : pages (POST)", "POST", f"/barometre/q/{key}/page/{number}/", data, expect=(302,)
            )
        _status, headers, _ = visitor.request(
            "baromètre : envoi (POST)",
            "POST",
            f"/barometre/q/{key}/envoyer/",
            {"csrfmiddlewaretoken": csrf},
            expect=(302,),
        )
        if "/merci/" in headers.get("Location", ""):
            with self.lock:
                self.submitted += 1


def form_data(questions, values) -> dict:
    """POST data of one questionnaire page for the given answers."""
    from barometer.forms import field_name, other_name
    from barometer.logic import OTHER

    data = {}
    for question in questions:
        value = values.get(question.pk)
        if value is None:
            continue
        if question.has_choices:
            data[field_name(question)] = list(value.choices)
            if OTHER in value.choices:
                data[other_name(question)] = value.text
        elif value.number is not None:
            data[field_name(question)] = str(value.number).replace(".", ",")
        else:
            data[field_name(question)] = value.text
    return data


def scenario_data() -> dict:
    """What the virtual users pick from, read once from the seeded database."""
    from actors.models import ActorProfile, Departement, Domain, Person
    from barometer.demo import _values
    from barometer.enums import CampaignStatus
    from barometer.models import Questionnaire
    from barometer.selectors import questions_for

    questionnaire = (
        Questionnaire.objects.filter(campaign__status=CampaignStatus.OPEN)
        .order_by("campaign__year", "pk")
        .first()
    )
    if questionnaire is None:
        raise SystemExit("No open barometer campaign in the demo data: nothing to answer.")
    questions = questions_for(questionnaire)
    rng = random.Random(7)
    # Answers made here, once: the virtual users never touch the database themselves.
    answers = [_values(rng, questions, number) for number in range(300)]
    words = list(Person.objects.exclude(last_name="").values_list("last_name", flat=True)[:40])
    return {
        "kinds": ["personne", "structure"],
        "domains": list(Domain.objects.values_list("code", flat=True)),
        "territories": list(Departement.objects.values_list("code", flat=True)) + ["est", "ouest"],
        "profiles": list(ActorProfile.objects.values_list("code", flat=True)),
        "words": words or ["sante"],
        "survey_key": questionnaire.public_key,
        "survey_sections": list(questionnaire.sections.values_list("pk", flat=True)),
        "survey_questions": questions,
        "survey_answers": answers,
        "survey_questionnaire_id": questionnaire.pk,
    }


def sign_in_staff(port: int, recorder: Recorder, email: str, password: str) -> dict[str, str]:
    visitor = Visitor(port, recorder)
    _s, _h, html = visitor.request("connexion (préparation)", "GET", "/compte/connexion/")
    visitor.request(
        "connexion (préparation)",
        "POST",
        "/compte/connexion/",
        {"csrfmiddlewaretoken": CSRF.search(html).group(1), "username": email, "password": password},
        expect=(302,),
    )
    if "sessionid" not in visitor.cookies:
        raise SystemExit(f"Could not sign in as {email}")
    return {"sessionid": visitor.cookies["sessionid"]}


def user_loop(index, scenario, recorder, deadline, think, seed):
    rng = random.Random(f"{seed}:{index}")
    visitor = Visitor(scenario.port, recorder)
    staff = Visitor(scenario.port, recorder, scenario.staff_cookies)
    names = [name for name, _weight in ACTIONS]
    weights = [weight for _name, weight in ACTIONS]
    time.sleep(rng.random() * max(think[1], 0.2))  # arrivals spread, not all at the same instant
    while time.monotonic() < deadline and recorder.count < MAX_REQUESTS:
        action = rng.choices(names, weights=weights)[0]
        try:
            scenario.act(action, visitor, staff, rng)
        except Exception:
            # Counted by the recorder; a broken flow (e.g. a survey page refused) stops there.
            visitor.connection.close()
            visitor = Visitor(scenario.port, recorder)
        pause = rng.uniform(*think)
        if pause:
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))


# --- Report ---------------------------------------------------------------------------------------------------


def report(recorder: Recorder, elapsed: float, args, submitted: int, saved: int) -> int:
    print()
    print(
        f"{args.users} users, {elapsed:.1f} s, think time {args.think} s, gunicorn {args.workers} workers × "
        f"{args.threads} threads, database {args.database}"
    )
    one, five, _ = os.getloadavg()
    print(
        f"Machine: {os.cpu_count()} cores, load average {one:.1f} (1 min) / {five:.1f} (5 min) after the run"
    )
    header = f"{'endpoint':<28} {'requests':>8} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'errors':>6} {'429':>5}"
    print(header)
    print("-" * len(header))
    everything, total_errors = [], 0
    for endpoint in sorted(recorder.latencies):
        if endpoint == "connexion (préparation)":
            continue
        values = recorder.latencies[endpoint]
        errors = len(recorder.errors.get(endpoint, []))
        total_errors += errors
        everything.extend(values)
        print(
            f"{endpoint:<28} {len(values):>8} {len(values) / elapsed:>7.1f} {percentile(values, 50):>6.0f} "
            f"{percentile(values, 95):>6.0f} {percentile(values, 99):>6.0f} {max(values):>6.0f} {errors:>6} "
            f"{recorder.throttled.get(endpoint, 0):>5}"
        )
    print("-" * len(header))
    print(
        f"{'all':<28} {len(everything):>8} {len(everything) / elapsed:>7.1f} {percentile(everything, 50):>6.0f} "
        f"{percentile(everything, 95):>6.0f} {percentile(everything, 99):>6.0f} {max(everything):>6.0f} "
        f"{total_errors:>6} {sum(recorder.throttled.values()):>5}"
    )
    print("(latencies in ms; 429 = answered « too many requests », counted in errors too)")
    print(f"Survey answers submitted: {submitted}; new submitted responses in the database: {saved}")
    for endpoint, messages in recorder.errors.items():
        if endpoint != "connexion (préparation)":
            print(f"  first errors on {endpoint}: {sorted(set(messages))[:3]}")
    p95 = percentile(everything, 95)
    met = total_errors == 0 and p95 <= P95_GOAL_MS
    print(
        f"Goal (0 errors, p95 <= {P95_GOAL_MS} ms): {'met' if met else 'NOT met'} — errors {total_errors}, p95 {p95:.0f} ms"
    )
    return 0 if total_errors == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (at most 600)")
    parser.add_argument("--think", default="2:6", help="think time range in seconds, e.g. 0:0 for none")
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--database", default="cops_bench_load")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reseed", action="store_true", help="drop the bench database and seed it again")
    parser.add_argument("--collectstatic", action="store_true", help="run collectstatic even if up to date")
    args = parser.parse_args()
    if not 1 <= args.users <= 500 or not 1 <= args.duration <= 600:
        raise SystemExit("--users must be within 1..500 and --duration within 1..600 s")
    low, high = (float(part) for part in args.think.split(":"))
    think = (low, max(low, high))

    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cops.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        # Tasks queued by the site (emails) wait in a queue of their own, deleted afterwards:
        # no worker of a developer's `make run` takes them.
        "CELERY_TASK_DEFAULT_QUEUE": f"bench-load-{uuid.uuid4().hex[:8]}",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    base_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    production_env = {
        **base_env,
        "COPS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "BEHIND_TLS_PROXY": "false",
        "SITE_URL": f"http://{HOST}",
    }
    prepare_database(base_env, database=args.database, scale=args.scale, reseed=args.reseed)
    prepare_static(production_env, force=args.collectstatic)

    os.environ.update({key: base_env[key] for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from barometer.enums import ResponseStatus
    from barometer.models import Response

    data = scenario_data()
    from django.db import connection

    connection.close()  # reopened after the run, to count the responses saved
    submitted_before = Response.objects.filter(
        questionnaire_id=data["survey_questionnaire_id"], status=ResponseStatus.SUBMITTED
    ).count()

    port = free_port()
    log = ROOT / "bench" / "out"
    log.mkdir(exist_ok=True)
    server = start_gunicorn(
        production_env, port=port, workers=args.workers, threads=args.threads, log=log / "load-gunicorn.log"
    )
    recorder = Recorder()
    try:
        staff_cookies = sign_in_staff(port, recorder, "equipe@cops.demo", "demo-cops-occitanie")
        scenario = Scenario(data, port, staff_cookies)
        print(f"Load: {args.users} users for {args.duration:.0f} s on http://{HOST}:{port}/ …", flush=True)
        started = time.monotonic()
        deadline = started + args.duration
        threads = [
            threading.Thread(
                target=user_loop,
                args=(index, scenario, recorder, deadline, think, args.seed),
                daemon=True,
            )
            for index in range(args.users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + REQUEST_TIMEOUT * 3)
        elapsed = time.monotonic() - started
    finally:
        stop(server)
        try:
            import redis

            redis.Redis.from_url(base_env["CELERY_BROKER_URL"]).delete(base_env["CELERY_TASK_DEFAULT_QUEUE"])
        except Exception as exc:  # the queue is only leftovers; say so and go on
            print(f"(could not delete the bench's task queue: {exc})")
    saved = (
        Response.objects.filter(
            questionnaire_id=data["survey_questionnaire_id"], status=ResponseStatus.SUBMITTED
        ).count()
        - submitted_before
    )
    return report(recorder, elapsed, args, scenario.submitted, saved)


if __name__ == "__main__":
    sys.exit(main())
