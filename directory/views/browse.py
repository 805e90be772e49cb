"""Browsing the directory: list, map, detail pages, photos, commune suggestions."""

import json
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import CharField, F, Func, Value
from django.db.models.functions import Lower
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render, resolve_url
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from actors.enums import ContactPolicy, MembershipStatus, ModerationStatus, RevisionStatus, Visibility
from actors.models import Commune, Membership, Person, Structure
from actors.permissions import directory_viewer_level, is_cops_staff
from cops.middleware import csp_frame_ancestors
from cops.ratelimit import rate_limit
from directory import listing_cache
from directory.facets import current_version
from directory.filters import EntryFilter
from directory.indexing import fold
from directory.permissions import can_contact, can_edit_person, can_edit_structure
from directory.selectors.contact import (
    ContactTarget,
    person_target,
    policies_admitting,
    structure_target,
)
from directory.selectors.listing import ResultPages, actor_badges, directory_search, entry_filter
from directory.selectors.profiles import (
    person_of_user,
    person_view,
    persons_for_display,
    structure_view,
    structures_for_display,
)
from directory.selectors.projects import projects_of_person, projects_of_structure
from directory.selectors.remembered import remembered
from directory.selectors.resources import lexicon

PAGE_SIZE = 20
# The "patient partenaire" family of actor profiles, for the ready-made view.
PATIENT_PARTNER_CODES = (
    "patient-partenaire",
    "patient-partenaire-ressource",
    "patient-partenaire-formateur",
    "patient-partenaire-chercheur",
    "mediateur-sante-pair",
)


def map_context() -> dict:
    """Tile server settings for the pages that draw a map (configurable by environment)."""
    return {"tiles_url": settings.MAP_TILES_URL, "tiles_attribution": settings.MAP_TILES_ATTRIBUTION}


def is_search(request) -> bool:
    return bool(request.GET.get("q") or request.GET.get("nom"))


# Keyword and name searches, on these pages and in the API (directory.api.SearchThrottle), share one
# budget per person (per address when anonymous); settings.RATE_LIMITS["directory.search"] may change it.
SEARCH_LIMIT_GROUP = "directory.search"
SEARCH_RATE = "120/m"
limit_searches = rate_limit(
    group=SEARCH_LIMIT_GROUP, rate=SEARCH_RATE, key="user", methods=("GET", "POST"), when=is_search
)


def _listing_context(request, *, data=None, with_results: bool = True, level: int | None = None) -> dict:
    level = directory_viewer_level(request.user) if level is None else level
    filterset = entry_filter(data if data is not None else request.GET, level=level)
    result = directory_search(filterset)
    query = _without_page(request)
    context = {
        # The address keeps only what the visitor chose (not a view's preset filters).
        "query_without_page": query.urlencode(),
        "chips": _chips(query, filterset),
        "filterset": filterset,
        "form": filterset.form,
        "facets": result.facets,
        "level": level,
        "is_partner_view": level >= Visibility.PARTNERS,
        "active_count": len(filterset.active_params),
        "radius_selected": str(filterset.form.data.get("rayon", "")),
        "total": result.total,
        "result": result,
        "results_count": results_count_text(result.total, _result_noun(filterset, result.facets)),
    }
    if with_results:
        page = Paginator(ResultPages(result), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, cards=page.object_list)
    return context


def _result_noun(filterset, facets) -> str:
    """What the results are: actors (persons, structures), projects, or both (« fiches »)."""
    kinds = filterset.form.cleaned_data.get("type") if filterset.form.is_valid() else None
    if kinds:
        chosen = set(kinds)
    else:
        group = next((group for group in facets if group.name == "type"), None)
        chosen = {option.value for option in group.options if option.count} if group else set()
    if chosen == {"projet"}:
        return "projet"
    return "fiche" if "projet" in chosen else "acteur"


