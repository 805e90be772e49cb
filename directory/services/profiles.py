"""Writes about directory profiles: drafts, submission, moderation, yearly accuracy check.

A profile (Person or Structure) is edited step by step. Before its first publication the
row itself is the draft; once published, edits go to `revision` (a JSON snapshot of every
editable field) and reach the row only when a staff member approves them — the published
version stays online meanwhile. One exception, for privacy: making a person's field *more*
restricted takes effect at once, without waiting for moderation.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.enums import ActorKind, MembershipStatus, ModerationStatus, RevisionStatus, Role, Visibility, Zone
from actors.models import Commune, Membership, Person, Structure, User
from actors.services.charter import signatures_anonymise
from cops.mail import send_templated_email
from directory.facets import bump_version
from directory.indexing import (
    departement_zones,
    index_persons,
    index_projects,
    index_structures,
    zone_summary,
)
from directory.models import Project, ProjectDocument
from directory.selectors.profiles import moderation_queue, moderation_queue_projects

# Version of the consent text shown at the last registration step; bump it when the text changes.
CONSENT_VERSION = "2026-01"
ACCURACY_PERIOD = timedelta(days=365)
ACCURACY_SALT = "actors.accuracy"


@dataclass(frozen=True)
class ProfileSpec:
    scalars: tuple[str, ...]
    foreign_keys: tuple[str, ...]
    many_to_many: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def all_fields(self) -> tuple[str, ...]:
        return self.scalars + self.foreign_keys + self.many_to_many + self.files


PERSON_SPEC = ProfileSpec(
    scalars=(
        "first_name",
        "last_name",
        "bio",
        "experience",
        "email",
        "phone",
        "website",
        "region_wide",
        "outside_commune",
        "visibility",
    ),
    foreign_keys=("commune",),
    many_to_many=("profiles", "domains", "territories", "qualifications", "activities", "availabilities"),
    files=("photo",),
)
STRUCTURE_SPEC = ProfileSpec(
    scalars=(
        "name",
        "acronym",
        "siret",
        "finess",
        "address",
        "postal_code",
        "outside_commune",
        "latitude",
        "longitude",
        "description",
        "email",
        "phone",
        "website",
        "region_wide",
    ),
    foreign_keys=("commune", "structure_type"),
    many_to_many=("domains", "territories"),
    files=("logo",),
)


# Projects (directory.models.Project) are moderated with the same engine. Indicators and the
# before/after radar are set by the from-accompaniment service; they stay in the snapshot so that
# any change to them goes through moderation too.
PROJECT_SPEC = ProfileSpec(
    scalars=(
        "title",
        "summary",
        "description",
        "state",
        "started_on",
        "ended_on",
        "outcomes",
        "indicators",
        "radar",
        "video_url",
        "website",
        "brakes",
        "levers",
        "lessons",
        "region_wide",
    ),
    foreign_keys=("main_structure",),
    many_to_many=("domains", "practices", "territories", "communes", "structures"),
    files=("image",),
)


def spec_for(profile) -> ProfileSpec:
    if isinstance(profile, Project):
        return PROJECT_SPEC
    return PERSON_SPEC if isinstance(profile, Person) else STRUCTURE_SPEC


def kind_of(profile) -> str:
    if isinstance(profile, Project):
        return "projet"  # directory.models.EntryKind.PROJECT
    return ActorKind.PERSON if isinstance(profile, Person) else ActorKind.STRUCTURE


# --- Snapshots ---------------------------------------------------------------------------------------


def profile_snapshot(profile) -> dict:
    """Every editable field of the row as JSON (foreign keys and many-to-many as ids)."""
    spec = spec_for(profile)
    data = {name: _json_scalar(getattr(profile, name)) for name in spec.scalars}
    for name in spec.foreign_keys:
        data[name] = getattr(profile, f"{name}_id")
    for name in spec.many_to_many:
        data[name] = sorted(item.pk for item in getattr(profile, name).all()) if profile.pk else []
    for name in spec.files:
        data[name] = getattr(profile, name).name or ""
    return data


def _json_scalar(value):
    # A project's dates are kept as ISO strings in the JSON revision.
    return value.isoformat() if hasattr(value, "isoformat") else value


def _json_value(profile, name: str, value):
    """Turn a cleaned form value into its snapshot form."""
    spec = spec_for(profile)
    if name in spec.foreign_keys:
        return getattr(value, "pk", value)
    if name in spec.many_to_many:
        return sorted(getattr(item, "pk", item) for item in (value or []))
    return _json_scalar(value)


def _apply(profile, data: dict) -> None:
    """Copy snapshot values onto the row (saved by the caller, m2m set after saving)."""
    spec = spec_for(profile)
    for name in spec.scalars:
        if name in data:
            setattr(profile, name, data[name])
    for name in spec.foreign_keys:
        if name in data:
            setattr(profile, f"{name}_id", data[name])
    for name in spec.files:
        if name in data:
            getattr(profile, name).name = data[name] or ""


def _apply_m2m(profile, data: dict) -> None:
    for name in spec_for(profile).many_to_many:
        if name in data:
            getattr(profile, name).set(data[name])


def _store_uploads(profile, changes: dict) -> dict:
    """Save new photo/logo files now; the snapshot keeps their names."""
    changes = dict(changes)
    for name in spec_for(profile).files:
        upload = changes.get(name)
        if isinstance(upload, ContentFile):
            field = profile._meta.get_field(name)
            stored = field.storage.save(field.generate_filename(profile, upload.name), upload)
            changes[name] = stored
        elif upload is False:  # "clear" checkbox of a ClearableFileInput
            changes[name] = ""
        elif name in changes and not upload:
            changes.pop(name)
    return changes


def refresh_zone(profile) -> None:
    zones = departement_zones()
    codes = [item.pk for item in profile.territories.all()]
    zone = zone_summary(codes, profile.region_wide, zones)
    if isinstance(profile, Project):
        if not zone:
            communes = profile.communes.values_list("departement_id", flat=True)
            zone = zone_summary(list(communes), False, zones)
    elif not zone and profile.commune_id:
        zone = zones.get(
            Commune.objects.values_list("departement_id", flat=True).get(pk=profile.commune_id), ""
        )
    if zone != profile.zone:
        profile.zone = zone
        type(profile).objects.filter(pk=profile.pk).update(zone=zone)


def _reindex(profile) -> None:
    if isinstance(profile, Project):
        index_projects([profile.pk])
        return
    if isinstance(profile, Person):
        index_persons([profile.pk])
        return
    index_structures([profile.pk])
    # Members' entries mention the structures they belong to.
    index_persons(profile.memberships.values_list("person_id", flat=True))


# --- Editing ------------------------------------------------------------------------------------------


def _save_changes(profile, changes: dict) -> None:
    """Write a step's changes to the draft row, or to the revision of a published profile."""
    changes = _store_uploads(profile, changes)
    if profile.pk and profile.status == ModerationStatus.PUBLISHED:
        data = profile.revision if profile.revision is not None else profile_snapshot(profile)
        data.update({name: _json_value(profile, name, value) for name, value in changes.items()})
        profile.revision = data
        profile.revision_status = RevisionStatus.DRAFT
        profile.save()
        return
    if profile.pk and profile.status in (ModerationStatus.PENDING, ModerationStatus.REJECTED):
        # Editing a profile under review or refused takes it back to the author's draft.
        profile.status = ModerationStatus.DRAFT
    data = {name: _json_value(profile, name, value) for name, value in changes.items()}
    _apply(profile, data)
    if isinstance(profile, Structure) and "commune" in data and "latitude" not in data:
        _reset_position_to_commune(profile)
    profile.save()
    _apply_m2m(profile, data)
    refresh_zone(profile)


