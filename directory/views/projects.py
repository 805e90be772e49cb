"""Project sheets: propose, edit, show, invite persons, documents, the invited person's answer.

Who sees what: a published project is public; any other state only for those who may edit it
(its author, the référents of its carrying structure, the staff) — a 404 for everyone else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actors.enums import ModerationStatus, RevisionStatus, Visibility
from actors.models import Person
from actors.permissions import directory_viewer_level, is_cops_staff
from cops.ratelimit import rate_limit
from cops.uploads import stored_file_response
from cops.views_helpers import add_service_errors, apply_service
from directory.forms_projects import (
    COMMUNE_FIELDS,
    InvitePersonForm,
    ParticipationForm,
    ProjectDocumentForm,
    ProjectForm,
)
from directory.models import Project, ProjectDocument, ProjectPerson, ProjectPersonStatus
from directory.permissions import can_edit_project, can_propose_project, can_see_project
from directory.selectors.profiles import person_title, structure_logo_url
from directory.selectors.projects import (
    invitable_persons,
    lessons_labels,
    project_people,
    project_position,
    projects_for_display,
    radar_rows,
    visible_documents,
)
from directory.selectors.remembered import remembered
from directory.selectors.resources import lexicon_anchors
from directory.services.profiles import profile_archive, profile_current_data, profile_submit
from directory.services.projects import (
    project_delete,
    project_document_add,
    project_document_remove,
    project_invite_person,
    project_person_remove,
    project_person_respond,
    project_save,
)
from directory.views.browse import image_response, map_context


def _project_or_404(request, slug: str, queryset=None) -> Project:
    """The project of this address, or a 404 for anyone who may not see it."""
    queryset = queryset if queryset is not None else Project.objects.select_related("main_structure")
    project = queryset.filter(slug=slug).first()
    if project is None or not can_see_project(request.user, project):
        raise Http404
    return project


def _editable_or_404(request, slug: str) -> Project:
    project = _project_or_404(request, slug)
    if not can_edit_project(request.user, project):
        if project.status != ModerationStatus.PUBLISHED:
            raise Http404
        raise PermissionDenied
    return project


def _tags(items) -> list[dict]:
    """Domains and practices as tags, linking to the lexicon where it defines the term."""
    anchors = lexicon_anchors()
    tags = []
    for item in items:
        anchor = next((a for a in (item.code, slugify(item.label)) if a in anchors), "")
        tags.append(
            {"label": item.label, "url": f"{reverse('directory:glossary')}#{anchor}" if anchor else ""}
        )
    return tags


# --- Pages ---------------------------------------------------------------------------------------


def _project_page(pk: int, level: int) -> dict:
    """What a project's page shows at `level`, but its documents and its editors' banner."""
    project = projects_for_display().get(pk=pk)
    position = project_position(project)
    return {
        "project": project,
        "people": project_people(project, level),
        "structure_logo": structure_logo_url(project.main_structure),
        "structures": [s for s in project.structures.all() if s.pk != project.main_structure_id],
        "domains": _tags(project.domains.all()),
        "practices": _tags(project.practices.all()),
        "brakes": lessons_labels(project.brakes, "freins"),
        "levers": lessons_labels(project.levers, "leviers"),
        "radar": radar_rows(project.radar),
        "latitude": position[0] if position else None,
        "longitude": position[1] if position else None,
    }


@require_GET
def project_detail(request, slug: str):
    project = _project_or_404(request, slug)
    can_edit = can_edit_project(request.user, project)
    level = directory_viewer_level(request.user)
    status = {}
    if can_edit:  # its editors read the current rows, published or not
        page = _project_page(project.pk, level)
        status = {
            "status": project.status,
            "status_label": ModerationStatus(project.status).label,
            "revision_status": project.revision_status,
            "revision_status_label": RevisionStatus(project.revision_status).label
            if project.revision_status
            else "",
            "moderation_note": project.moderation_note,
        }
    else:
        # A published project, kept per version of the directory's index: every change shown here
        # (the project, its persons and structures) reindexes it. Not its documents: a removal does
        # not reindex, so they are read below.
        page = remembered(("project_page", project.pk, int(level)), lambda: _project_page(project.pk, level))
    return render(
        request,
        "directory/projects/detail.html",
        {
            **page,
            "can_edit": can_edit,
            "documents": visible_documents(project, all_documents=can_edit),
            **status,
            **map_context(),
        },
    )


def _save_and_maybe_submit(request, project, form):
    submit = request.POST.get("action") == "submit"

    def call():
        with transaction.atomic():
            saved = project_save(project=project, by=request.user, changes=form.changes())
            if submit:
                profile_submit(profile=saved, by=request.user, consent=form.cleaned_data["consent"])
            return saved

    if submit and not form.cleaned_data.get("consent"):
        form.add_error("consent", _("Votre accord est nécessaire pour envoyer le projet à la modération."))
        return None
    if submit:
        done = _("Merci ! Le projet est envoyé à l'équipe du COPS, qui le relira avant publication.")
    else:
        done = _("Le projet est enregistré. Envoyez-le à la modération quand il est prêt.")
    return apply_service(
        request,
        call,
        form=form,
        success_message=done,
        redirect_to=lambda saved: reverse("directory:project_detail", args=[saved.slug]),
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(group="directory.project_write", rate="60/h", key="user", methods=("POST",))
def project_create(request):
    if not can_propose_project(request.user):
        return render(request, "directory/projects/not_allowed.html", status=403)
    form = ProjectForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        response = _save_and_maybe_submit(request, None, form)
        if response:
            return response
    return render(request, "directory/projects/form.html", _form_context(form, None))


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, slug: str):
    project = _editable_or_404(request, slug)
    if project.status == ModerationStatus.ARCHIVED:
        raise Http404
    data = profile_current_data(project)
    form = ProjectForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=ProjectForm.initial_from(data),
        current_structure=data.get("main_structure"),
    )
    if request.method == "POST" and form.is_valid():
        response = _save_and_maybe_submit(request, project, form)
        if response:
            return response
    return render(request, "directory/projects/form.html", _form_context(form, project))


def _form_context(form, project) -> dict:
    return {
        "form": form,
        "project": project,
        "sections": [
            (title, [form[name] for name in names if name != "remove_image" or (project and project.image)])
            for title, names in form.sections
        ],
        "commune_fields": COMMUNE_FIELDS,
        "is_published": project is not None and project.status == ModerationStatus.PUBLISHED,
    }


@login_required
@require_POST
def project_remove(request, slug: str):
    """A draft is deleted; a project that was ever submitted is archived (it can be restored)."""
    project = _editable_or_404(request, slug)
    if project.status in (ModerationStatus.DRAFT, ModerationStatus.REJECTED) and project.published_at is None:
        project_delete(project=project, by=request.user)
        message = _("Le projet « %(title)s » est supprimé.") % {"title": project.title}
    else:
        profile_archive(profile=project, by=request.user)
        message = _("Le projet « %(title)s » est retiré de la cartographie.") % {"title": project.title}
    messages.success(request, message)
    return redirect("actors:account")


@require_GET
def project_image(request, slug: str):
    """Public once the project is published; before, only for those who may edit it."""
    project = _project_or_404(request, slug)
    image = project.image
    if can_edit_project(request.user, project) and (project.revision or {}).get("image"):
        image.name = project.revision["image"]  # the author checks the image they just sent
    response = image_response(image, "image/jpeg")
    response["Cache-Control"] = "public, max-age=86400" if project.is_published else "private, no-store"
    return response


# --- Persons involved ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
# Each invitation sends an email: a budget per account keeps the feature from being a mailer.
@rate_limit(group="directory.project_invite", rate="30/h", key="user", methods=("POST",))
def project_persons(request, slug: str):
    project = _editable_or_404(request, slug)
    level = Visibility.STAFF if is_cops_staff(request.user) else directory_viewer_level(request.user)
    invitations = list(project.people.select_related("person").order_by("invited_at"))
    form = InvitePersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = Person.objects.filter(
            pk=form.cleaned_data["person"], status=ModerationStatus.PUBLISHED
        ).first()
        if person is None:
            form.add_error(None, _("Cette personne n'est pas dans l'annuaire."))
        else:
            response = apply_service(
                request,
                lambda: project_invite_person(
                    project=project, by=request.user, person=person, role=form.cleaned_data["role"]
                ),
                form=form,
                success_message=_(
                    "L'invitation est envoyée : la personne apparaîtra sur le projet si elle accepte."
                ),
                redirect_to=reverse("directory:project_persons", args=[project.slug]),
            )
            if response:
                return response
    query = (request.GET.get("q") or "").strip()[:60]
    found = invitable_persons(query, level, exclude_ids=[i.person_id for i in invitations]) if query else []
    return render(
        request,
        "directory/projects/persons.html",
        {
            "project": project,
            "form": form,
            "query": query,
            "found": found,
            "invitations": [
                {"invitation": item, "title": person_title(item.person, level)} for item in invitations
            ],
        },
    )


@login_required
@require_POST
def project_person_remove_view(request, slug: str, pk: int):
    project = _editable_or_404(request, slug)
    invitation = get_object_or_404(ProjectPerson, pk=pk, project=project)
    project_person_remove(invitation=invitation, by=request.user)
    messages.success(request, _("La personne est retirée du projet."))
    return redirect("directory:project_persons", slug=project.slug)


@login_required
@require_http_methods(["GET", "POST"])
def project_participation(request, slug: str):
    """The invited person's answer; only their own account reaches this page."""
    invitation = (
        ProjectPerson.objects.select_related("project__main_structure", "person", "invited_by")
        .filter(project__slug=slug, person__user=request.user)
        .exclude(project__status=ModerationStatus.ARCHIVED)
        .first()
    )
    if invitation is None:
        raise Http404
    form = ParticipationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["answer"] == "accept"
        if accept:
            done = _("Merci ! Vous apparaissez désormais sur le projet « %(title)s ».")
        else:
            done = _("C'est noté : vous n'apparaîtrez pas sur le projet « %(title)s ».")
        target = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("directory:project_participation", args=[slug])
        response = apply_service(
            request,
            lambda: project_person_respond(invitation=invitation, by=request.user, accept=accept),
            success_message=done % {"title": invitation.project.title},
            redirect_to=target,
        )
        if response:
            return response
    return render(
        request,
        "directory/projects/participation.html",
        {
            "invitation": invitation,
            "project": invitation.project,
            "inviter": invitation.invited_by,
            "visible": invitation.project.status == ModerationStatus.PUBLISHED,
            "accepted": invitation.status == ProjectPersonStatus.ACCEPTED,
            "declined": invitation.status == ProjectPersonStatus.DECLINED,
        },
    )


