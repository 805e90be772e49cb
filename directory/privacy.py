"""Personal data held by the directory: its profiles' deletion and retention, its search index.

Hooks read by cops/personal_data.py and cops/retention.py (see cops/apps.py). The profiles
themselves (actors.Person, actors.Structure, actors.Membership) are exported by actors/privacy.py,
with the models.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction

from actors.enums import ModerationStatus, RevisionStatus
from actors.models import Person, Structure
from cops.personal_data import Subject
from cops.retention import cutoff, delete_files_on_commit
from directory.services.profiles import person_delete, profile_discard_revision

# The profiles go last: every app first detaches or anonymises the rows that point at them
# (committee attendance, accompaniment participants are found through the profile), and the
# platform's own records (cops, 100) before them, as always.
ERASE_PERSONAL_DATA_ORDER = 200

# Never published, and left so: an abandoned registration.
ABANDONED_STATUSES = (ModerationStatus.DRAFT, ModerationStatus.REJECTED)
# Rows that belong to a profile and go with it; any other row that refers to the profile (a
# charter signature, a mandate, a meeting's attendance, an accompaniment, a self-assessment…)
# shows that someone's work relies on it, and keeps it.
_GO_WITH_THE_PROFILE = {"actors.Membership", "directory.Entry"}


def personal_data_not_exported() -> dict[tuple[str, str], str]:
    # The directory's search index is derived from the profile exported in actors.Person
    # (and is deleted with it).
    return {("directory.Entry", "person"): "derived from actors.Person"}


def erase_personal_data(subject: Subject) -> dict[str, int]:
    """The person's profiles, their photos and memberships (their signatures stay, anonymised)."""
    for person in Person.objects.filter(pk__in=subject.person_ids):
        person_delete(person=person, by=subject.user)
    return {"profiles_deleted": len(subject.person_ids)}


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


def purge_expired_data(*, now: datetime) -> dict[str, int]:
    return {
        "draft_profiles": draft_profiles_purge(now=now),
        "draft_revisions": draft_revisions_purge(now=now),
    }
