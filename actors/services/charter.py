"""Writes about the engagement charter: versions, signatures, withdrawals, renewal invitations.

The tasks these services queue live here, beside the service they run (as pretix's); actors.tasks
imports them, and this module never imports actors.tasks.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from actors.charter_permissions import (
    can_sign_charter,
    can_sign_for_person,
    can_sign_for_structure,
    can_withdraw_signature,
)
from actors.enums import ActorKind, MembershipStatus, ModerationStatus
from actors.models import CharterVersion, Membership, Person, RenewalInvitation, Signature, Structure, User
from actors.models.charter import ANONYMISED_SIGNER_NAME
from actors.selectors.charter import charter_previous_version, charter_version_is_open
from actors.signals import charter_data_changed, charter_signatures_changed
from cops.mail import send_templated_email

logger = logging.getLogger(__name__)


# --- Versions ---------------------------------------------------------------------------------------------


def charter_version_save(
    *,
    version: CharterVersion | None,
    year: int,
    title: str,
    text: str,
    valid_from: date,
    valid_until: date | None,
    by: User,
) -> CharterVersion:
    """Create a draft version, or edit one. A published text is frozen: only its end date may move."""
    errors = {}
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = _("La fin de validité doit être postérieure ou égale au début de validité.")
    if CharterVersion.objects.filter(year=year).exclude(pk=getattr(version, "pk", None)).exists():
        errors["year"] = _("Une version de la charte existe déjà pour l'année %(year)s.") % {"year": year}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if version is None:
            version = CharterVersion(year=year, title=title.strip(), text=text.strip())
        else:
            version = CharterVersion.objects.select_for_update().get(pk=version.pk)
            if version.is_published and (
                version.year != year or version.title != title.strip() or version.text != text.strip()
            ):
                raise ValidationError(
                    _(
                        "Le texte d'une version publiée ne peut plus être modifié, car des partenaires l'ont "
                        "signé : créez une nouvelle version."
                    )
                )
            version.year, version.title, version.text = year, title.strip(), text.strip()
        version.valid_from, version.valid_until = valid_from, valid_until
        version.save()
    return version


def charter_version_publish(*, version: CharterVersion, by: User) -> int:
    """Publish a version: it becomes the current one, and the signatories of the previous one are
    invited to renew (one invitation per recipient, sent by a task after commit).

    Returns the number of invitations prepared.
    """
    with transaction.atomic():
        version = CharterVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_published:
            raise ValidationError(_("Cette version de la charte est déjà publiée."))
        if not version.text.strip():
            raise ValidationError(_("Le texte de la charte est vide : complétez-le avant de la publier."))
        newer = CharterVersion.objects.filter(published_at__isnull=False, year__gt=version.year).first()
        if newer is not None:
            raise ValidationError(
                _("La version %(year)s, plus récente, est déjà publiée.") % {"year": newer.year}
            )
        version.published_at = timezone.now()
        version.published_by = by
        version.save(update_fields=["published_at", "published_by"])
        previous = charter_previous_version(version)
        count = renewal_invitations_prepare(version=version, previous=previous) if previous else 0
        if count:
            send_charter_renewals.enqueue(version_id=version.pk)
        # Standing follows the current version: every signatory of this version and of the previous
        # one changes (announced from a task, as the receivers may have thousands of actors to update).
        reindex_charter_signatories.enqueue(version_id=version.pk)
    return count


# --- Signing and withdrawing ----------------------------------------------------------------------------------


def _date(value) -> str:
    return formats.date_format(timezone.localtime(value) if hasattr(value, "tzinfo") else value, "j F Y")


def charter_sign(
    *,
    version: CharterVersion,
    by: User,
    person: Person | None = None,
    structure: Structure | None = None,
) -> Signature:
    """Sign `version` for oneself (`person`) or for a structure one is référent of."""
    if (person is None) == (structure is None):
        raise ValueError("sign for exactly one person or one structure")
    if not can_sign_charter(by):
        raise ValidationError(_("Confirmez d'abord votre adresse électronique pour signer la charte."))
    if not charter_version_is_open(version):
        raise ValidationError(_("Cette version de la charte n'est pas ouverte à la signature."))
    if person is not None:
        if not can_sign_for_person(by, person):
            raise ValidationError(
                _("Vous ne pouvez signer la charte en tant que personne qu'en votre propre nom.")
            )
        if person.status == ModerationStatus.ARCHIVED:
            raise ValidationError(_("Votre fiche de l'annuaire est archivée : contactez l'équipe du COPS."))
        signatory, kind = person, ActorKind.PERSON
    else:
        if not can_sign_for_structure(by, structure):
            raise ValidationError(
                _(
                    "Vous ne pouvez pas signer pour « %(name)s » : seuls les référents de la structure "
                    "peuvent l'engager."
                )
                % {"name": structure.name}
            )
        if structure.status == ModerationStatus.ARCHIVED:
            raise ValidationError(_("Cette structure est archivée dans l'annuaire."))
        signatory, kind = structure, ActorKind.STRUCTURE
    with transaction.atomic():
        existing = _standing_signature(version, person=person, structure=structure)
        if existing is not None:
            raise _already_signed(signatory, version, existing)
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    version=version,
                    kind=kind,
                    person=person,
                    structure=structure,
                    signed_by=by,
                    signer_name=by.get_full_name() or by.email,
                    signed_at=timezone.now(),
                )
        except IntegrityError:
            # A second submission that raced the first one: the unique constraint decided.
            existing = _standing_signature(version, person=person, structure=structure)
            raise _already_signed(signatory, version, existing) from None
        transaction.on_commit(lambda: _signatures_changed(kind, [signatory.pk]))
    return signature


def _standing_signature(version, *, person=None, structure=None) -> Signature | None:
    lookup = {"person": person} if person is not None else {"structure": structure}
    return Signature.objects.filter(version=version, withdrawn_at__isnull=True, **lookup).first()


def _already_signed(signatory, version, existing: Signature | None) -> ValidationError:
    if existing is None:
        return ValidationError(_("Cette signature est déjà enregistrée."))
    return ValidationError(
        _("« %(name)s » a déjà signé la charte %(year)s, le %(date)s.")
        % {"name": signatory, "year": version.year, "date": _date(existing.signed_at)}
    )


def signature_withdraw(*, signature: Signature, by: User, reason: str = "") -> Signature:
    """Withdraw a standing signature (kept for history, no longer counted)."""
    if not can_withdraw_signature(by, signature):
        raise ValidationError(
            _(
                "Vous ne pouvez pas retirer cette signature : seuls la personne signataire, les référents "
                "de la structure signataire et l'équipe du COPS le peuvent."
            )
        )
    with transaction.atomic():
        signature = Signature.objects.select_for_update().select_related("version").get(pk=signature.pk)
        if signature.withdrawn_at is not None:
            raise ValidationError(
                _("Cette signature a déjà été retirée le %(date)s.") % {"date": _date(signature.withdrawn_at)}
            )
        signature.withdrawn_at = timezone.now()
        signature.withdrawn_by = by
        signature.withdrawal_reason = reason.strip()
        signature.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        kind, actor_id = signature.kind, signature.person_id or signature.structure_id
        transaction.on_commit(lambda: _signatures_changed(kind, [actor_id]))
    return signature


def signatures_anonymise(*, person_ids: list[int] = (), user: User | None = None) -> int:
    """Keep the signatures of deleted persons or accounts, without anyone's name.

    The persons' own signatures lose their person; those the account made for a structure lose
    their signer. Kind, version and dates stay, so every count and chart is unchanged.
    """
    mine = Q(person_id__in=list(person_ids))
    if user is not None:
        mine |= Q(signed_by=user)
    ids = list(Signature.objects.filter(mine).values_list("pk", flat=True))
    Signature.objects.filter(pk__in=ids, person_id__in=list(person_ids)).update(person=None)
    if user is not None:
        Signature.objects.filter(pk__in=ids, signed_by=user).update(signed_by=None)
    Signature.objects.filter(pk__in=ids).update(signer_name=ANONYMISED_SIGNER_NAME)
    if ids:
        # Queryset updates send no post_save: the cached signatory lists must drop the names now.
        charter_data_changed()
    return len(ids)


# --- Renewal invitations -------------------------------------------------------------------------------------


def _renewal_recipients(signatures: list[Signature]) -> dict[str, tuple[User | None, list[Signature]]]:
    """Who is invited to renew each signature: one entry per address, listing its signatures.

    A person's signature goes to their account; a structure's to the account that signed it if it
    is still one of its référents, else to its current référents, else to its contact address.
    """
    structure_ids = [s.structure_id for s in signatures if s.structure_id]
    referents: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        structure_id__in=structure_ids,
        is_referent=True,
        status=MembershipStatus.ACCEPTED,
        person__user__is_active=True,
    ).select_related("person__user"):
        referents.setdefault(membership.structure_id, []).append(membership.person.user)
    recipients: dict[str, tuple[User | None, list[Signature]]] = {}

    def add(user: User | None, email: str, signature: Signature) -> None:
        email = (email or "").strip().lower()
        if not email:
            return
        entry = recipients.setdefault(email, (user, []))
        entry[1].append(signature)

    for signature in signatures:
        signer = signature.signed_by if signature.signed_by_id and signature.signed_by.is_active else None
        if signature.kind == ActorKind.PERSON:
            person = signature.person
            if person is None:  # anonymised: the person deleted their profile, nobody to invite
                continue
            user = person.user if person.user_id and person.user.is_active else signer
            add(user, user.email if user else person.email, signature)
            continue
        structure_referents = referents.get(signature.structure_id, [])
        if signer is not None and signer in structure_referents:
            add(signer, signer.email, signature)
        elif structure_referents:
            for referent in structure_referents:
                add(referent, referent.email, signature)
        else:
            add(None, signature.structure.email, signature)
    return recipients


def renewal_invitations_prepare(*, version: CharterVersion, previous: CharterVersion) -> int:
    """Create the invitation rows (inside the publication's transaction); idempotent per address."""
    renewed_persons = set(
        Signature.objects.filter(
            version=version, withdrawn_at__isnull=True, person__isnull=False
        ).values_list("person_id", flat=True)
    )
    renewed_structures = set(
        Signature.objects.filter(
            version=version, withdrawn_at__isnull=True, structure__isnull=False
        ).values_list("structure_id", flat=True)
    )
    signatures = [
        signature
        for signature in Signature.objects.filter(version=previous, withdrawn_at__isnull=True)
        .select_related("person__user", "structure", "signed_by")
        .order_by("pk")
        if signature.person_id not in renewed_persons and signature.structure_id not in renewed_structures
    ]
    already = set(RenewalInvitation.objects.filter(version=version).values_list("email", flat=True))
    new = [
        (email, user, covered)
        for email, (user, covered) in _renewal_recipients(signatures).items()
        if email not in already
    ]
    # Two bulk inserts (PostgreSQL returns the new keys), so a large CoPart publishes in one short request.
    invitations = RenewalInvitation.objects.bulk_create(
        [RenewalInvitation(version=version, user=user, email=email) for email, user, _covered in new]
    )
    through = RenewalInvitation.signatures.through
    through.objects.bulk_create(
        [
            through(renewalinvitation_id=invitation.pk, signature_id=signature.pk)
            for invitation, (_email, _user, covered) in zip(invitations, new, strict=True)
            for signature in covered
        ]
    )
    return len(invitations)


# Invitations claimed and written per transaction: a crash loses (and a rerun redoes) one batch at most.
RENEWAL_BATCH_SIZE = 25


def renewal_invitations_send_batch(*, version_id: int) -> int:
    """Claim a batch of unsent invitations and write their emails to the outbox, in one transaction.

    The row locks (SKIP LOCKED) keep two workers apart; `sent_at` is set in the transaction that
    writes the outbox rows, so a crash before commit leaves both unwritten and a rerun sends each
    invitation once. Returns how many were sent (0 when nothing is left).
    """
    with transaction.atomic():
        invitations = list(
            RenewalInvitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("version", "user")
            .filter(version_id=version_id, sent_at__isnull=True)
            .order_by("pk")[:RENEWAL_BATCH_SIZE]
        )
        if not invitations:
            return 0
        covered: dict[int, list[Signature]] = {}
        through = RenewalInvitation.signatures.through
        for link in (
            through.objects.filter(renewalinvitation__in=invitations)
            .select_related("signature__person", "signature__structure", "signature__version")
            .order_by("signature__kind", "signature_id")
        ):
            covered.setdefault(link.renewalinvitation_id, []).append(link.signature)
        charter_url = settings.SITE_URL + reverse("charter:charter")
        sign_url = settings.SITE_URL + reverse("charter:sign")
        for invitation in invitations:
            signatures = covered.get(invitation.pk, [])
            send_templated_email(
                to=invitation.email,
                template="charter/emails/renewal",
                context={
                    "invitation": invitation,
                    "version": invitation.version,
                    "previous_year": signatures[0].version.year if signatures else None,
                    "signatories": [signature.signatory for signature in signatures],
                    "user": invitation.user,
                    "charter_url": charter_url,
                    "sign_url": sign_url,
                },
            )
        RenewalInvitation.objects.filter(pk__in=[i.pk for i in invitations]).update(sent_at=timezone.now())
    return len(invitations)


def renewal_invitations_send(*, version_id: int) -> int:
    """Send every unsent invitation of a version, batch by batch. Returns how many were sent."""
    sent = 0
    while batch := renewal_invitations_send_batch(version_id=version_id):
        sent += batch
    if sent:
        logger.info("Charter version %s: %s renewal invitation(s) sent", version_id, sent)
    return sent


@shared_task(name="actors.send_charter_renewals")
def send_charter_renewals(*, version_id: int) -> int:
    """Task: invite the previous version's signatories to renew; each invitation is claimed before sending.
    Unsent ones (broker down, lost task) are sent by the sweep, actors.send_pending_committee_mail."""
    return renewal_invitations_send(version_id=version_id)


def renewal_versions_pending() -> list[int]:
    return list(
        RenewalInvitation.objects.filter(sent_at__isnull=True)
        .values_list("version_id", flat=True)
        .distinct()
        .order_by("version_id")
    )


# --- Announcing changes of standing (actors.signals) -------------------------------------------------------
# Receivers (e.g. the directory's "engagé(e) dans la charte COPS" tag and badge) subscribe to
# `charter_signatures_changed`; the charter does not know them.


def _signatures_changed(kind: str, actor_ids: list[int]) -> None:
    if actor_ids:
        charter_signatures_changed.send(sender=Signature, kind=kind, actor_ids=sorted(set(actor_ids)))


def signatories_reindex(*, version_id: int) -> None:
    """Announce that the signatories of a version and of the one before it changed standing."""
    version = CharterVersion.objects.get(pk=version_id)
    previous = charter_previous_version(version)
    versions = [version.pk] + ([previous.pk] if previous else [])
    signatures = Signature.objects.filter(version_id__in=versions)
    _signatures_changed(
        ActorKind.PERSON, list(signatures.filter(person__isnull=False).values_list("person_id", flat=True))
    )
    _signatures_changed(
        ActorKind.STRUCTURE,
        list(signatures.filter(structure__isnull=False).values_list("structure_id", flat=True)),
    )


@shared_task(name="actors.reindex_charter_signatories")
def reindex_charter_signatories(*, version_id: int) -> None:
    """Task: a version was published, the "engagé(e)" standing moves to its signatories.
    Not queued (broker down): `manage.py reindex_directory` rebuilds every directory entry."""
    try:
        signatories_reindex(version_id=version_id)
    except CharterVersion.DoesNotExist:
        logger.info("Charter version %s is gone: nothing to reindex", version_id)


def signatures_bulk_create(*, version: CharterVersion, rows: list[dict]) -> int:
    """Bulk variant for the demo data and imports of past campaigns (no permission checks, no emails).

    Each row: kind, person_id or structure_id, signed_by_id, signer_name, signed_at and optionally
    withdrawn_at. The database constraints still apply (one standing signature per signatory).
    """
    signatures = [
        Signature(
            version=version,
            kind=row["kind"],
            person_id=row.get("person_id"),
            structure_id=row.get("structure_id"),
            signed_by_id=row.get("signed_by_id"),
            signer_name=row["signer_name"],
            signed_at=row["signed_at"],
            withdrawn_at=row.get("withdrawn_at"),
        )
        for row in rows
    ]
    with transaction.atomic():
        Signature.objects.bulk_create(signatures, batch_size=2000)
        charter_data_changed()  # bulk_create sends no post_save (actors.signals)
    return len(signatures)