def results_count_text(total: int, noun: str, *, in_area: bool = False) -> str:
    """« 12 acteurs trouvés », « 3 projets dans cette zone », « Aucune fiche trouvée »…"""
    shown = intcomma(total)
    if noun == "projet":
        if not total:
            return _("Aucun projet dans cette zone") if in_area else _("Aucun projet trouvé")
        if in_area:
            return ngettext("%(n)s projet dans cette zone", "%(n)s projets dans cette zone", total) % {
                "n": shown
            }
        return ngettext("%(n)s projet trouvé", "%(n)s projets trouvés", total) % {"n": shown}
    if noun == "fiche":
        if not total:
            return _("Aucune fiche dans cette zone") if in_area else _("Aucune fiche trouvée")
        if in_area:
            return ngettext("%(n)s fiche dans cette zone", "%(n)s fiches dans cette zone", total) % {
                "n": shown
            }
        return ngettext("%(n)s fiche trouvée", "%(n)s fiches trouvées", total) % {"n": shown}
    if not total:
        return _("Aucun acteur dans cette zone") if in_area else _("Aucun acteur trouvé")
    if in_area:
        return ngettext("%(n)s acteur dans cette zone", "%(n)s acteurs dans cette zone", total) % {"n": shown}
    return ngettext("%(n)s acteur trouvé", "%(n)s acteurs trouvés", total) % {"n": shown}


def _without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query


def _chips(query, filterset) -> list[dict]:
    """One removable chip per active filter value: its label and the address without it."""
    chips = []
    for name, field in filterset.form.fields.items():
        values = query.getlist(name)
        if not values or name == "page":
            continue
        choices = dict((str(value), str(label)) for value, label in getattr(field, "choices", []))
        for value in values:
            if not value:
                continue
            remaining = query.copy()
            remaining.setlist(name, [other for other in values if other != value])
            if name == "commune":
                remaining.pop("rayon", None)
            label = choices.get(value, value)
            if name == "rayon":
                label = _("dans un rayon de %(km)s km") % {"km": value}
            chips.append({"label": f"{field.label} : {label}", "remove_query": remaining.urlencode()})
    return chips


@require_GET
@limit_searches
def directory_list(request):
    level = directory_viewer_level(request.user)
    key = listing_cache.listing_key(
        name="list",
        version=current_version(),
        level=level,
        staff=is_cops_staff(request.user),
        query=request.GET,
    )
    listing = listing_cache.get(key)
    if listing is None:
        listing = render_to_string(
            "directory/partials/_listing.html", _listing_context(request, level=level), request
        )
        listing_cache.put(key, listing)
    return render(
        request,
        "directory/list.html",
        {"listing": mark_safe(listing), "query_without_page": _without_page(request).urlencode()},  # noqa: S308 - rendered by our template
    )


# --- The map (with its result list) and the embeddable map ------------------------------------------
# Parameters that place the map, not filters: left out of shared addresses and embed snippets.
MAP_VIEW_PARAMS = ("page", "bbox")
# The map's marker kinds (GeoJSON property `k`) by card kind.
MAP_KINDS = {"personne": "p", "structure": "s", "projet": "j"}
# The legend: per kind (`k`) its shape's letter and per family (`f`) a colour class and a letter,
# so that a marker reads without colours. A family the map does not know falls back to its kind.
MAP_LEGEND = {
    "p": {
        "label": _lazy("Personnes"),
        "one": _lazy("Personne"),
        "letter": "P",
        "families": [
            ("u", "U", _lazy("Usager, patient ou proche")),
            ("r", "P", _lazy("Professionnel")),
            ("m", "M", _lazy("Usager et professionnel")),
        ],
    },
    "s": {
        "label": _lazy("Structures"),
        "one": _lazy("Structure"),
        "letter": "S",
        "families": [
            ("h", "H", _lazy("Établissement de santé")),
            ("m", "M", _lazy("Médico-social")),
            ("a", "A", _lazy("Association")),
            ("f", "F", _lazy("Formation, recherche")),
            ("i", "I", _lazy("Institution, fédération")),
            ("o", "S", _lazy("Autre structure")),
        ],
    },
    "j": {
        "label": _lazy("Projets"),
        "one": _lazy("Projet"),
        "letter": "★",
        "families": [
            ("p", "P", _lazy("Projet en préparation")),
            ("c", "C", _lazy("Projet en cours")),
            ("t", "T", _lazy("Projet terminé")),
        ],
    },
}


