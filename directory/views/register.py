"""Registering in the directory: a person's or a structure's profile in short steps.

Each valid step is saved as a draft (so nothing typed is lost and the author can come back);
an invalid step saves nothing. The last step records consent and sends the profile to
moderation; for a published profile, the edit waits for moderation while the published
version stays online.
"""

from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from actors.enums import MembershipStatus, ModerationStatus, Visibility
from actors.models import Commune, Departement, Membership, Person, Structure
from actors.permissions import is_partner
from cops.ratelimit import rate_limit
from cops.views_helpers import add_service_errors
from directory import forms
from directory.labels import field_label
from directory.permissions import can_edit_structure
from directory.selectors.profiles import (
    pending_memberships_for_referent,
    person_possible_duplicates,
    person_view,
    persons_for_display,
    structure_logo_url,
    structure_possible_duplicates,
    structures_editable_by,
)
from directory.services.profiles import (
    person_delete,
    person_save,
    profile_archive,
    profile_current_data,
    profile_discard_revision,
    profile_restore,
    profile_submit,
    structure_save,
)
from directory.views.browse import map_context

# Registration posts, person and structure alike, share one budget per person; settings.RATE_LIMITS
# ["directory.register"] may change it.
limit_registrations = rate_limit(group="directory.register", rate="40/h", key="user", methods=("POST",))


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form_class: type
    intro: str = ""


PERSON_STEPS = [
    Step(
        "identite",
        gettext_lazy("Identité"),
        forms.PersonIdentityForm,
        gettext_lazy("Comment vous présenter dans l'annuaire. Seul votre prénom est toujours visible."),
    ),
    Step(
        "profils",
        gettext_lazy("Profils et domaines"),
        forms.PersonProfilesForm,
        gettext_lazy("Votre place dans le partenariat en santé."),
    ),
    Step(
        "territoire",
        gettext_lazy("Territoire et commune"),
        forms.PersonTerritoryForm,
        gettext_lazy("Sur la carte, vous apparaîtrez au centre de votre commune, jamais à votre adresse."),
    ),
    Step(
        "activites",
        gettext_lazy("Activités et disponibilité"),
        forms.PersonActivitiesForm,
        gettext_lazy("Ce que vous faites et quand vous êtes disponible."),
    ),
    Step(
        "visibilite",
        gettext_lazy("Visibilité et envoi"),
        forms.PersonVisibilityForm,
        gettext_lazy("Choisissez qui voit chaque information, relisez, puis envoyez votre fiche."),
    ),
]
STRUCTURE_STEPS = [
    Step("identite", gettext_lazy("Identité"), forms.StructureIdentityForm),
    Step("domaines", gettext_lazy("Domaines et présentation"), forms.StructureDomainsForm),
    Step(
        "adresse",
        gettext_lazy("Adresse et territoire"),
        forms.StructureAddressForm,
        gettext_lazy("L'adresse d'une structure est publique."),
    ),
    Step(
        "position",
        gettext_lazy("Position sur la carte"),
        forms.StructurePositionForm,
        gettext_lazy("L'épingle est placée au centre de la commune : faites-la glisser sur votre bâtiment."),
    ),
    Step(
        "publication",
        gettext_lazy("Relecture et envoi"),
        forms.ConsentForm,
        gettext_lazy("Relisez la fiche puis envoyez-la à l'équipe du COPS."),
    ),
]


def _step_index(steps: list[Step], slug: str) -> int:
    for index, step in enumerate(steps):
        if step.slug == slug:
            return index
    raise Http404


def _require_partner(request):
    if not is_partner(request.user):
        messages.warning(
            request, _("Confirmez d'abord votre adresse électronique pour rejoindre l'annuaire.")
        )
        return redirect("actors:account")
    return None


# --- Initial values and changes ----------------------------------------------------------------------------


def _initial(step: Step, data: dict) -> dict:
    initial = dict(data)
    if "commune" in data:
        initial["commune"] = forms.commune_initial(data.get("commune"), data.get("outside_commune", ""))
    if step.form_class is forms.PersonVisibilityForm:
        for name, default in Person.RESTRICTABLE_FIELDS.items():
            initial[f"vis_{name}"] = int((data.get("visibility") or {}).get(name, default))
    initial.pop("photo", None)
    initial.pop("logo", None)
    return initial


def _changes(form) -> dict:
    if hasattr(form, "changes"):
        return form.changes()
    if isinstance(form, forms.PersonVisibilityForm):
        return {"visibility": form.visibility()}
    if isinstance(form, forms.ConsentForm):
        return {}
    changes = dict(form.cleaned_data)
    for file_field in ("photo", "logo"):
        if changes.pop(f"remove_{file_field}", False):
            changes[file_field] = False
        elif file_field in changes and changes[file_field] is None:
            changes.pop(file_field)
    return changes


