"""The one bulk sending engine (cops/bulk_sending.py), seen through its newsletter client: a lock
per sending, claims before the SMTP call, one commit per group before the final dots, recovery
after a crash, re-check at the commit point, a server that cannot be reached, pacing."""

import time

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from actors.models import NewsletterDelivery, NewsletterIssue
from actors.models.newsletter import IssueStatus, SubscriptionStatus
from actors.newsletter import sending
from cops import bulk_sending
from cops.enums import DeliveryStatus
from cops.tokens import hash_token
from tests.factories.newsletter_issues import make_issue, make_news, make_subscribers
from tests.workers import SMTPSink, free_port

UNCERTAIN = (
    "Envoi interrompu après transmission au serveur : le serveur de messagerie a peut-être reçu ce "
    "courriel ; il n'est jamais renvoyé pour éviter un doublon."
)


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.NEWSLETTER_EMAILS_PER_MINUTE = 0
    settings.NEWSLETTER_SMTP_CONNECTIONS = 4


def sending_issue(**options) -> NewsletterIssue:
    """An issue whose sending was asked for (the task not run)."""
    issue = make_issue(news=[make_news("Appel à projets 2027")], **options)
    NewsletterIssue.objects.filter(pk=issue.pk).update(status=IssueStatus.SENDING)
    issue.refresh_from_db()
    return issue


def statuses(issue) -> list[tuple[str, str]]:
    return list(
        NewsletterDelivery.objects.filter(issue=issue)
        .order_by("subscription__email")
        .values_list("subscription__email", "status")
    )


@pytest.mark.django_db
def test_a_pass_sends_everyone_then_marks_the_issue_sent():
    issue = sending_issue()
    make_subscribers(5)

    result = sending.issue_send(issue_id=issue.pk)

    issue.refresh_from_db()
    assert (result.sent, result.failed, result.recovered, result.busy, result.interrupted) == (
        5,
        0,
        0,
        False,
        "",
    )
    assert issue.status == IssueStatus.SENT
    assert sorted(m.to[0] for m in mail.outbox) == [f"abonne{n:03d}@exemple.fr" for n in range(5)]
    assert NewsletterDelivery.objects.filter(status=DeliveryStatus.SENT, attempts=1).count() == 5


@pytest.mark.django_db
def test_limit_sends_part_and_the_issue_keeps_sending_until_a_full_pass():
    issue = sending_issue()
    make_subscribers(5)

    first = sending.issue_send(issue_id=issue.pk, limit=2)
    issue.refresh_from_db()
    status_between = issue.status
    second = sending.issue_send(issue_id=issue.pk)

    issue.refresh_from_db()
    assert (first.sent, second.sent) == (2, 3)
    assert (status_between, issue.status) == (IssueStatus.SENDING, IssueStatus.SENT)
    assert len(mail.outbox) == 5


@pytest.mark.django_db
def test_committing_rows_become_uncertain_and_claimed_rows_are_sent_again():
    issue = sending_issue()
    committing, claimed, done = make_subscribers(3)
    NewsletterDelivery.objects.create(issue=issue, subscription=committing, status=DeliveryStatus.COMMITTING)
    NewsletterDelivery.objects.create(
        issue=issue, subscription=claimed, status=DeliveryStatus.CLAIMED, attempts=1
    )
    NewsletterDelivery.objects.create(issue=issue, subscription=done, status=DeliveryStatus.SENT)

    result = sending.issue_send(issue_id=issue.pk)

    assert (result.sent, result.recovered) == (1, 1)
    assert [m.to for m in mail.outbox] == [[claimed.email]]
    assert statuses(issue) == [
        ("abonne000@exemple.fr", DeliveryStatus.UNCERTAIN),
        ("abonne001@exemple.fr", DeliveryStatus.SENT),
        ("abonne002@exemple.fr", DeliveryStatus.SENT),
    ]
    assert NewsletterDelivery.objects.get(subscription=committing).error == UNCERTAIN
    assert NewsletterDelivery.objects.get(subscription=claimed).attempts == 2


@pytest.mark.django_db
def test_a_claim_that_failed_too_often_is_given_up():
    issue = sending_issue()
    [subscription] = make_subscribers(1)
    NewsletterDelivery.objects.create(
        issue=issue,
        subscription=subscription,
        status=DeliveryStatus.CLAIMED,
        attempts=bulk_sending.MAX_ATTEMPTS,
    )

    result = sending.issue_send(issue_id=issue.pk)

    delivery = NewsletterDelivery.objects.get()
    assert (result.sent, mail.outbox) == (0, [])
    assert (delivery.status, delivery.error) == (
        DeliveryStatus.FAILED,
        "Serveur de messagerie injoignable après plusieurs essais.",
    )
    assert NewsletterIssue.objects.get(pk=issue.pk).status == IssueStatus.SENT  # nobody left