def _reset_position_to_commune(structure: Structure) -> None:
    if structure.commune_id:
        commune = Commune.objects.get(pk=structure.commune_id)
        structure.latitude, structure.longitude = commune.latitude, commune.longitude
    else:
        structure.latitude = structure.longitude = None


def _tighten_visibility_now(person: Person, visibility: dict) -> bool:
    """Privacy first: a field made more restricted is restricted at once on the published row."""
    live = dict(person.visibility)
    changed = False
    for name, level in visibility.items():
        if name in Person.RESTRICTABLE_FIELDS and int(level) > person.field_level(name):
            live[name] = int(level)
            changed = True
    if changed:
        person.visibility = live
        Person.objects.filter(pk=person.pk).update(visibility=live)
        person.__dict__.pop("field_levels", None)
    return changed


def person_save(*, person: Person | None, by: User, changes: dict) -> Person:
    """Create or update a person's profile with one registration step's cleaned data."""
    with transaction.atomic():
        if person is None:
            if Person.objects.filter(user=by).exists():
                raise ValidationError(_("Vous avez déjà une fiche personnelle dans l'annuaire."))
            person = Person(user=by, first_name=by.first_name, last_name=by.last_name)
        else:
            person = Person.objects.select_for_update().get(pk=person.pk)
        if "visibility" in changes:
            changes = {**changes, "visibility": _clean_visibility(changes["visibility"])}
        tightened = person.pk and person.is_published and "visibility" in changes
        _save_changes(person, changes)
        if tightened and _tighten_visibility_now(person, changes["visibility"]):
            _reindex(person)
    return person


