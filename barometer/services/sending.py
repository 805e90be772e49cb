"""Sending the invitation (round 0) and the reminders (rounds 1–3), each at most once per person.

A round is a client of the platform's one bulk sending engine (cops/bulk_sending.py: advisory
lock, claim rows before the SMTP call, "committing" just before the final dot, "uncertain" after
a crash, pacing, SMTP connections side by side). What is the barometer's own is here: who gets a
round, the re-check at the commit point (whoever answered or unsubscribed since the claim is
"skipped"), the two personal links of each email (answering, unsubscribe) and the letters
(barometer/messages.py).
"""

import logging

from django.conf import settings
from django.db.models import Exists, OuterRef
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
from cops import bulk_sending
from cops.bulk_sending import Accepted, BulkClient, BulkResult

logger = logging.getLogger(__name__)

ROUND_LOCK_NAMESPACE = 74_201  # first key of pg_try_advisory_lock(int, int): "barometer rounds"

RoundResult = BulkResult  # sent, failed, recovered, busy, interrupted


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


def _connections() -> int:
    # SMTP connections driven side by side (see cops/smtp.py): the waits for the server's
    # replies overlap, and the database commits once per group instead of once per email.
    return max(1, int(getattr(settings, "BAROMETER_SMTP_CONNECTIONS", 8)))


class RoundClient(BulkClient):
    """One round of one campaign, for the bulk sending engine."""

    model = Delivery
    recipient_field = "invitation"
    lock_namespace = ROUND_LOCK_NAMESPACE
    token_columns = ("token_hash", "unsubscribe_hash")
    token_bytes = LINK_TOKEN_BYTES
    uncertain_note = UNCERTAIN_NOTE

    def __init__(self, round_id: int):
        self.round_id = round_id
        self.label = f"Barometer round {round_id}"
        self.sending_round: SendingRound | None = None

    def lock_key(self) -> int:
        return self.round_id

    def start(self) -> bool:
        self.sending_round = (
            SendingRound.objects.select_related("campaign")
            .prefetch_related("campaign__questionnaires")  # read once, shared by every batch
            .filter(pk=self.round_id)
            .first()
        )
        if self.sending_round is None or not self.sending_round.campaign.is_accepting_answers:
            return False
        self.letters = Letters()
        self.questionnaires = {q.pk: q for q in self.sending_round.campaign.questionnaires.all()}
        return True

    def emails_per_minute(self) -> int:
        return settings.BAROMETER_EMAILS_PER_MINUTE

    def connections(self) -> int:
        return _connections()

    def rows(self):
        return _round_rows(self.sending_round)

    def eligible(self):
        return eligible_invitations(self.sending_round)

    def new_row(self, recipient_id: int) -> Delivery:
        return Delivery(invitation_id=recipient_id, round=self.sending_round.number, attempts=0)

    def load(self, rows) -> list[Delivery]:
        """The rows with their invitations; the campaign and its five questionnaires (prefetched
        with the round) are shared objects rather than copies built for every row."""
        campaign = self.sending_round.campaign
        loaded = list(rows.select_related("invitation"))
        for delivery in loaded:
            delivery.invitation.campaign = campaign
            delivery.invitation.questionnaire = self.questionnaires[delivery.invitation.questionnaire_id]
        return loaded

    def gone(self, row: Delivery) -> bool:
        return row.invitation.has_responded or row.invitation.unsubscribed_at is not None

    def recheck(self) -> tuple[str, list]:
        return _recheck()

    def mark_committing(self, hashes, accepted: Accepted) -> set[int]:
        return _mark_committing(hashes, accepted)

    def message(self, row: Delivery, tokens: tuple[str, ...]):
        return self.letters.message(row.invitation, row.round, *tokens)

    def envelope(self, row: Delivery, tokens: tuple[str, ...]):
        return self.letters.envelope(row.pk, row.invitation, row.round, *tokens)


def _round_rows(sending_round: SendingRound):
    return Delivery.objects.filter(
        invitation__campaign_id=sending_round.campaign_id, round=sending_round.number
    )


def _recheck() -> tuple[str, list]:
    """The invitations read again at the commit point, FOR SHARE: a submission being committed
    at this very moment is waited for, so that it is seen rather than missed."""
    table = Delivery._meta.db_table
    invitations = Invitation._meta.db_table
    return (
        f"""SELECT c.id, CASE WHEN i.has_responded THEN %s WHEN i.unsubscribed_at IS NOT NULL THEN %s END AS note
            FROM {invitations} AS i JOIN {table} AS c ON c.invitation_id = i.id JOIN v ON v.id = c.id
            FOR SHARE OF i""",  # noqa: S608 (names from the model)
        [str(SKIPPED_ANSWERED_NOTE), str(SKIPPED_UNSUBSCRIBED_NOTE)],
    )


def _mark_committing(hashes: dict[int, tuple[str, str]], accepted: Accepted) -> set[int]:
    """The engine's commit point for a group: "committing" with each email's two token hashes
    (answering, unsubscribe), or "skipped" for whoever answered or unsubscribed since the claim."""
    return bulk_sending.mark_committing(
        model=Delivery,
        token_columns=RoundClient.token_columns,
        recheck=_recheck(),
        hashes=hashes,
        accepted=accepted,
    )


def send_round(*, round_id: int, limit: int | None = None) -> RoundResult:
    """Send one round to everyone eligible. Safe to call any number of times, at once or after
    a crash: a second caller finds the round busy; a later pass only finishes what is left."""
    return bulk_sending.bulk_send(RoundClient(round_id), limit=limit)


def _recover_committing(sending_round: SendingRound) -> int:
    """Rows left 'committing' by a dead worker: "uncertain" (see cops/bulk_sending.py)."""
    client = RoundClient(sending_round.pk)
    client.sending_round = sending_round
    return bulk_sending.recover_committing(client)
