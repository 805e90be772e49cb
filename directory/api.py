"""Read-only API of the directory (published actors only), documented by drf-spectacular.

Every response is built from the same per-audience data as the pages: the index columns of
the caller's audience for lists and map points, `person_view(person, level)` for details.
"""

import json

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.gzip import gzip_page
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from actors.enums import ModerationStatus
from actors.permissions import directory_viewer_level
from cops.ratelimit import hit_request
from directory.filters import EntryFilter, TagFilter
from directory.indexing import (
    BADGES,
    project_location,
    project_persons,
    project_url,
    project_years,
    projects_for_index,
    years_label,
)
from directory.models import Entry, EntryKind, ProjectState, audience_for_level
from directory.selectors.listing import actor_badges, directory_search
from directory.selectors.profiles import person_view, published_persons, published_structures, structure_view
from directory.services.profiles import PERSON_SPEC
from directory.views.browse import SEARCH_LIMIT_GROUP, SEARCH_RATE

# Documented answers besides 200, so that clients (and the schema-driven tests) know them.
INVALID_FILTERS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Filtre invalide : pour chaque paramètre refusé, la liste des erreurs.",
)
NOT_FOUND = OpenApiResponse(description="Aucune fiche publiée avec cet identifiant, ou page hors limites.")
TOO_MANY = OpenApiResponse(
    description="Trop de recherches en peu de temps : réessayer après Retry-After secondes."
)


# Free-text filters as their form validates them (directory.filters.EntryFilter.form): a postal
# code is five digits; no text may hold a null character (Django's forms refuse it).
NO_NULL = r"^[^\x00]*$"
PATTERNS = {"code_postal": r"^([0-9]{5})?$"}


def _filter_choices(item) -> list[str]:
    choices = item.extra["choices"]
    return [str(value) for value, _label in (choices() if callable(choices) else choices)]


def filter_parameters() -> list[OpenApiParameter]:
    """The directory's filters as query parameters, with the codes each one accepts today.

    The taxonomies live in the database: their codes are read when the schema is generated, so
    a client (or the schema-driven tests) is told the values the filters validate, not any string.
    """
    parameters = []
    for name, item in EntryFilter.base_filters.items():
        description = str(item.label or "")
        if isinstance(item, TagFilter):
            codes = _filter_choices(item)
            if not codes:
                continue  # no active value: nothing can be asked for
            schema = {"type": "array", "items": {"type": "string", "enum": codes}}
            parameters.append(
                OpenApiParameter(
                    name, schema, OpenApiParameter.QUERY, explode=True, style="form", description=description
                )
            )
        elif "choices" in item.extra:
            # Empty means "no radius", as on the page's form.
            schema = {"type": "string", "enum": ["", *_filter_choices(item)]}
            parameters.append(OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description))
        else:
            schema = {"type": "string", "pattern": PATTERNS.get(name, NO_NULL)}
            parameters.append(OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description))
    return parameters


class DirectorySchema(AutoSchema):
    """Documents the directory's filters with their enums, computed when the schema is served."""

    def get_override_parameters(self):
        return [*filter_parameters(), *super().get_override_parameters()]


class LevelFilterBackend(DjangoFilterBackend):
    """The directory's FilterSet, told the caller's visibility level."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs.pop("request", None)
        kwargs["level"] = directory_viewer_level(request.user)
        return kwargs


class DirectoryPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "taille"
    max_page_size = 200

    # DRF falls back silently on a malformed page or size; here they are refused, as documented.
    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) == "":
            raise ValidationError({self.page_query_param: [_("Un numéro de page est un entier positif.")]})
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        if self.page_size_query_param not in request.query_params:
            return self.page_size
        value = request.query_params[self.page_size_query_param]
        if not (value.isascii() and value.isdigit() and int(value) > 0):
            raise ValidationError(
                {self.page_size_query_param: [_("La taille d'une page est un entier positif (200 au plus).")]}
            )
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


class SearchThrottle(BaseThrottle):
    """Keyword and name searches share the pages' limit (cops.ratelimit, group "directory.search")."""

    def allow_request(self, request, view):
        if not (request.query_params.get("q") or request.query_params.get("nom")):
            return True
        return not hit_request(request, group=SEARCH_LIMIT_GROUP, rate=SEARCH_RATE, key="user")[0]

    def wait(self):
        return 60


