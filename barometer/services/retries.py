"""Sending again what did not go: failed emails of a round (all at once) and « uncertain »
ones (one by one, after the staff confirm that the person may already have the email).

The sending engine resends the rows it finds « claimed » at its next pass of the round; these
services put rows back in that state and queue the round's task after the commit. A row is
never deleted: its (invitation, round) claim stays unique, so no second worker can add one.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from barometer.enums import DeliveryStatus
from barometer.models import Campaign, Delivery, SendingRound


def _enqueue_rounds(campaign: Campaign, numbers: set[int]) -> None:
    from barometer.tasks import send_round  # at call time: the tasks module imports services

    for round_id in SendingRound.objects.filter(campaign=campaign, number__in=numbers).values_list(
        "pk", flat=True
    ):
        send_round.enqueue(round_id=round_id)


def _check_open(campaign: Campaign) -> None:
    # The engine sends only for a campaign open to answers: a row put back now would wait forever.
    if not campaign.is_accepting_answers:
        raise ValidationError(
            _("La campagne n'est pas ouverte aux réponses : aucun courriel ne peut partir.")
        )


@transaction.atomic
def deliveries_retry_failed(*, campaign: Campaign, by=None) -> int:
    """Every failed email of the campaign goes back to « claimed » (attempts from zero), and each
    round concerned is queued: its next pass sends them. Returns how many."""
    _check_open(campaign)
    failed = Delivery.objects.select_for_update().filter(
        invitation__campaign=campaign, status=DeliveryStatus.FAILED
    )
    rows = list(failed.values_list("pk", "round"))
    if not rows:
        return 0
    Delivery.objects.filter(pk__in=[pk for pk, _round in rows], status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.CLAIMED, attempts=0, error="", claimed_at=timezone.now(), sent_at=None
    )
    _enqueue_rounds(campaign, {number for _pk, number in rows})
    return len(rows)


@transaction.atomic
def delivery_resend_uncertain(*, delivery: Delivery, confirmed: bool, by=None) -> Delivery:
    """One « uncertain » email (its worker died after handing it to the server) sent again,
    once the staff have confirmed that the person may already have received it."""
    if not confirmed:
        raise ValidationError(
            _("Confirmez que vous avez bien compris : le destinataire a peut-être déjà reçu ce courriel.")
        )
    locked = Delivery.objects.select_for_update().select_related("invitation__campaign").get(pk=delivery.pk)
    _check_open(locked.invitation.campaign)
    if locked.status != DeliveryStatus.UNCERTAIN:
        raise ValidationError(_("Cet envoi n'est plus incertain : rien n'est renvoyé."))
    invitation = locked.invitation
    if invitation.has_responded or invitation.unsubscribed_at:
        raise ValidationError(_("Cette personne a répondu ou s'est désinscrite depuis : rien n'est renvoyé."))
    locked.status, locked.attempts, locked.error = DeliveryStatus.CLAIMED, 0, ""
    locked.claimed_at, locked.sent_at = timezone.now(), None
    locked.save(update_fields=["status", "attempts", "error", "claimed_at", "sent_at"])
    _enqueue_rounds(invitation.campaign, {locked.round})
    return locked
