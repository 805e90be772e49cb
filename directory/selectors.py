"""Reads of the directory: filtered results, counts per filter value, map points."""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, QuerySet

from actors.enums import Visibility
from directory.filters import EntryFilter, TagFilter
from directory.indexing import BADGES
from directory.models import Entry


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool


@dataclass
class FacetGroup:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)

    @property
    def has_checked(self) -> bool:
        return any(option.checked for option in self.options)

    @property
    def checked_count(self) -> int:
        return sum(1 for option in self.options if option.checked)


def entry_filter(data, *, level: int, queryset: QuerySet | None = None) -> EntryFilter:
    return EntryFilter(data, queryset=queryset if queryset is not None else Entry.objects.all(), level=level)


def _tag_counts(queryset: QuerySet, audience: str, prefixes: list[str] | None = None) -> dict[str, int]:
    """Counts of every tag over the rows of `queryset`: one GROUP BY over the unnested tags."""
    inner = queryset.order_by().values(f"tags_{audience}")
    sql, params = inner.query.sql_with_params()
    where = ""
    extra: list = []
    if prefixes:
        where = "WHERE " + " OR ".join(["tag LIKE %s"] * len(prefixes))
        extra = [f"{prefix}%" for prefix in prefixes]
    query = (
        f"SELECT tag, count(*) FROM ({sql}) AS filtered "
        f"CROSS JOIN LATERAL unnest(filtered.tags_{audience}) AS tag {where} GROUP BY tag"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, *extra])
        return dict(cursor.fetchall())


def facet_groups(filterset: EntryFilter) -> list[FacetGroup]:
    """Checkbox groups with the number of results each value would give.

    A value's count takes every *other* active filter into account, so ticking a second
    département shows how many actors it adds (values of one filter are alternatives).
    """
    audience = filterset.audience
    active = filterset.active_params
    counts = _tag_counts(filterset.qs, audience)
    per_facet: dict[str, dict[str, int]] = {}
    for name in EntryFilter.FACETS:
        if name in active:
            data = filterset.data.copy()
            data.pop(name, None)
            others = EntryFilter(data, queryset=filterset.queryset, level=filterset.level)
            tag_filter = filterset.filters[name]
            per_facet[name] = _tag_counts(others.qs, audience, tag_filter.prefixes)
    groups = []
    for name in EntryFilter.FACETS:
        tag_filter: TagFilter = filterset.filters[name]
        source = per_facet.get(name, counts)
        chosen = set(active.get(name, []))
        options = []
        for value, label in tag_filter.field.choices:
            tag = tag_filter.tags_for([value])[0]
            options.append(FacetOption(str(value), str(label), source.get(tag, 0), str(value) in chosen))
        groups.append(FacetGroup(name=name, label=str(tag_filter.label), options=options))
    return groups


def result_cards(queryset: QuerySet, audience: str) -> list[dict]:
    """The stored cards of a page of results (one query)."""
    cards = []
    for card, tags in queryset.values_list(f"card_{audience}", f"tags_{audience}"):
        card = dict(card)
        card["badges"] = [label for tag, label in BADGES.items() if tag in tags]
        cards.append(card)
    return cards


def actor_badges(kind: str, actor_id: int, audience: str = "public") -> list[str]:
    """The badges (e.g. the charter's) one actor's index entry carries, for its page and popup."""
    column = "person_id" if kind == "personne" else "structure_id"
    tags = Entry.objects.filter(**{column: actor_id}).values_list(f"tags_{audience}", flat=True).first() or []
    return [str(label) for tag, label in BADGES.items() if tag in tags]


def map_points(queryset: QuerySet, level: int) -> list[tuple[int, str, float, float]]:
    """(actor id, kind, latitude, longitude) of the results the viewer may locate."""
    return list(
        queryset.filter(location_level__lte=level, latitude__isnull=False)
        .order_by()
        .values_list("person_id", "structure_id", "kind", "latitude", "longitude")
    )


def geojson_bytes(points) -> bytes:
    """A compact FeatureCollection: coordinates rounded to 4 decimals (about 10 m), id and kind
    only — details are fetched when a marker is clicked."""
    features = []
    for person_id, structure_id, kind, latitude, longitude in points:
        actor_id = person_id if person_id is not None else structure_id
        features.append(
            f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{longitude:.4f},{latitude:.4f}]}},'
            f'"properties":{{"id":{actor_id:d},"k":"{kind[0]}"}}}}'
        )
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


def directory_counts() -> dict[str, int]:
    """Published actors by kind, for the home page."""
    return dict(Entry.objects.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))


def viewer_audience_level(level: int) -> int:
    return max(Visibility.PUBLIC, min(int(level), Visibility.STAFF))