class GeoJSONRenderer(BaseRenderer):
    media_type = "application/geo+json"
    format = "geojson"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (bytes, str)):
            return data
        # An error (invalid filters, too many searches) comes as a dict: JSON it.
        return json.dumps(data, ensure_ascii=False).encode()


class GeoJSONOnly(DefaultContentNegotiation):
    """The map's points have one representation: no `format` parameter, no Accept to match."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CardSerializer(serializers.Serializer):
    """A result as its stored card for the caller's audience."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["personne", "structure", "projet"])
    title = serializers.CharField()
    subtitle = serializers.CharField()
    place = serializers.CharField()
    domains = serializers.ListField(child=serializers.CharField())
    excerpt = serializers.CharField()
    url = serializers.CharField(help_text="Adresse de la fiche sur le site.")
    badges = serializers.ListField(child=serializers.CharField())
    state = serializers.CharField(help_text="Projets : en_projet, en_cours ou termine (vide sinon).")
    years = serializers.CharField(
        help_text="Projets : années de réalisation, ex. « 2022–2024 » (vide sinon)."
    )

    def to_representation(self, entry):
        audience = self.context["audience"]
        card = dict(getattr(entry, f"card_{audience}"))
        tags = getattr(entry, f"tags_{audience}")
        card["badges"] = [label for tag, label in BADGES.items() if tag in tags]
        card.pop("image", None)
        card["url"] = self.context["request"].build_absolute_uri(card["url"])
        return {name: card.get(name, "") for name in self.fields}


@extend_schema(
    tags=["annuaire"],
    summary="Fiches publiées (personnes, structures et projets), filtrées",
    responses={200: CardSerializer(many=True), 400: INVALID_FILTERS, 404: NOT_FOUND, 429: TOO_MANY},
    description=(
        "Mêmes filtres que la page /annuaire/ (codes des taxonomies). Un visiteur non connecté ne voit que "
        "les informations publiques ; un partenaire dont la fiche est publiée voit aussi celles réservées aux "
        "partenaires."
    ),
)
class ActorList(generics.ListAPIView):
    schema = DirectorySchema()
    serializer_class = CardSerializer
    filter_backends = [LevelFilterBackend]
    filterset_class = EntryFilter
    pagination_class = DirectoryPagination
    throttle_classes = [SearchThrottle]

    def get_queryset(self):
        audience = audience_for_level(directory_viewer_level(self.request.user))
        # Only the caller's audience columns are read.
        return Entry.objects.only("pk", "kind", f"card_{audience}", f"tags_{audience}", f"sort_{audience}")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["audience"] = audience_for_level(directory_viewer_level(self.request.user))
        return context


def _labels(items) -> list[str]:
    return [item.label for item in items]


