"""Sending the invitation (round 0) and the reminders (rounds 1–3), each at most once per person.

One worker at a time holds a round (a PostgreSQL advisory lock, released if it dies). For each
person it inserts the claim row (invitation, round) — unique — then talks to the SMTP server
and records "committing" just before the final dot that makes the server accept the message
(see barometer/smtp.py). A later pass of the round, after a crash:
  * claimed rows (the server never accepted them) are sent again;
  * committing rows (the server may have accepted them) are counted as sent, never resent.
"""

import logging
import queue
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from barometer.enums import CampaignStatus, DeliveryStatus
from barometer.models import Delivery, Invitation, SendingRound
from barometer.smtp import PermanentSMTPError, TemporarySMTPError, TwoPhaseSMTP, uses_smtp
from barometer.tokens import new_token
from cops.mail import render_email

logger = logging.getLogger(__name__)

ROUND_LOCK_NAMESPACE = 74_201  # first key of pg_try_advisory_lock(int, int): "barometer rounds"
BATCH = 100
MAX_ATTEMPTS = 5


@dataclass
class RoundResult:
    sent: int = 0
    failed: int = 0
    recovered: int = 0
    busy: bool = False
    interrupted: str = ""


def due_rounds(now=None) -> list[SendingRound]:
    now = now or timezone.now()
    today = timezone.localdate()
    return list(
        SendingRound.objects.filter(
            scheduled_at__lte=now,
            campaign__status=CampaignStatus.OPEN,
            campaign__opens_on__lte=today,
            campaign__closes_on__gte=today,
        ).select_related("campaign")
    )


def eligible_invitations(sending_round: SendingRound):
    """Who gets this round: not responded, not unsubscribed, not already claimed for it, and
    for a reminder, invited (sent) before the reminder's date."""
    queryset = Invitation.objects.filter(
        campaign_id=sending_round.campaign_id, has_responded=False, unsubscribed_at__isnull=True
    ).exclude(Exists(Delivery.objects.filter(invitation=OuterRef("pk"), round=sending_round.number)))
    if sending_round.number > 0:
        queryset = queryset.filter(
            Exists(
                Delivery.objects.filter(
                    invitation=OuterRef("pk"),
                    round__lt=sending_round.number,
                    status=DeliveryStatus.SENT,
                    sent_at__lt=sending_round.scheduled_at,
                )
            )
        )
    return queryset.order_by("pk")


def _try_lock(round_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ROUND_LOCK_NAMESPACE, round_id])
        return cursor.fetchone()[0]


def _unlock(round_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ROUND_LOCK_NAMESPACE, round_id])


def _relaxed_commit() -> None:
    # A lost "claimed" or "sent" write (database crash) is harmless: see the module docstring.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


class _Pacer:
    """Spreads the sends to honour BAROMETER_EMAILS_PER_MINUTE (shared by the sending threads)."""

    def __init__(self, per_minute: int):
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.next_at = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            slot = max(self.next_at, time.monotonic())
            self.next_at = slot + self.interval
        delay = slot - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def _connections() -> int:
    # SMTP connections used side by side by one worker: the time goes into waiting for the
    # server's replies and for the database's commits, which overlap well.
    return max(1, int(getattr(settings, "BAROMETER_SMTP_CONNECTIONS", 8)))


NAME, LINK, UNSUBSCRIBE = "\x00name\x00", "\x00link\x00", "\x00unsubscribe\x00"
_render_cache: dict[tuple, tuple[str, str, str]] = {}
_render_lock = threading.Lock()


def _rendered(invitation: Invitation, number: int) -> tuple[str, str, str]:
    """Subject, text and HTML of this questionnaire's email for this round, rendered once with
    placeholders for what differs from one person to the next (10,000 renders cost seconds)."""
    key = (invitation.questionnaire_id, number, bool(invitation.name), invitation.campaign.closes_on)
    with _render_lock:
        if key in _render_cache:
            return _render_cache[key]
    template = "barometer/emails/invitation" if number == 0 else "barometer/emails/reminder"
    placeholder = Invitation(name=NAME if invitation.name else "", email="")
    rendered = render_email(
        template=template,
        context={
            "invitation": placeholder,
            "campaign": invitation.campaign,
            "questionnaire": invitation.questionnaire,
            "round": number,
            "link": LINK,
            "unsubscribe_url": UNSUBSCRIBE,
        },
    )
    with _render_lock:
        if len(_render_cache) > 200:
            _render_cache.clear()
        _render_cache[key] = rendered
    return rendered