def _clean_visibility(visibility: dict) -> dict:
    return {
        name: int(Visibility(int(level)))
        for name, level in (visibility or {}).items()
        if name in Person.RESTRICTABLE_FIELDS
    }


def structure_save(*, structure: Structure | None, by: User, changes: dict) -> Structure:
    """Create or update a structure's profile with one registration step's cleaned data.

    The author becomes its référent when they have a person profile.
    """
    with transaction.atomic():
        created = structure is None
        if created:
            structure = Structure(created_by=by)
        else:
            structure = Structure.objects.select_for_update().get(pk=structure.pk)
        _save_changes(structure, changes)
        if created:
            person = Person.objects.filter(user=by).first()
            if person is not None:
                Membership.objects.get_or_create(
                    person=person,
                    structure=structure,
                    defaults={
                        "is_referent": True,
                        "status": MembershipStatus.ACCEPTED,
                        "decided_at": timezone.now(),
                        "decided_by": by,
                    },
                )
    return structure


def profile_current_data(profile) -> dict:
    """What the author is editing: the pending revision if any, else the row."""
    if profile.pk and profile.revision is not None:
        return profile.revision
    return profile_snapshot(profile)


def _missing_fields(profile, data: dict) -> list[str]:
    missing = []
    if isinstance(profile, Project):
        if not data.get("title"):
            missing.append(_("le titre du projet"))
        if not data.get("summary"):
            missing.append(_("le résumé"))
        if not data.get("main_structure"):
            missing.append(_("la structure porteuse"))
        return missing
    if isinstance(profile, Person):
        if not data.get("first_name") or not data.get("last_name"):
            missing.append(_("vos nom et prénom"))
        if not data.get("profiles"):
            missing.append(_("au moins un profil d'acteur"))
        if not data.get("domains"):
            missing.append(_("au moins un domaine d'activité"))
    else:
        if not data.get("name"):
            missing.append(_("le nom de la structure"))
        if not data.get("structure_type"):
            missing.append(_("le type de structure"))
        if not data.get("domains"):
            missing.append(_("au moins un domaine d'activité"))
    if not data.get("commune") and not data.get("outside_commune"):
        missing.append(_("la commune"))
    if not data.get("territories") and not data.get("region_wide"):
        missing.append(_("au moins un territoire d'activité"))
    return missing


