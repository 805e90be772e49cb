"""Contacts invited to a campaign: import (CSV/XLSX) and unsubscription."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from barometer.forms import ContactRow, RowError
from barometer.models import Campaign, Delivery, Invitation


@dataclass
class ImportResult:
    created: int = 0
    merged: int = 0
    errors: list[RowError] = field(default_factory=list)


@transaction.atomic
def invitations_import(
    *, campaign: Campaign, rows: list[ContactRow], errors: list[RowError], by=None
) -> ImportResult:
    """Create one invitation per new address; an address already present (in the file or the
    campaign) is merged: it keeps its questionnaire and gains a name if it had none."""
    questionnaires = {q.public: q for q in campaign.questionnaires.all()}
    result = ImportResult(errors=list(errors))
    unique: dict[str, ContactRow] = {}
    for row in rows:
        if row.email in unique:
            result.merged += 1
            if not unique[row.email].name and row.name:
                unique[row.email].name = row.name
            continue
        unique[row.email] = row
    existing = {
        invitation.email: invitation
        for invitation in Invitation.objects.select_for_update().filter(
            campaign=campaign, email__in=list(unique)
        )
    }
    to_create = []
    for email, row in unique.items():
        if email in existing:
            result.merged += 1
            invitation = existing[email]
            if not invitation.name and row.name:
                invitation.name = row.name
                invitation.save(update_fields=["name"])
            continue
        to_create.append(
            Invitation(
                campaign=campaign, questionnaire=questionnaires[row.public], email=email, name=row.name
            )
        )
    Invitation.objects.bulk_create(to_create, batch_size=1000)
    result.created = len(to_create)
    return result


def invitation_for_unsubscribe_token(token_hash: str) -> Invitation | None:
    """The invitation an unsubscribe link stands for: by its own token, never by an answering one.

    Except for the emails sent before unsubscribe tokens existed: their link and List-Unsubscribe
    header carry the answering token, and sit in inboxes until the campaign ends. Refusing them
    would keep sending reminders to people who asked to stop; their token has already been handed
    to the mail providers, so accepting it here reveals nothing more.
    """
    deliveries = Delivery.objects.select_related("invitation__campaign")
    delivery = deliveries.filter(unsubscribe_hash=token_hash).first() or (
        deliveries.filter(token_hash=token_hash, unsubscribe_hash__isnull=True).first()
    )
    return delivery.invitation if delivery else None


def invitation_unsubscribe(*, invitation: Invitation) -> bool:
    """Stop every further email of this campaign to this person. Returns False if already done."""
    return bool(
        Invitation.objects.filter(pk=invitation.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
    )
