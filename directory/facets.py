"""The directory's in-memory index: counts per filter value, result pages and map points.

Counting every filter value over the current result in SQL means unnesting the tags of every
matching row (hundreds of thousands of rows at 25,000 actors) on each page view. Instead,
each web process keeps, per audience, the entries in alphabetical order and one bitset per
filter tag (bit i set when the i-th entry carries the tag); which tags are filter tags is the
FilterSet's declaration (every TagFilter is a facet). A result is the AND of the chosen
filters (OR within one filter), a count is a popcount, a page is the n-th set bits, the map is
the precomputed GeoJSON feature of each set bit: microseconds to a few milliseconds.

Everything is derived from the audience's own index columns (tags_public for the public…),
so the in-memory index knows no more than the database rows it mirrors.

Freshness: indexing writes a new random version token in the shared cache (a PostgreSQL
table, in the same transaction as the rows), read once per request; a process reloads its
copy when the token changed, and at least every MAX_AGE seconds anyway. Filters that are not
tags (keyword, name, commune, postal code, radius) are evaluated by PostgreSQL through the
django-filter FilterSet; their matching ids become one more bitset.
"""

import math
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.core.cache import caches

from directory import listing_cache
from directory.models import Entry

VERSION_KEY = "directory:index-version"
# Location tags (thousands of communes and postal codes, a few entries each): position lists.
SPARSE_PREFIXES = ("c:", "cp:")
EARTH_RADIUS_KM = 6371.0
MAX_AGE = 300.0
MEMO_SIZE = 256
_lock = threading.Lock()
_cache: dict[str, "AudienceIndex"] = {}


def bump_version() -> None:
    """Called when the index changes; written in the same transaction as the rows. A random token
    (not a counter) so that a rolled-back change can never be mistaken for another one."""
    caches["shared"].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def current_version() -> str:
    return caches["shared"].get(VERSION_KEY, "")


def _bits_from_positions(positions, size: int) -> int:
    buffer = bytearray((size + 7) // 8)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


def set_bit_positions(mask: int, start: int = 0, limit: int | None = None) -> list[int]:
    """Positions of the set bits of `mask`, skipping the first `start` ones."""
    found: list[int] = []
    skipped = 0
    data = mask.to_bytes((mask.bit_length() + 7) // 8 or 1, "little")
    for byte_index, byte in enumerate(data):
        if not byte:
            continue
        count = byte.bit_count()
        if skipped + count <= start:
            skipped += count
            continue
        for bit in range(8):
            if byte >> bit & 1:
                if skipped < start:
                    skipped += 1
                    continue
                found.append(byte_index * 8 + bit)
                if limit is not None and len(found) >= limit:
                    return found
    return found


@dataclass
class AudienceIndex:
    version: str
    entry_ids: list[int]  # entry id by position (alphabetical order of the audience's titles)
    positions: dict[int, int]  # entry id -> position
    tags: dict[str, int]  # filter tag -> bitset
    features: list[str | None]  # GeoJSON feature of each position (None: not locatable)
    locatable: int  # bitset of the entries this audience may see on the map
    all: int
    sparse: dict[str, list[int]] = field(default_factory=dict)  # location tag -> positions
    coordinates: list[tuple[float, float] | None] = field(default_factory=list)  # radians, if locatable
    loaded_at: float = field(default_factory=time.monotonic)
    # Results of the costly filters (keyword ranking in PostgreSQL, distance), for this version of
    # the index only: paging through a search or ticking a filter next to it reuses them.
    memo: dict = field(default_factory=dict)

    def remembered(self, key: tuple, compute):
        try:
            return self.memo[key]
        except KeyError:
            pass
        value = compute()
        if MEMO_SIZE <= 0:
            return value
        if len(self.memo) >= MEMO_SIZE:
            self.memo.pop(next(iter(self.memo)))  # the oldest
        self.memo[key] = value
        return value

    def is_fresh(self, version: str) -> bool:
        return self.version == version and time.monotonic() - self.loaded_at < MAX_AGE

    def ids_to_bits(self, ids) -> int:
        positions = self.positions
        return _bits_from_positions([positions[i] for i in ids if i in positions], len(self.entry_ids))

    def sparse_mask(self, tag: str) -> int:
        return _bits_from_positions(self.sparse.get(tag, ()), len(self.entry_ids))

    def within(self, latitude: float, longitude: float, radius_km: float) -> int:
        """Entries this audience may locate within `radius_km` of a point (great-circle distance,
        the same formula as the database filter)."""
        return self.remembered(
            ("within", latitude, longitude, radius_km), lambda: self._within(latitude, longitude, radius_km)
        )

    def _within(self, latitude: float, longitude: float, radius_km: float) -> int:
        lat0, lng0 = math.radians(latitude), math.radians(longitude)
        sin0, cos0 = math.sin(lat0), math.cos(lat0)
        lat_delta = radius_km / 111.0
        min_lat, max_lat = math.radians(latitude - lat_delta), math.radians(latitude + lat_delta)
        found = []
        for position, point in enumerate(self.coordinates):
            if point is None or not (min_lat <= point[0] <= max_lat):
                continue
            cosine = cos0 * math.cos(point[0]) * math.cos(point[1] - lng0) + sin0 * math.sin(point[0])
            if EARTH_RADIUS_KM * math.acos(min(1.0, cosine)) <= radius_km:
                found.append(position)
        return _bits_from_positions(found, len(self.entry_ids))

    def has(self, mask: int, entry_id: int) -> bool:
        position = self.positions.get(entry_id)
        return position is not None and bool(mask >> position & 1)


def _feature(kind: str, actor_id: int, latitude: float, longitude: float) -> str:
    # 4 decimals are about 10 m; id and kind only: details are fetched on click.
    return (
        f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{longitude:.4f},{latitude:.4f}]}},'
        f'"properties":{{"id":{actor_id:d},"k":"{kind[0]}"}}}}'
    )


