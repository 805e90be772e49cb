"""Sending the invitation (round 0) and the reminders (rounds 1–3), each at most once per person.

One worker at a time holds a round (a PostgreSQL advisory lock, released if it dies). For each
person it inserts the claim row (invitation, round) — unique — then talks to the SMTP server
and records "committing" just before the final dot that makes the server accept the message
(see barometer/smtp.py); a few emails go side by side, marked together in one commit. A later
pass of the round, after a crash:
  * claimed rows (the server never accepted them) are sent again;
  * committing rows (the server may have accepted them) become "uncertain": counted as sent for
    the reminders, never resent, shown apart to the staff.
Whoever answers or unsubscribes after the claim is checked again at the commit point: the
statement that marks a group "committing" marks them "skipped" instead, and they get nothing.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from barometer.enums import (
    LINK_TOKEN_BYTES,
    SKIPPED_ANSWERED_NOTE,
    SKIPPED_UNSUBSCRIBED_NOTE,
    UNCERTAIN_NOTE,
    CampaignStatus,
    DeliveryStatus,
)
from barometer.messages import Letters
from barometer.models import Delivery, Invitation, SendingRound
from barometer.smtp import Envelope, SMTPPool, TemporarySMTPError, uses_smtp
from cops.tokens import new_token

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
                    status__in=[DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN],
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
    """Spreads the sends to honour BAROMETER_EMAILS_PER_MINUTE."""

    def __init__(self, per_minute: int):
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self, count: int = 1) -> None:
        """Wait for the slot of the first of `count` emails about to leave together."""
        slot = max(self.next_at, time.monotonic())
        self.next_at = slot + count * self.interval
        delay = slot - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def _connections() -> int:
    # SMTP connections driven side by side (see barometer/smtp.py): the waits for the server's
    # replies overlap, and the database commits once per group instead of once per email.
    return max(1, int(getattr(settings, "BAROMETER_SMTP_CONNECTIONS", 8)))


class _DjangoBackend:
    """Any other email backend (console, file, memory in tests): no commit point of its own,
    so the messages are marked "committing" before they are handed over."""

    def __init__(self, size: int, letters: Letters):
        self.size = size
        self.letters = letters

    def prepare(self, delivery: Delivery, raw_token: str, raw_unsubscribe: str):
        return _Handed(
            delivery.pk,
            self.letters.message(delivery.invitation, delivery.round, raw_token, raw_unsubscribe),
        )

    def send(self, items: list, before_commit) -> None:
        allowed = before_commit(items)
        going = [item for item in items if item.key in allowed]
        if going:
            get_connection().send_messages([item.message for item in going])
        for item in going:
            item.accepted = True

    def close(self) -> None:
        pass


@dataclass
class _Handed:
    key: int
    message: EmailMultiAlternatives
    accepted: bool = False
    error: str = ""


class _SMTP:
    def __init__(self, size: int, letters: Letters):
        self.pool = SMTPPool(size)
        self.size = size
        self.letters = letters

    def prepare(self, delivery: Delivery, raw_token: str, raw_unsubscribe: str) -> Envelope:
        return self.letters.envelope(
            delivery.pk, delivery.invitation, delivery.round, raw_token, raw_unsubscribe
        )

    def send(self, items: list[Envelope], before_commit) -> None:
        self.pool.send(items, before_commit)

    def close(self) -> None:
        self.pool.close()


def send_round(*, round_id: int, limit: int | None = None) -> RoundResult:
    """Send one round to everyone eligible. Safe to call any number of times, at once or after
    a crash: a second caller finds the round busy; a later pass only finishes what is left."""
    result = RoundResult()
    if not _try_lock(round_id):
        result.busy = True
        return result
    accepted = _Accepted()
    try:
        sending_round = (
            SendingRound.objects.select_related("campaign")
            .prefetch_related("campaign__questionnaires")  # read once, shared by every batch
            .filter(pk=round_id)
            .first()
        )
        if sending_round is None or not sending_round.campaign.is_accepting_answers:
            return result
        result.recovered = _recover_committing(sending_round)
        pacer = _Pacer(settings.BAROMETER_EMAILS_PER_MINUTE)
        letters = Letters()
        transport = (_SMTP if uses_smtp() else _DjangoBackend)(_connections(), letters)
        try:
            while not result.interrupted and (limit is None or result.sent + result.failed < limit):
                deliveries = _claimed_rows(sending_round) or _claim_batch(sending_round)
                if not deliveries:
                    break
                if limit is not None:
                    deliveries = deliveries[: limit - result.sent - result.failed]
                for start in range(0, len(deliveries), transport.size):
                    group = deliveries[start : start + transport.size]
                    pacer.wait(len(group))
                    _send_group(group, transport, accepted, result)
                    if result.interrupted:
                        break
        finally:
            transport.close()
            try:
                accepted.flush()
            except DatabaseError:  # left "committing": the next pass counts them as sent
                logger.exception("Barometer round %s: could not mark the last emails sent", round_id)
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


class _Accepted:
    """Messages the server accepted, still "committing" in the database. They become "sent" in
    the transaction that marks the next group (or at the end of the pass): should the worker
    die first, "committing" already means "never send again" and a later pass counts them sent."""

    def __init__(self):
        self.ids: list[int] = []
        self.at = None

    def add(self, ids: list[int]) -> None:
        self.ids.extend(ids)
        self.at = timezone.now()

    def write(self) -> None:
        if self.ids:
            Delivery.objects.filter(pk__in=self.ids, status=DeliveryStatus.COMMITTING).update(
                status=DeliveryStatus.SENT, sent_at=self.at
            )
            self.ids = []

    def flush(self) -> None:
        if self.ids:
            with transaction.atomic():
                _relaxed_commit()
                self.write()


def _mark_committing(hashes: dict[int, tuple[str, str]], accepted: _Accepted) -> set[int]:
    """One durable transaction before the dots: the last group's "sent", this group's
    "committing" with each email's two token hashes (answering, unsubscribe). Returns the rows that may go (still claimed).

    The invitations were read at the claim, maybe minutes ago: the same statement reads them
    again and marks "skipped" whoever answered or unsubscribed since. FOR SHARE waits for a
    submission being committed at this very moment, so that it is seen rather than missed."""
    table = Delivery._meta.db_table
    invitations = Invitation._meta.db_table
    with transaction.atomic():
        accepted.write()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH v AS (
                        SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[])
                        AS v(id, token_hash, unsubscribe_hash)
                    ),
                    i AS (
                        SELECT i.id, i.has_responded AS answered, i.unsubscribed_at IS NOT NULL AS gone
                        FROM {invitations} AS i JOIN {table} AS c ON c.invitation_id = i.id JOIN v ON v.id = c.id
                        FOR SHARE OF i
                    )
                    UPDATE {table} AS d SET
                        status = CASE WHEN i.answered OR i.gone THEN %s ELSE %s END,
                        token_hash = CASE WHEN i.answered OR i.gone THEN NULL ELSE v.token_hash END,
                        unsubscribe_hash = CASE WHEN i.answered OR i.gone THEN NULL ELSE v.unsubscribe_hash END,
                        error = CASE WHEN i.answered THEN %s WHEN i.gone THEN %s ELSE d.error END,
                        attempts = d.attempts + 1
                    FROM v, i
                    WHERE d.id = v.id AND i.id = d.invitation_id AND d.status = %s
                    RETURNING d.id, d.status""",  # noqa: S608 (names from the model)
                [
                    list(hashes),
                    [answering for answering, _unsubscribe in hashes.values()],
                    [unsubscribe for _answering, unsubscribe in hashes.values()],
                    DeliveryStatus.SKIPPED,
                    DeliveryStatus.COMMITTING,
                    str(SKIPPED_ANSWERED_NOTE),
                    str(SKIPPED_UNSUBSCRIBED_NOTE),
                    DeliveryStatus.CLAIMED,
                ],
            )
            return {pk for pk, status in cursor.fetchall() if status == DeliveryStatus.COMMITTING}


