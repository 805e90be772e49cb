"""Writes of the resource library: propose, edit, publish, refuse, count a download.

Every write refreshes the resource's French search vector in the same transaction, so a
resource is findable by its words the moment it is published.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actors.enums import ModerationStatus
from actors.models import User
from cops.mail import send_templated_email
from cops.retention import delete_files_on_commit
from directory.models import Resource
from directory.permissions import can_moderate_resources, can_propose_resource
from directory.selectors.resources import (
    SEARCH_CONFIG,
    structures_for_proposer,
)

EDITABLE_FIELDS = (
    "title",
    "kind",
    "summary",
    "link",
    "audience",
    "author_structure",
    "licence",
    "published_on",
)


# Addresses of the library's own pages (ressources/proposer/, ressources/moderation/).
RESERVED_SLUGS = {"proposer", "moderation"}


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:200].strip("-") or "ressource"
    slug, number = (f"{base}-2", 3) if base in RESERVED_SLUGS else (base, 2)
    taken = Resource.objects.exclude(pk=exclude_pk) if exclude_pk else Resource.objects.all()
    while taken.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def _refresh_search(resource: Resource) -> None:
    """Title (A), kind, themes and author (B), summary (C), in the directory's French configuration."""
    labels = " ".join(
        [
            str(resource.get_kind_display()),
            str(resource.get_audience_display()),
            *(theme.label for theme in resource.themes.all()),
            resource.author_structure.name if resource.author_structure_id else "",
        ]
    )
    Resource.objects.filter(pk=resource.pk).update(
        search=SearchVector(Value(resource.title), config=SEARCH_CONFIG, weight="A")
        + SearchVector(Value(labels), config=SEARCH_CONFIG, weight="B")
        + SearchVector(Value(resource.summary), config=SEARCH_CONFIG, weight="C")
    )


def _check_author(user: User, changes: dict) -> None:
    structure = changes.get("author_structure")
    if structure is not None and not structures_for_proposer(user).filter(pk=structure.pk).exists():
        raise ValidationError({"author_structure": _("Vous ne pouvez proposer qu'au nom de vos structures.")})


def _apply(resource: Resource, changes: dict, *, file_format: str) -> str:
    """Copy the form's values; returns the name of a replaced file (deleted after commit)."""
    for name in EDITABLE_FIELDS:
        if name in changes:
            setattr(resource, name, changes[name])
    replaced = ""
    upload = changes.get("file")
    if upload is False or (changes.get("link") and resource.file):
        # Cleared, or replaced by a link: the old file goes once the change is saved.
        replaced, resource.file, resource.file_format, resource.file_size = resource.file.name, "", "", 0
    elif upload is not None and hasattr(upload, "content_type"):
        replaced = resource.file.name if resource.file else ""
        resource.file = upload
        resource.file_format = file_format
        resource.file_size = upload.size
    if bool(resource.file) == bool(resource.link):
        raise ValidationError(_("Donnez soit un fichier, soit un lien, pas les deux."))
    return replaced


def resource_propose(*, by: User, changes: dict, file_format: str = "", publish: bool = False) -> Resource:
    """A référent's proposal waits for the staff; the staff may publish theirs at once."""
    if not can_propose_resource(by):
        raise ValidationError(
            _("Seuls l'équipe du COPS et les référents de structure proposent des ressources.")
        )
    if publish and not can_moderate_resources(by):
        raise ValidationError(_("Seule l'équipe du COPS publie les ressources."))
    _check_author(by, changes)
    with transaction.atomic():
        resource = Resource(proposed_by=by, slug=_unique_slug(changes.get("title", "")))
        _apply(resource, changes, file_format=file_format)
        if publish:
            resource.status = ModerationStatus.PUBLISHED
            resource.decided_at = timezone.now()
            resource.published_on = resource.published_on or timezone.localdate()
        else:
            resource.status = ModerationStatus.PENDING
        resource.save()
        if "themes" in changes:
            resource.themes.set(changes["themes"])
        _refresh_search(resource)
    return resource


def resource_update(*, resource: Resource, by: User, changes: dict, file_format: str = "") -> Resource:
    """The staff correct a resource (its address stays the same once published)."""
    if not can_moderate_resources(by):
        raise ValidationError(_("Seule l'équipe du COPS modifie les ressources."))
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        replaced = _apply(resource, changes, file_format=file_format)
        if resource.status != ModerationStatus.PUBLISHED:
            resource.slug = _unique_slug(resource.title, exclude_pk=resource.pk)
        resource.save()
        if "themes" in changes:
            resource.themes.set(changes["themes"])
        _refresh_search(resource)
        if replaced:
            delete_files_on_commit([(Resource._meta.get_field("file").storage, replaced)])
    return resource


def _notify_proposer(resource: Resource, *, by: User) -> None:
    proposer = resource.proposed_by
    if proposer is None or proposer.pk == by.pk:
        return  # a staff member's own resource: no email to themselves
    send_templated_email(
        to=proposer.email,
        template="directory/resources/emails/resource_decided",
        context={
            "published": resource.status == ModerationStatus.PUBLISHED,
            "title": resource.title,
            "reason": resource.moderation_note,
            "resource_url": settings.SITE_URL + reverse("directory:resource_detail", args=[resource.slug]),
        },
    )


def resource_publish(*, resource: Resource, by: User) -> Resource:
    """Publish a proposal (or a refused one, on second thought); the proposer is told."""
    if not can_moderate_resources(by):
        raise ValidationError(_("Seule l'équipe du COPS publie les ressources."))
    with transaction.atomic():
        resource = (
            Resource.objects.select_for_update(of=("self",)).select_related("proposed_by").get(pk=resource.pk)
        )
        if resource.status == ModerationStatus.PUBLISHED:
            raise ValidationError(_("Cette ressource est déjà publiée."))
        resource.status = ModerationStatus.PUBLISHED
        resource.moderation_note = ""
        resource.decided_at = timezone.now()
        resource.published_on = resource.published_on or timezone.localdate()
        resource.save()
        _notify_proposer(resource, by=by)
    return resource


def resource_refuse(*, resource: Resource, by: User, reason: str) -> Resource:
    """Refuse a proposal with a reason sent to its proposer; a published resource may be withdrawn
    the same way."""
    if not can_moderate_resources(by):
        raise ValidationError(_("Seule l'équipe du COPS refuse les ressources."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Expliquez le refus : la personne qui a proposé la ressource le lira.")}
        )
    with transaction.atomic():
        resource = (
            Resource.objects.select_for_update(of=("self",)).select_related("proposed_by").get(pk=resource.pk)
        )
        if resource.status == ModerationStatus.REJECTED:
            raise ValidationError(_("Cette ressource est déjà refusée."))
        resource.status = ModerationStatus.REJECTED
        resource.moderation_note = reason
        resource.decided_at = timezone.now()
        resource.save()
        _notify_proposer(resource, by=by)
    return resource


def resource_count_download(*, resource: Resource) -> None:
    """One more download or opening, counted in the database (F()): two visitors at the same
    instant are both counted."""
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)


def resources_detach_user(*, user: User) -> int:
    """Account deletion: the resources stay (published ones serve everyone), without their proposer."""
    return Resource.objects.filter(proposed_by=user).update(proposed_by=None)