def profile_submit(*, profile, by: User, consent: bool) -> None:
    """Send a draft (or the edit of a published profile) to moderation, with recorded consent."""
    if not consent:
        raise ValidationError(_("Votre accord pour la publication est nécessaire pour envoyer la fiche."))
    with transaction.atomic():
        profile = type(profile).objects.select_for_update().get(pk=profile.pk)
        data = profile_current_data(profile)
        missing = _missing_fields(profile, data)
        if missing:
            raise ValidationError(_("Il manque encore : %(missing)s.") % {"missing": ", ".join(missing)})
        now = timezone.now()
        profile.consent_at = now
        profile.consent_version = CONSENT_VERSION
        if profile.status == ModerationStatus.PUBLISHED:
            if profile.revision is None:
                raise ValidationError(_("Aucune modification à envoyer."))
            profile.revision_status = RevisionStatus.PENDING
            profile.revision_submitted_at = now
        elif profile.status in (ModerationStatus.DRAFT, ModerationStatus.REJECTED, ModerationStatus.PENDING):
            profile.status = ModerationStatus.PENDING
            profile.submitted_at = now
            profile.moderation_note = ""
        else:
            raise ValidationError(_("Une fiche archivée ne peut pas être envoyée à la modération."))
        profile.save()


def profile_discard_revision(*, profile, by: User) -> None:
    """Drop a pending edit: the published version stays as it is."""
    with transaction.atomic():
        type(profile).objects.filter(pk=profile.pk).update(
            revision=None, revision_status="", revision_submitted_at=None
        )


# --- Moderation --------------------------------------------------------------------------------------


def profile_recipients(profile) -> list[str]:
    """Who hears about a profile: the person's account (or contact address); a structure's
    registrant and référents; a project's author and its carrying structure's référents."""
    if isinstance(profile, Project):
        emails = [profile.created_by.email] if profile.created_by_id else []
        emails += list(
            User.objects.filter(
                person__memberships__structure_id=profile.main_structure_id,
                person__memberships__is_referent=True,
                person__memberships__status=MembershipStatus.ACCEPTED,
            ).values_list("email", flat=True)
        )
        return sorted(set(emails))
    if isinstance(profile, Person):
        if profile.user_id:
            return [profile.user.email]
        return [profile.email] if profile.email else []
    emails = []
    if profile.created_by_id:
        emails.append(profile.created_by.email)
    emails += list(
        User.objects.filter(
            person__memberships__structure=profile,
            person__memberships__is_referent=True,
            person__memberships__status=MembershipStatus.ACCEPTED,
        ).values_list("email", flat=True)
    )
    return sorted(set(emails))


def profile_title(profile) -> str:
    return str(profile)


def profile_url(profile) -> str:
    if isinstance(profile, Project):
        return settings.SITE_URL + reverse("directory:project_detail", args=[profile.slug])
    name = "directory:person_detail" if isinstance(profile, Person) else "directory:structure_detail"
    return settings.SITE_URL + reverse(name, args=[profile.pk])


def _notify_decision(profile, *, decision: str, note: str = "", was_edit: bool) -> None:
    recipients = profile_recipients(profile)
    if not recipients:
        return
    is_project = isinstance(profile, Project)
    edit_url = (
        reverse("directory:project_edit", args=[profile.slug])
        if is_project
        else reverse("directory:my_profiles")
    )
    send_templated_email(
        to=recipients,
        template="directory/projects/emails/project_decision"
        if is_project
        else "actors/emails/profile_decision",
        context={
            "decision": decision,
            "kind": kind_of(profile),
            "title": profile_title(profile),
            "note": note,
            "was_edit": was_edit,
            "profile_url": profile_url(profile),
            "edit_url": settings.SITE_URL + edit_url,
        },
    )


def _locked(profile):
    return type(profile).objects.select_for_update().get(pk=profile.pk)


