"""Writes about memberships: a person asks to join a structure; its référents decide."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Membership, Person, Structure, User
from actors.permissions import directory_viewer_level
from cops.mail import send_templated_email
from directory.facets import bump_version
from directory.indexing import index_persons
from directory.selectors.profiles import person_title
from directory.services.profiles import _staff_recipients


def structure_referent_users(structure: Structure) -> list[User]:
    referents = list(
        User.objects.filter(
            is_active=True,
            person__memberships__structure=structure,
            person__memberships__is_referent=True,
            person__memberships__status=MembershipStatus.ACCEPTED,
        )
    )
    if structure.created_by_id and structure.created_by.is_active and structure.created_by not in referents:
        referents.append(structure.created_by)
    return referents


def membership_request(
    *, person: Person, structure: Structure, function: str, message: str, by: User
) -> Membership:
    """Ask to join a published structure; its référents (or the staff if it has none) are emailed."""
    if structure.status != ModerationStatus.PUBLISHED:
        raise ValidationError(_("On ne peut rejoindre qu'une structure publiée dans l'annuaire."))
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person,
                structure=structure,
                function=function.strip(),
                message=message.strip(),
                status=MembershipStatus.REQUESTED,
            )
    except IntegrityError:
        existing = Membership.objects.get(person=person, structure=structure)
        if existing.status != MembershipStatus.REFUSED:
            raise ValidationError(_("Vous avez déjà demandé à rejoindre cette structure.")) from None
        # A refused request may be made again.
        with transaction.atomic():
            existing.status = MembershipStatus.REQUESTED
            existing.function = function.strip()
            existing.message = message.strip()
            existing.requested_at = timezone.now()
            existing.decided_at = None
            existing.decided_by = None
            existing.save()
            membership = existing
    with transaction.atomic():
        _notify_referents(membership)
    return membership


def _notify_referents(membership: Membership) -> None:
    structure = membership.structure
    referents = structure_referent_users(structure)
    decide_url = settings.SITE_URL + reverse("directory:membership_requests")
    if not referents:
        recipients = [(email, None) for email in _staff_recipients()]
    else:
        recipients = [(user.email, user) for user in referents]
    for email, user in recipients:
        # Each référent sees the person's name as their own level allows.
        level = directory_viewer_level(user) if user is not None else 2
        send_templated_email(
            to=email,
            template="actors/emails/membership_requested",
            context={
                "person_title": person_title(membership.person, level),
                "structure_name": structure.name,
                "function": membership.function,
                "message": membership.message,
                "decide_url": decide_url,
            },
        )


def membership_decide(
    *, membership: Membership, accept: bool, by: User, is_referent: bool = False
) -> Membership:
    """A référent (or the staff) accepts or refuses a request; the person is emailed."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("person__user", "structure")
            .get(pk=membership.pk)
        )
        if membership.status != MembershipStatus.REQUESTED:
            raise ValidationError(_("Cette demande a déjà été traitée."))
        membership.status = MembershipStatus.ACCEPTED if accept else MembershipStatus.REFUSED
        membership.is_referent = bool(accept and is_referent)
        membership.decided_at = timezone.now()
        membership.decided_by = by
        membership.save()
        if accept:
            _reindex_person(membership.person_id)
        person = membership.person
        recipient = person.user.email if person.user_id else person.email
        if recipient:
            send_templated_email(
                to=recipient,
                template="actors/emails/membership_decided",
                context={
                    "accepted": accept,
                    "structure_name": membership.structure.name,
                    "structure_url": settings.SITE_URL
                    + reverse("directory:structure_detail", args=[membership.structure_id]),
                },
            )
    return membership


def membership_set_referent(*, membership: Membership, is_referent: bool, by: User) -> None:
    with transaction.atomic():
        if not is_referent:
            others = Membership.objects.filter(
                structure_id=membership.structure_id, is_referent=True, status=MembershipStatus.ACCEPTED
            ).exclude(pk=membership.pk)
            if (
                not others.exists()
                and not Structure.objects.filter(
                    pk=membership.structure_id, created_by__isnull=False
                ).exists()
            ):
                raise ValidationError(_("La structure doit garder au moins un référent."))
        Membership.objects.filter(pk=membership.pk, status=MembershipStatus.ACCEPTED).update(
            is_referent=is_referent
        )
        # The profiles' pages show who is référent: a page kept per index version reads it again.
        bump_version()


def membership_leave(*, membership: Membership, by: User) -> None:
    with transaction.atomic():
        person_id = membership.person_id
        membership.delete()
        _reindex_person(person_id)


def _reindex_person(person_id: int) -> None:
    index_persons([person_id])