def build_message(invitation: Invitation, number: int, raw_token: str) -> EmailMultiAlternatives:
    link = settings.SITE_URL + reverse("barometer:personal_link", kwargs={"token": raw_token})
    unsubscribe = settings.SITE_URL + reverse("barometer:unsubscribe", kwargs={"token": raw_token})
    subject, text, html = _rendered(invitation, number)

    def fill(body: str, name: str) -> str:
        return body.replace(NAME, name).replace(LINK, link).replace(UNSUBSCRIBE, unsubscribe)

    message = EmailMultiAlternatives(
        subject=fill(subject, invitation.name),
        body=fill(text, invitation.name),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={
            # RFC 8058: mail clients offer a one-click "unsubscribe" that POSTs to this URL.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if html:
        message.attach_alternative(fill(html, escape(invitation.name)), "text/html")
    return message


def send_round(*, round_id: int, limit: int | None = None) -> RoundResult:
    """Send one round to everyone eligible. Safe to call any number of times, at once or after
    a crash: a second caller finds the round busy; a later pass only finishes what is left."""
    result = RoundResult()
    if not _try_lock(round_id):
        result.busy = True
        return result
    try:
        sending_round = SendingRound.objects.select_related("campaign").filter(pk=round_id).first()
        if sending_round is None or not sending_round.campaign.is_accepting_answers:
            return result
        result.recovered = _recover_committing(sending_round)
        pacer = _Pacer(settings.BAROMETER_EMAILS_PER_MINUTE)
        while limit is None or result.sent + result.failed < limit:
            deliveries = _claimed_rows(sending_round) or _claim_batch(sending_round)
            if not deliveries:
                break
            if limit is not None:
                deliveries = deliveries[: limit - result.sent - result.failed]
            _send_batch(deliveries, pacer, result)
            if result.interrupted:
                break
    finally:
        _unlock(round_id)
    if result.interrupted:
        # The server is unreachable: what is claimed stays claimed and goes at the next pass.
        logger.warning("Barometer round %s interrupted: %s", round_id, result.interrupted)
    logger.info(
        "Barometer round %s: %s sent, %s failed, %s recovered",
        round_id,
        result.sent,
        result.failed,
        result.recovered,
    )
    return result


def _send_batch(deliveries: list[Delivery], pacer: _Pacer, result: RoundResult) -> None:
    """Send a batch over a few SMTP connections at once (one thread and one database
    connection each); with a single connection everything stays in the caller's thread."""
    lock = threading.Lock()
    work: queue.SimpleQueue = queue.SimpleQueue()
    for delivery in deliveries:
        work.put(delivery)

    def run(in_thread: bool) -> None:
        smtp = TwoPhaseSMTP() if uses_smtp() else None
        try:
            while not result.interrupted:
                try:
                    delivery = work.get_nowait()
                except queue.Empty:
                    return
                pacer.wait()
                try:
                    outcome = _send_one(delivery, smtp)
                except TemporarySMTPError as exc:
                    with lock:
                        result.interrupted = str(exc)
                    return
                except Exception as exc:  # e.g. the database went away: stop, the next pass resumes
                    logger.exception("Barometer delivery %s: unexpected error", delivery.pk)
                    with lock:
                        result.interrupted = f"{type(exc).__name__}: {exc}"
                    return
                with lock:
                    if outcome == DeliveryStatus.SENT:
                        result.sent += 1
                    elif outcome == DeliveryStatus.FAILED:
                        result.failed += 1
        finally:
            if smtp is not None:
                smtp.close()
            if in_thread:
                connection.close()

    count = min(_connections(), len(deliveries))
    if count == 1:
        run(in_thread=False)
        return
    threads = [threading.Thread(target=run, args=(True,), daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _recover_committing(sending_round: SendingRound) -> int:
    """Rows left 'committing' by a dead worker: the server may have the message; never resend."""
    return Delivery.objects.filter(
        invitation__campaign_id=sending_round.campaign_id,
        round=sending_round.number,
        status=DeliveryStatus.COMMITTING,
    ).update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        error="Envoi interrompu après transmission au serveur : considéré comme envoyé.",
    )


def _claimed_rows(sending_round: SendingRound) -> list[Delivery]:
    """Rows claimed by a worker that died before the server accepted them: send them now."""
    rows = list(
        Delivery.objects.filter(
            invitation__campaign_id=sending_round.campaign_id,
            round=sending_round.number,
            status=DeliveryStatus.CLAIMED,
        )
        .select_related("invitation__campaign", "invitation__questionnaire")
        .order_by("pk")[:BATCH]
    )
    too_many = [d.pk for d in rows if d.attempts >= MAX_ATTEMPTS]
    if too_many:
        Delivery.objects.filter(pk__in=too_many).update(
            status=DeliveryStatus.FAILED, error="Serveur de messagerie injoignable après plusieurs essais."
        )
    return [d for d in rows if d.attempts < MAX_ATTEMPTS]


def _claim_batch(sending_round: SendingRound) -> list[Delivery]:
    with transaction.atomic():
        _relaxed_commit()
        ids = list(eligible_invitations(sending_round).values_list("pk", flat=True)[:BATCH])
        if not ids:
            return []
        Delivery.objects.bulk_create(
            [Delivery(invitation_id=pk, round=sending_round.number, attempts=0) for pk in ids],
            ignore_conflicts=True,
        )
    return list(
        Delivery.objects.filter(
            invitation_id__in=ids, round=sending_round.number, status=DeliveryStatus.CLAIMED
        )
        .select_related("invitation__campaign", "invitation__questionnaire")
        .order_by("pk")
    )


def _send_one(delivery: Delivery, smtp: TwoPhaseSMTP | None) -> str | None:
    invitation = delivery.invitation
    if invitation.has_responded or invitation.unsubscribed_at:
        # Answered or unsubscribed since the claim: nothing was sent, the claim goes away.
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.CLAIMED).delete()
        return None
    raw, digest = new_token()
    message = build_message(invitation, delivery.round, raw)

    def mark_committing() -> bool:
        # Durable before the point of no return (synchronous commit).
        with transaction.atomic():
            return bool(
                Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.CLAIMED).update(
                    status=DeliveryStatus.COMMITTING, token_hash=digest, attempts=delivery.attempts + 1
                )
            )

    try:
        if smtp is not None:
            smtp.send(message, before_commit=mark_committing)
        else:
            if not mark_committing():
                return None
            get_connection().send_messages([message])
    except PermanentSMTPError as exc:
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, error=str(exc)[:2000])
        return DeliveryStatus.FAILED
    except TemporarySMTPError:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.CLAIMED).update(
            attempts=delivery.attempts + 1
        )
        raise
    with transaction.atomic():
        _relaxed_commit()
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.COMMITTING).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now()
        )
    return DeliveryStatus.SENT