# --- Documents ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@rate_limit(group="directory.project_write", rate="60/h", key="user", methods=("POST",))
def project_documents(request, slug: str):
    project = _editable_or_404(request, slug)
    form = ProjectDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            project_document_add(
                project=project,
                by=request.user,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                upload=upload,
                file_format=form.file_format,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Le document est ajouté. Il sera visible de tous après validation par l'équipe du COPS."),
            )
            return redirect("directory:project_documents", slug=project.slug)
    return render(
        request,
        "directory/projects/documents.html",
        {"project": project, "form": form, "documents": list(project.documents.order_by("kind", "title"))},
    )


@require_GET
def project_document(request, pk: int, slug: str):
    """Approved documents of a published project for everyone; all of them for its editors."""
    project = _project_or_404(request, slug)
    document = get_object_or_404(ProjectDocument, pk=pk, project=project)
    editor = can_edit_project(request.user, project)
    if not editor and not document.approved:
        raise Http404
    name = slugify(f"{project.title} {document.title}")[:120] or "document"
    return stored_file_response(
        document.file, filename=f"{name}.{document.file_format}", file_format=document.file_format
    )


@login_required
@require_POST
def project_document_remove_view(request, slug: str, pk: int):
    project = _editable_or_404(request, slug)
    document = get_object_or_404(ProjectDocument, pk=pk, project=project)
    project_document_remove(document=document, by=request.user)
    messages.success(request, _("Le document est retiré."))
    return redirect("directory:project_documents", slug=project.slug)
