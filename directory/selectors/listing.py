"""Reads of the directory: filtered results, counts per filter value, map points."""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.http import QueryDict

from actors.enums import Visibility
from actors.models import Commune
from directory.facets import AudienceIndex, audience_index, evaluate, set_bit_positions
from directory.filters import EntryFilter, TagFilter, commune_code, parse_bbox
from directory.indexing import BADGES, badge_prefixes
from directory.models import Entry
from directory.selectors.remembered import remembered


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool

    @property
    def count_display(self) -> str:
        # "1 234" with a narrow no-break space, as French typography writes numbers.
        return f"{self.count:,}".replace(",", "\u202f")


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


NON_TAG_FILTERS = ("q", "nom", "code_postal", "commune", "rayon", "bbox")
# Facets about projects only: offered when the current result holds projects (or one is chosen).
PROJECT_FACETS = ("etat", "annee")
# Facets whose values without any result are left out (the years: a long list, mostly empty).
SPARSE_FACETS = ("annee",)
RELEVANCE_FILTERS = ("q", "nom")


@dataclass
class SearchResult:
    """One filtered view of the directory, evaluated on the in-memory index (directory.facets)."""

    index: AudienceIndex
    audience: str
    mask: int
    total: int
    facets: list[FacetGroup]
    # Entry ids in relevance order when searching by keyword or name (else: alphabetical).
    ranked_ids: list[int] | None = None

    def entry_ids(self, start: int, stop: int) -> list[int]:
        if self.ranked_ids is not None:
            matched = [entry_id for entry_id in self.ranked_ids if self.index.has(self.mask, entry_id)]
            return matched[start:stop]
        positions = set_bit_positions(self.mask, start, stop - start)
        return [self.index.entry_ids[position] for position in positions]

    def geojson(self) -> bytes:
        features = self.index.features
        located = set_bit_positions(self.mask & self.index.locatable)
        return (
            '{"type":"FeatureCollection","features":[' + ",".join(features[p] for p in located) + "]}"
        ).encode()


class ResultPages:
    """A sequence for Django's Paginator: its length is the total, a slice reads only that page's
    cards (one query)."""

    def __init__(self, result: SearchResult):
        self.result = result

    def __len__(self) -> int:
        return self.result.total

    def __getitem__(self, page: slice) -> list[dict]:
        ids = self.result.entry_ids(page.start or 0, page.stop or self.result.total)
        return cards_for(ids, self.result.audience)


def _chosen_commune(cleaned: dict):
    return Commune.objects.filter(insee_code=commune_code(cleaned.get("commune") or "")).first()


