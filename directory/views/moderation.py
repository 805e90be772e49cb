"""Staff moderation: the queue, one profile's review (with the diff of an edit and possible
duplicates), decisions, and the merge of two profiles."""

from functools import partial

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actors.enums import ModerationStatus, RevisionStatus, Visibility
from actors.models import Departement, Person, Structure
from actors.permissions import staff_required
from cops.views_helpers import apply_service
from directory.forms import VISIBILITY_LABELS, MergeForm, ModerationForm
from directory.labels import field_label
from directory.models import Project
from directory.selectors.profiles import (
    moderation_queue,
    moderation_queue_filter,
    moderation_queue_projects,
    person_possible_duplicates,
    person_view,
    persons_for_display,
    structure_possible_duplicates,
    structure_view,
    structures_for_display,
)
from directory.selectors.projects import lessons_labels, project_people, projects_for_display
from directory.services.merge import person_merge, structure_merge
from directory.services.profiles import (
    profile_approve,
    profile_reject,
    profile_request_changes,
    profile_snapshot,
    spec_for,
)

QUEUE_PAGE = 50


def _model_for(kind: str):
    if kind == "personne":
        return Person
    if kind == "structure":
        return Structure
    if kind == "projet":
        return Project
    raise Http404


def _display(profile, name: str, value) -> str:
    """A snapshot value as the staff read it; the field's kind comes from the profile's spec."""
    if value in (None, "", []):
        return "—"
    spec = spec_for(profile)
    if name == "territories":
        # Départements by name only (their str() adds the code).
        return ", ".join(Departement.objects.filter(pk__in=value).values_list("name", flat=True))
    if name in spec.many_to_many:
        related = profile._meta.get_field(name).related_model
        return ", ".join(str(item) for item in related.objects.filter(pk__in=value))
    if name in spec.foreign_keys:
        item = profile._meta.get_field(name).related_model.objects.filter(pk=value).first()
        return str(item) if item else "—"
    if name == "visibility":
        return "; ".join(
            f"{VISIBILITY_LABELS[field]} : {Visibility(int(level)).label}"
            for field, level in sorted(value.items())
            if field in VISIBILITY_LABELS
        )
    if name in spec.files:
        return _("image envoyée")
    if name in ("brakes", "levers"):  # a project's « ce que nous avons appris », in the barometer's words
        return "; ".join(lessons_labels(value, "freins" if name == "brakes" else "leviers"))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    return str(value)


def revision_diff(profile) -> list[dict]:
    """The fields an edit changes: label, published value, proposed value."""
    if profile.revision is None:
        return []
    current = profile_snapshot(profile)
    rows = []
    for name in spec_for(profile).all_fields:
        before, after = current.get(name), profile.revision.get(name)
        if name == "visibility":
            before = {field: profile.field_level(field) for field in Person.RESTRICTABLE_FIELDS}
            after = {
                field: int((after or {}).get(field, default))
                for field, default in Person.RESTRICTABLE_FIELDS.items()
            }
            changed = {field for field in before if before[field] != after[field]}
            if changed:
                rows.append(
                    {
                        "label": field_label(type(profile), name),
                        "before": _display(profile, name, {f: before[f] for f in changed}),
                        "after": _display(profile, name, {f: after[f] for f in changed}),
                    }
                )
            continue
        if before != after:
            rows.append(
                {
                    "label": field_label(type(profile), name),
                    "before": _display(profile, name, before),
                    "after": _display(profile, name, after),
                }
            )
    return rows