def _map_query(request):
    query = request.GET.copy()
    for name in MAP_VIEW_PARAMS:
        query.pop(name, None)
    return query


def _map_data(request, *, embed: bool) -> dict:
    """What the map's script needs: data addresses, the lexicon's anchors for profile labels."""
    query = _map_query(request)
    encoded = query.urlencode()
    suffix = f"?{encoded}" if encoded else ""
    try:
        project_url = reverse("directory:api_project", args=[0])
    except NoReverseMatch:  # projects' details not served yet: their popup links to the page only
        project_url = ""
    glossary = reverse("directory:glossary")
    return {
        "map_query": encoded,
        "geojson_url": reverse("directory:api_geojson") + suffix,
        "project_url": project_url,
        "full_map_url": request.build_absolute_uri(reverse("directory:map") + suffix),
        "embed_url": request.build_absolute_uri(reverse("directory:map_embed") + suffix),
        "embed_base_url": request.build_absolute_uri(reverse("directory:map_embed")),
        # As JSON in data attributes: the policy allows no inline script, not even a data block.
        "glossary_json": json.dumps(
            {
                label: request.build_absolute_uri(f"{glossary}#{anchor}") if embed else f"{glossary}#{anchor}"
                for label, anchor in lexicon().label_anchors.items()
            },
            ensure_ascii=False,
        ),
        "legend_json": json.dumps(MAP_LEGEND, cls=DjangoJSONEncoder, ensure_ascii=False),
        "embed": embed,
    }


@require_GET
@limit_searches
def directory_map(request):
    """The map with the result list beside it. Asked by htmx (the map moved, filters changed), it
    answers with the list only: the cards of the current filters inside the map's box (`bbox`).

    The page's content is kept like the directory's list (directory.listing_cache): per index
    version, viewer level, staff or not, query — and host, its embed code holding absolute links."""
    if not request.htmx:
        level = directory_viewer_level(request.user)
        key = listing_cache.listing_key(
            name=f"map:{request.get_host()}",
            version=current_version(),
            level=level,
            staff=is_cops_staff(request.user),
            query=request.GET,
        )
        content = listing_cache.get(key)
        if content is None:
            content = render_to_string(
                "directory/partials/_map_page.html", _map_page_context(request), request
            )
            listing_cache.put(key, content)
        response = render(request, "directory/map.html", {"map_page": mark_safe(content)})  # noqa: S308 - rendered by our template
        patch_vary_headers(response, ("HX-Request",))
        return response
    context = _map_page_context(request)
    template = "directory/partials/_map_list.html"
    # Filters changed (not just the map's box): their panel comes back too, with its counts.
    context["with_filters"] = request.headers.get("X-Map-Refresh") == "filtres"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _map_page_context(request) -> dict:
    context = {**_listing_context(request), **map_context(), **_map_data(request, embed=False)}
    context["in_area"] = bool(request.GET.get("bbox"))
    context["results_count"] = results_count_text(
        context["total"], _result_noun(context["filterset"], context["facets"]), in_area=context["in_area"]
    )
    context["chips"] = _chips(_map_query(request), context["filterset"])
    for card in context["cards"]:
        # Ties a card to its marker (hover a card, its marker lights up; click a marker, its card shows).
        card["marker"] = f"{MAP_KINDS.get(card['kind'], '')}{card['id']}"
    return context


@require_GET
@xframe_options_exempt
@csp_frame_ancestors("*")
@limit_searches
def map_embed(request):
    """The map alone, for partners' websites (in an iframe). Always the public view, whoever looks:
    a partner's page must never show what only signed-in partners may see. Sets no cookie."""
    context = {
        **_listing_context(request, with_results=False, level=Visibility.PUBLIC),
        **map_context(),
        **_map_data(request, embed=True),
    }
    return render(request, "directory/map_embed.html", context)


