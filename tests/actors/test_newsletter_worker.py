"""A real Celery worker sends an issue of the newsletter and is killed with SIGKILL in the middle,
then restarted: every subscriber ends up with exactly one copy in the SMTP sink, and the issue
is marked sent once the periodic pass has finished what was left."""

import time
from collections import Counter

import pytest

from actors.models import NewsletterDelivery, NewsletterIssue
from actors.models.newsletter import IssueStatus
from actors.newsletter import issues
from cops.enums import DeliveryStatus
from tests.factories.newsletter_issues import make_issue, make_news, make_subscribers
from tests.workers import SMTPSink

SUBSCRIBERS = 60
WORKER = {
    "pool": "prefork",
    "concurrency": 2,
    "poll_seconds": 0.05,
    "env": {"NEWSLETTER_EMAILS_PER_MINUTE": "3000", "NEWSLETTER_SMTP_CONNECTIONS": "8"},
}


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_issue_then_restarted_sends_each_subscriber_exactly_once(start_worker):
    from actors.tasks import send_newsletter_issues

    subscribers = make_subscribers(SUBSCRIBERS)
    issue = make_issue(news=[make_news("Appel à projets 2027")])

    # A slow server (80 ms to acknowledge each message) so that the kill lands mid-sending.
    with SMTPSink(delay=0.08) as sink:
        worker = start_worker(smtp_port=sink.port, ready_timeout=30, **WORKER)
        issues.issue_send_request(issue=issue, by=None)  # queues the task once committed (now)
        worker.wait_until(lambda: len(sink.recipients()) >= SUBSCRIBERS // 3, 60, "a third of the issue")
        worker.kill()
        received_before_restart = len(sink.recipients())
        states_after_kill = Counter(NewsletterDelivery.objects.values_list("status", flat=True))
        status_after_kill = NewsletterIssue.objects.get(pk=issue.pk).status

        worker.start(ready_timeout=30)
        send_newsletter_issues.apply_async()  # the next beat tick
        worker.wait_until(
            lambda: NewsletterIssue.objects.filter(pk=issue.pk, status=IssueStatus.SENT).exists(),
            90,
            "the issue to be sent",
        )
        time.sleep(0.5)  # nothing more may arrive
        worker.stop()

    print("after kill:", dict(states_after_kill), "received:", received_before_restart)
    assert 0 < received_before_restart < SUBSCRIBERS, states_after_kill
    assert status_after_kill == IssueStatus.SENDING
    assert Counter(sink.recipients()) == Counter({s.email: 1 for s in subscribers})
    assert NewsletterDelivery.objects.filter(issue=issue).count() == SUBSCRIBERS
    statuses = Counter(NewsletterDelivery.objects.values_list("status", flat=True))
    # What was "committing" at the kill may have reached the server: uncertain, never resent.
    assert statuses == Counter(
        {
            DeliveryStatus.SENT: SUBSCRIBERS - states_after_kill[DeliveryStatus.COMMITTING],
            DeliveryStatus.UNCERTAIN: states_after_kill[DeliveryStatus.COMMITTING],
        }
    )
    issue.refresh_from_db()
    assert issue.sent_at is not None