def _steps_context(steps: list[Step], index: int, url_for) -> list[dict]:
    return [
        {
            "number": position + 1,
            "title": step.title,
            "url": url_for(step.slug),
            "state": "done" if position < index else ("current" if position == index else "todo"),
        }
        for position, step in enumerate(steps)
    ]


def _listed(model, data: dict, name: str) -> str:
    """A many-to-many value of a snapshot (ids) as its items' labels."""
    related = model._meta.get_field(name).related_model
    labels = related.objects.filter(pk__in=data.get(name) or []).values_list("label", flat=True)
    return ", ".join(labels) or "—"


def _item(model, data: dict, name: str) -> str:
    """A foreign key of a snapshot (id) as its item."""
    item = model._meta.get_field(name).related_model.objects.filter(pk=data.get(name)).first()
    return str(item) if item else "—"


def _commune(data: dict) -> str:
    return forms.commune_initial(data.get("commune"), data.get("outside_commune", ""))


def _territories(data: dict) -> str:
    if data.get("region_wide"):
        return _("Toute la région")
    codes = data.get("territories") or []
    return ", ".join(Departement.objects.filter(pk__in=codes).values_list("name", flat=True)) or "—"


def person_summary(data: dict) -> list[tuple[str, str, str]]:
    """(step slug, label, value) lines shown before sending; a field's label is its model's."""
    label = partial(field_label, Person)
    return [
        ("identite", _("Nom"), f"{data.get('first_name', '')} {data.get('last_name', '')}".strip()),
        ("identite", label("email"), data.get("email") or "—"),
        ("identite", label("phone"), data.get("phone") or "—"),
        ("profils", label("profiles"), _listed(Person, data, "profiles")),
        ("profils", label("domains"), _listed(Person, data, "domains")),
        ("territoire", label("commune"), _commune(data) or "—"),
        ("territoire", label("territories"), _territories(data)),
        ("activites", label("activities"), _listed(Person, data, "activities")),
        ("activites", label("availabilities"), _listed(Person, data, "availabilities")),
        # Shorter here than the field's "Qualifications ou diplômes".
        ("activites", _("Qualifications"), _listed(Person, data, "qualifications")),
        ("activites", label("bio"), data.get("bio") or "—"),
        ("activites", label("experience"), data.get("experience") or "—"),
    ]


def structure_summary(data: dict) -> list[tuple[str, str, str]]:
    label = partial(field_label, Structure)
    contact = (data.get("email"), data.get("phone"), data.get("website"))
    address = (data.get("address"), data.get("postal_code"), _commune(data))
    return [
        ("identite", label("name"), data.get("name") or "—"),
        ("identite", label("acronym"), data.get("acronym") or "—"),
        ("identite", _("Type"), _item(Structure, data, "structure_type")),
        ("identite", label("siret"), data.get("siret") or "—"),
        ("identite", label("finess"), data.get("finess") or "—"),
        ("identite", _("Contact"), " · ".join(v for v in contact if v) or "—"),
        ("domaines", label("domains"), _listed(Structure, data, "domains")),
        ("domaines", label("description"), data.get("description") or "—"),
        ("adresse", label("address"), " ".join(v for v in address if v) or "—"),
        ("adresse", label("territories"), _territories(data)),
    ]