@require_GET
@limit_searches
def patient_partners(request):
    """For structures looking for available patient partners, by domain and territory (the
    barometer names it as a top need): persons with a patient-partner profile, to narrow down by
    profile, domain, territory and availability."""
    data = request.GET.copy()
    data.setlist("type", ["personne"])
    family = [code for code in request.GET.getlist("profil") if code in PATIENT_PARTNER_CODES]
    data.setlist("profil", family or list(PATIENT_PARTNER_CODES))
    context = _listing_context(request, data=data)
    shown = []
    for group in context["facets"]:
        if group.name == "profil":
            group.options = [option for option in group.options if option.value in PATIENT_PARTNER_CODES]
            for option in group.options:
                option.checked = option.value in family
        if group.name in ("profil", "domaine", "territoire", "disponibilite"):
            shown.append(group)
    context["facets"] = shown
    # Cards carry their contact policy: « Contacter » shows where it admits this viewer.
    context["contact_policies"] = policies_admitting(request.user)
    # Only what the visitor chose counts as an active filter (not the view's preset).
    context["active_count"] = sum(1 for name in set(request.GET) if name in EntryFilter.base_filters)
    return render(request, "directory/patient_partners.html", context)


# --- Detail pages ---------------------------------------------------------------------------------------


def _contact_context(request, target: ContactTarget, url_name: str, *, own: bool, level: int) -> dict:
    """The « Contacter » button when the viewer may write; a sign-in link when only partners may."""
    if own or not target.is_published or not target.recipients:
        return {}
    url = reverse(url_name, args=[target.actor.pk])
    if can_contact(request.user, target):
        return {"contact_url": url, "contact_name": target.title(level)}
    if target.policy == ContactPolicy.PARTNERS and not request.user.is_authenticated:
        return {"contact_login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': url})}"}
    return {}


def _status_context(profile, *, can_edit: bool) -> dict:
    """The moderation banner shown to the author and the staff (never to other viewers)."""
    if not can_edit:
        return {}
    return {
        "status": profile.status,
        "status_label": ModerationStatus(profile.status).label,
        "revision_status": profile.revision_status,
        "revision_status_label": RevisionStatus(profile.revision_status).label
        if profile.revision_status
        else "",
        "moderation_note": profile.moderation_note,
    }


def _person_page(pk: int, level: int) -> tuple:
    """What a person's page shows at `level`: (view, projects, badges, sides of their profiles).
    Read from a dozen tables; kept per index version for published profiles
    (directory.selectors.remembered)."""
    person = persons_for_display().get(pk=pk)
    return (
        person_view(person, level),
        projects_of_person(person, level),
        actor_badges("personne", pk),
        frozenset(profile.side for profile in person.profiles.all()),
    )


@require_GET
def person_detail(request, pk: int):
    # The row alone decides who may see what (status, owner, visibility); the page's content comes
    # from the kept view of a published profile.
    person = get_object_or_404(Person.objects.select_related("user"), pk=pk)
    can_edit = can_edit_person(request.user, person)
    if person.status != ModerationStatus.PUBLISHED and not can_edit:
        raise Http404
    # The author sees all of their own profile; the page says what others see.
    level = Visibility.STAFF if can_edit else directory_viewer_level(request.user)
    if can_edit:  # the author and the staff read the current rows, published or not
        view, projects, badges, sides = _person_page(pk, level)
    else:
        view, projects, badges, sides = remembered(
            ("person_page", pk, int(level)), lambda: _person_page(pk, level)
        )
    is_owner = person.user_id is not None and person.user_id == request.user.pk
    return render(
        request,
        "directory/person_detail.html",
        {
            "actor": view,
            # Projects the person accepted to appear on, shown like their memberships.
            "projects": projects,
            "badges": badges,
            "can_edit": can_edit,
            "is_owner": is_owner,
            **_contact_context(
                request,
                person_target(person, sides=sides),
                "directory:contact_person",
                own=is_owner,
                level=level,
            ),
            "seen_by": {name: Visibility(value).label for name, value in person.field_levels.items()}
            if can_edit
            else {},
            **_status_context(person, can_edit=can_edit),
        },
    )


def _structure_page(pk: int, level: int) -> tuple:
    """What a structure's page shows at `level`: (view, projects); kept like a person's."""
    structure = structures_for_display().get(pk=pk)
    return structure_view(structure, level), projects_of_structure(structure), actor_badges("structure", pk)