@staff_required
@require_http_methods(["GET"])
def moderation_queue_view(request):
    persons, structures = moderation_queue(limit=QUEUE_PAGE)
    return render(
        request,
        "directory/moderation/queue.html",
        {
            "persons": persons,
            "structures": structures,
            "projects": moderation_queue_projects(limit=QUEUE_PAGE),
            "person_total": Person.objects.filter(moderation_queue_filter()).count(),
            "structure_total": Structure.objects.filter(moderation_queue_filter()).count(),
            "project_total": Project.objects.filter(moderation_queue_filter()).count(),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def moderation_review(request, kind: str, pk: int):
    model = _model_for(kind)
    queryset = {
        Person: persons_for_display,
        Structure: structures_for_display,
        Project: projects_for_display,
    }[model]()
    profile = get_object_or_404(queryset, pk=pk)
    if request.method == "POST":
        form = ModerationForm(request.POST)
        if form.is_valid():
            decision, message = form.cleaned_data["decision"], form.cleaned_data["message"]
            if decision == "approve":
                decide = partial(profile_approve, profile=profile, by=request.user)
                done = _("« %(name)s » est publié(e).") % {"name": profile}
            elif decision == "reject":
                decide = partial(profile_reject, profile=profile, by=request.user, reason=message)
                done = _("« %(name)s » est refusé(e) ; l'auteur est prévenu.") % {"name": profile}
            else:
                decide = partial(profile_request_changes, profile=profile, by=request.user, message=message)
                done = _("Les modifications demandées sont envoyées à l'auteur.")
            response = apply_service(
                request, decide, form=form, success_message=done, redirect_to="directory:moderation_queue"
            )
            if response:
                return response
    else:
        form = ModerationForm()
    is_edit = (
        profile.status == ModerationStatus.PUBLISHED and profile.revision_status == RevisionStatus.PENDING
    )
    extra = {}
    if model is Person:
        view = person_view(profile, Visibility.STAFF)
        duplicates = person_possible_duplicates(profile)
    elif model is Project:
        view, duplicates = {"title": profile.title}, []
        extra = {
            "people": project_people(profile, Visibility.STAFF),
            "brakes": lessons_labels(profile.brakes, "freins"),
            "levers": lessons_labels(profile.levers, "leviers"),
        }
    else:
        view = structure_view(profile, Visibility.STAFF)
        duplicates = structure_possible_duplicates(profile)
    return render(
        request,
        "directory/moderation/review.html",
        {
            "kind": kind,
            "profile": profile,
            "actor": view,
            "form": form,
            "is_edit": is_edit,
            "diff": revision_diff(profile) if is_edit else [],
            "duplicates": duplicates,
            "seen_by": {name: Visibility(value).label for name, value in profile.field_levels.items()}
            if model is Person
            else {},
            "waiting": profile.status == ModerationStatus.PENDING or is_edit,
            **extra,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def merge_profiles(request, kind: str, keep: int, remove: int):
    model = _model_for(kind)
    if model is Project:
        raise Http404  # projects are not merged
    queryset = persons_for_display() if model is Person else structures_for_display()
    kept = get_object_or_404(queryset, pk=keep)
    removed = get_object_or_404(queryset, pk=remove)
    form = MergeForm(request.POST or None, initial={"keep": keep, "remove": remove})
    if request.method == "POST" and form.is_valid():
        merge = person_merge if model is Person else structure_merge

        def next_page(merged) -> str:
            if merged.status == ModerationStatus.PENDING or merged.revision_status == RevisionStatus.PENDING:
                return reverse("directory:moderation_review", args=[kind, merged.pk])
            return reverse("directory:moderation_queue")

        response = apply_service(
            request,
            lambda: merge(keep=kept, remove=removed, by=request.user),
            form=form,
            success_message=lambda merged: _("Les deux fiches sont fusionnées dans « %(name)s ».")
            % {"name": merged},
            redirect_to=next_page,
        )
        if response:
            return response
    if model is Person:
        views = [person_view(kept, Visibility.STAFF), person_view(removed, Visibility.STAFF)]
    else:
        views = [structure_view(kept, Visibility.STAFF), structure_view(removed, Visibility.STAFF)]
    return render(
        request,
        "directory/moderation/merge.html",
        {"kind": kind, "kept": kept, "removed": removed, "views": views, "form": form},
    )
