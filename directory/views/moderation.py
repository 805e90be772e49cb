"""Staff moderation: the queue, one profile's review (with the diff of an edit and possible
duplicates), decisions, and the merge of two profiles."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from actors.enums import ModerationStatus, RevisionStatus, Visibility
from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Commune,
    Departement,
    Domain,
    Person,
    Qualification,
    Structure,
    StructureType,
)
from actors.permissions import staff_required
from actors.selectors.profiles import (
    moderation_queue,
    moderation_queue_filter,
    person_possible_duplicates,
    person_view,
    persons_for_display,
    structure_possible_duplicates,
    structure_view,
    structures_for_display,
)
from actors.services.merge import person_merge, structure_merge
from actors.services.profiles import (
    profile_approve,
    profile_reject,
    profile_request_changes,
    profile_snapshot,
    spec_for,
)
from directory.forms import VISIBILITY_LABELS, MergeForm, ModerationForm

QUEUE_PAGE = 50
FIELD_LABELS = {
    "first_name": gettext_lazy("Prénom"),
    "last_name": gettext_lazy("Nom"),
    "name": gettext_lazy("Nom"),
    "acronym": gettext_lazy("Sigle"),
    "bio": gettext_lazy("Présentation"),
    "description": gettext_lazy("Présentation"),
    "experience": gettext_lazy("Expérience et savoirs"),
    "email": gettext_lazy("Adresse électronique"),
    "phone": gettext_lazy("Téléphone"),
    "website": gettext_lazy("Site web"),
    "region_wide": gettext_lazy("Toute la région"),
    "outside_commune": gettext_lazy("Commune hors Occitanie"),
    "visibility": gettext_lazy("Visibilité des champs"),
    "commune": gettext_lazy("Commune"),
    "structure_type": gettext_lazy("Type de structure"),
    "profiles": gettext_lazy("Profils d'acteur"),
    "domains": gettext_lazy("Domaines d'activité"),
    "territories": gettext_lazy("Territoires d'activité"),
    "qualifications": gettext_lazy("Qualifications ou diplômes"),
    "activities": gettext_lazy("Activités"),
    "availabilities": gettext_lazy("Disponibilités"),
    "photo": gettext_lazy("Photo"),
    "logo": gettext_lazy("Logo"),
    "siret": gettext_lazy("SIRET"),
    "finess": gettext_lazy("FINESS"),
    "address": gettext_lazy("Adresse"),
    "postal_code": gettext_lazy("Code postal"),
    "latitude": gettext_lazy("Latitude"),
    "longitude": gettext_lazy("Longitude"),
}
M2M_MODELS = {
    "profiles": ActorProfile,
    "domains": Domain,
    "qualifications": Qualification,
    "activities": Activity,
    "availabilities": Availability,
}


def _model_for(kind: str):
    if kind == "personne":
        return Person
    if kind == "structure":
        return Structure
    raise Http404


def _display(name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if name in M2M_MODELS:
        return ", ".join(M2M_MODELS[name].objects.filter(pk__in=value).values_list("label", flat=True))
    if name == "territories":
        return ", ".join(Departement.objects.filter(pk__in=value).values_list("name", flat=True))
    if name == "commune":
        commune = Commune.objects.filter(pk=value).first()
        return str(commune) if commune else "—"
    if name == "structure_type":
        structure_type = StructureType.objects.filter(pk=value).first()
        return structure_type.label if structure_type else "—"
    if name == "visibility":
        return "; ".join(
            f"{VISIBILITY_LABELS[field]} : {Visibility(int(level)).label}"
            for field, level in sorted(value.items())
            if field in VISIBILITY_LABELS
        )
    if name in ("photo", "logo"):
        return _("image envoyée")
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
                        "label": FIELD_LABELS[name],
                        "before": _display(name, {f: before[f] for f in changed}),
                        "after": _display(name, {f: after[f] for f in changed}),
                    }
                )
            continue
        if before != after:
            rows.append(
                {
                    "label": FIELD_LABELS.get(name, name),
                    "before": _display(name, before),
                    "after": _display(name, after),
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
            "person_total": Person.objects.filter(moderation_queue_filter()).count(),
            "structure_total": Structure.objects.filter(moderation_queue_filter()).count(),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def moderation_review(request, kind: str, pk: int):
    model = _model_for(kind)
    queryset = persons_for_display() if model is Person else structures_for_display()
    profile = get_object_or_404(queryset, pk=pk)
    if request.method == "POST":
        form = ModerationForm(request.POST)
        if form.is_valid():
            decision, message = form.cleaned_data["decision"], form.cleaned_data["message"]
            try:
                if decision == "approve":
                    profile_approve(profile=profile, by=request.user)
                    messages.success(request, _("« %(name)s » est publié(e).") % {"name": profile})
                elif decision == "reject":
                    profile_reject(profile=profile, by=request.user, reason=message)
                    messages.success(
                        request, _("« %(name)s » est refusé(e) ; l'auteur est prévenu.") % {"name": profile}
                    )
                else:
                    profile_request_changes(profile=profile, by=request.user, message=message)
                    messages.success(request, _("Les modifications demandées sont envoyées à l'auteur."))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("directory:moderation_queue")
    else:
        form = ModerationForm()
    is_edit = (
        profile.status == ModerationStatus.PUBLISHED and profile.revision_status == RevisionStatus.PENDING
    )
    if model is Person:
        view = person_view(profile, Visibility.STAFF)
        duplicates = person_possible_duplicates(profile)
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
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def merge_profiles(request, kind: str, keep: int, remove: int):
    model = _model_for(kind)
    queryset = persons_for_display() if model is Person else structures_for_display()
    kept = get_object_or_404(queryset, pk=keep)
    removed = get_object_or_404(queryset, pk=remove)
    form = MergeForm(request.POST or None, initial={"keep": keep, "remove": remove})
    if request.method == "POST" and form.is_valid():
        try:
            if model is Person:
                merged = person_merge(keep=kept, remove=removed, by=request.user)
            else:
                merged = structure_merge(keep=kept, remove=removed, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Les deux fiches sont fusionnées dans « %(name)s ».") % {"name": merged}
            )
            if merged.status == ModerationStatus.PENDING or merged.revision_status == RevisionStatus.PENDING:
                return redirect("directory:moderation_review", kind, merged.pk)
            return redirect(reverse("directory:moderation_queue"))
    if model is Person:
        views = [person_view(kept, Visibility.STAFF), person_view(removed, Visibility.STAFF)]
    else:
        views = [structure_view(kept, Visibility.STAFF), structure_view(removed, Visibility.STAFF)]
    return render(
        request,
        "directory/moderation/merge.html",
        {"kind": kind, "kept": kept, "removed": removed, "views": views, "form": form},
    )