@require_GET
def structure_detail(request, pk: int):
    structure = get_object_or_404(
        Structure.objects.select_related("structure_type", "commune__departement"), pk=pk
    )
    can_edit = can_edit_structure(request.user, structure)
    if structure.status != ModerationStatus.PUBLISHED and not can_edit:
        raise Http404
    level = directory_viewer_level(request.user)
    if can_edit:
        view, projects, badges = _structure_page(pk, level)
    else:
        view, projects, badges = remembered(
            ("structure_page", pk, int(level)), lambda: _structure_page(pk, level)
        )
    own_person = person_of_user(request.user)
    membership = None
    if own_person is not None:
        membership = (
            Membership.objects.filter(structure_id=structure.pk, person_id=own_person.pk)
            .order_by("pk")
            .first()
        )
    return render(
        request,
        "directory/structure_detail.html",
        {
            "actor": view,
            "can_edit": can_edit,
            "projects": projects,
            "badges": badges,
            "own_person": own_person,
            "membership": membership,
            "can_request_membership": (
                own_person is not None
                and structure.status == ModerationStatus.PUBLISHED
                and (membership is None or membership.status == MembershipStatus.REFUSED)
            ),
            **_status_context(structure, can_edit=can_edit),
            **_contact_context(
                request, structure_target(structure), "directory:contact_structure", own=False, level=level
            ),
            **map_context(),
        },
    )


@require_GET
@cache_control(private=True, max_age=300)
def person_photo(request, pk: int):
    person = get_object_or_404(Person.objects.only("pk", "user_id", "status", "photo", "visibility"), pk=pk)
    if can_edit_person(request.user, person):
        allowed = True
    else:
        allowed = person.status == ModerationStatus.PUBLISHED and person.field_level(
            "photo"
        ) <= directory_viewer_level(request.user)
    if not allowed:
        raise Http404
    return image_response(person.photo, "image/jpeg")


@require_GET
def structure_logo(request, pk: int):
    """A structure's logo (public, like the structure's page), served by the application so that
    a deployment needs no separate media server."""
    structure = get_object_or_404(Structure.objects.only("pk", "status", "logo", "created_by_id"), pk=pk)
    if structure.status != ModerationStatus.PUBLISHED and not can_edit_structure(request.user, structure):
        raise Http404
    response = image_response(structure.logo, "image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def image_response(image, content_type: str) -> FileResponse:
    """A stored photo or logo (re-encoded at upload, so its type is known), or 404."""
    if not image:
        raise Http404
    try:
        handle = image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, content_type=content_type)


# --- Commune suggestions (reference data only, no external service) ------------------------------------


@require_GET
def commune_suggestions(request):
    query = (request.GET.get("q") or "").strip()[:60]
    communes = Commune.objects.select_related("departement")
    if len(query) < 2:
        return JsonResponse({"results": []})
    if re.fullmatch(r"\d{2,5}", query):
        postal = Func(F("postal_codes"), Value(" "), function="array_to_string", output_field=CharField())
        communes = communes.annotate(postal_text=postal).filter(postal_text__regex=rf"(^| ){query}")
    else:
        folded = fold(query)
        name = Func(Lower("name"), function="unaccent", output_field=CharField())
        communes = communes.annotate(folded_name=name).filter(folded_name__startswith=folded)
        if not communes.exists():
            communes = (
                Commune.objects.select_related("departement")
                .annotate(folded_name=name)
                .filter(folded_name__contains=folded)
            )
    results = [
        {
            "code": commune.insee_code,
            "label": f"{commune.name} ({_postal_for(commune, query)})",
            "name": commune.name,
            "departement": commune.departement.name,
        }
        for commune in communes.order_by("-population")[:10]
    ]
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


def _postal_for(commune: Commune, query: str) -> str:
    for code in commune.postal_codes:
        if code.startswith(query):
            return code
    return commune.postal_codes[0] if commune.postal_codes else commune.departement_id


def page_not_found_message() -> str:
    return _("Cette fiche n'existe pas ou n'est pas publiée.")
