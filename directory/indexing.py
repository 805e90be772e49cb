"""Keeps the directory index (directory.models.Entry) in step with published profiles.

Every audience's columns are derived from `person_view(person, level)` — the same function
that decides what a page shows — so the index cannot know more than the viewer may see.

Tags (filter values) are short strings: "k:personne", "p:<profile code>", "d:<domain code>",
"t:<département code>", "z:est|ouest|region", "st:<structure type code>", "q:<qualification code>",
"a:<activity code>", "v:<availability code>", "c:<INSEE code>", "cp:<postal code>", and the
charter's "charte:engage" (see `ENGAGED_TAG`).
"""

import json
import unicodedata
from collections.abc import Iterable
from contextlib import contextmanager
from functools import lru_cache

import psycopg
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from actors.enums import ActorKind, MembershipStatus, ModerationStatus, Visibility, Zone
from actors.models import ActorProfile, Departement, Person, Structure
from actors.selectors.charter import engaged_actor_ids
from directory.facets import bump_version
from directory.models import AUDIENCES, Entry
from directory.selectors.contact import contact_card_policy
from directory.selectors.profiles import (
    PersonView,
    StructureView,
    person_lists,
    person_view,
    persons_with_lists,
    structure_view,
    structures_for_display,
)

LEVELS = (Visibility.PUBLIC, Visibility.PARTNERS, Visibility.STAFF)
BATCH_SIZE = 1000

# --- Badges: public facts shown on result cards and filterable -----------------------------------
# The charter's "engagé(e) dans la charte COPS": every standing signatory of the current version.
# Kept fresh by directory.signals.reindex_charter_signatories (connected in directory/apps.py).
ENGAGED_TAG = "charte:engage"
ENGAGED_LABEL = gettext_lazy("Engagé(e) dans la charte COPS")
BADGES: dict[str, str] = {ENGAGED_TAG: ENGAGED_LABEL}


def badge_prefixes() -> tuple[str, ...]:
    """Badge tags are facet-like (e.g. "charte"): counted in memory as well."""
    return tuple(BADGES)


def _badge_tags(kind: str, ids: list[int]) -> dict[int, list[str]]:
    """Added for every audience: they must be public facts."""
    return {actor_id: [ENGAGED_TAG] for actor_id in engaged_actor_ids(kind, ids)}


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


@lru_cache(maxsize=2)
def _url_prefix(name: str) -> str:
    return reverse(name, args=[0])[:-2]


def _detail_url(name: str, pk: int) -> str:
    # reverse() is slow when called for thousands of rows: build from the pattern's prefix.
    return f"{_url_prefix(name)}{pk}/"


def excerpt(text: str, limit: int = 220) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _person_card(view: PersonView, contact: str = "") -> dict:
    return {
        "id": view.id,
        "kind": ActorKind.PERSON.value,
        "url": _detail_url("directory:person_detail", view.id),
        "title": view.title,
        "subtitle": " · ".join(item.label for item in view.profiles[:3]),
        "place": view.commune or "",
        "domains": [item.label for item in view.domains],
        "excerpt": excerpt(view.bio or ""),
        "image": f"{_detail_url('directory:person_detail', view.id)}photo/" if view.has_photo else "",
        # Who may write through the relay (a public fact, not a restricted field): the page shows
        # « Contacter » to the viewers it admits, without a query per card.
        "contact": contact,
    }


def _person_contact(person: Person, profile_sides: dict[str, str]) -> str:
    """The card's contact policy, from the lists already loaded (no query per person): an account
    always has an address; without one, the profile's contact address is the relay's."""
    sides = {profile_sides.get(item.code) for item in person_lists(person)["profiles"]}
    return contact_card_policy(person.contact_policy(sides=sides), bool(person.user_id or person.email))


def _person_entry(
    person: Person, zones: dict[str, str], extra: list[str], contact: str = ""
) -> tuple[Entry, list[tuple]]:
    entry = Entry(kind=ActorKind.PERSON, person_id=person.pk, published_at=person.published_at)
    texts = []
    used_levels = set(person.field_levels.values())
    previous = None
    for level, audience in zip(LEVELS, AUDIENCES, strict=True):
        if previous is not None and level not in used_levels:
            # No field opens at this level: this audience sees exactly what the previous one sees.
            title, sort, tags, card, text = previous
        else:
            view = person_view(person, level)
            title, sort = view.title[:250], fold(view.title)[:250]
            tags, card, text = (
                _person_tags(view, person, zones) + extra,
                _person_card(view, contact),
                _person_texts(view),
            )
            previous = (title, sort, tags, card, text)
        setattr(entry, f"title_{audience}", title)
        setattr(entry, f"sort_{audience}", sort)
        setattr(entry, f"tags_{audience}", tags)
        setattr(entry, f"card_{audience}", card)
        texts.append(text)
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


