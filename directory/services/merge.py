"""Merging two profiles that describe the same actor (duplicates found at registration or
in moderation). The staff choose which profile to keep; the other one is folded into it."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Membership, Person, Structure, User
from directory.indexing import index_persons, index_structures
from directory.models import Entry
from directory.services.profiles import refresh_zone, spec_for

logger = logging.getLogger(__name__)

STATUS_RANK = {
    ModerationStatus.PUBLISHED: 4,
    ModerationStatus.PENDING: 3,
    ModerationStatus.DRAFT: 2,
    ModerationStatus.REJECTED: 1,
    ModerationStatus.ARCHIVED: 0,
}


def _fill_blanks(keep, remove) -> None:
    spec = spec_for(keep)
    for name in spec.scalars:
        if name in ("region_wide", "visibility", "latitude", "longitude"):
            continue
        if not getattr(keep, name) and getattr(remove, name):
            setattr(keep, name, getattr(remove, name))
    for name in spec.foreign_keys:
        if getattr(keep, f"{name}_id") is None and getattr(remove, f"{name}_id") is not None:
            setattr(keep, f"{name}_id", getattr(remove, f"{name}_id"))
    for name in spec.files:
        if not getattr(keep, name) and getattr(remove, name):
            getattr(keep, name).name = getattr(remove, name).name
            getattr(remove, name).name = ""
    keep.region_wide = keep.region_wide or remove.region_wide
    if isinstance(keep, Structure) and keep.latitude is None:
        keep.latitude, keep.longitude = remove.latitude, remove.longitude
    if STATUS_RANK[ModerationStatus(remove.status)] > STATUS_RANK[ModerationStatus(keep.status)]:
        for name in (
            "status",
            "published_at",
            "submitted_at",
            "moderated_at",
            "consent_at",
            "consent_version",
        ):
            setattr(keep, name, getattr(remove, name))


def _union_m2m(keep, remove) -> None:
    for name in spec_for(keep).many_to_many:
        getattr(keep, name).add(*getattr(remove, name).all())


def _merge_memberships(*, keep_filter: dict, remove_filter: dict, other_field: str) -> None:
    """Move the removed profile's memberships; where both have one, keep the stronger."""
    mine = {getattr(m, f"{other_field}_id"): m for m in Membership.objects.filter(**keep_filter)}
    for membership in Membership.objects.filter(**remove_filter):
        other_id = getattr(membership, f"{other_field}_id")
        existing = mine.get(other_id)
        if existing is None:
            for name, value in keep_filter.items():
                setattr(membership, name, value)
            membership.save()
            continue
        if membership.status == MembershipStatus.ACCEPTED and existing.status != MembershipStatus.ACCEPTED:
            existing.status = MembershipStatus.ACCEPTED
            existing.decided_at, existing.decided_by_id = membership.decided_at, membership.decided_by_id
        existing.is_referent = existing.is_referent or membership.is_referent
        existing.function = existing.function or membership.function
        existing.save()
        membership.delete()


def _move_other_references(model, keep, remove) -> None:
    """Other capabilities (charter signatures, committees, accompaniments…) point at persons and
    structures: move their rows to the kept profile. A row that would duplicate one the kept
    profile already has (a unique constraint) stays on the removed profile and goes with it."""
    for relation in model._meta.related_objects:
        related_model = relation.related_model
        if related_model in (Membership, Entry) or relation.many_to_many or relation.one_to_one:
            continue
        if not isinstance(relation.field, models.ForeignKey):
            continue
        name = relation.field.name
        try:
            with transaction.atomic():
                related_model._base_manager.filter(**{name: remove}).update(**{name: keep})
        except IntegrityError:
            for row in related_model._base_manager.filter(**{name: remove}):
                try:
                    with transaction.atomic():
                        related_model._base_manager.filter(pk=row.pk).update(**{name: keep})
                except IntegrityError:
                    logger.info(
                        "Merge: %s %s left on the removed profile (duplicate)", related_model.__name__, row.pk
                    )
    for relation in model._meta.related_objects:
        if relation.many_to_many and relation.related_model is not Entry:
            accessor = relation.get_accessor_name()
            getattr(keep, accessor).add(*getattr(remove, accessor).all())


def person_merge(*, keep: Person, remove: Person, by: User) -> Person:
    """Fold `remove` into `keep`: memberships, taxonomies, blank fields, account and references."""
    if keep.pk == remove.pk:
        raise ValidationError(_("Choisissez deux fiches différentes."))
    if keep.user_id and remove.user_id:
        raise ValidationError(
            _(
                "Les deux fiches sont liées à un compte : fusionner retirerait l'accès à l'un d'eux. "
                "Archivez plutôt la fiche en trop."
            )
        )
    with transaction.atomic():
        keep, remove = (Person.objects.select_for_update().get(pk=pk) for pk in (keep.pk, remove.pk))
        _fill_blanks(keep, remove)
        visibility = dict(remove.visibility)
        visibility.update(keep.visibility)
        # Privacy first: a field restricted on either profile stays restricted.
        for name in Person.RESTRICTABLE_FIELDS:
            visibility[name] = max(keep.field_level(name), remove.field_level(name))
        keep.visibility = visibility
        if keep.user_id is None and remove.user_id is not None:
            user_id = remove.user_id
            Person.objects.filter(pk=remove.pk).update(user=None)
            keep.user_id = user_id
        keep.save()
        _union_m2m(keep, remove)
        _merge_memberships(
            keep_filter={"person_id": keep.pk},
            remove_filter={"person_id": remove.pk},
            other_field="structure",
        )
        _move_other_references(Person, keep, remove)
        remove.delete()
        refresh_zone(keep)
        index_persons([keep.pk])
    return keep


def structure_merge(*, keep: Structure, remove: Structure, by: User) -> Structure:
    if keep.pk == remove.pk:
        raise ValidationError(_("Choisissez deux fiches différentes."))
    with transaction.atomic():
        keep, remove = (Structure.objects.select_for_update().get(pk=pk) for pk in (keep.pk, remove.pk))
        _fill_blanks(keep, remove)
        if keep.created_by_id is None:
            keep.created_by_id = remove.created_by_id
        keep.save()
        _union_m2m(keep, remove)
        member_ids = set(remove.memberships.values_list("person_id", flat=True))
        _merge_memberships(
            keep_filter={"structure_id": keep.pk},
            remove_filter={"structure_id": remove.pk},
            other_field="person",
        )
        _move_other_references(Structure, keep, remove)
        remove.delete()
        refresh_zone(keep)
        index_structures([keep.pk])
        index_persons(member_ids)
    return keep