# --- Person ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@limit_registrations
def register_person(request, step: str):
    if (refusal := _require_partner(request)) is not None:
        return refusal
    index = _step_index(PERSON_STEPS, step)
    current = PERSON_STEPS[index]
    person = Person.objects.filter(user=request.user).first()
    if person is None and index > 0:
        return redirect("directory:register_person", PERSON_STEPS[0].slug)
    if person is not None and person.status == ModerationStatus.ARCHIVED:
        messages.info(
            request, _("Votre fiche est archivée : restaurez-la depuis « Mes fiches » pour la modifier.")
        )
        return redirect("directory:my_profiles")
    data = (
        profile_current_data(person)
        if person
        else {
            "first_name": request.user.first_name,
            "last_name": request.user.last_name,
            "email": request.user.email,
        }
    )
    is_last = index == len(PERSON_STEPS) - 1
    if request.method == "POST":
        form = current.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    person = person_save(person=person, by=request.user, changes=_changes(form))
                    if is_last:
                        profile_submit(profile=person, by=request.user, consent=form.cleaned_data["consent"])
            except ValidationError as error:  # not apply_service: two services, three ways to go on
                add_service_errors(form, error)
            else:
                if is_last:
                    messages.success(
                        request,
                        _(
                            "Votre fiche est envoyée à l'équipe du COPS. Vous recevrez un message dès qu'elle sera "
                            "publiée."
                        ),
                    )
                    return redirect("directory:my_profiles")
                if "save_and_leave" in request.POST:
                    messages.success(request, _("Votre brouillon est enregistré."))
                    return redirect("directory:my_profiles")
                return redirect("directory:register_person", PERSON_STEPS[index + 1].slug)
    else:
        form = current.form_class(initial=_initial(current, data))
    context = {
        "kind": "personne",
        "step": current,
        "index": index,
        "total": len(PERSON_STEPS),
        "steps": _steps_context(
            PERSON_STEPS,
            index,
            lambda slug: reverse("directory:register_person", args=[slug]) if person else "",
        ),
        "form": form,
        "is_last": is_last,
        "profile_status": person.status if person else "",
        "is_published": bool(person and person.status == ModerationStatus.PUBLISHED),
        "has_photo": bool(data.get("photo")),
        "photo_url": reverse("directory:person_photo", args=[person.pk]) if person and person.photo else "",
        "previous_url": reverse("directory:register_person", args=[PERSON_STEPS[index - 1].slug])
        if index
        else "",
    }
    if is_last and person is not None:
        context["summary"] = person_summary(data)
        context["possible_duplicate"] = bool(person_possible_duplicates(person))
    return render(request, "directory/register/step.html", context)


# --- Structure ------------------------------------------------------------------------------------------------


def _structure_for_edit(request, pk: int | None) -> Structure | None:
    if pk is None:
        return None
    structure = get_object_or_404(Structure, pk=pk)
    if not can_edit_structure(request.user, structure):
        raise PermissionDenied
    return structure


@login_required
@require_http_methods(["GET", "POST"])
@limit_registrations
def register_structure(request, step: str, pk: int | None = None):
    if (refusal := _require_partner(request)) is not None:
        return refusal
    index = _step_index(STRUCTURE_STEPS, step)
    current = STRUCTURE_STEPS[index]
    structure = _structure_for_edit(request, pk)
    if structure is None and index > 0:
        return redirect("directory:register_structure_new")
    if structure is not None and structure.status == ModerationStatus.ARCHIVED:
        messages.info(
            request, _("Cette fiche est archivée : restaurez-la depuis « Mes fiches » pour la modifier.")
        )
        return redirect("directory:my_profiles")
    data = profile_current_data(structure) if structure else {}
    if current.form_class is forms.StructurePositionForm and not data.get("commune"):
        messages.info(
            request, _("Indiquez d'abord la commune de la structure : l'épingle partira de son centre.")
        )
        return redirect("directory:register_structure", structure.pk, "adresse")
    if current.form_class is forms.StructurePositionForm and data.get("latitude") is None:
        commune = Commune.objects.get(pk=data["commune"])
        data = {**data, "latitude": commune.latitude, "longitude": commune.longitude}
    is_last = index == len(STRUCTURE_STEPS) - 1

    def url_for(slug):
        return reverse("directory:register_structure", args=[structure.pk, slug]) if structure else ""

    if request.method == "POST":
        form = current.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    structure = structure_save(structure=structure, by=request.user, changes=_changes(form))
                    if is_last:
                        profile_submit(
                            profile=structure, by=request.user, consent=form.cleaned_data["consent"]
                        )
            except ValidationError as error:  # not apply_service: two services, three ways to go on
                add_service_errors(form, error)
            else:
                if is_last:
                    messages.success(
                        request,
                        _("La fiche de la structure est envoyée à l'équipe du COPS pour validation."),
                    )
                    return redirect("directory:my_profiles")
                if "save_and_leave" in request.POST:
                    messages.success(request, _("Votre brouillon est enregistré."))
                    return redirect("directory:my_profiles")
                return redirect("directory:register_structure", structure.pk, STRUCTURE_STEPS[index + 1].slug)
    else:
        form = current.form_class(initial=_initial(current, data))
    context = {
        "kind": "structure",
        "step": current,
        "index": index,
        "total": len(STRUCTURE_STEPS),
        "steps": _steps_context(STRUCTURE_STEPS, index, url_for),
        "form": form,
        "is_last": is_last,
        "structure": structure,
        "profile_status": structure.status if structure else "",
        "is_published": bool(structure and structure.status == ModerationStatus.PUBLISHED),
        "logo_url": structure_logo_url(structure) if structure else "",
        "previous_url": url_for(STRUCTURE_STEPS[index - 1].slug) if index else "",
        "position": (data.get("latitude"), data.get("longitude")),
        **map_context(),
    }
    if is_last and structure is not None:
        context["summary"] = structure_summary(data)
        context["duplicates"] = [
            s for s in structure_possible_duplicates(structure) if s.status == ModerationStatus.PUBLISHED
        ]
    return render(request, "directory/register/step.html", context)


