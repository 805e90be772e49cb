"""Organisers and speakers of an event (EventContributor): a structure is shown at once (its
profile is public), a person only once they accepted (their consent), as the directory names them.

Consent. A person whose directory profile has an account is asked: an email, and an item in Mon
espace, with « J'accepte d'apparaître » / « Je refuse » (`contributor_respond`, their own answer
only; they may change their mind). For a person without an account the staff record the
agreement they received otherwise (`contributor_accept`)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.charter_enums import ContributorRole, EventKind
from actors.enums import ModerationStatus
from actors.models import Meeting, Person, Structure, User
from actors.models.events import EventContributor
from cops.mail import send_templated_email


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
        contributor = EventContributor.objects.create(
            event=event,
            role=role,
            structure=structure,
            person=person,
            detail=detail.strip()[:200],
            # A structure's public profile is its consent; a person answers the invitation.
            accepted_at=timezone.now() if structure is not None else None,
        )
        contributor_invite(contributor=contributor)
        return contributor


def contributor_can_answer(contributor: EventContributor) -> bool:
    """A person with an account answers the invitation themselves."""
    person = contributor.person
    return person is not None and person.user_id is not None


def contributor_invite(*, contributor: EventContributor) -> bool:
    """The email asking a person with an account whether they agree to appear on the event's page
    (in the transaction that adds them: a rollback leaves no email). Returns False when there is
    nobody to ask (a structure, a person without an account: the staff record the agreement)."""
    if not contributor_can_answer(contributor):
        return False
    user = contributor.person.user
    send_templated_email(
        to=user.email,
        template="actors/events/emails/contributor_invitation",
        context={
            "contributor": contributor,
            "event": contributor.event,
            "person": contributor.person,
            "answer_url": settings.SITE_URL + reverse("events:contributor_answer", args=[contributor.pk]),
        },
    )
    return True


def contributor_respond(*, contributor: EventContributor, user: User, accept: bool) -> EventContributor:
    """The person's own answer: shown on the event's page (accept) or not (refuse). Only the person
    the invitation names may answer; answering again changes the answer."""
    if (
        contributor.person is None
        or contributor.person.user_id is None
        or contributor.person.user_id != user.pk
    ):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        locked = EventContributor.objects.select_for_update().get(pk=contributor.pk)
        locked.accepted_at, locked.refused_at = (now, None) if accept else (None, now)
        locked.save(update_fields=["accepted_at", "refused_at"])
    contributor.accepted_at, contributor.refused_at = locked.accepted_at, locked.refused_at
    return contributor


def contributor_accept(*, contributor: EventContributor, by: User) -> EventContributor:
    """Record a person's agreement to appear (the staff record it on their behalf for now)."""
    if contributor.accepted_at is None:
        contributor.accepted_at = timezone.now()
        contributor.refused_at = None
        contributor.save(update_fields=["accepted_at", "refused_at"])
    return contributor


def contributor_remove(*, contributor: EventContributor, by: User) -> None:
    contributor.delete()


def _holder_name(holder) -> str:
    if isinstance(holder, Structure):
        return holder.name
    return f"{holder.first_name} {holder.last_name}".strip()
