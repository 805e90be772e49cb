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
import pickle
import re
import threading
import time
import unicodedata
import zlib
from dataclasses import dataclass, field

from django.core.cache import caches

from cops import dataversions
from directory import listing_cache
from directory.models import Entry

VERSION_NAME = "directory_index"  # its token in cops_dataversion (cops.dataversions.renew)
dataversions.versioned(VERSION_NAME)  # a token from `migrate` on, renewed by every indexing
# Location tags (thousands of communes and postal codes, a few entries each): position lists.
SPARSE_PREFIXES = ("c:", "cp:")
# The map icon's family of an entry (see _feature): read when the index is loaded, never filtered on.
ICON_PREFIX = "f:"
EARTH_RADIUS_KM = 6371.0
MAX_AGE = 300.0
MEMO_SIZE = 256
_lock = threading.Lock()
_cache: dict[str, "AudienceIndex"] = {}


def bump_version() -> None:
    """Called when the index changes; written in the same transaction as the rows. A random token
    (not a counter) so that a rolled-back change can never be mistaken for another one."""
    dataversions.renew(VERSION_NAME)


def current_version() -> str:
    return dataversions.tokens([VERSION_NAME])[VERSION_NAME] or ""


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

    def in_box(self, west: float, south: float, east: float, north: float) -> int:
        """Entries this audience may locate inside the box (degrees; west > east crosses 180°)."""
        return self.remembered(
            ("bbox", west, south, east, north), lambda: self._in_box(west, south, east, north)
        )

    def _in_box(self, west: float, south: float, east: float, north: float) -> int:
        south_r, north_r = math.radians(south), math.radians(north)
        west_r, east_r = math.radians(west), math.radians(east)
        wraps = west > east
        found = []
        for position, point in enumerate(self.coordinates):
            if point is None or not (south_r <= point[0] <= north_r):
                continue
            lng = point[1]
            if (west_r <= lng or lng <= east_r) if wraps else (west_r <= lng <= east_r):
                found.append(position)
        return _bits_from_positions(found, len(self.entry_ids))

    def has(self, mask: int, entry_id: int) -> bool:
        position = self.positions.get(entry_id)
        return position is not None and bool(mask >> position & 1)


# --- Map icons --------------------------------------------------------------------------------------
# Each GeoJSON feature carries "k", its kind, and "f", its icon family (the map draws one icon per
# kind and family; an unknown family falls back to the kind's icon). The family is stored per
# audience in the entry's tags as "f:<letter>" (directory.indexing), so a person's family only uses
# the profiles that audience may see.
KIND_LETTERS = {"personne": "p", "structure": "s", "projet": "j"}
# Persons: the sides of their visible profiles. "u": all on the usagers' side (patients, proches,
# représentants des usagers…), "r": all professionals, "m": both sides, or no visible profile.
PERSON_FAMILIES = {"u": "usager", "r": "professionnel", "m": "mixte"}
# Structures: their type's family (actors/data/taxonomies.json structure_types), "o" otherwise.
STRUCTURE_TYPE_FAMILIES = {
    "chu": "h",  # établissement de santé
    "ch": "h",
    "clinique": "h",
    "centre-lutte-cancer": "h",
    "soins-primaires": "h",
    "medico-social": "m",  # médico-social
    "association-usagers": "a",  # associations
    "institut-formation": "f",  # formation / recherche
    "universite-recherche": "f",
    "federation": "i",  # institutions / fédérations
    "institution": "i",
}
STRUCTURE_FAMILIES = {
    "h": "établissement de santé",
    "m": "médico-social",
    "a": "association",
    "f": "formation, recherche",
    "i": "institution, fédération",
    "o": "autre",
}
# Projects: their state. "p": en projet, "c": en cours, "t": terminé.
PROJECT_FAMILIES = {"en_projet": "p", "en_cours": "c", "termine": "t"}


def person_family(sides) -> str:
    sides = {side for side in sides if side}
    if sides == {"usager"}:
        return "u"
    if sides == {"professionnel"}:
        return "r"
    return "m"


def structure_family(type_code: str) -> str:
    return STRUCTURE_TYPE_FAMILIES.get(type_code or "", "o")


def project_family(state: str) -> str:
    return PROJECT_FAMILIES.get(state, "c")


def _feature(kind: str, actor_id: int, latitude: float, longitude: float, family: str = "") -> str:
    # 4 decimals are about 10 m; id, kind and icon family only: details are fetched on click.
    return (
        f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{longitude:.4f},{latitude:.4f}]}},'
        f'"properties":{{"id":{actor_id:d},"k":"{KIND_LETTERS.get(kind, kind[0])}","f":"{family}"}}}}'
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
            "project_id",
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
        _pk, tags, kind, person_id, structure_id, project_id, latitude, longitude, location_level = row
        family = ""
        for tag in tags:
            if tag.startswith(prefixes):
                by_tag.setdefault(tag, []).append(index)
            elif tag.startswith(SPARSE_PREFIXES):
                sparse.setdefault(tag, []).append(index)
            elif tag.startswith(ICON_PREFIX):
                family = tag[len(ICON_PREFIX) :]
        if latitude is not None and location_level <= level:
            actor_id = next(i for i in (person_id, structure_id, project_id) if i is not None)
            features.append(_feature(kind, actor_id, latitude, longitude, family))
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
            cached = _cache[audience] = _shared_or_loaded(audience, level, version, extra_prefixes)
    return cached


