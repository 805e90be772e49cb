"""Barometer: 200 concurrent respondents answering a complete questionnaire over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cops_baro .venv/bin/python bench/barometer_submit.py
        [--respondents 200] [--think 0] [--save run.json] [--baseline earlier.json]

Starts gunicorn on loopback (3 synchronous workers, as in production), creates an open campaign
(a copy of the 2023 edition, year 2090, deleted at the end), and runs one thread per respondent:
consent, the 8 pages of the patients' questionnaire with realistic answers, then "Envoyer mes
réponses". All respondents start at once. Prints errors, lost or duplicated responses, and
latencies (median, p95) per request.

Beside them, what the machine's load does not blur: the server's CPU time per request (user +
system time of the gunicorn processes, read from /proc before and after the run) and the SQL
statements of one respondent's requests (the same journey through Django's test client). The
latencies depend on everything else the two cores run at the time; the CPU time and the statement
counts compare from one run to the next. `--save` writes the figures to a JSON file, `--baseline`
prints an earlier run's figures beside these ones.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time
from datetime import timedelta

from barometer_common import (
    CLIENT_KEY,
    CSRF,
    Browser,
    add_comparison_arguments,
    compare_and_save,
    free_port,
    machine_load,
    percentile,
    start_gunicorn,
    stop,
    summary,
)
from django.utils import timezone

from barometer.demo import _values
from barometer.enums import CampaignStatus, ResponseStatus
from barometer.models import Campaign, Response
from barometer.reference import load_first_edition
from barometer.selectors import questions_for
from barometer.services import campaigns

YEAR = 2090


def respondent(port, questionnaire, sections, questions, values, barrier, think, ramp, errors, submit_times):
    browser = Browser(port)
    key = questionnaire.public_key
    try:
        barrier.wait()
        time.sleep(ramp * random.random())  # arrivals spread over the ramp (0: all at once)
        status, _h, html = browser.request("GET", f"/barometre/q/{key}/")
        csrf, client_key = CSRF.search(html).group(1), CLIENT_KEY.search(html).group(1)
        status, headers, _ = browser.request(
            "POST",
            f"/barometre/q/{key}/",
            {"csrfmiddlewaretoken": csrf, "client_key": client_key, "consent": "on"},
        )
        if status != 302:
            raise AssertionError(f"consent: {status}")
        for number, section in enumerate(sections, start=1):
            time.sleep(think * random.random() * 2)
            page_questions = [q for q in questions if q.section_id == section.pk]
            data = {"csrfmiddlewaretoken": csrf, "action": "next", **_form(page_questions, values)}
            status, headers, body = browser.request("POST", f"/barometre/q/{key}/page/{number}/", data)
            if status != 302:
                raise AssertionError(f"page {number}: {status} {body[:200]}")
        started = len(browser.timings)
        status, headers, _ = browser.request(
            "POST", f"/barometre/q/{key}/envoyer/", {"csrfmiddlewaretoken": csrf}
        )
        if status != 302 or "/merci/" not in headers.get("Location", ""):
            raise AssertionError(f"submit: {status} {headers.get('Location')}")
        submit_times.extend(browser.timings[started:])
    except Exception as exc:  # counted and printed
        errors.append(repr(exc))
    return browser.timings


def server_cpu_seconds(leader_pid: int) -> float:
    """User + system CPU time of every process of gunicorn's group (master and workers), from /proc."""
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
        # After the command: state, ppid, pgrp, … utime (14th field of the line) and stime (15th).
        if int(fields[2]) == leader_pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def warm_up(port: int, leader_pid: int, key: str) -> None:
    """Wait until every worker has booted (their CPU time stops growing), then load the landing page
    a few times over new connections: the workers' start-up is not part of what the run measures."""
    previous, deadline = -1.0, time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.5)
        current = server_cpu_seconds(leader_pid)
        if current - previous < 0.02:
            break
        previous = current
    for _ in range(12):
        Browser(port).request("GET", f"/barometre/q/{key}/")


