"""Sending an issue of the newsletter: a client of the platform's one bulk sending engine
(cops/bulk_sending.py), so that each confirmed subscriber of the issue's topics gets it at most
once, whatever happens to the worker, and a later pass finishes what is left.

What is the newsletter's own is here: who gets the issue (confirmed subscriptions sharing one of
its topics), the re-check at the commit point (whoever unsubscribed since the claim is "skipped"),
the one token of each email (the unsubscribe and preferences links), and the end of the sending
(the issue becomes « Envoyée » once nobody is left).
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actors.models import NewsletterDelivery, NewsletterIssue, NewsletterSubscription
from actors.models.newsletter import IssueStatus, SubscriptionStatus
from actors.newsletter.letters import TOKEN_BYTES, IssueLetters
from cops.bulk_sending import BulkClient, BulkResult, bulk_send
from cops.enums import DeliveryStatus

logger = logging.getLogger(__name__)

ISSUE_LOCK_NAMESPACE = 74_202  # first key of pg_try_advisory_lock(int, int): "newsletter issues"
UNCERTAIN_NOTE = _(
    "Envoi interrompu après transmission au serveur : le serveur de messagerie a peut-être reçu "
    "ce courriel ; il n'est jamais renvoyé pour éviter un doublon."
)
SKIPPED_UNSUBSCRIBED_NOTE = _("Non envoyé : désinscription pendant l'envoi.")


def issue_recipients(issue: NewsletterIssue) -> QuerySet[NewsletterSubscription]:
    """Confirmed subscriptions sharing at least one topic with the issue."""
    through = NewsletterSubscription.topics.through
    return NewsletterSubscription.objects.filter(status=SubscriptionStatus.CONFIRMED).filter(
        Exists(
            through.objects.filter(
                newslettersubscription_id=OuterRef("pk"),
                newslettertopic_id__in=issue.topics.values("pk"),
            )
        )
    )


def _waiting(issue: NewsletterIssue) -> QuerySet[NewsletterSubscription]:
    """Recipients without a delivery row for the issue yet."""
    return issue_recipients(issue).exclude(
        Exists(NewsletterDelivery.objects.filter(issue=issue, subscription=OuterRef("pk")))
    )


class IssueClient(BulkClient):
    """One issue, for the bulk sending engine."""

    model = NewsletterDelivery
    recipient_field = "subscription"
    lock_namespace = ISSUE_LOCK_NAMESPACE
    token_columns = ("unsubscribe_hash",)
    token_bytes = TOKEN_BYTES
    uncertain_note = UNCERTAIN_NOTE

    def __init__(self, issue_id: int):
        self.issue_id = issue_id
        self.label = f"Newsletter issue {issue_id}"
        self.issue: NewsletterIssue | None = None

    def lock_key(self) -> int:
        return self.issue_id

    def start(self) -> bool:
        self.issue = NewsletterIssue.objects.filter(pk=self.issue_id, status=IssueStatus.SENDING).first()
        if self.issue is None:
            return False
        self.letters = IssueLetters(self.issue)
        return True

    def emails_per_minute(self) -> int:
        return settings.NEWSLETTER_EMAILS_PER_MINUTE

    def connections(self) -> int:
        return settings.NEWSLETTER_SMTP_CONNECTIONS

    def rows(self) -> QuerySet[NewsletterDelivery]:
        return NewsletterDelivery.objects.filter(issue_id=self.issue_id)

    def eligible(self) -> QuerySet[NewsletterSubscription]:
        return _waiting(self.issue).order_by("pk")

    def new_row(self, recipient_id: int) -> NewsletterDelivery:
        return NewsletterDelivery(issue_id=self.issue_id, subscription_id=recipient_id, attempts=0)

    def load(self, rows) -> list[NewsletterDelivery]:
        return list(
            rows.select_related("subscription").only(
                "pk", "attempts", "subscription__email", "subscription__status"
            )
        )

    def gone(self, row: NewsletterDelivery) -> bool:
        return row.subscription.status != SubscriptionStatus.CONFIRMED

    def recheck(self) -> tuple[str, list]:
        """The subscriptions read again at the commit point, FOR SHARE: an unsubscription being
        committed at this very moment is waited for, so that it is seen rather than missed."""
        table = NewsletterDelivery._meta.db_table
        subscriptions = NewsletterSubscription._meta.db_table
        return (
            f"""SELECT c.id, CASE WHEN s.status <> %s THEN %s END AS note
                FROM {subscriptions} AS s JOIN {table} AS c ON c.subscription_id = s.id JOIN v ON v.id = c.id
                FOR SHARE OF s""",  # noqa: S608 (names from the models)
            [SubscriptionStatus.CONFIRMED, str(SKIPPED_UNSUBSCRIBED_NOTE)],
        )

    def message(self, row: NewsletterDelivery, tokens: tuple[str, ...]):
        return self.letters.message(row.subscription.email, tokens[0])

    def envelope(self, row: NewsletterDelivery, tokens: tuple[str, ...]):
        return self.letters.envelope(row.pk, row.subscription.email, tokens[0])


def issue_send(*, issue_id: int, limit: int | None = None) -> BulkResult:
    """One pass of the sending of an issue; the issue is « Envoyée » once nobody is left.
    Safe to call any number of times, at once or after a crash (see cops/bulk_sending.py)."""
    result = bulk_send(IssueClient(issue_id), limit=limit)
    if not result.busy and not result.interrupted and limit is None:
        issue_finish_if_done(issue_id=issue_id)
    return result


def issue_finish_if_done(*, issue_id: int) -> bool:
    """Mark a sending issue sent when every recipient has a final row (nobody waits, nothing is
    claimed or committing)."""
    with transaction.atomic():
        issue = (
            NewsletterIssue.objects.select_for_update()
            .filter(pk=issue_id, status=IssueStatus.SENDING)
            .first()
        )
        if issue is None:
            return False
        unfinished = NewsletterDelivery.objects.filter(
            issue=issue, status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.COMMITTING]
        )
        if unfinished.exists() or _waiting(issue).exists():
            return False
        issue.status = IssueStatus.SENT
        issue.sent_at = timezone.now()
        issue.save(update_fields=["status", "sent_at"])
    logger.info("Newsletter issue %s (n° %s) sent", issue.pk, issue.number)
    return True


def issues_sending() -> list[int]:
    return list(NewsletterIssue.objects.filter(status=IssueStatus.SENDING).values_list("pk", flat=True))


# --- Tasks (listed in actors/tasks.py, where the workers find them) -------------------------------------


@shared_task(name="actors.send_newsletter_issue")
def send_newsletter_issue(*, issue_id: int) -> int:
    result = issue_send(issue_id=issue_id)
    if result.busy:
        logger.info("Newsletter issue %s is being sent by another worker", issue_id)
    return result.sent


@shared_task(name="actors.send_newsletter_issues")
def send_newsletter_issues() -> int:
    """Periodic (every minute): a pass for every issue still sending (a worker killed, the SMTP
    server down, a task lost with the broker): it only finishes what is left."""
    issue_ids = issues_sending()
    for issue_id in issue_ids:
        send_newsletter_issue.apply_async(kwargs={"issue_id": issue_id})
    return len(issue_ids)
