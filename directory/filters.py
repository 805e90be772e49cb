"""The directory's filters (django-filter), shared by the list, the map, the API and exports.

Every filter reads the columns of the viewer's audience only (see directory.models). Values
in the URL are the taxonomies' codes, so a filtered address is readable and shareable:
/annuaire/?type=personne&domaine=soin-accompagnement&territoire=34&q=diabète
Within one filter the values are alternatives (OR); different filters combine (AND).
"""

import math
import re
import time

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import F, FloatField, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from actors.enums import Visibility, Zone
from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Commune,
    Departement,
    Domain,
    Qualification,
    StructureType,
)
from directory.facets import MIN_WORD, search_lexicon
from directory.indexing import fold
from directory.models import Entry, EntryKind, ProjectState, audience_for_level

RADIUS_CHOICES = [("5", "5 km"), ("10", "10 km"), ("20", "20 km"), ("50", "50 km"), ("100", "100 km")]


# Taxonomies change rarely (in the admin): their choices are kept a minute per process rather
# than read on every page view (eight queries).
CHOICES_TTL = 60.0
_choices_cache: dict[str, tuple[float, list]] = {}


def _cached_choices(key: str, load) -> list:
    now = time.monotonic()
    cached = _choices_cache.get(key)
    if cached is None or now - cached[0] > CHOICES_TTL:
        cached = _choices_cache[key] = (now, load())
    return cached[1]


def clear_choices_cache() -> None:
    _choices_cache.clear()


def _taxonomy_choices(model):
    def choices():
        return _cached_choices(
            model._meta.label,
            lambda: [(item.code, item.label) for item in model.objects.filter(is_active=True)],
        )

    return choices


def year_choices():
    """The years a project can be filtered by: from 2000 to five years ahead, latest first."""
    return _cached_choices(
        "years",
        lambda: [(str(year), str(year)) for year in range(timezone.localdate().year + 5, 1999, -1)],
    )


def territory_choices():
    zones = [
        (Zone.EST.value, _("Est")),
        (Zone.OUEST.value, _("Ouest")),
        (Zone.REGION.value, _("Toute la région")),
    ]
    departements = _cached_choices(
        "departements", lambda: [(d.code, f"{d.name} ({d.code})") for d in Departement.objects.all()]
    )
    return zones + departements


@extend_schema_field(OpenApiTypes.STR)
class TagFilter(django_filters.MultipleChoiceFilter):
    """Keeps the actors carrying any of the chosen tags (GIN-indexed array overlap).

    Values are codes (slugs, département numbers): strings for the OpenAPI schema.
    """

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(*args, **kwargs)

    @property
    def prefixes(self) -> list[str]:
        return [self.prefix]

    def tags_for(self, values) -> list[str]:
        return [f"{self.prefix}{value}" for value in values]

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"tags_{self.parent.audience}__overlap": self.tags_for(value)})


class TerritoryFilter(TagFilter):
    """Départements ("31") and zones ("est", "ouest", "region") share one parameter."""

    ZONES = {zone.value for zone in Zone}

    @property
    def prefixes(self) -> list[str]:
        return ["t:", "z:"]

    def tags_for(self, values) -> list[str]:
        return [f"z:{value}" if value in self.ZONES else f"t:{value}" for value in values]


class EntryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Mot-clé"), method="filter_keyword")
    nom = django_filters.CharFilter(label=_("Nom ou prénom"), method="filter_name")
    type = TagFilter(label=_("Type de fiche"), prefix="k:", choices=EntryKind.choices)
    profil = TagFilter(label=_("Profil d'acteur"), prefix="p:", choices=_taxonomy_choices(ActorProfile))
    domaine = TagFilter(label=_("Domaine d'activité"), prefix="d:", choices=_taxonomy_choices(Domain))
    territoire = TerritoryFilter(label=_("Territoire d'activité"), prefix="t:", choices=territory_choices)
    type_structure = TagFilter(
        label=_("Type de structure"), prefix="st:", choices=_taxonomy_choices(StructureType)
    )
    qualification = TagFilter(
        label=_("Qualifications ou diplômes"), prefix="q:", choices=_taxonomy_choices(Qualification)
    )
    # Actors' activities and projects' « pratiques de partenariat » are one taxonomy.
    activite = TagFilter(
        label=_("Pratiques de partenariat"), prefix="a:", choices=_taxonomy_choices(Activity)
    )
    disponibilite = TagFilter(label=_("Disponibilité"), prefix="v:", choices=_taxonomy_choices(Availability))
    # The charter's badge tag (directory.indexing.ENGAGED_TAG).
    charte = TagFilter(
        label=_("Charte d'engagement"),
        prefix="charte:",
        choices=[("engage", _("Engagé(e) dans la charte COPS"))],
    )
    # Projects only (directory.indexing: "e:<state>", "y:<year>").
    etat = TagFilter(label=_("État du projet"), prefix="e:", choices=ProjectState.choices)
    annee = TagFilter(label=_("Année du projet"), prefix="y:", choices=year_choices)
    code_postal = django_filters.CharFilter(label=_("Code postal"), method="filter_postal_code")
    commune = django_filters.CharFilter(label=_("Commune"), method="filter_commune")
    rayon = django_filters.ChoiceFilter(
        label=_("Dans un rayon de"),
        choices=RADIUS_CHOICES,
        method="filter_radius",
    )
    # The visible part of the map: "west,south,east,north" in degrees; an invalid box is ignored.
    bbox = django_filters.CharFilter(label=_("Zone de la carte"), method="filter_bbox")

    # Filters shown as checkbox groups with a count per value: every tag filter, in the order
    # declared above (set below the class, from the declaration).
    FACETS: tuple[str, ...] = ()

    class Meta:
        model = Entry
        fields: list[str] = []

    @classmethod
    def facet_prefixes(cls) -> tuple[str, ...]:
        """The tag prefixes of the facets, whose tags the in-memory index counts (directory.facets)."""
        return tuple(prefix for name in cls.FACETS for prefix in cls.base_filters[name].prefixes)

    def __init__(self, data=None, *args, level: int = Visibility.PUBLIC, **kwargs):
        self.level = int(level)
        self.audience = audience_for_level(self.level)
        super().__init__(data, *args, **kwargs)
        self.commune_obj: Commune | None = None
        self.keyword = ""

    # --- Validation of free-text parameters -----------------------------------------------------

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_directory_checks", False):
            form._directory_checks = True
            original_clean = form.clean

            def clean():
                cleaned = original_clean()
                postal = (cleaned.get("code_postal") or "").strip()
                if postal and not re.fullmatch(r"[0-9]{5}", postal):
                    form.add_error("code_postal", _("Un code postal compte 5 chiffres, par exemple 34000."))
                commune = (cleaned.get("commune") or "").strip()
                if commune and not Commune.objects.filter(insee_code=commune_code(commune)).exists():
                    form.add_error(
                        "commune",
                        _("Commune inconnue : choisissez-la dans la liste proposée (nom ou code postal)."),
                    )
                if cleaned.get("rayon") and not commune:
                    form.add_error("rayon", _("Choisissez d'abord une commune pour chercher autour d'elle."))
                return cleaned

            form.clean = clean
        return form

    # --- Filter methods --------------------------------------------------------------------------------

    def col(self, prefix: str) -> str:
        return f"{prefix}_{self.audience}"

    def filter_keyword(self, qs, name, value):
        value = (value or "").strip()[:200]
        if not value:
            return qs
        self.keyword = value
        query = keyword_query(value)
        folded = fold(value)
        vector = F(self.col("search"))
        return qs.filter(
            Q(**{self.col("search"): query}) | Q(**{f"{self.col('sort')}__trigram_word_similar": folded})
        ).annotate(
            rank=SearchRank(vector, query)
            + Coalesce(TrigramWordSimilarity(folded, self.col("sort")), Value(0.0)) / 2
        )

    def filter_name(self, qs, name, value):
        folded = fold(value)[:100]
        if not folded:
            return qs
        similarity = TrigramWordSimilarity(folded, self.col("sort"))
        return qs.filter(
            Q(**{f"{self.col('sort')}__contains": folded})
            | Q(**{f"{self.col('sort')}__trigram_word_similar": folded})
        ).annotate(name_similarity=similarity)

    def filter_postal_code(self, qs, name, value):
        value = (value or "").strip()
        if not re.fullmatch(r"[0-9]{5}", value):
            return qs
        return qs.filter(**{f"{self.col('tags')}__contains": [f"cp:{value}"]})

    def filter_commune(self, qs, name, value):
        code = commune_code(value)
        commune = Commune.objects.filter(insee_code=code).first()
        if commune is None:
            return qs
        self.commune_obj = commune
        if self.form.cleaned_data.get("rayon"):
            return qs  # the radius filter takes over
        return qs.filter(**{f"{self.col('tags')}__contains": [f"c:{commune.insee_code}"]})

    def filter_radius(self, qs, name, value):
        commune = (
            self.commune_obj
            or Commune.objects.filter(
                insee_code=commune_code(self.form.cleaned_data.get("commune") or "")
            ).first()
        )
        if not value or commune is None:
            return qs
        radius = float(value)
        lat_delta = radius / 111.0
        lng_delta = radius / (111.0 * max(math.cos(math.radians(commune.latitude)), 0.01))
        # Great-circle distance in km; the bounding box lets PostgreSQL discard most rows first.
        distance = RawSQL(
            "6371.0 * acos(least(1.0, cos(radians(%s)) * cos(radians(directory_entry.latitude)) "
            "* cos(radians(directory_entry.longitude) - radians(%s)) "
            "+ sin(radians(%s)) * sin(radians(directory_entry.latitude))))",
            (commune.latitude, commune.longitude, commune.latitude),
            output_field=FloatField(),
        )
        return (
            qs.filter(
                location_level__lte=self.level,
                latitude__range=(commune.latitude - lat_delta, commune.latitude + lat_delta),
                longitude__range=(commune.longitude - lng_delta, commune.longitude + lng_delta),
            )
            .annotate(distance=distance)
            .filter(distance__lte=radius)
        )

    def filter_bbox(self, qs, name, value):
        box = parse_bbox(value)
        if box is None:
            return qs
        west, south, east, north = box
        qs = qs.filter(location_level__lte=self.level, latitude__range=(south, north))
        if west <= east:
            return qs.filter(longitude__range=(west, east))
        return qs.filter(Q(longitude__gte=west) | Q(longitude__lte=east))  # across the antimeridian

    # django-filter applies filters in declaration order; the radius needs the commune first.
    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.keyword:
            return queryset.order_by("-rank", self.col("sort"), "pk")
        if "name_similarity" in queryset.query.annotations:
            return queryset.order_by("-name_similarity", self.col("sort"), "pk")
        return queryset.order_by(self.col("sort"), "pk")

    @property
    def active_params(self) -> dict[str, list[str]]:
        if not self.is_bound:
            return {}
        cleaned = self.form.cleaned_data if self.form.is_valid() else {}
        active = {}
        for name in self.filters:
            value = cleaned.get(name)
            if value in (None, "", []):
                continue
            active[name] = value if isinstance(value, list) else [str(value)]
        return active


