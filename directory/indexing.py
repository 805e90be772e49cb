"""Keeps the directory index (directory.models.Entry) in step with published profiles.

Every audience's columns are derived from `person_view(person, level)` — the same function
that decides what a page shows — so the index cannot know more than the viewer may see.

Tags (filter values) are short strings: "k:personne", "p:<profile code>", "d:<domain code>",
"t:<département code>", "z:est|ouest|region", "st:<structure type code>", "q:<qualification code>",
"a:<activity code>", "v:<availability code>", "c:<INSEE code>", "cp:<postal code>", plus the
tags of registered providers (e.g. the charter: see `register_tag_provider`).
"""

import unicodedata
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import Truncator

from actors.enums import ActorKind, ModerationStatus, Visibility, Zone
from actors.models import Departement, Person, Structure
from actors.selectors.profiles import (
    PersonView,
    StructureView,
    person_view,
    persons_for_display,
    structure_view,
    structures_for_display,
)
from directory.models import AUDIENCES, Entry

LEVELS = (Visibility.PUBLIC, Visibility.PARTNERS, Visibility.STAFF)
BATCH_SIZE = 1000

# --- Hook for other capabilities (e.g. "engagé(e) dans la charte COPS") -----------------------
# A provider takes (kind, ids) and returns {id: [tags]}; those tags are added for every audience
# (they must be public facts). Badges map a tag to the label shown on result cards.
TagProvider = Callable[[str, list[int]], dict[int, list[str]]]
_TAG_PROVIDERS: list[TagProvider] = []
BADGES: dict[str, str] = {}


def register_tag_provider(provider: TagProvider, *, badges: dict[str, str] | None = None) -> None:
    """Let another app add public filter tags and card badges; call `reindex_actors` on change."""
    if provider not in _TAG_PROVIDERS:
        _TAG_PROVIDERS.append(provider)
    BADGES.update(badges or {})


