"""Barometer: one reminder round for 10,000 invitees, sent by one Celery worker to a local SMTP sink.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cops_baro CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/barometer_reminders.py [--invitees 10000] [--save run.json] [--baseline earlier.json]

Creates an open campaign (year 2091, deleted at the end) with the invitees, starts an SMTP sink
(aiosmtpd, separate process, counts what it accepts), gunicorn and one worker (prefork, one
process, production settings, at the sending rate the platform ships with), then queues
`barometer.send_due_rounds`. Prints the time to send the round, the number of messages the sink
accepted (must equal the invitees, each once), the site's p95 latency on the survey page and the
landing page without a round (before and after it) and during it, and the CPU time each party
used during the round. `--save` writes the figures to a JSON file, `--baseline` prints an
earlier run's figures beside these ones.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

from barometer_common import (
    ROOT,
    Browser,
    add_comparison_arguments,
    compare_and_save,
    cpu_by_party,
    free_port,
    machine_load,
    percentile,
    sink_counts,
    start_gunicorn,
    start_sink,
    stop,
)
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from barometer.enums import CampaignStatus, DeliveryStatus
from barometer.models import Campaign, Delivery, Invitation, SendingRound
from barometer.reference import load_first_edition
from barometer.services import campaigns

YEAR = 2091


def probe(port, paths, stop_event, timings):
    browser = Browser(port)
    while not stop_event.is_set():
        for path in paths:
            browser.request("GET", path)
        time.sleep(0.05)
    timings.extend(browser.timings)


def measure(port, paths, seconds):
    timings, event = [], threading.Event()
    thread = threading.Thread(target=probe, args=(port, paths, event, timings))
    thread.start()
    time.sleep(seconds)
    event.set()
    thread.join()
    return timings


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitees", type=int, default=10_000)
    parser.add_argument(
        "--rate",
        type=int,
        default=settings.BAROMETER_EMAILS_PER_MINUTE,
        help="BAROMETER_EMAILS_PER_MINUTE for the worker (default: the platform's)",
    )
    parser.add_argument("--connections", type=int, default=settings.BAROMETER_SMTP_CONNECTIONS)
    parser.add_argument("--nice", type=int, default=0, help="run the worker with this niceness (0-19)")
    parser.add_argument("--sink-nice", type=int, default=19, help="run the SMTP sink with this niceness")
    add_comparison_arguments(parser)
    args = parser.parse_args()

    Campaign.objects.filter(year=YEAR).delete()
    today = timezone.localdate()
    campaign = campaigns.campaign_copy(
        source=load_first_edition(),
        year=YEAR,
        title="Banc d'essai relances",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=1),
    )
    campaign.status = CampaignStatus.OPEN
    campaign.save()
    questionnaires = list(campaign.questionnaires.all())
    Invitation.objects.bulk_create(
        [
            Invitation(
                campaign=campaign,
                questionnaire=questionnaires[n % 5],
                email=f"invite{n}@exemple.fr",
                name=f"Invité {n}",
            )
            for n in range(args.invitees)
        ],
        batch_size=2000,
    )
    campaign.rounds.all().delete()  # the copied 2023 dates: only the invitation, due now
    SendingRound.objects.create(campaign=campaign, number=0, scheduled_at=timezone.now())
    survey = f"/barometre/q/{questionnaires[0].public_key}/"

    sink_port, web_port = free_port(), free_port()
    sink = start_sink(sink_port, prefix="invite", nice=args.sink_nice)
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "BAROMETER_EMAILS_PER_MINUTE": str(args.rate),
        "BAROMETER_SMTP_CONNECTIONS": str(args.connections),
        "DEBUG": "false",
    }
    web = start_gunicorn(web_port, {}, workers=2, threads=2)
    worker = None
    try:
        time.sleep(1)
        before = measure(web_port, [survey, "/barometre/"], 30)
        worker = subprocess.Popen(
            [
                "nice",
                "-n",
                str(args.nice),
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "cops",
                "worker",
                "--pool=prefork",
                "-c",
                "1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            start_new_session=True,
        )
        time.sleep(4)
        from barometer.tasks import send_due_rounds

        parties = {
            "worker": "celery -A cops worker",
            "database (every backend)": "postgres",
            "SMTP sink": "aiosmtpd",
            "site (gunicorn)": "gunicorn cops.wsgi",
        }
        cpu_before = cpu_by_party(parties)
        started = time.monotonic()
        send_due_rounds.apply_async()
        during, event = [], threading.Event()
        thread = threading.Thread(target=probe, args=(web_port, [survey, "/barometre/"], event, during))
        thread.start()
        deadline = started + 900
        while time.monotonic() < deadline:
            sent = Delivery.objects.filter(
                invitation__campaign=campaign, round=0, status=DeliveryStatus.SENT
            ).count()
            if sent >= args.invitees:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        cpu = cpu_by_party(parties)
        cpu.subtract(cpu_before)
        event.set()
        thread.join()
        stop(worker)
        worker = None
        # The site without a round, measured on both sides of it so that a drift of the machine
        # does not pass for the round's effect.
        after = measure(web_port, [survey, "/barometre/"], 30)
    finally:
        if worker is not None:
            stop(worker)
        stop(web)
        accepted, distinct, repeated = sink_counts(sink)
    statuses = dict(
        Delivery.objects.filter(invitation__campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    without = before + after
    p95_without, p95_during = percentile(without, 95), percentile(during, 95)
    print(f"Machine: {machine_load()}")
    print(
        f"Invitees: {args.invitees}, worker: 1 process (nice {args.nice}), rate limit: {args.rate}/min, "
        f"SMTP sink on loopback (nice {args.sink_nice})"
    )
    print(f"SMTP connections: {args.connections}")
    print(f"Round sent in {elapsed:.1f} s ({args.invitees / elapsed:.0f} emails/s) — goal <= 120 s")
    print(
        "CPU used during the round: "
        + ", ".join(f"{party} {cpu[party]:.1f} s" for party in parties)
        + f" — worker {1000 * cpu['worker'] / args.invitees:.2f} ms per email"
    )
    print(
        f"Deliveries by status: {statuses}; sink accepted {accepted} messages for {distinct} distinct addresses"
    )
    print(f"Addresses received more than once: {repeated}")
    print(
        f"Site without a round (30 s before + 30 s after): n={len(without)} p95={p95_without:.1f} ms; "
        f"during: n={len(during)} p95={p95_during:.1f} ms "
        f"({100 * (p95_during - p95_without) / p95_without:+.0f} %, goal <= +20 %)"
    )
    for name, timings in (("before", before), ("during", during), ("after", after)):
        print(
            f"  {name}: "
            + ", ".join(f"p{p} {percentile(timings, p):.1f}" for p in (50, 75, 90, 95, 99))
            + " ms"
        )
    print(f"Broker: {settings.CELERY_BROKER_URL}")
    compare_and_save(
        {
            "invitees": args.invitees,
            "SMTP connections": args.connections,
            "round seconds": round(elapsed, 1),
            "emails/s": round(args.invitees / elapsed),
            "accepted once each": accepted == distinct == args.invitees,
            "worker CPU ms/email": round(1000 * cpu["worker"] / args.invitees, 2),
            "site p95 without, ms": round(p95_without, 1),
            "site p95 during, ms": round(p95_during, 1),
            "site p95 change %": round(100 * (p95_during - p95_without) / p95_without),
            "load average (1 min)": round(os.getloadavg()[0], 1),
        },
        args,
    )
    Campaign.objects.filter(year=YEAR).delete()
    return 0 if accepted == distinct == args.invitees else 1


if __name__ == "__main__":
    sys.exit(main())
