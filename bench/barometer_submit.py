"""Barometer: 200 concurrent respondents answering a complete questionnaire over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cops_baro .venv/bin/python bench/barometer_submit.py
        [--respondents 200] [--think 0]

Starts gunicorn on loopback, creates an open campaign (a copy of the 2023 edition, year 2090,
deleted at the end), and runs one thread per respondent: consent, the 8 pages of the patients'
questionnaire with realistic answers, then "Envoyer mes réponses". All respondents start at
once. Prints errors, lost or duplicated responses, and latencies (median, p95) per request.
"""

import argparse
import random
import sys
import threading
import time
from datetime import timedelta

from barometer_common import (
    CLIENT_KEY,
    CSRF,
    Browser,
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


def _form(page_questions, values):
    from barometer_common import form_data

    return form_data(page_questions, values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds between pages (0: burst)")
    parser.add_argument("--ramp", type=float, default=0.0, help="respondents arrive over this many seconds")
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
    server = start_gunicorn(port, {})
    errors, submit_times, all_times = [], [], []
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
    print(f"p95 all requests: {percentile(all_times, 95):.0f} ms (goal <= 250 ms)")
    Campaign.objects.filter(year=YEAR).delete()
    return 0 if not errors and submitted == args.respondents else 1


if __name__ == "__main__":
    sys.exit(main())
