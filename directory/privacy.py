"""Personal data held by the directory: its profiles' deletion and retention, its search index,
the messages of its contact relay, the resources a person proposed.

Hooks read by cops/personal_data.py and cops/retention.py (see cops/apps.py). The profiles
themselves (actors.Person, actors.Structure, actors.Membership) are exported by actors/privacy.py,
with the models.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy

from actors.enums import ModerationStatus, RevisionStatus
from actors.models import Person, Structure
from cops.personal_data import Extra, Section, Subject
from cops.retention import cutoff, delete_files_on_commit
from directory.models import ContactMessage
from directory.selectors.contact import recipient_title
from directory.services.profiles import person_delete, profile_discard_revision
from directory.services.resources import resources_detach_user

# The profiles go last: every app first detaches or anonymises the rows that point at them
# (committee attendance, accompaniment participants are found through the profile), and the
# platform's own records (cops, 100) before them, as always.
ERASE_PERSONAL_DATA_ORDER = 200

# Never published, and left so: an abandoned registration.
ABANDONED_STATUSES = (ModerationStatus.DRAFT, ModerationStatus.REJECTED)
# Rows that belong to a profile and go with it; any other row that refers to the profile (a
# charter signature, a mandate, a meeting's attendance, an accompaniment, a self-assessment…)
# shows that someone's work relies on it, and keeps it.
_GO_WITH_THE_PROFILE = {"actors.Membership", "directory.Entry", "directory.ContactMessage"}


def _address_once_answered(message: ContactMessage) -> str:
    # The relay hides the sender's address from the recipient until the recipient answers: the
    # export (which the recipient also gets) shows it no earlier. A sender knows their own.
    return message.sender_email if message.replied_at else ""


def export_personal_data() -> list[Section]:
    return [
        Section(
            "directory.ContactMessage",
            gettext_lazy(
                "Les messages que vous avez écrits ou reçus par l'annuaire (« Contacter ») et leurs "
                "réponses ; l'adresse de l'autre personne n'y figure qu'une fois la réponse envoyée."
            ),
            ("sender_name", "purpose", "body", "created_at", "reply", "replied_at", "replied_from"),
            user=("sender_user", "replied_by"),
            person=("person",),
            email=("sender_email", "replied_from"),
            extras=(
                Extra("destinataire", gettext_lazy("destinataire"), recipient_title),
                Extra(
                    "adresse_expediteur",
                    gettext_lazy("adresse de l'expéditeur (après la réponse)"),
                    _address_once_answered,
                ),
            ),
        ),
        Section(
            "directory.Resource",
            gettext_lazy(
                "Les ressources que vous avez proposées à la bibliothèque, leur statut et la décision "
                "de l'équipe du COPS."
            ),
            ("title", "kind", "summary", "link", "status", "moderation_note", "created_at", "decided_at"),
            user=("proposed_by",),
        ),
        Section(
            "directory.Project",
            gettext_lazy(
                "Les fiches projet que vous avez proposées, leur statut et la décision de l'équipe du COPS."
            ),
            ("title", "summary", "status", "moderation_note", "created_at", "submitted_at", "published_at"),
            user=("created_by",),
        ),
        Section(
            "directory.ProjectPerson",
            gettext_lazy(
                "Les projets sur lesquels on vous a proposé d'apparaître, votre rôle et votre réponse."
            ),
            ("role", "status", "invited_at", "responded_at"),
            person=("person",),
            extras=(Extra("projet", gettext_lazy("projet"), lambda row: row.project.title),),
        ),
    ]


def personal_data_not_exported() -> dict[tuple[str, str], str]:
    # The directory's search index is derived from the profile exported in actors.Person
    # (and is deleted with it).
    return {
        ("directory.Entry", "person"): "derived from actors.Person",
        ("directory.ContactMessage", "abuse_handled_by"): "staff attribution",
        ("directory.Project", "moderated_by"): "staff attribution",
        # The invitation is exported to the invited person; the inviter is a project's editor.
        ("directory.ProjectPerson", "invited_by"): "editor attribution",
        # A project's files are the project's (exported with it to its editors' structure).
        ("directory.ProjectDocument", "added_by"): "editor attribution",
    }


def erase_personal_data(subject: Subject) -> dict[str, int]:
    """The person's profiles, their photos and memberships (their signatures stay, anonymised);
    the messages they wrote or received through the relay; the resources they proposed lose their
    proposer.

    The messages a person wrote are deleted, not anonymised: the recipient already has the text
    by email, and a row without its author serves nothing (an answer could reach nobody; an abuse
    report about an unnamed sender leads nowhere). Those received by their profiles go with the
    profiles. An answer they gave for a structure stays the structure's, without their address.
    """
    sent = Q(sender_user=subject.user) | Q(sender_email__iexact=subject.email)
    deleted, _ = ContactMessage.objects.filter(sent | Q(person_id__in=subject.person_ids)).delete()
    anonymised = ContactMessage.objects.filter(
        Q(replied_by=subject.user) | Q(replied_from__iexact=subject.email)
    ).update(replied_from="", replied_by=None)
    for person in Person.objects.filter(pk__in=subject.person_ids):
        person_delete(person=person, by=subject.user)
    # The resources they proposed stay (a published one serves everyone), without their name.
    resources_detached = resources_detach_user(user=subject.user) if subject.user else 0
    return {
        "contact_messages_deleted": deleted,
        "contact_replies_anonymised": anonymised,
        "profiles_deleted": len(subject.person_ids),
        "resources_detached": resources_detached,
    }


def _abandoned(model, before: datetime):
    unused = {
        f"{relation.name}__isnull": True
        for relation in model._meta.related_objects
        if not relation.many_to_many and relation.related_model._meta.label not in _GO_WITH_THE_PROFILE
    }
    return model.objects.filter(
        status__in=ABANDONED_STATUSES, published_at__isnull=True, updated_at__lt=before, **unused
    )


@transaction.atomic
def draft_profiles_purge(*, now: datetime) -> int:
    """Directory profiles never published and left untouched past their retention."""
    before = cutoff(now, settings.RETENTION_DRAFT_PROFILE_DAYS)
    deleted = 0
    for person in _abandoned(Person, before).distinct():
        person_delete(person=person, by=None)
        deleted += 1
    structures = list(_abandoned(Structure, before).distinct())
    logo_storage = Structure._meta.get_field("logo").storage
    delete_files_on_commit(
        [(logo_storage, structure.logo.name) for structure in structures]
        + [(logo_storage, (structure.revision or {}).get("logo") or "") for structure in structures]
    )
    Structure.objects.filter(pk__in=[structure.pk for structure in structures]).delete()
    return deleted + len(structures)


@transaction.atomic
def draft_revisions_purge(*, now: datetime) -> int:
    """Edits of published profiles started and never submitted: the published version stays."""
    before = cutoff(now, settings.RETENTION_DRAFT_PROFILE_DAYS)
    discarded = 0
    for model, file_field in ((Person, "photo"), (Structure, "logo")):
        storage = model._meta.get_field(file_field).storage
        for profile in model.objects.filter(revision_status=RevisionStatus.DRAFT, updated_at__lt=before):
            uploaded = (profile.revision or {}).get(file_field) or ""
            if uploaded != getattr(profile, file_field).name:
                delete_files_on_commit([(storage, uploaded)])
            profile_discard_revision(profile=profile, by=None)
            discarded += 1
    return discarded


@transaction.atomic
def contact_messages_purge(*, now: datetime) -> int:
    """Relayed messages, their answers and abuse reports, past their retention: their links die too."""
    before = cutoff(now, settings.RETENTION_CONTACT_MESSAGE_DAYS)
    deleted, _ = ContactMessage.objects.filter(created_at__lt=before).delete()
    return deleted


def purge_expired_data(*, now: datetime) -> dict[str, int]:
    return {
        "draft_profiles": draft_profiles_purge(now=now),
        "draft_revisions": draft_revisions_purge(now=now),
        "contact_messages": contact_messages_purge(now=now),
    }