def _structure_card(view: StructureView, contact: str = "") -> dict:
    place = view.commune or ""
    return {
        "id": view.id,
        "kind": ActorKind.STRUCTURE.value,
        "url": _detail_url("directory:structure_detail", view.id),
        "title": view.title,
        "subtitle": view.structure_type,
        "place": place,
        "domains": [item.label for item in view.domains],
        "excerpt": excerpt(view.description or ""),
        "image": view.logo_url,
        "contact": contact,
    }


def _structure_contact(structure: Structure) -> str:
    """From the prefetched memberships (structures_for_display): an accepted référent with an
    account, or the structure's own address, receives its messages."""
    has_referent = any(
        m.is_referent and m.status == MembershipStatus.ACCEPTED and m.person.user_id
        for m in structure.memberships.all()
    )
    return contact_card_policy(structure.accepts_messages, has_referent or bool(structure.email))


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
    card = _structure_card(view, _structure_contact(structure))
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

# One statement per batch: every column arrives as one array parameter, PostgreSQL unnests them,
# computes the weighted French vectors and upserts (far fewer parameters than a row-wise insert).
UPSERT_SQL = """
INSERT INTO directory_entry (
    kind, {actor_column},
    title_public, title_partners, title_staff, sort_public, sort_partners, sort_staff,
    tags_public, tags_partners, tags_staff, card_public, card_partners, card_staff,
    search_public, search_partners, search_staff,
    commune_id, latitude, longitude, location_level, published_at, indexed_at
)
SELECT
    %s, v.actor_id,
    v.title_public, v.title_partners, v.title_staff, v.sort_public, v.sort_partners, v.sort_staff,
    string_to_array(v.tags_public, '|'), string_to_array(v.tags_partners, '|'), string_to_array(v.tags_staff, '|'),
    v.card_public::jsonb, v.card_partners::jsonb, v.card_staff::jsonb,
    v.vector_public, v.vector_partners, COALESCE(v.vector_staff, v.vector_partners),
    v.commune_id, v.latitude, v.longitude, v.location_level, v.published_at, now()
FROM (
    SELECT w.*, COALESCE(w.own_partners, w.vector_public) AS vector_partners
    FROM (
        SELECT d.*, {vectors}
        FROM jsonb_to_recordset(%s::jsonb) AS d(
            actor_id bigint, title_public text, title_partners text, title_staff text,
            sort_public text, sort_partners text, sort_staff text,
            tags_public text, tags_partners text, tags_staff text,
            card_public jsonb, card_partners jsonb, card_staff jsonb,
            {text_columns},
            commune_id text, latitude float8, longitude float8, location_level int, published_at timestamptz
        )
    ) AS w
) AS v
ON CONFLICT ({actor_column}) DO UPDATE SET
    title_public = EXCLUDED.title_public, title_partners = EXCLUDED.title_partners,
    title_staff = EXCLUDED.title_staff, sort_public = EXCLUDED.sort_public,
    sort_partners = EXCLUDED.sort_partners, sort_staff = EXCLUDED.sort_staff,
    tags_public = EXCLUDED.tags_public, tags_partners = EXCLUDED.tags_partners, tags_staff = EXCLUDED.tags_staff,
    card_public = EXCLUDED.card_public, card_partners = EXCLUDED.card_partners, card_staff = EXCLUDED.card_staff,
    search_public = EXCLUDED.search_public, search_partners = EXCLUDED.search_partners,
    search_staff = EXCLUDED.search_staff, commune_id = EXCLUDED.commune_id, latitude = EXCLUDED.latitude,
    longitude = EXCLUDED.longitude, location_level = EXCLUDED.location_level,
    published_at = EXCLUDED.published_at, indexed_at = EXCLUDED.indexed_at
"""


# Title (A), profiles, types and domains (B), everything else (C): three French vectors per
# audience (each to_tsvector call with the unaccent dictionary has a cost at 25,000 rows).
WEIGHTS = "ABC"


def _weighted(texts: tuple[str, str, str, str]) -> tuple[str, str, str]:
    title, labels, body, experience = texts
    return title, labels, f"{body} {experience}".strip()


def _upsert_sql(actor_column: str) -> str:
    """French vectors are computed in PostgreSQL; an audience whose texts are NULL (the same as the
    audience below it) reuses that audience's vector instead of computing it again."""
    text_columns = [f"{audience}_{weight.lower()}" for audience in AUDIENCES for weight in WEIGHTS]

    def vector(audience: str) -> str:
        return " || ".join(
            f"setweight(to_tsvector('fr_unaccent', d.{audience}_{weight.lower()}), '{weight}')"
            for weight in WEIGHTS
        )

    vectors = (
        f"{vector('public')} AS vector_public, "
        f"CASE WHEN d.partners_a IS NULL THEN NULL ELSE {vector('partners')} END AS own_partners, "
        f"CASE WHEN d.staff_a IS NULL THEN NULL ELSE {vector('staff')} END AS vector_staff"
    )
    return UPSERT_SQL.format(
        actor_column=actor_column,
        vectors=vectors,
        text_columns=", ".join(f"{name} text" for name in text_columns),
    )


