"""Writes about project sheets: drafts, the persons invited onto them, their documents.

A project is moderated with the profiles' engine (directory.services.profiles: the same
snapshot, revision, submit/approve/reject functions); this module adds what is particular to
projects: the carrying structure must be one the author belongs to, persons appear only once
they accept, and documents wait for the next approval.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Membership, Person, Structure, User
from actors.permissions import is_cops_staff
from cops.mail import send_templated_email
from directory.indexing import index_projects
from directory.models import Project, ProjectDocument, ProjectPerson, ProjectPersonStatus
from directory.selectors.projects import inviter_name
from directory.services.profiles import _save_changes

NOT_A_MEMBER = gettext_lazy("Vous ne pouvez proposer un projet que pour une structure dont vous êtes membre.")


def structures_for_projects(user) -> list[Structure]:
    """The structures `user` may carry a project for: accepted memberships (staff: any published)."""
    if not user.is_authenticated:
        return []
    if is_cops_staff(user):
        queryset = Structure.objects.filter(status=ModerationStatus.PUBLISHED)
    else:
        queryset = Structure.objects.filter(
            memberships__person__user=user, memberships__status=MembershipStatus.ACCEPTED
        ).exclude(status=ModerationStatus.ARCHIVED)
    return list(queryset.distinct().order_by("name"))


def _check_main_structure(user, structure_id) -> None:
    if not structure_id:
        raise ValidationError(_("Choisissez la structure qui porte le projet."))
    if is_cops_staff(user):
        allowed = Structure.objects.filter(pk=structure_id, status=ModerationStatus.PUBLISHED).exists()
    else:
        allowed = (
            Membership.objects.filter(
                person__user=user, structure_id=structure_id, status=MembershipStatus.ACCEPTED
            )
            .exclude(structure__status=ModerationStatus.ARCHIVED)
            .exists()
        )
    if not allowed:
        raise ValidationError(NOT_A_MEMBER)


# Addresses of pages under /projets/ that a project's own address must not shadow.
RESERVED_SLUGS = {"proposer"}


def unique_project_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = (slugify(title) or "projet")[:200].strip("-") or "projet"
    taken = RESERVED_SLUGS | set(
        Project.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)
    )
    slug, suffix = base, 2
    while slug in taken:
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def project_save(*, project: Project | None, by: User, changes: dict) -> Project:
    """Create a project (a draft row) or save an edit (a revision once published).

    The carrying structure must be one where `by` has an accepted membership (the staff: any
    published structure); otherwise a French ValidationError and nothing saved.
    """
    changes = dict(changes)
    with transaction.atomic():
        if project is None:
            if not (changes.get("title") or "").strip():
                raise ValidationError(_("Donnez un titre au projet."))
            structure = changes.get("main_structure")
            _check_main_structure(by, getattr(structure, "pk", structure))
            project = Project(created_by=by, slug=unique_project_slug(changes["title"]))
        else:
            project = Project.objects.select_for_update().get(pk=project.pk)
            if "main_structure" in changes:
                new = getattr(changes["main_structure"], "pk", changes["main_structure"])
                current = (project.revision or {}).get("main_structure", project.main_structure_id)
                if new != current:
                    _check_main_structure(by, new)
        _save_changes(project, changes)
    return project


def project_delete(*, project: Project, by: User) -> None:
    """Delete a project with its documents and image (files removed once committed)."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        names = [(doc.file.storage, doc.file.name) for doc in project.documents.all()]
        image_storage = project._meta.get_field("image").storage
        for name in {project.image.name, (project.revision or {}).get("image") or ""} - {""}:
            names.append((image_storage, name))
        pk = project.pk
        project.delete()
        index_projects([pk])
        for storage, name in names:
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def _mark_changed(project: Project) -> None:
    """A change to a published project (a new document) waits for the next approval: open a
    revision so the author can send it to moderation."""
    if project.status == ModerationStatus.PUBLISHED and project.revision is None:
        _save_changes(project, {})


# --- Persons involved ---------------------------------------------------------------------------


def project_invite_person(*, project: Project, by: User, person: Person, role: str = "") -> ProjectPerson:
    """Invite a published person of the directory onto the project; they are emailed and appear
    only once they accept."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        person = Person.objects.select_related("user").get(pk=person.pk)
        if person.status != ModerationStatus.PUBLISHED:
            raise ValidationError(_("Seules les personnes publiées dans l'annuaire peuvent être invitées."))
        if person.user_id is None or not person.user.is_active:
            raise ValidationError(
                _(
                    "Cette personne n'a pas de compte sur la plateforme : elle ne peut pas répondre à une invitation."
                )
            )
        if ProjectPerson.objects.filter(project=project, person=person).exists():
            raise ValidationError(_("Cette personne est déjà invitée sur ce projet."))
        invitation = ProjectPerson.objects.create(
            project=project, person=person, role=(role or "").strip()[:120], invited_by=by
        )
        send_templated_email(
            to=person.user.email,
            template="directory/projects/emails/project_invitation",
            context={
                "first_name": person.first_name,
                "project": project.title,
                "inviter": inviter_name(by),
                "role": invitation.role,
                "answer_url": settings.SITE_URL
                + reverse("directory:project_participation", args=[project.slug]),
            },
        )
    return invitation


def project_person_respond(*, invitation: ProjectPerson, by: User, accept: bool) -> ProjectPerson:
    """The invited person's answer (only their own account may answer); it can be changed later."""
    with transaction.atomic():
        invitation = ProjectPerson.objects.select_for_update().select_related("person").get(pk=invitation.pk)
        if invitation.person.user_id != by.pk:
            raise ValidationError(_("Seule la personne invitée peut répondre à cette invitation."))
        invitation.status = ProjectPersonStatus.ACCEPTED if accept else ProjectPersonStatus.DECLINED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
        index_projects([invitation.project_id])
    return invitation


def project_person_remove(*, invitation: ProjectPerson, by: User) -> None:
    with transaction.atomic():
        project_id = invitation.project_id
        ProjectPerson.objects.filter(pk=invitation.pk).delete()
        index_projects([project_id])


# --- Documents ---------------------------------------------------------------------------------------


def project_document_add(
    *, project: Project, by: User, kind: str, title: str, upload, file_format: str
) -> ProjectDocument:
    """Store a document already checked by `detect_file_format`; shown once the project (or its
    next edit) is approved."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        document = ProjectDocument(
            project=project,
            kind=kind,
            title=title.strip(),
            file_format=file_format,
            file_size=upload.size,
            added_by=by,
        )
        document.file.save(upload.name, upload, save=False)
        try:
            document.save()
            _mark_changed(project)
        except Exception:
            document.file.storage.delete(document.file.name)  # nothing left half-done
            raise
    return document


def project_document_remove(*, document: ProjectDocument, by: User) -> None:
    with transaction.atomic():
        storage, name = document.file.storage, document.file.name
        ProjectDocument.objects.filter(pk=document.pk).delete()
        transaction.on_commit(lambda: storage.delete(name))