class PersonDetailSerializer(serializers.Serializer):
    """A person's profile as the caller may see it: restricted fields are absent."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    place = serializers.CharField(required=False)
    url = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField(required=False)
    profiles = serializers.ListField(child=serializers.CharField(), required=False)
    domains = serializers.ListField(child=serializers.CharField(), required=False)
    territories = serializers.ListField(child=serializers.CharField(), required=False)
    region_wide = serializers.BooleanField(required=False)
    commune = serializers.CharField(required=False)
    qualifications = serializers.ListField(child=serializers.CharField(), required=False)
    activities = serializers.ListField(child=serializers.CharField(), required=False)
    availabilities = serializers.ListField(child=serializers.CharField(), required=False)
    bio = serializers.CharField(required=False)
    experience = serializers.CharField(required=False)
    email = serializers.EmailField(required=False)
    phone = serializers.CharField(required=False)
    website = serializers.CharField(required=False)
    structures = serializers.ListField(child=serializers.DictField(), required=False)
    badges = serializers.ListField(child=serializers.CharField())

    def to_representation(self, view):
        request = self.context["request"]
        shown = view.visible_fields
        data = {
            "id": view.id,
            "kind": view.kind,
            "title": view.title,
            "subtitle": " · ".join(_labels(view.profiles[:3])),
            "url": request.build_absolute_uri(view.url),
            "first_name": view.first_name,
            "badges": actor_badges(view.kind, view.id),
        }
        if "commune" in shown and view.commune:
            data["place"] = data["commune"] = view.commune
        if "last_name" in shown:
            data["last_name"] = view.last_name
        # The person's taxonomies, as the profile spec lists them (territories go with region_wide).
        for name in PERSON_SPEC.many_to_many:
            if name in shown and name != "territories":
                data[name] = _labels(getattr(view, name))
        if "territories" in shown:
            data["territories"] = _labels(view.territories)
            data["region_wide"] = view.region_wide
        for name in ("bio", "experience", "email", "phone", "website"):
            if name in shown and getattr(view, name):
                data[name] = getattr(view, name)
        if "memberships" in shown:
            data["structures"] = [
                {"id": m.structure_id, "name": m.structure_name, "function": m.function}
                for m in view.memberships
            ]
        return data


class StructureDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    place = serializers.CharField()
    url = serializers.CharField()
    name = serializers.CharField()
    acronym = serializers.CharField()
    structure_type = serializers.CharField()
    siret = serializers.CharField()
    finess = serializers.CharField()
    address = serializers.CharField()
    postal_code = serializers.CharField()
    commune = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    domains = serializers.ListField(child=serializers.CharField())
    territories = serializers.ListField(child=serializers.CharField())
    region_wide = serializers.BooleanField()
    description = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    website = serializers.CharField()
    members = serializers.ListField(child=serializers.DictField())
    badges = serializers.ListField(child=serializers.CharField())

    def to_representation(self, view):
        request = self.context["request"]
        return {
            "id": view.id,
            "kind": view.kind,
            "badges": actor_badges(view.kind, view.id),
            "title": view.title,
            "subtitle": view.structure_type,
            "place": view.commune or "",
            "url": request.build_absolute_uri(view.url),
            "name": view.name,
            "acronym": view.acronym,
            "structure_type": view.structure_type,
            "siret": view.siret,
            "finess": view.finess,
            "address": view.address,
            "postal_code": view.postal_code,
            "commune": view.commune or "",
            "latitude": None if view.latitude is None else round(view.latitude, 5),
            "longitude": None if view.longitude is None else round(view.longitude, 5),
            "domains": _labels(view.domains),
            "territories": _labels(view.territories),
            "region_wide": view.region_wide,
            "description": view.description,
            "email": view.email,
            "phone": view.phone,
            "website": view.website,
            "members": [
                {"id": member.person_id, "title": member.title, "function": member.function}
                for member in view.members
            ],
        }


@extend_schema(
    tags=["annuaire"],
    summary="Fiche publiée d'une personne",
    responses={200: PersonDetailSerializer, 404: NOT_FOUND},
)
class PersonDetail(APIView):
    def get(self, request, pk: int):
        person = published_persons().filter(pk=pk).first()
        if person is None:
            raise Http404
        view = person_view(person, directory_viewer_level(request.user))
        return Response(PersonDetailSerializer(view, context={"request": request}).data)


@extend_schema(
    tags=["annuaire"],
    summary="Fiche publiée d'une structure",
    responses={200: StructureDetailSerializer, 404: NOT_FOUND},
)
class StructureDetail(APIView):
    def get(self, request, pk: int):
        structure = published_structures().filter(pk=pk, status=ModerationStatus.PUBLISHED).first()
        if structure is None:
            raise Http404
        view = structure_view(structure, directory_viewer_level(request.user))
        return Response(StructureDetailSerializer(view, context={"request": request}).data)


class ProjectDetailSerializer(serializers.Serializer):
    """A published project; its persons are those who accepted, as the caller may see them."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    subtitle = serializers.CharField(help_text="La structure porteuse.")
    place = serializers.CharField()
    url = serializers.CharField()
    badges = serializers.ListField(child=serializers.CharField(), help_text="État et années du projet.")
    state = serializers.CharField()
    years = serializers.CharField()
    summary = serializers.CharField()
    structures = serializers.ListField(child=serializers.DictField())
    persons = serializers.ListField(child=serializers.DictField())
    domains = serializers.ListField(child=serializers.CharField())
    practices = serializers.ListField(child=serializers.CharField())

    def to_representation(self, project):
        request = self.context["request"]
        level = self.context["level"]
        commune, _latitude, _longitude = project_location(project)
        years = years_label(project_years(project))
        structures = [project.main_structure] + [
            s for s in project.structures.all() if s.pk != project.main_structure_id
        ]
        return {
            "id": project.pk,
            "kind": EntryKind.PROJECT.value,
            "title": project.title,
            "subtitle": project.main_structure.name,
            "place": commune.name if commune is not None else "",
            "url": request.build_absolute_uri(project_url(project.slug)),
            "badges": [str(ProjectState(project.state).label)] + ([years] if years else []),
            "state": project.state,
            "years": years,
            "summary": project.summary,
            "structures": [
                {
                    "id": structure.pk,
                    "name": structure.name,
                    "carrier": structure.pk == project.main_structure_id,
                    "url": request.build_absolute_uri(
                        reverse("directory:structure_detail", args=[structure.pk])
                    ),
                }
                for structure in structures
                if structure.status == ModerationStatus.PUBLISHED
            ],
            "persons": [
                {
                    "id": person_id,
                    "title": title,
                    "role": role,
                    "url": request.build_absolute_uri(reverse("directory:person_detail", args=[person_id])),
                }
                for person_id, title, role in project_persons(project, level)
            ],
            "domains": _labels(project.domains.all()),
            "practices": _labels(project.practices.all()),
        }