def directory_search(filterset: EntryFilter) -> SearchResult:
    """Counts per filter value, the result and its order, for one filterset (one request).

    A value's count takes every *other* active filter into account, so ticking a second
    département shows how many actors it adds (values of one filter are alternatives).
    """
    index = audience_index(filterset.audience, filterset.level, extra_prefixes=badge_prefixes())
    active = filterset.active_params
    chosen = {
        name: filterset.filters[name].tags_for(values)
        for name, values in active.items()
        if name in EntryFilter.FACETS
    }
    other_mask, ranked_ids, relevance = None, None, None
    cleaned = filterset.form.cleaned_data if filterset.form.is_valid() else {}
    if "code_postal" in active:
        other_mask = index.sparse_mask(f"cp:{active['code_postal'][0]}")
    commune = _chosen_commune(cleaned) if "commune" in active else None
    if commune is not None:
        if cleaned.get("rayon"):
            near = index.within(commune.latitude, commune.longitude, float(cleaned["rayon"]))
        else:
            near = index.sparse_mask(f"c:{commune.insee_code}")
        other_mask = near if other_mask is None else other_mask & near
    box = parse_bbox(active["bbox"][0]) if "bbox" in active else None
    if box is not None:
        inside = index.in_box(*box)
        other_mask = inside if other_mask is None else other_mask & inside
    if any(name in active for name in RELEVANCE_FILTERS):
        # Keyword and name go through PostgreSQL (full text, trigrams), which also ranks.
        data = QueryDict(mutable=True)
        for name in RELEVANCE_FILTERS:
            if name in active:
                data.setlist(name, active[name])
        relevance = EntryFilter(data, queryset=filterset.queryset, level=filterset.level)
        relevance_key = tuple(sorted((name, tuple(values)) for name, values in data.lists()))
        # Which entries match comes from the GIN indexes alone; ranking reads every matching row's
        # vector, so it waits until the other filters have narrowed the result (see below).
        matched = index.remembered(
            ("matched", *relevance_key),
            lambda: index.ids_to_bits(relevance.qs.order_by().values_list("pk", flat=True)),
        )
        other_mask = matched if other_mask is None else other_mask & matched
    offered = {}
    for name in EntryFilter.FACETS:
        tag_filter: TagFilter = filterset.filters[name]
        offered[name] = [
            (str(value), str(label), tag_filter.tags_for([value])[0])
            for value, label in tag_filter.field.choices
        ]
    mask, counts = evaluate(
        index,
        chosen,
        other_mask,
        {name: [tag for _v, _l, tag in options] for name, options in offered.items()},
    )
    if relevance is not None:
        ranked_ids = _ranked_ids(index, relevance, relevance_key, matched, mask)
    groups = []
    for name in EntryFilter.FACETS:
        selected = set(active.get(name, []))
        options = [
            FacetOption(value, label, counts[name][tag], value in selected)
            for value, label, tag in offered[name]
        ]
        if name in SPARSE_FACETS:
            options = [option for option in options if option.count or option.checked]
        if name in PROJECT_FACETS and not any(option.count or option.checked for option in options):
            continue
        groups.append(FacetGroup(name=name, label=str(filterset.filters[name].label), options=options))
    return SearchResult(
        index=index,
        audience=filterset.audience,
        mask=mask,
        total=mask.bit_count(),
        facets=groups,
        ranked_ids=ranked_ids,
    )


def _ranked_ids(
    index: AudienceIndex, relevance: EntryFilter, key: tuple, matched: int, mask: int
) -> list[int]:
    """The result's entry ids in relevance order, ranked by PostgreSQL over the result only."""
    if mask == matched:
        return index.remembered(("ranked", *key), lambda: list(relevance.qs.values_list("pk", flat=True)))
    if not mask:
        return []
    ids = [index.entry_ids[position] for position in set_bit_positions(mask)]
    return index.remembered(
        ("ranked", *key, mask), lambda: list(relevance.qs.filter(pk__in=ids).values_list("pk", flat=True))
    )


def facet_groups(filterset: EntryFilter) -> list[FacetGroup]:
    return directory_search(filterset).facets


def cards_for(entry_ids: list[int], audience: str) -> list[dict]:
    """The stored cards of these entries, in this order (one query)."""
    rows = {
        pk: (card, tags)
        for pk, card, tags in Entry.objects.filter(pk__in=entry_ids).values_list(
            "pk", f"card_{audience}", f"tags_{audience}"
        )
    }
    cards = []
    for entry_id in entry_ids:
        if entry_id not in rows:
            continue
        card, tags = rows[entry_id]
        card = dict(card)
        card["badges"] = [label for tag, label in BADGES.items() if tag in tags]
        cards.append(card)
    return cards


def actor_badges(kind: str, actor_id: int, audience: str = "public") -> list[str]:
    """The badges (e.g. the charter's) one actor's index entry carries, for its page and popup;
    read once per index version (they are the entry's own tags)."""

    def compute() -> list[str]:
        column = {"personne": "person_id", "projet": "project_id"}.get(kind, "structure_id")
        tags = (
            Entry.objects.filter(**{column: actor_id}).values_list(f"tags_{audience}", flat=True).first()
            or []
        )
        return [str(label) for tag, label in BADGES.items() if tag in tags]

    return list(remembered(("badges", kind, int(actor_id), audience), compute))


def directory_counts() -> dict[str, int]:
    """Published entries by kind (personne, structure, projet), for the home page."""
    return dict(Entry.objects.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))


def viewer_audience_level(level: int) -> int:
    return max(Visibility.PUBLIC, min(int(level), Visibility.STAFF))