def _write(kind: str, built: list[tuple[Entry, list[tuple]]]) -> None:
    if not built:
        return
    actor_field = "person" if kind == ActorKind.PERSON else "structure"
    # The rows travel as one JSON document (json.dumps is C code; dumping a dozen Python lists
    # as PostgreSQL arrays costs seconds at 25,000 actors) unpacked by jsonb_to_recordset.
    rows = []
    for entry, texts in built:
        row = {
            "actor_id": getattr(entry, f"{actor_field}_id"),
            "commune_id": entry.commune_id,
            "latitude": entry.latitude,
            "longitude": entry.longitude,
            "location_level": entry.location_level,
            "published_at": entry.published_at.isoformat() if entry.published_at else None,
        }
        for index, audience in enumerate(AUDIENCES):
            row[f"title_{audience}"] = getattr(entry, f"title_{audience}")
            row[f"sort_{audience}"] = getattr(entry, f"sort_{audience}")
            row[f"tags_{audience}"] = "|".join(getattr(entry, f"tags_{audience}"))
            row[f"card_{audience}"] = getattr(entry, f"card_{audience}")
            same_as_below = index > 0 and texts[index] == texts[index - 1]
            weighted = _weighted(texts[index])
            for weight_index, weight in enumerate(WEIGHTS):
                row[f"{audience}_{weight.lower()}"] = None if same_as_below else weighted[weight_index]
        rows.append(row)
    params = [kind, json.dumps(rows, ensure_ascii=False)]
    connection.ensure_connection()
    # Server-side parameter binding: the document travels as a value instead of being quoted
    # into the SQL text by Python (Django's default client-side cursor).
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_upsert_sql(f"{actor_field}_id"), params)
    bump_version()


def index_persons(ids: Iterable[int]) -> int:
    """(Re)build the entries of these persons; unpublished ones leave the directory."""
    ids = list(ids)
    zones = departement_zones()
    profile_sides = dict(ActorProfile.objects.values_list("code", "side"))
    indexed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        with transaction.atomic():
            published = Person.objects.filter(pk__in=chunk, status=ModerationStatus.PUBLISHED).values_list(
                "pk", flat=True
            )
            persons = persons_with_lists(list(published))
            gone, _ = (
                Entry.objects.filter(person_id__in=chunk)
                .exclude(person_id__in=[p.pk for p in persons])
                .delete()
            )
            if gone:
                bump_version()
            extra = _badge_tags(ActorKind.PERSON, [p.pk for p in persons])
            _write(
                ActorKind.PERSON,
                [
                    _person_entry(p, zones, extra.get(p.pk, []), _person_contact(p, profile_sides))
                    for p in persons
                ],
            )
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
            gone, _ = (
                Entry.objects.filter(structure_id__in=chunk)
                .exclude(structure_id__in=[s.pk for s in structures])
                .delete()
            )
            if gone:
                bump_version()
            extra = _badge_tags(ActorKind.STRUCTURE, [s.pk for s in structures])
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


@contextmanager
def indexes_deferred():
    """For the first load of an empty directory (a new database, the demo data): drop the table's
    search indexes, load, then build them once — much faster than updating a dozen GIN indexes
    row by row. Transactional DDL: a failure restores everything. Does nothing on a live table."""
    if Entry.objects.exists():
        yield
        return
    with transaction.atomic():
        with connection.schema_editor() as editor:
            for index in Entry._meta.indexes:
                editor.remove_index(Entry, index)
        yield
        with connection.cursor() as cursor:
            # Foreign keys are checked at commit; an index cannot be built with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        with connection.schema_editor() as editor:
            for index in Entry._meta.indexes:
                editor.add_index(Entry, index)


def reindex_all() -> dict[str, int]:
    """Rebuild the whole index (after a taxonomy label changed, or a badge's rule)."""
    started = timezone.now()
    persons = index_persons(
        Person.objects.filter(status=ModerationStatus.PUBLISHED).values_list("pk", flat=True)
    )
    structures = index_structures(
        Structure.objects.filter(status=ModerationStatus.PUBLISHED).values_list("pk", flat=True)
    )
    Entry.objects.filter(indexed_at__lt=started).delete()
    bump_version()
    return {"persons": persons, "structures": structures}