@extend_schema(
    tags=["annuaire"],
    summary="Fiche publiée d'un projet",
    description=(
        "Un projet publié. Les personnes impliquées n'apparaissent que si elles ont accepté, et seulement pour "
        "les visiteurs autorisés à voir leurs engagements (visibilité choisie par chaque personne)."
    ),
    responses={200: ProjectDetailSerializer, 404: NOT_FOUND},
)
class ProjectDetail(APIView):
    def get(self, request, pk: int):
        project = next(iter(projects_for_index([pk])), None)  # published only
        if project is None:
            raise Http404
        context = {"request": request, "level": directory_viewer_level(request.user)}
        return Response(ProjectDetailSerializer(project, context=context).data)


@extend_schema(
    tags=["annuaire"],
    summary="Points de la carte (GeoJSON compact)",
    description=(
        "FeatureCollection des fiches localisables, avec les mêmes filtres que la liste. Chaque point ne porte "
        "que son identifiant, son type (`k` : `p` personne, `s` structure, `j` projet) et sa famille d'icône "
        "(`f` : personne `u` usager, `r` professionnel, `m` les deux ; structure `h` établissement de santé, "
        "`m` médico-social, `a` association, `f` formation ou recherche, `i` institution ou fédération, `o` "
        "autre ; projet `p` en projet, `c` en cours, `t` terminé) ; coordonnées arrondies à 4 décimales. Une "
        "personne est placée au centre de sa commune, jamais à son adresse ; un projet au lieu de sa structure "
        "porteuse ou de sa première commune. Les détails s'obtiennent par /api/annuaire/personnes/{id}/, "
        "/api/annuaire/structures/{id}/ ou /api/annuaire/projets/{id}/."
    ),
    responses={
        200: OpenApiResponse(response=OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection"),
        400: INVALID_FILTERS,
        429: TOO_MANY,
    },
)
@method_decorator(gzip_page, name="dispatch")
class MapPoints(generics.GenericAPIView):
    filter_backends = [LevelFilterBackend]
    filterset_class = EntryFilter
    throttle_classes = [SearchThrottle]
    pagination_class = None
    schema = DirectorySchema()
    renderer_classes = [GeoJSONRenderer]
    content_negotiation_class = GeoJSONOnly
    serializer_class = inline_serializer("GeoJSON", fields={"type": serializers.CharField()})

    def get_queryset(self):
        return Entry.objects.all()

    def get(self, request):
        # Same filters as the list (DirectorySchema documents them); evaluated on the in-memory index.
        filterset = EntryFilter(
            request.query_params, queryset=self.get_queryset(), level=directory_viewer_level(request.user)
        )
        # Refused like the list's, rather than silently ignored (the map would show everyone).
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        body = directory_search(filterset).geojson()
        response = HttpResponse(body, content_type="application/geo+json")
        response["Cache-Control"] = "private, max-age=60"
        return response