def _send_group(deliveries: list[Delivery], transport, accepted: _Accepted, result: RoundResult) -> None:
    items, hashes, still_claimed = [], {}, []
    for delivery in deliveries:
        invitation = delivery.invitation
        if invitation.has_responded or invitation.unsubscribed_at:
            # Answered or unsubscribed since the claim: nothing was sent, the claim goes away.
            Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.CLAIMED).delete()
            continue
        raw, answering_hash = new_token(LINK_TOKEN_BYTES)
        raw_unsubscribe, unsubscribe_hash = new_token(LINK_TOKEN_BYTES)
        hashes[delivery.pk] = (answering_hash, unsubscribe_hash)
        items.append(transport.prepare(delivery, raw, raw_unsubscribe))
        still_claimed.append(delivery.pk)
    if not items:
        return
    try:
        transport.send(items, lambda ready: _mark_committing({i.key: hashes[i.key] for i in ready}, accepted))
    except TemporarySMTPError as exc:
        # Nothing of this group reached the server: its claims wait for the next pass.
        Delivery.objects.filter(pk__in=still_claimed, status=DeliveryStatus.CLAIMED).update(
            attempts=F("attempts") + 1
        )
        result.interrupted = str(exc)
        return
    except Exception as exc:  # e.g. the database went away: stop, the next pass resumes
        logger.exception("Barometer deliveries %s: unexpected error", still_claimed)
        result.interrupted = f"{type(exc).__name__}: {exc}"
        return
    accepted.add([item.key for item in items if item.accepted])
    result.sent += sum(1 for item in items if item.accepted)
    for item in items:
        if item.error:
            Delivery.objects.filter(pk=item.key).update(status=DeliveryStatus.FAILED, error=item.error[:2000])
            result.failed += 1


def _recover_committing(sending_round: SendingRound) -> int:
    """Rows left 'committing' by a dead worker: the server may have the message; never resend,
    and say so: they are "uncertain", not "sent"."""
    return Delivery.objects.filter(
        invitation__campaign_id=sending_round.campaign_id,
        round=sending_round.number,
        status=DeliveryStatus.COMMITTING,
    ).update(
        status=DeliveryStatus.UNCERTAIN,
        sent_at=timezone.now(),
        error=str(UNCERTAIN_NOTE),
    )


def _claimed_rows(sending_round: SendingRound) -> list[Delivery]:
    """Rows claimed by a worker that died before the server accepted them: send them now."""
    rows = _with_invitations(
        sending_round,
        Delivery.objects.filter(
            invitation__campaign_id=sending_round.campaign_id,
            round=sending_round.number,
            status=DeliveryStatus.CLAIMED,
        ).order_by("pk")[:BATCH],
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
    return _with_invitations(
        sending_round,
        Delivery.objects.filter(
            invitation_id__in=ids, round=sending_round.number, status=DeliveryStatus.CLAIMED
        ).order_by("pk"),
    )


def _with_invitations(sending_round: SendingRound, deliveries) -> list[Delivery]:
    """The rows with their invitations; the campaign and its five questionnaires (prefetched
    with the round) are shared objects rather than copies built for every row."""
    campaign = sending_round.campaign
    questionnaires = {q.pk: q for q in campaign.questionnaires.all()}
    rows = list(deliveries.select_related("invitation"))
    for delivery in rows:
        delivery.invitation.campaign = campaign
        delivery.invitation.questionnaire = questionnaires[delivery.invitation.questionnaire_id]
    return rows