def facet_prefixes() -> tuple[str, ...]:
    """The tags counted as bitsets: those of the FilterSet's facets, as its filters declare them."""
    # Imported here: directory.filters imports directory.indexing, which imports this module.
    from directory.filters import EntryFilter

    return EntryFilter.facet_prefixes()


def _load(audience: str, level: int, version: str, extra_prefixes: tuple[str, ...]) -> AudienceIndex:
    rows = list(
        Entry.objects.order_by(f"sort_{audience}", "pk").values_list(
            "pk",
            f"tags_{audience}",
            "kind",
            "person_id",
            "structure_id",
            "latitude",
            "longitude",
            "location_level",
        )
    )
    prefixes = facet_prefixes() + extra_prefixes
    by_tag: dict[str, list[int]] = {}
    sparse: dict[str, list[int]] = {}
    features: list[str | None] = []
    coordinates: list[tuple[float, float] | None] = []
    locatable: list[int] = []
    for index, row in enumerate(rows):
        _pk, tags, kind, person_id, structure_id, latitude, longitude, location_level = row
        for tag in tags:
            if tag.startswith(prefixes):
                by_tag.setdefault(tag, []).append(index)
            elif tag.startswith(SPARSE_PREFIXES):
                sparse.setdefault(tag, []).append(index)
        if latitude is not None and location_level <= level:
            actor_id = person_id if person_id is not None else structure_id
            features.append(_feature(kind, actor_id, latitude, longitude))
            coordinates.append((math.radians(latitude), math.radians(longitude)))
            locatable.append(index)
        else:
            features.append(None)
            coordinates.append(None)
    size = len(rows)
    return AudienceIndex(
        version=version,
        entry_ids=[row[0] for row in rows],
        positions={row[0]: index for index, row in enumerate(rows)},
        tags={tag: _bits_from_positions(indexes, size) for tag, indexes in by_tag.items()},
        features=features,
        locatable=_bits_from_positions(locatable, size),
        all=(1 << size) - 1,
        sparse=sparse,
        coordinates=coordinates,
    )


def audience_index(audience: str, level: int, extra_prefixes: tuple[str, ...] = ()) -> AudienceIndex:
    version = current_version()
    cached = _cache.get(audience)
    if cached is not None and cached.is_fresh(version):
        return cached
    with _lock:
        cached = _cache.get(audience)
        if cached is None or not cached.is_fresh(version):
            cached = _cache[audience] = _load(audience, level, version, extra_prefixes)
    return cached


def reset() -> None:
    """Forget every process-local copy (tests)."""
    _cache.clear()
    listing_cache.reset()


def group_mask(index: AudienceIndex, tags: list[str]) -> int:
    """Entries carrying any of these tags (values of one filter are alternatives)."""
    mask = 0
    for tag in tags:
        mask |= index.tags.get(tag, 0)
    return mask


def evaluate(
    index: AudienceIndex,
    groups: dict[str, list[str]],
    other_mask: int | None,
    facet_tags: dict[str, list[str]],
) -> tuple[int, dict[str, dict[str, int]]]:
    """(result bitset, {facet: {tag: count}}).

    `groups` are the chosen tags of each active facet, `other_mask` the entries matching the
    filters that are not tags (None: no such filter), `facet_tags` every tag offered per facet.
    A facet's counts take every *other* active filter into account.
    """
    base = index.all if other_mask is None else other_mask
    masks = {name: group_mask(index, tags) for name, tags in groups.items()}
    result = base
    for mask in masks.values():
        result &= mask
    counts = {}
    for name, tags in facet_tags.items():
        scope = base
        for other, mask in masks.items():
            if other != name:
                scope &= mask
        counts[name] = {tag: (scope & index.tags.get(tag, 0)).bit_count() for tag in tags}
    return result, counts