# --- The author's space ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def register_start(request):
    person = Person.objects.filter(user=request.user).first()
    return render(
        request,
        "directory/register/start.html",
        {
            "person": person,
            "structures": structures_editable_by(request.user),
            "is_partner": is_partner(request.user),
        },
    )


@login_required
@require_http_methods(["GET"])
def my_profiles(request):
    person = Person.objects.filter(user=request.user).select_related("commune").first()
    memberships = (
        Membership.objects.filter(person=person).select_related("structure").order_by("structure__name")
        if person
        else []
    )
    return render(
        request,
        "directory/my_profiles.html",
        {
            "person": person,
            "structures": structures_editable_by(request.user),
            "memberships": memberships,
            "pending_requests": pending_memberships_for_referent(request.user).count(),
            "MembershipStatus": MembershipStatus,
        },
    )


def _own_profile(request, kind: str, pk: int):
    if kind == "personne":
        return get_object_or_404(Person, pk=pk, user=request.user)
    structure = get_object_or_404(Structure, pk=pk)
    if not can_edit_structure(request.user, structure):
        raise PermissionDenied
    return structure


@login_required
@require_http_methods(["POST"])
def profile_action(request, kind: str, pk: int, action: str):
    """Archive, restore or delete one's own profile, or drop a pending edit."""
    profile = _own_profile(request, kind, pk)
    # Not apply_service: one refusal message, whichever of the four actions was asked.
    try:
        if action == "archiver":
            profile_archive(profile=profile, by=request.user)
            messages.success(request, _("La fiche est retirée de l'annuaire. Vous pourrez la restaurer."))
        elif action == "restaurer":
            profile_restore(profile=profile, by=request.user)
            messages.success(
                request, _("La fiche est restaurée comme brouillon : envoyez-la pour la republier.")
            )
        elif action == "abandonner-modification":
            profile_discard_revision(profile=profile, by=request.user)
            messages.success(
                request, _("Votre modification est abandonnée ; la version publiée reste en ligne.")
            )
        elif action == "supprimer" and kind == "personne":
            if request.POST.get("confirm") != "oui":
                messages.error(request, _("Cochez la case de confirmation pour supprimer votre fiche."))
                return redirect("directory:my_profiles")
            person_delete(person=profile, by=request.user)
            messages.success(request, _("Votre fiche et ses données ont été supprimées."))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("directory:my_profiles")


@login_required
@require_http_methods(["GET"])
def my_data(request):
    """Everything the directory holds about the signed-in person, as JSON (right of access)."""
    person = persons_for_display().filter(user=request.user).first()
    if person is None:
        raise Http404
    view = person_view(person, Visibility.STAFF)
    data = {
        "fiche": {
            "prenom": person.first_name,
            "nom": person.last_name,
            "commune": view.commune or "",
            "profils": [item.label for item in view.profiles],
            "domaines": [item.label for item in view.domains],
            "territoires": [item.label for item in view.territories],
            "toute_la_region": person.region_wide,
            "qualifications": [item.label for item in view.qualifications],
            "activites": [item.label for item in view.activities],
            "disponibilites": [item.label for item in view.availabilities],
            "presentation": person.bio,
            "experience": person.experience,
            "email": person.email,
            "telephone": person.phone,
            "site_web": person.website,
            "photo": bool(person.photo),
        },
        "visibilite": {name: str(Visibility(level).label) for name, level in person.field_levels.items()},
        "statut": str(person.get_status_display()),
        "modification_en_attente": person.revision,
        "consentement": {
            "date": person.consent_at.isoformat() if person.consent_at else None,
            "version_du_texte": person.consent_version,
        },
        "dates": {
            "creation": person.created_at.isoformat(),
            "publication": person.published_at.isoformat() if person.published_at else None,
            "exactitude_confirmee": person.accuracy_confirmed_at.isoformat()
            if person.accuracy_confirmed_at
            else None,
        },
        "appartenances": [
            {
                "structure": membership.structure.name,
                "fonction": membership.function,
                "referent": membership.is_referent,
                "statut": str(membership.get_status_display()),
            }
            for membership in person.memberships.all()
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-annuaire-cops.json"'
    return response