def profile_approve(*, profile, by: User) -> None:
    """Publish a submitted profile, or apply the submitted edit of a published one."""
    with transaction.atomic():
        profile = _locked(profile)
        now = timezone.now()
        if profile.status == ModerationStatus.PENDING:
            was_edit = False
            profile.status = ModerationStatus.PUBLISHED
            profile.published_at = now
            profile.accuracy_confirmed_at = now
        elif (
            profile.status == ModerationStatus.PUBLISHED and profile.revision_status == RevisionStatus.PENDING
        ):
            was_edit = True
            data = profile.revision
            _apply(profile, data)
            profile.revision = None
            profile.revision_status = ""
            profile.revision_submitted_at = None
            profile.accuracy_confirmed_at = now
            _apply_m2m(profile, data)
        else:
            raise ValidationError(_("Cette fiche n'attend pas de modération."))
        profile.moderation_note = ""
        profile.moderated_at = now
        profile.moderated_by = by
        profile.save()
        if isinstance(profile, Project):
            # The documents added meanwhile are published with the project.
            ProjectDocument.objects.filter(project=profile, approved=False).update(approved=True)
        refresh_zone(profile)
        _reindex(profile)
        _notify_decision(profile, decision="approved", was_edit=was_edit)


def profile_reject(*, profile, by: User, reason: str) -> None:
    """Refuse a submission (with a reason sent to the author); a refused edit leaves the
    published version online."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif du refus : il sera transmis à l'auteur."))
    with transaction.atomic():
        profile = _locked(profile)
        now = timezone.now()
        if profile.status == ModerationStatus.PENDING:
            was_edit = False
            profile.status = ModerationStatus.REJECTED
        elif profile.revision_status == RevisionStatus.PENDING:
            was_edit = True
            profile.revision_status = RevisionStatus.REJECTED
        else:
            raise ValidationError(_("Cette fiche n'attend pas de modération."))
        profile.moderation_note = reason
        profile.moderated_at = now
        profile.moderated_by = by
        profile.save()
        _notify_decision(profile, decision="rejected", note=reason, was_edit=was_edit)


def profile_request_changes(*, profile, by: User, message: str) -> None:
    """Send the submission back to its author's draft with the changes to make."""
    message = (message or "").strip()
    if not message:
        raise ValidationError(
            _("Indiquez les modifications à apporter : elles seront transmises à l'auteur.")
        )
    with transaction.atomic():
        profile = _locked(profile)
        if profile.status == ModerationStatus.PENDING:
            was_edit = False
            profile.status = ModerationStatus.DRAFT
        elif profile.revision_status == RevisionStatus.PENDING:
            was_edit = True
            profile.revision_status = RevisionStatus.DRAFT
        else:
            raise ValidationError(_("Cette fiche n'attend pas de modération."))
        profile.moderation_note = message
        profile.moderated_at = timezone.now()
        profile.moderated_by = by
        profile.save()
        _notify_decision(profile, decision="changes", note=message, was_edit=was_edit)


def profile_archive(*, profile, by: User) -> None:
    """Take a profile out of the directory (by its author or the staff); it can be restored."""
    with transaction.atomic():
        profile = _locked(profile)
        profile.status = ModerationStatus.ARCHIVED
        profile.archived_at = timezone.now()
        profile.revision = None
        profile.revision_status = ""
        profile.save()
        _reindex(profile)


def profile_restore(*, profile, by: User) -> None:
    """Bring an archived profile back as a draft, to be submitted again."""
    with transaction.atomic():
        profile = _locked(profile)
        if profile.status != ModerationStatus.ARCHIVED:
            raise ValidationError(_("Seule une fiche archivée peut être restaurée."))
        profile.status = ModerationStatus.DRAFT
        profile.archived_at = None
        profile.save()


def person_delete(*, person: Person, by: User) -> None:
    """The right to erasure: the profile, its photo and its memberships are deleted.

    Its charter signatures stay, anonymised, so that the yearly counts hold.
    """
    with transaction.atomic():
        person = _locked(person)
        signatures_anonymise(person_ids=[person.pk])
        photo = person.photo.name
        storage = person._meta.get_field("photo").storage
        revision_photo = (person.revision or {}).get("photo") or ""
        person.delete()
        bump_version()  # its directory entry went with it
        for name in {photo, revision_photo} - {""}:
            transaction.on_commit(lambda name=name: storage.delete(name))