def _provided_tags(kind: str, ids: list[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    for provider in _TAG_PROVIDERS:
        for actor_id, extra in provider(kind, ids).items():
            tags.setdefault(actor_id, []).extend(extra)
    return tags


# --- Helpers -------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower-case without accents, as the trigram and sort columns store it."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower().strip()


def departement_zones() -> dict[str, str]:
    return dict(Departement.objects.values_list("code", "zone"))


def zone_summary(territory_codes: Iterable[str], region_wide: bool, zones: dict[str, str]) -> str:
    """Est / Ouest / Région, as the COPS summarises an actor's territory of activity."""
    if region_wide:
        return Zone.REGION
    found = {zones[code] for code in territory_codes if code in zones}
    if len(found) == 2:
        return Zone.REGION
    return found.pop() if found else ""


def territory_tags(territory_codes: list[str], region_wide: bool, zones: dict[str, str]) -> list[str]:
    codes = sorted(zones) if region_wide else sorted(territory_codes)
    tags = [f"t:{code}" for code in codes]
    tags += sorted({f"z:{zones[code]}" for code in codes if code in zones})
    if zone_summary(territory_codes, region_wide, zones) == Zone.REGION:
        tags.append(f"z:{Zone.REGION}")
    return tags


# --- Persons ------------------------------------------------------------------------------------------


def _person_tags(view: PersonView, person: Person, zones: dict[str, str]) -> list[str]:
    tags = [f"k:{ActorKind.PERSON}"]
    tags += [f"p:{item.code}" for item in view.profiles]
    tags += [f"d:{item.code}" for item in view.domains]
    if "territories" in view.visible_fields:
        tags += territory_tags([item.id for item in view.territories], view.region_wide, zones)
    tags += [f"q:{item.code}" for item in view.qualifications]
    tags += [f"a:{item.code}" for item in view.activities]
    tags += [f"v:{item.code}" for item in view.availabilities]
    if view.commune_id:
        tags.append(f"c:{view.commune_id}")
        tags += [f"cp:{code}" for code in person.commune.postal_codes]
    return tags


def _person_texts(view: PersonView) -> tuple[str, str, str, str]:
    return (
        view.title,
        " ".join(item.label for item in view.profiles + view.domains),
        " ".join(
            [view.bio or "", view.commune or ""]
            + [item.label for item in view.activities + view.qualifications + view.availabilities]
            + [item.label for item in view.territories]
            + [f"{m.structure_name} {m.function}" for m in view.memberships]
        ),
        view.experience or "",
    )


def _person_card(view: PersonView) -> dict:
    return {
        "id": view.id,
        "kind": ActorKind.PERSON.value,
        "url": view.url,
        "title": view.title,
        "subtitle": " · ".join(item.label for item in view.profiles[:3]),
        "place": view.commune or "",
        "domains": [item.label for item in view.domains],
        "excerpt": Truncator(view.bio or "").chars(220),
        "image": view.photo_url,
    }


def _person_entry(person: Person, zones: dict[str, str], extra: list[str]) -> tuple[Entry, list[tuple]]:
    entry = Entry(kind=ActorKind.PERSON, person_id=person.pk, published_at=person.published_at)
    texts = []
    for level, audience in zip(LEVELS, AUDIENCES, strict=True):
        view = person_view(person, level)
        setattr(entry, f"title_{audience}", view.title[:250])
        setattr(entry, f"sort_{audience}", fold(view.title)[:250])
        setattr(entry, f"tags_{audience}", _person_tags(view, person, zones) + extra)
        setattr(entry, f"card_{audience}", _person_card(view))
        texts.append(_person_texts(view))
    if person.commune_id:
        entry.commune_id = person.commune_id
        entry.latitude = person.commune.latitude
        entry.longitude = person.commune.longitude
        entry.location_level = person.field_level("commune")
    else:
        entry.location_level = Visibility.STAFF + 1  # nowhere on the map
    return entry, texts


# --- Structures --------------------------------------------------------------------------------------


def _structure_tags(view: StructureView, structure: Structure, zones: dict[str, str]) -> list[str]:
    tags = [f"k:{ActorKind.STRUCTURE}"]
    if structure.structure_type_id:
        tags.append(f"st:{structure.structure_type.code}")
    tags += [f"d:{item.code}" for item in view.domains]
    tags += territory_tags([item.id for item in view.territories], view.region_wide, zones)
    if view.commune_id:
        tags.append(f"c:{view.commune_id}")
        postal_codes = set(structure.commune.postal_codes)
        if structure.postal_code:
            postal_codes.add(structure.postal_code)
        tags += [f"cp:{code}" for code in sorted(postal_codes)]
    return tags


def _structure_card(view: StructureView) -> dict:
    place = view.commune or ""
    return {
        "id": view.id,
        "kind": ActorKind.STRUCTURE.value,
        "url": view.url,
        "title": view.title,
        "subtitle": view.structure_type,
        "place": place,
        "domains": [item.label for item in view.domains],
        "excerpt": Truncator(view.description or "").chars(220),
        "image": view.logo_url,
    }


def _structure_entry(
    structure: Structure, zones: dict[str, str], extra: list[str]
) -> tuple[Entry, list[tuple]]:
    view = structure_view(structure, Visibility.PUBLIC, with_members=False)
    texts = (
        f"{view.name} {view.acronym}",
        " ".join([view.structure_type] + [item.label for item in view.domains]),
        " ".join(
            [view.description, view.commune or "", view.address] + [item.label for item in view.territories]
        ),
        "",
    )
    tags = _structure_tags(view, structure, zones) + extra
    card = _structure_card(view)
    entry = Entry(kind=ActorKind.STRUCTURE, structure_id=structure.pk, published_at=structure.published_at)
    for audience in AUDIENCES:
        # A structure's profile is public: every audience sees the same thing.
        setattr(entry, f"title_{audience}", view.title[:250])
        setattr(entry, f"sort_{audience}", fold(view.title)[:250])
        setattr(entry, f"tags_{audience}", tags)
        setattr(entry, f"card_{audience}", card)
    latitude = (
        structure.latitude if structure.latitude is not None else getattr(structure.commune, "latitude", None)
    )
    longitude = (
        structure.longitude
        if structure.longitude is not None
        else getattr(structure.commune, "longitude", None)
    )
    entry.commune_id = structure.commune_id
    entry.latitude, entry.longitude = latitude, longitude
    entry.location_level = Visibility.PUBLIC if latitude is not None else Visibility.STAFF + 1
    return entry, [texts, texts, texts]


# --- Writing ---------------------------------------------------------------------------------------------

ENTRY_FIELDS = [
    "kind",
    *[f"{prefix}_{audience}" for prefix in ("title", "sort", "tags", "card") for audience in AUDIENCES],
    "commune",
    "latitude",
    "longitude",
    "location_level",
    "published_at",
    "indexed_at",
]

VECTOR_SQL = """
UPDATE directory_entry AS e SET {assignments}
FROM unnest(%s::bigint[], {arrays}) AS d(actor_id, {columns})
WHERE e.{actor_column} = d.actor_id
"""


def _write(kind: str, built: list[tuple[Entry, list[tuple]]]) -> None:
    if not built:
        return
    now = timezone.now()
    for entry, _texts in built:
        entry.indexed_at = now
    actor_field = "person" if kind == ActorKind.PERSON else "structure"
    Entry.objects.bulk_create(
        [entry for entry, _texts in built],
        update_conflicts=True,
        unique_fields=[actor_field],
        update_fields=ENTRY_FIELDS,
        batch_size=BATCH_SIZE,
    )
    # Weighted French vectors, computed by PostgreSQL with the accent-insensitive configuration.
    columns, assignments, arrays, params = [], [], [], [[getattr(e, f"{actor_field}_id") for e, _t in built]]
    for index, audience in enumerate(AUDIENCES):
        parts = []
        for weight_index, weight in enumerate("ABCD"):
            column = f"{audience}_{weight.lower()}"
            columns.append(column)
            arrays.append("%s::text[]")
            params.append([texts[index][weight_index] for _e, texts in built])
            parts.append(f"setweight(to_tsvector('fr_unaccent', d.{column}), '{weight}')")
        assignments.append(f"search_{audience} = " + " || ".join(parts))
    sql = VECTOR_SQL.format(
        assignments=", ".join(assignments),
        arrays=", ".join(arrays),
        columns=", ".join(columns),
        actor_column=f"{actor_field}_id",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def index_persons(ids: Iterable[int]) -> int:
    """(Re)build the entries of these persons; unpublished ones leave the directory."""
    ids = list(ids)
    zones = departement_zones()
    indexed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        with transaction.atomic():
            persons = list(persons_for_display().filter(pk__in=chunk, status=ModerationStatus.PUBLISHED))
            Entry.objects.filter(person_id__in=chunk).exclude(person_id__in=[p.pk for p in persons]).delete()
            extra = _provided_tags(ActorKind.PERSON, [p.pk for p in persons])
            _write(ActorKind.PERSON, [_person_entry(p, zones, extra.get(p.pk, [])) for p in persons])
            indexed += len(persons)
    return indexed


def index_structures(ids: Iterable[int]) -> int:
    ids = list(ids)
    zones = departement_zones()
    indexed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        with transaction.atomic():
            structures = list(
                structures_for_display().filter(pk__in=chunk, status=ModerationStatus.PUBLISHED)
            )
            Entry.objects.filter(structure_id__in=chunk).exclude(
                structure_id__in=[s.pk for s in structures]
            ).delete()
            extra = _provided_tags(ActorKind.STRUCTURE, [s.pk for s in structures])
            _write(ActorKind.STRUCTURE, [_structure_entry(s, zones, extra.get(s.pk, [])) for s in structures])
            indexed += len(structures)
    return indexed


def index_actor(actor) -> None:
    if isinstance(actor, Person):
        index_persons([actor.pk])
    else:
        index_structures([actor.pk])


def reindex_actors(*, person_ids: Iterable[int] = (), structure_ids: Iterable[int] = ()) -> None:
    index_persons(person_ids)
    index_structures(structure_ids)


def reindex_all() -> dict[str, int]:
    """Rebuild the whole index (after a taxonomy label changed, or a provider's rule)."""
    started = timezone.now()
    persons = index_persons(
        Person.objects.filter(status=ModerationStatus.PUBLISHED).values_list("pk", flat=True)
    )
    structures = index_structures(
        Structure.objects.filter(status=ModerationStatus.PUBLISHED).values_list("pk", flat=True)
    )
    Entry.objects.filter(indexed_at__lt=started).delete()
    return {"persons": persons, "structures": structures}