# Building an audience's index reads every entry (0.7–0.9 s at 25,000 actors); unpickling it takes
# 15–25 ms. The first web process that needs a version builds it and leaves a compressed copy in the
# shared cache, under one key per audience (each copy replaces the previous one: no stale copies
# pile up); the others load that copy. A copy is taken only for the version it was built from and
# while younger than MAX_AGE, so the periodic rebuild (MAX_AGE) is done once, not in every process.


def _copy_key(audience: str, level: int, extra_prefixes: tuple[str, ...]) -> str:
    return f"directory:index-copy:{audience}:{level}:{','.join(extra_prefixes)}"


def _shared_or_loaded(
    audience: str, level: int, version: str, extra_prefixes: tuple[str, ...]
) -> AudienceIndex:
    key = _copy_key(audience, level, extra_prefixes)
    if version:
        found = caches["shared"].get(key)
        if found is not None:
            copy_version, built_at, blob = found
            age = time.time() - built_at
            if copy_version == version and 0 <= age < MAX_AGE:
                index = pickle.loads(zlib.decompress(blob))  # noqa: S301 (written by this code, above)
                index.loaded_at = time.monotonic() - age  # it ages from its build, not from here
                return index
    index = _load(audience, level, version, extra_prefixes)
    if version:
        blob = zlib.compress(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL), 1)
        caches["shared"].set(key, (version, time.time(), blob), timeout=MAX_AGE)
    return index


def reset() -> None:
    """Forget every process-local copy (tests)."""
    _cache.clear()
    _lexicon.clear()
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


# --- Misspelt words ----------------------------------------------------------------------------------
# The keyword search is a French full-text search: a misspelt word finds nothing. The words people
# misspell are names — communes, structures, projects — and the taxonomies' labels: their words form
# a lexicon (public facts only, never a person's name), kept per process like the index. A query word
# that is not in it is searched together with its nearest lexicon words (directory.filters).
MIN_WORD = 4
_WORD = re.compile(rf"\b[a-z0-9]{{{MIN_WORD},}}\b")
_lexicon: dict[str, "Lexicon"] = {}


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, transpositions of two
    neighbours), or limit + 1 when above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_typos(word: str) -> int:
    return 1 if len(word) < 8 else 2


@dataclass
class Lexicon:
    version: str
    words: set[str]
    postings: dict[str, list[str]]  # trigram -> words
    loaded_at: float = field(default_factory=time.monotonic)

    def corrections(self, word: str) -> list[str]:
        """The lexicon words nearest to `word` (folded), if it is not one of them; at most three."""
        if len(word) < MIN_WORD or word in self.words or word.isdigit():
            return []
        limit = allowed_typos(word)
        grams = _trigrams(word)
        shared: dict[str, int] = {}
        for gram in grams:
            for candidate in self.postings.get(gram, ()):
                shared[candidate] = shared.get(candidate, 0) + 1
        # One edit changes at most three trigrams of the word.
        needed = max(1, len(grams) - 3 * limit)
        scored = []
        for candidate, count in shared.items():
            if count < needed:
                continue
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                scored.append((distance, -count, candidate))
        scored.sort()
        best = [item for item in scored if item[0] == scored[0][0]] if scored else []
        return [candidate for _d, _c, candidate in best[:3]]


def _load_lexicon(version: str) -> Lexicon:
    from actors.enums import ModerationStatus
    from actors.models import (
        Activity,
        ActorProfile,
        Availability,
        Commune,
        Departement,
        Domain,
        Qualification,
        Structure,
        StructureType,
    )
    from directory.models import Project

    texts: list[str] = []
    for model in (Commune, Departement):
        texts += model.objects.values_list("name", flat=True)
    for model in (ActorProfile, Domain, StructureType, Qualification, Activity, Availability):
        texts += model.objects.values_list("label", flat=True)
    # Structures' and projects' names are public once published (persons' names are matched by
    # trigrams on the audience's own title column instead, never offered as corrections).
    texts += Structure.objects.filter(status=ModerationStatus.PUBLISHED).values_list("name", flat=True)
    texts += Project.objects.filter(status=ModerationStatus.PUBLISHED).values_list("title", flat=True)
    # Folded as directory.indexing.fold does, in C: one pass over the joined names.
    folded = unicodedata.normalize("NFKD", "\n".join(texts)).encode("ascii", "ignore").decode().lower()
    words = {word for word in set(_WORD.findall(folded)) if not word.isdigit()}
    postings: dict[str, list[str]] = {}
    for word in words:
        for gram in _trigrams(word):
            postings.setdefault(gram, []).append(word)
    return Lexicon(version=version, words=words, postings=postings)


# The lexicon changes with the published names; rebuilding it (a tenth of a second at 25,000 actors)
# on every change of the index would cost the first search after each edit: a new name becomes a
# correction within LEXICON_MIN_AGE seconds.
LEXICON_MIN_AGE = 30.0


def _lexicon_is_fresh(cached: Lexicon | None, version: str) -> bool:
    if cached is None:
        return False
    age = time.monotonic() - cached.loaded_at
    return age < MAX_AGE and (cached.version == version or age < LEXICON_MIN_AGE)


def search_lexicon() -> Lexicon:
    version = current_version()
    cached = _lexicon.get("words")
    if _lexicon_is_fresh(cached, version):
        return cached
    with _lock:
        cached = _lexicon.get("words")
        if not _lexicon_is_fresh(cached, version):
            cached = _lexicon["words"] = _load_lexicon(version)
    return cached