@pytest.mark.django_db
def test_unsubscribed_between_claim_and_commit_gets_nothing(monkeypatch):
    issue = sending_issue()
    stays, leaves, gone_before = make_subscribers(3)
    real = bulk_sending.mark_committing

    def meanwhile(**kwargs):
        # Between the claim (and the check of the rows read with it) and the commit point.
        type(leaves).objects.filter(pk=leaves.pk).update(status=SubscriptionStatus.UNSUBSCRIBED)
        return real(**kwargs)

    monkeypatch.setattr(bulk_sending, "mark_committing", meanwhile)
    original_load = sending.IssueClient.load

    def load(self, rows):
        loaded = original_load(self, rows)
        type(gone_before).objects.filter(pk=gone_before.pk).update(status=SubscriptionStatus.UNSUBSCRIBED)
        for row in loaded:
            if row.subscription_id == gone_before.pk:
                row.subscription.status = SubscriptionStatus.UNSUBSCRIBED  # as read with the claim
        return loaded

    monkeypatch.setattr(sending.IssueClient, "load", load)

    result = sending.issue_send(issue_id=issue.pk)

    assert (result.sent, result.failed) == (1, 0)
    assert [m.to for m in mail.outbox] == [[stays.email]]
    rows = NewsletterDelivery.objects.order_by("subscription__email")
    assert [(d.subscription.email, d.status, d.error, d.unsubscribe_hash is None) for d in rows] == [
        ("abonne000@exemple.fr", DeliveryStatus.SENT, "", False),
        (
            "abonne001@exemple.fr",
            DeliveryStatus.SKIPPED,
            "Non envoyé : désinscription pendant l'envoi.",
            True,
        ),
    ]  # the one gone before its group: the claim dropped, no row
    assert NewsletterDelivery.objects.get(subscription=stays).unsubscribe_hash is not None


@pytest.mark.django_db(transaction=True)
def test_an_issue_held_by_another_worker_is_left_alone():
    issue = sending_issue()
    make_subscribers(2)
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [sending.ISSUE_LOCK_NAMESPACE, issue.pk])

    result = sending.issue_send(issue_id=issue.pk)

    other.close()
    assert result.busy is True
    assert (NewsletterDelivery.objects.count(), mail.outbox) == (0, [])
    assert NewsletterIssue.objects.get(pk=issue.pk).status == IssueStatus.SENDING


@pytest.mark.django_db
def test_unreachable_server_interrupts_the_pass_and_the_next_one_finishes(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    issue = sending_issue()
    make_subscribers(6)

    down = sending.issue_send(issue_id=issue.pk)
    after_down = sorted(set(NewsletterDelivery.objects.values_list("status", "attempts")))
    with SMTPSink() as sink:
        settings.EMAIL_PORT = sink.port
        up = sending.issue_send(issue_id=issue.pk)

    issue.refresh_from_db()
    assert down.interrupted.startswith("ConnectionRefusedError")
    assert (down.sent, up.sent) == (0, 6)
    assert after_down == [
        (DeliveryStatus.CLAIMED, 0),
        (DeliveryStatus.CLAIMED, 1),
    ]  # the first group tried once
    assert sorted(sink.recipients()) == [f"abonne{n:03d}@exemple.fr" for n in range(6)]
    assert issue.status == IssueStatus.SENT


@pytest.mark.django_db
def test_over_smtp_each_group_is_committed_once_and_each_email_carries_its_unsubscribe_headers(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.NEWSLETTER_SMTP_CONNECTIONS = 8
    issue = sending_issue()
    make_subscribers(30)

    with SMTPSink() as sink:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        with CaptureQueriesContext(connection) as queries:
            result = sending.issue_send(issue_id=issue.pk)

    committing = [q for q in queries.captured_queries if "unnest" in q["sql"]]
    assert (result.sent, result.failed) == (30, 0)
    assert len(committing) == 4  # 8 + 8 + 8 + 6
    assert sorted(sink.recipients()) == [f"abonne{n:03d}@exemple.fr" for n in range(30)]
    received = {tos[0]: message for tos, message in sink.messages}
    message = received["abonne007@exemple.fr"]
    header = message["List-Unsubscribe"].strip()
    token = header.removeprefix("<http://testserver/lettre/desinscription/").removesuffix("/>")
    assert header == f"<http://testserver/lettre/desinscription/{token}/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"].strip() == "La lettre du COPS n° 1 — Numéro de rentrée"
    assert NewsletterDelivery.objects.get(
        subscription__email="abonne007@exemple.fr"
    ).unsubscribe_hash == hash_token(token)
    text = message.get_body(("plain",)).get_content()
    assert f"http://testserver/lettre/desinscription/{token}/" in text
    assert f"http://testserver/lettre/preferences/{token}/" in text
    assert len({m["Message-ID"] for m in received.values()}) == 30


def test_pacer_spreads_the_emails_at_the_given_rate():
    pacer = bulk_sending.Pacer(1200)  # one every 50 ms
    started = time.monotonic()

    for _group in range(4):
        pacer.wait(2)  # groups of two: the fourth group leaves 3 × 100 ms after the first

    assert 0.29 <= time.monotonic() - started < 0.6


def test_a_client_missing_part_of_the_contract_cannot_be_built():
    class HalfClient(bulk_sending.BulkClient):
        def lock_key(self) -> int:
            return 1

    with pytest.raises(TypeError, match="abstract method"):
        HalfClient()