# A tag filter is a facet: the list page and the map apply and count it on the in-memory index, the
# API and the exports in SQL. Derived from the declaration, so that no filter is applied by one only.
EntryFilter.FACETS = tuple(
    name for name, item in EntryFilter.base_filters.items() if isinstance(item, TagFilter)
)


# websearch syntax (a "quoted phrase", -excluded, or): searched as written, without corrections.
WEBSEARCH_SYNTAX = re.compile(r'["]|(^|\s)-|\sor\s', re.IGNORECASE)


def keyword_query(value: str) -> SearchQuery:
    """The French full-text query of a keyword search. Every word must match (as websearch does);
    a word unknown to the lexicon of names and labels (a misspelt commune, structure or label) may
    match its nearest known words instead (directory.facets.Lexicon)."""
    if WEBSEARCH_SYNTAX.search(value):
        return SearchQuery(value, config="fr_unaccent", search_type="websearch")
    words = [word for word in re.split(r"[^\w]+", value) if word]
    lexicon = search_lexicon() if any(len(word) >= MIN_WORD for word in words) else None
    corrected = False
    query = None
    for word in words:
        alternatives = lexicon.corrections(fold(word)) if lexicon is not None else []
        corrected = corrected or bool(alternatives)
        part = SearchQuery(word, config="fr_unaccent", search_type="plain")
        for alternative in alternatives:
            part = part | SearchQuery(alternative, config="fr_unaccent", search_type="plain")
        query = part if query is None else query & part
    if not corrected or query is None:
        return SearchQuery(value, config="fr_unaccent", search_type="websearch")
    return query


def parse_bbox(value) -> tuple[float, float, float, float] | None:
    """ "west,south,east,north" (degrees) as four floats, or None when it is not a valid box."""
    parts = str(value or "").split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        return None
    if not all(math.isfinite(number) for number in (west, south, east, north)):
        return None
    if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        return None
    return west, south, east, north


def commune_code(value: str) -> str:
    """Accept an INSEE code, or "Name (postal code)" as the autocomplete shows it."""
    value = (value or "").strip()
    if re.fullmatch(r"\d[\dAB]\d{3}", value):
        return value
    match = re.fullmatch(r"(.+?)\s*\((\d{5})\)", value)
    if match:
        name, postal = match.groups()
        commune = (
            Commune.objects.filter(postal_codes__contains=[postal], name__iexact=name.strip())
            .order_by("-population")
            .first()
        )
        return commune.insee_code if commune else ""
    commune = Commune.objects.filter(name__iexact=value).order_by("-population").first()
    return commune.insee_code if commune else ""