# --- Moderation digest and yearly accuracy check ----------------------------------------------------


def moderation_digest_send(*, today=None) -> bool:
    """One email a day to the staff listing what waits for moderation (nothing sent if empty)."""
    persons, structures = moderation_queue()
    projects = moderation_queue_projects()
    if not persons and not structures and not projects:
        return False
    today = today or timezone.localdate()
    # Claim the day's digest first: a redelivered task does not send it twice.
    if not caches["shared"].add(f"actors:moderation-digest:{today.isoformat()}", 1, timeout=60 * 60 * 48):
        return False
    send_templated_email(
        to=_staff_recipients(),
        template="actors/emails/moderation_digest",
        context={
            "persons": persons,
            "structures": structures,
            "projects": projects,
            "total": len(persons) + len(structures) + len(projects),
            "queue_url": settings.SITE_URL + reverse("directory:moderation_queue"),
        },
    )
    return True


def _staff_recipients() -> list[str]:
    emails = set(
        User.objects.filter(is_active=True, groups__name=Role.STAFF.value).values_list("email", flat=True)
    )
    if settings.STAFF_EMAIL:
        emails.add(settings.STAFF_EMAIL)
    return sorted(emails)


def accuracy_token(profile) -> str:
    return signing.dumps({"k": kind_of(profile), "id": profile.pk}, salt=ACCURACY_SALT)


def accuracy_profile_from_token(token: str, *, max_age_days: int = 60):
    """The profile a confirmation link points to, or None when the link is invalid or expired."""
    try:
        data = signing.loads(token, salt=ACCURACY_SALT, max_age=timedelta(days=max_age_days))
    except signing.BadSignature:
        return None
    model = Person if data.get("k") == ActorKind.PERSON else Structure
    return model.objects.filter(pk=data.get("id"), status=ModerationStatus.PUBLISHED).first()


def profile_confirm_accuracy(*, profile) -> None:
    type(profile).objects.filter(pk=profile.pk).update(accuracy_confirmed_at=timezone.now())


def accuracy_due_filter(now) -> Q:
    threshold = now - ACCURACY_PERIOD
    return (
        Q(status=ModerationStatus.PUBLISHED)
        & (
            Q(accuracy_confirmed_at__lt=threshold)
            | Q(accuracy_confirmed_at__isnull=True, published_at__lt=threshold)
        )
        & (Q(accuracy_reminder_sent_at__isnull=True) | Q(accuracy_reminder_sent_at__lt=threshold))
    )


def accuracy_reminders_send(*, limit: int = 500) -> int:
    """Ask owners of profiles unconfirmed for a year whether they are still accurate.

    Each profile is claimed (reminder date set) before its email is written, so a task that
    runs twice sends one email.
    """
    now = timezone.now()
    sent = 0
    for model in (Person, Structure):
        ids = list(model.objects.filter(accuracy_due_filter(now)).values_list("pk", flat=True)[:limit])
        for pk in ids:
            with transaction.atomic():
                claimed = model.objects.filter(accuracy_due_filter(now), pk=pk).update(
                    accuracy_reminder_sent_at=now
                )
                if not claimed:
                    continue
                profile = model.objects.select_related("user" if model is Person else "created_by").get(pk=pk)
                recipients = profile_recipients(profile)
                if not recipients:
                    continue
                send_templated_email(
                    to=recipients,
                    template="actors/emails/accuracy_check",
                    context={
                        "kind": kind_of(profile),
                        "title": profile_title(profile),
                        "confirm_url": settings.SITE_URL
                        + reverse("directory:confirm_accuracy", args=[accuracy_token(profile)]),
                        "edit_url": settings.SITE_URL + reverse("directory:my_profiles"),
                    },
                )
                sent += 1
    return sent


def zone_label(zone: str) -> str:
    return str(Zone(zone).label) if zone else ""
