"""Newsletter: one issue sent to 5,000 confirmed subscribers by one Celery worker, through the
platform's bulk sending engine (cops/bulk_sending.py), to a local SMTP sink.

    createdb -h 127.0.0.1 -U postgres cops_bench_lettre
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cops_bench_lettre .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cops_bench_lettre CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/newsletter.py [--subscribers 5000]

Creates (in the database DATABASE_URL names) the subscribers (abonne-banc<n>@exemple.fr, confirmed,
one topic), three news items and an issue holding them, all removed at the end; starts an SMTP
sink (aiosmtpd, separate process, counting what it accepts) and one worker (prefork, one process,
production settings, at the sending rate the platform ships with), then asks for the sending as the
staff's « Envoyer » does. Prints the time until the issue is « Envoyée » (goal <= 120 s), the
messages the sink accepted (each subscriber once), and the worker's CPU time per email (goal <= 2 ms).
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta

from barometer_common import ROOT, cpu_by_party, free_port, machine_load, sink_counts, start_sink, stop
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from actors.models import (
    NewsItem,
    NewsletterDelivery,
    NewsletterIssue,
    NewsletterSubscription,
    NewsletterTopic,
)
from actors.models.newsletter import IssueItemKind, IssueStatus, SubscriptionSource, SubscriptionStatus
from actors.newsletter import issues

PREFIX = "abonne-banc"


def clean() -> None:
    NewsletterIssue.objects.filter(title__startswith="Banc d'essai").delete()
    NewsletterSubscription.objects.filter(email__startswith=PREFIX).delete()
    NewsItem.objects.filter(slug__startswith="banc-lettre-").delete()


def prepare(subscribers: int) -> NewsletterIssue:
    clean()
    topic = NewsletterTopic.objects.order_by("position").first()
    now = timezone.now()
    created = NewsletterSubscription.objects.bulk_create(
        [
            NewsletterSubscription(
                email=f"{PREFIX}{n}@exemple.fr",
                status=SubscriptionStatus.CONFIRMED,
                source=SubscriptionSource.FORM,
                consented_at=now,
            )
            for n in range(subscribers)
        ],
        batch_size=2000,
    )
    NewsletterSubscription.topics.through.objects.bulk_create(
        [
            NewsletterSubscription.topics.through(newslettersubscription_id=s.pk, newslettertopic_id=topic.pk)
            for s in created
        ],
        batch_size=5000,
    )
    news = [
        NewsItem.objects.create(
            title=f"Actualité du banc d'essai n° {n}",
            slug=f"banc-lettre-{n}",
            summary="Un résumé de quelques lignes, comme en écrit l'équipe : "
            + "le partenariat en santé " * 12,
            published_at=now - timedelta(hours=n + 1),
        )
        for n in range(3)
    ]
    issue = issues.issue_create(
        title="Banc d'essai de la lettre",
        editorial="Bonjour à toutes et à tous,\n\n" + "Un éditorial de quelques paragraphes. " * 20,
        topics=[topic],
        by=None,
    )
    issues.issue_add_items(issue=issue, picks=[(IssueItemKind.NEWS, item.pk) for item in news])
    return issue


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=5_000)
    parser.add_argument(
        "--rate",
        type=int,
        default=settings.NEWSLETTER_EMAILS_PER_MINUTE,
        help="NEWSLETTER_EMAILS_PER_MINUTE for the worker (default: the platform's)",
    )
    parser.add_argument("--connections", type=int, default=settings.NEWSLETTER_SMTP_CONNECTIONS)
    parser.add_argument("--sink-nice", type=int, default=19, help="run the SMTP sink with this niceness")
    args = parser.parse_args()

    issue = prepare(args.subscribers)
    sink_port = free_port()
    sink = start_sink(sink_port, prefix=PREFIX, nice=args.sink_nice)
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "NEWSLETTER_EMAILS_PER_MINUTE": str(args.rate),
        "NEWSLETTER_SMTP_CONNECTIONS": str(args.connections),
        "DEBUG": "false",
    }
    worker = None
    try:
        worker = subprocess.Popen(
            [
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
            ],  # fmt: skip
            cwd=ROOT,
            env={**os.environ, **env},
            start_new_session=True,
        )
        time.sleep(5)
        parties = {
            "worker": "celery -A cops worker",
            "database (every backend)": "postgres",
            "SMTP sink": "aiosmtpd",
        }
        cpu_before = cpu_by_party(parties)
        started = time.monotonic()
        recipients = issues.issue_send_request(issue=issue, by=None)  # queues the task (autocommit)
        deadline = started + 900
        while time.monotonic() < deadline:
            if NewsletterIssue.objects.filter(pk=issue.pk, status=IssueStatus.SENT).exists():
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - started
        cpu = cpu_by_party(parties)
        cpu.subtract(cpu_before)
        stop(worker)
        worker = None
    finally:
        if worker is not None:
            stop(worker)
        accepted, distinct, repeated = sink_counts(sink)
    statuses = dict(
        NewsletterDelivery.objects.filter(issue=issue)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    issue.refresh_from_db()
    print(f"Machine: {machine_load()}")
    print(f"Database: {settings.DATABASES['default']['NAME']}; broker: {settings.CELERY_BROKER_URL}")
    print(
        f"Subscribers: {args.subscribers} (recipients: {recipients}), worker: 1 process, "
        f"rate limit: {args.rate}/min, SMTP connections: {args.connections}, sink on loopback (nice {args.sink_nice})"
    )
    print(
        f"Issue status: {issue.status}; sent in {elapsed:.1f} s ({args.subscribers / elapsed:.0f} emails/s) — goal <= 120 s"
    )
    print(
        "CPU used during the sending: "
        + ", ".join(f"{party} {cpu[party]:.1f} s" for party in parties)
        + f" — worker {1000 * cpu['worker'] / args.subscribers:.2f} ms per email (goal <= 2 ms)"
    )
    print(
        f"Deliveries by status: {statuses}; sink accepted {accepted} messages for {distinct} distinct addresses"
    )
    print(f"Addresses received more than once: {repeated}")
    clean()
    return 0 if accepted == distinct == args.subscribers and issue.status == IssueStatus.SENT else 1


if __name__ == "__main__":
    sys.exit(main())
