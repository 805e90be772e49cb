"""Organisers and speakers of an event (EventContributor): a structure is shown at once (its
profile is public), a person only once they accepted (their consent), as the directory names them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.charter_enums import ContributorRole, EventKind
from actors.enums import ModerationStatus
from actors.models import Meeting, Person, Structure, User
from actors.models.events import EventContributor


def contributor_add(
    *,
    event: Meeting,
    role: str,
    by: User,
    structure: Structure | None = None,
    person: Person | None = None,
    detail: str = "",
) -> EventContributor:
    """Add a published structure or person as organiser or speaker. A person is invited: shown on
    the page only after `contributor_accept`. Adding the same holder twice in one role is refused."""
    if event.kind == EventKind.COMMITTEE:
        raise ValidationError(_("Une réunion d'instance n'a pas d'intervenants publics."))
    if (structure is None) == (person is None):
        raise ValidationError(_("Choisissez une structure ou une personne."))
    if role not in ContributorRole.values:
        raise ValidationError({"role": _("Choisissez un rôle.")})
    holder = structure or person
    if holder.status != ModerationStatus.PUBLISHED:
        raise ValidationError(_("Seules les fiches publiées de l'annuaire peuvent être ajoutées."))
    with transaction.atomic():
        existing = EventContributor.objects.select_for_update().filter(
            event=event, role=role, structure=structure, person=person
        )
        if existing.exists():
            raise ValidationError(
                _("« %(name)s » figure déjà dans ce rôle.") % {"name": _holder_name(holder)}
            )
        return EventContributor.objects.create(
            event=event,
            role=role,
            structure=structure,
            person=person,
            detail=detail.strip()[:200],
            # A structure's public profile is its consent; a person answers the invitation.
            accepted_at=timezone.now() if structure is not None else None,
        )


def contributor_accept(*, contributor: EventContributor, by: User) -> EventContributor:
    """Record a person's agreement to appear (the staff record it on their behalf for now)."""
    if contributor.accepted_at is None:
        contributor.accepted_at = timezone.now()
        contributor.save(update_fields=["accepted_at"])
    return contributor


def contributor_remove(*, contributor: EventContributor, by: User) -> None:
    contributor.delete()


def _holder_name(holder) -> str:
    if isinstance(holder, Structure):
        return holder.name
    return f"{holder.first_name} {holder.last_name}".strip()