def statements_per_request(questionnaire, sections, questions, values) -> dict[str, int]:
    """SQL statements of each kind of request of one respondent (Django's test client, in process)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    key = questionnaire.public_key
    html = client.get(f"/barometre/q/{key}/").content.decode()
    csrf, client_key = CSRF.search(html).group(1), CLIENT_KEY.search(html).group(1)
    counts = {}

    def post(label, path, data):
        with CaptureQueriesContext(connection) as queries:
            client.post(path, data)
        counts[label] = len(queries)

    post(
        "consent",
        f"/barometre/q/{key}/",
        {"csrfmiddlewaretoken": csrf, "client_key": client_key, "consent": "on"},
    )
    for number, section in enumerate(sections, start=1):
        page_questions = [q for q in questions if q.section_id == section.pk]
        data = {"csrfmiddlewaretoken": csrf, "action": "next", **_form(page_questions, values)}
        post(f"page {number}", f"/barometre/q/{key}/page/{number}/", data)
    post("submit", f"/barometre/q/{key}/envoyer/", {"csrfmiddlewaretoken": csrf})
    return counts


def _form(page_questions, values):
    from barometer_common import form_data

    return form_data(page_questions, values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between pages (0: burst)")
    parser.add_argument("--ramp", type=float, default=0.0, help="respondents arrive over this many seconds")
    add_comparison_arguments(parser)
    args = parser.parse_args()

    Campaign.objects.filter(year=YEAR).delete()
    first = load_first_edition()
    today = timezone.localdate()
    campaign = campaigns.campaign_copy(
        source=first,
        year=YEAR,
        title="Banc d'essai",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=1),
    )
    campaign.status = CampaignStatus.OPEN
    campaign.save()
    questionnaire = campaign.questionnaires.get(public="patients")
    sections = list(questionnaire.sections.all())
    questions = questions_for(questionnaire)
    rng = random.Random(7)
    answer_sets = [_values(rng, questions, n) for n in range(args.respondents)]
    port = free_port()
    # Persistent database connections, as in production (COPS_ENV=production keeps them 60 s): a
    # new connection per request would measure PostgreSQL's connection set-up, not the pages.
    # Three synchronous workers, as the Dockerfile, docker-compose.yml and `make run` serve the site
    # (threads inside a worker share its interpreter: keep-alive connections piled on one worker
    # waited for each other, which no production server does).
    server = start_gunicorn(port, {"DB_CONN_MAX_AGE": "60"}, threads=1)
    errors, submit_times, all_times = [], [], []
    warm_up(port, server.pid, questionnaire.public_key)
    cpu_before = server_cpu_seconds(server.pid)
    client_cpu_before = sum(os.times()[:2])
    try:
        barrier = threading.Barrier(args.respondents)
        results = []

        def run(values):
            results.append(
                respondent(
                    port,
                    questionnaire,
                    sections,
                    questions,
                    values,
                    barrier,
                    args.think,
                    args.ramp,
                    errors,
                    submit_times,
                )
            )

        threads = [threading.Thread(target=run, args=(values,)) for values in answer_sets]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        cpu_used = server_cpu_seconds(server.pid) - cpu_before
        client_cpu = sum(os.times()[:2]) - client_cpu_before
        for timings in results:
            all_times.extend(timings)
    finally:
        stop(server)
    submitted = Response.objects.filter(questionnaire=questionnaire, status=ResponseStatus.SUBMITTED).count()
    drafts = Response.objects.filter(questionnaire=questionnaire, status=ResponseStatus.DRAFT).count()
    print(f"Machine: {machine_load()} (measured after the run)")
    print(
        f"Respondents: {args.respondents}, pages each: {len(sections)} + consent + submit, think time: {args.think} s, arrivals over {args.ramp} s"
    )
    print(
        f"Wall time: {elapsed:.1f} s, requests: {len(all_times)}, throughput: {len(all_times) / elapsed:.0f} req/s"
    )
    print(f"Errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"Submitted responses: {submitted} (expected {args.respondents}), drafts left: {drafts}")
    print(
        f"Lost: {args.respondents - len(errors) - submitted}, duplicated: {max(0, submitted - args.respondents)}"
    )
    print(f"All requests: {summary(all_times)}")
    print(f"Final submissions: {summary(submit_times)}")
    print(f"p95 all requests: {percentile(all_times, 95):.0f} ms (goal <= 1000 ms for a burst of 200)")
    statements = statements_per_request(questionnaire, sections, questions, answer_sets[0])
    print(f"Server CPU: {cpu_used:.1f} s, {1000 * cpu_used / max(1, len(all_times)):.1f} ms per request")
    print(f"Client CPU: {client_cpu:.1f} s, {1000 * client_cpu / max(1, len(all_times)):.1f} ms per request")
    print("SQL statements per request: " + ", ".join(f"{k} {v}" for k, v in statements.items()))
    figures = {
        "respondents": args.respondents,
        "errors": len(errors),
        "lost": args.respondents - len(errors) - submitted,
        "duplicated": max(0, submitted - args.respondents),
        "throughput req/s": round(len(all_times) / elapsed, 1),
        "p50 all ms": round(statistics.median(all_times)),
        "p95 all ms": round(percentile(all_times, 95)),
        "p95 submit ms": round(percentile(submit_times, 95)) if submit_times else None,
        "server CPU ms/request": round(1000 * cpu_used / max(1, len(all_times)), 1),
        "client CPU ms/request": round(1000 * client_cpu / max(1, len(all_times)), 1),
        "SQL per page": statements.get("page 2"),
        "SQL consent": statements.get("consent"),
        "SQL submit": statements.get("submit"),
        "load average (1 min)": round(os.getloadavg()[0], 1),
    }
    compare_and_save(figures, args)
    Campaign.objects.filter(year=YEAR).delete()
    return 0 if not errors and submitted == args.respondents else 1


if __name__ == "__main__":
    sys.exit(main())
