"""Keeps the directory index (directory.models.Entry) in step with published profiles.

Every audience's columns are derived from `person_view(person, level)` — the same function
that decides what a page shows — so the index cannot know more than the viewer may see.

Tags (filter values) are short strings: "k:personne", "p:<profile code>", "d:<domain code>",
"t:<département code>", "z:est|ouest|region", "st:<structure type code>", "q:<qualification code>",
"a:<activity code>", "v:<availability code>", "c:<INSEE code>", "cp:<postal code>", the
charter's "charte:engage" (see `ENGAGED_TAG`); for projects "k:projet", "e:<state code>" and
"y:<year>" (every year between its start and its end, or today). "f:<letter>" is the map icon's
family of the entry for that audience (see `directory.facets.ICON_FAMILIES`); not a filter.
"""

import json
import unicodedata
from collections.abc import Iterable
from contextlib import contextmanager
from functools import lru_cache

import psycopg
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from actors.enums import ActorKind, MembershipStatus, ModerationStatus, Visibility, Zone
from actors.models import ActorProfile, Departement, Person, Structure
from actors.selectors.charter import engaged_actor_ids
from directory.facets import bump_version, person_family, project_family, structure_family
from directory.models import (
    AUDIENCES,
    Entry,
    EntryKind,
    Project,
    ProjectPerson,
    ProjectPersonStatus,
    ProjectState,
)
from directory.selectors.contact import contact_card_policy
from directory.selectors.profiles import (
    PersonView,
    StructureView,
    person_lists,
    person_title,
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


def _person_tags(
    view: PersonView, person: Person, zones: dict[str, str], profile_sides: dict[str, str]
) -> list[str]:
    tags = [f"k:{ActorKind.PERSON}", f"f:{person_family({profile_sides.get(p.code) for p in view.profiles})}"]
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


def _person_texts(view: PersonView) -> tuple[str, str, str]:
    """(title, own words, taxonomy labels): see WEIGHTS."""
    return (
        view.title,
        " ".join(
            [view.bio or "", view.experience or "", view.commune or ""]
            + [f"{m.structure_name} {m.function}" for m in view.memberships]
        ).strip(),
        " ".join(
            item.label
            for item in view.profiles
            + view.domains
            + view.activities
            + view.qualifications
            + view.availabilities
            + view.territories
        ),
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
    person: Person,
    zones: dict[str, str],
    extra: list[str],
    contact: str = "",
    profile_sides: dict[str, str] | None = None,
) -> tuple[Entry, list[tuple]]:
    profile_sides = profile_sides or {}
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
                _person_tags(view, person, zones, profile_sides) + extra,
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
    type_code = structure.structure_type.code if structure.structure_type_id else ""
    tags = [f"k:{ActorKind.STRUCTURE}", f"f:{structure_family(type_code)}"]
    if type_code:
        tags.append(f"st:{type_code}")
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
        " ".join([view.description, view.commune or "", view.address]).strip(),
        " ".join([view.structure_type] + [item.label for item in view.domains + view.territories]),
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


# --- Projects ---------------------------------------------------------------------------------------


def project_years(project: Project, today=None) -> list[int]:
    """Every year the project runs: from its start to its end (or today if not ended)."""
    start, end = project.started_on, project.ended_on
    if start is None and end is None:
        return []
    if start is None:
        return [end.year]
    last = end.year if end is not None else max(start.year, (today or timezone.localdate()).year)
    return list(range(start.year, last + 1))


def years_label(years: list[int]) -> str:
    if not years:
        return ""
    if len(years) == 1:
        return str(years[0])
    return f"{years[0]}–{years[-1]}"


@lru_cache(maxsize=1)
def _project_url_prefix() -> str:
    try:
        return reverse("directory:project_detail", args=["x"])[:-2]
    except NoReverseMatch:  # the project pages not wired yet
        return "/projets/"


def project_url(slug: str) -> str:
    return f"{_project_url_prefix()}{slug}/"


def projects_for_index(ids) -> list[Project]:
    """Published projects with everything their entry needs, in a fixed number of queries."""
    return list(
        Project.objects.filter(pk__in=ids, status=ModerationStatus.PUBLISHED)
        .select_related("main_structure__commune")
        .prefetch_related(
            "domains",
            "practices",
            "territories",
            "communes",
            "structures",
            Prefetch(
                "people",
                queryset=ProjectPerson.objects.filter(
                    status=ProjectPersonStatus.ACCEPTED, person__status=ModerationStatus.PUBLISHED
                ).select_related("person"),
                to_attr="accepted_people",
            ),
        )
    )


def project_location(project: Project):
    """(commune, latitude, longitude): the carrying structure's place, else the first commune."""
    structure = project.main_structure
    if structure.latitude is not None and structure.longitude is not None:
        return structure.commune, structure.latitude, structure.longitude
    communes = list(project.communes.all())
    if communes:
        return communes[0], communes[0].latitude, communes[0].longitude
    if structure.commune_id:
        return structure.commune, structure.commune.latitude, structure.commune.longitude
    return None, None, None


def project_persons(project: Project, level: int) -> list[tuple[int, str, str]]:
    """(person id, title, role) of the accepted persons `level` may see on the project: taking
    part in a project is shown like the person's structures (their `memberships` visibility)."""
    return [
        (item.person_id, person_title(item.person, level), item.role)
        for item in project.accepted_people
        if item.person.field_level("memberships") <= level
    ]


def _project_tags(project: Project, zones: dict[str, str], commune) -> list[str]:
    tags = [f"k:{EntryKind.PROJECT}", f"f:{project_family(project.state)}", f"e:{project.state}"]
    tags += [f"y:{year}" for year in project_years(project)]
    tags += [f"d:{item.code}" for item in project.domains.all()]
    tags += [f"a:{item.code}" for item in project.practices.all()]
    tags += territory_tags([item.code for item in project.territories.all()], project.region_wide, zones)
    communes = {item.insee_code: item for item in project.communes.all()}
    if commune is not None:
        communes.setdefault(commune.insee_code, commune)
    for code, item in sorted(communes.items()):
        tags.append(f"c:{code}")
        tags += [f"cp:{postal}" for postal in item.postal_codes]
    return tags


def _project_card(project: Project, place: str) -> dict:
    return {
        "id": project.pk,
        "kind": EntryKind.PROJECT.value,
        "url": project_url(project.slug),
        "title": project.title,
        "subtitle": project.main_structure.name,
        "place": place,
        "domains": [item.label for item in project.domains.all()],
        "excerpt": excerpt(project.summary or ""),
        # Served by the project pages (directory.views.projects.project_image) once published.
        "image": f"{project_url(project.slug)}image/" if project.image else "",
        "contact": "",
        "state": project.state,
        "state_label": str(ProjectState(project.state).label),
        "years": years_label(project_years(project)),
    }


def _project_entry(project: Project, zones: dict[str, str]) -> tuple[Entry, list[tuple]]:
    commune, latitude, longitude = project_location(project)
    place = commune.name if commune is not None else ""
    tags = _project_tags(project, zones, commune)
    card = _project_card(project, place)
    own_words = [
        project.summary,
        project.description,
        project.outcomes,
        project.lessons,
        project.main_structure.name,
        project.main_structure.acronym,
    ]
    own_words += [item.name for item in project.structures.all()]
    own_words += [item.name for item in project.communes.all()]
    labels = " ".join(
        [str(ProjectState(project.state).label)]
        + [item.label for item in project.domains.all()]
        + [item.label for item in project.practices.all()]
        + [item.name for item in project.territories.all()]
    )
    entry = Entry(kind=EntryKind.PROJECT, project_id=project.pk, published_at=project.published_at)
    texts = []
    for level, audience in zip(LEVELS, AUDIENCES, strict=True):
        setattr(entry, f"title_{audience}", project.title[:250])
        setattr(entry, f"sort_{audience}", fold(project.title)[:250])
        setattr(entry, f"tags_{audience}", tags)
        setattr(entry, f"card_{audience}", card)
        persons = [f"{title} {role}" for _id, title, role in project_persons(project, level)]
        texts.append((project.title, " ".join(part for part in own_words + persons if part), labels))
    entry.commune_id = commune.insee_code if commune is not None else None
    entry.latitude, entry.longitude = latitude, longitude
    entry.location_level = Visibility.PUBLIC if latitude is not None else Visibility.STAFF + 1
    return entry, texts


def index_projects(ids: Iterable[int]) -> int:
    """(Re)build the entries of these projects; unpublished ones leave the directory."""
    ids = list(ids)
    if not ids:
        return 0
    zones = departement_zones()
    indexed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        with transaction.atomic():
            projects = projects_for_index(chunk)
            gone, _ = (
                Entry.objects.filter(project_id__in=chunk)
                .exclude(project_id__in=[p.pk for p in projects])
                .delete()
            )
            if gone:
                bump_version()
            _write(EntryKind.PROJECT, [_project_entry(p, zones) for p in projects])
            indexed += len(projects)
    return indexed


def _index_projects_of(*, person_ids: Iterable[int] = (), structure_ids: Iterable[int] = ()) -> None:
    """Reindex the published projects these persons joined, or these structures carry or join."""
    condition = Q(pk__in=[])
    if person_ids:
        condition |= Q(people__person_id__in=person_ids, people__status=ProjectPersonStatus.ACCEPTED)
    if structure_ids:
        condition |= Q(main_structure_id__in=structure_ids) | Q(structures__in=structure_ids)
    if not (person_ids or structure_ids):
        return
    ids = set(
        Project.objects.filter(condition, status=ModerationStatus.PUBLISHED).values_list("pk", flat=True)
    )
    if ids:
        index_projects(sorted(ids))


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
    v.commune_id, v.latitude, v.longitude, v.location_level, v.published_at, clock_timestamp()
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


# Title (A); the actor's own words — biography, experience, description, summary, place,
# structures — (B); taxonomy labels (D): three French vectors per audience (each to_tsvector
# call with the unaccent dictionary has a cost at 25,000 rows). Labels weigh least: hundreds of
# entries carry the same label, so a word found in one description must rank above all of them
# (ts_rank of a term repeated in labels stays below 1.65 × 0.1, one B match is 0.4).
WEIGHTS = "ABD"


def _weighted(texts: tuple[str, str, str]) -> tuple[str, str, str]:
    return texts


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
    actor_field = {
        EntryKind.PERSON: "person",
        EntryKind.STRUCTURE: "structure",
        EntryKind.PROJECT: "project",
    }[kind]
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
                    _person_entry(
                        p, zones, extra.get(p.pk, []), _person_contact(p, profile_sides), profile_sides
                    )
                    for p in persons
                ],
            )
            indexed += len(persons)
            # A person's name and visibility show in the search text of the projects they joined.
            _index_projects_of(person_ids=chunk)
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
            # A project's card and place come from its carrying structure; its text names the others.
            _index_projects_of(structure_ids=chunk)
    return indexed


def index_actor(actor) -> None:
    if isinstance(actor, Person):
        index_persons([actor.pk])
    elif isinstance(actor, Project):
        index_projects([actor.pk])
    else:
        index_structures([actor.pk])


def reindex_actors(
    *, person_ids: Iterable[int] = (), structure_ids: Iterable[int] = (), project_ids: Iterable[int] = ()
) -> None:
    index_persons(person_ids)
    index_structures(structure_ids)
    index_projects(project_ids)


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


# What the rows of the index are made of (columns, tags, search weights). Raise it when that
# changes: `manage.py reindex_directory --if-outdated` (run by `make db`) then rebuilds the index
# of an existing database once. 2: projects as a third kind, labels weighted below own words.
INDEX_FORMAT = 2
INDEX_FORMAT_KEY = "directory:index-format"


def index_is_outdated() -> bool:
    return caches["shared"].get(INDEX_FORMAT_KEY) != INDEX_FORMAT


def reindex_all() -> dict[str, int]:
    """Rebuild the whole index (after a taxonomy label changed, a badge's rule, or its format)."""
    started = timezone.now()
    persons = index_persons(
        Person.objects.filter(status=ModerationStatus.PUBLISHED).values_list("pk", flat=True)
    )
    structures = index_structures(
        Structure.objects.filter(status=ModerationStatus.PUBLISHED).values_list("pk", flat=True)
    )
    projects = index_projects(
        Project.objects.filter(status=ModerationStatus.PUBLISHED).values_list("pk", flat=True)
    )
    Entry.objects.filter(indexed_at__lt=started).delete()
    bump_version()
    caches["shared"].set(INDEX_FORMAT_KEY, INDEX_FORMAT, timeout=None)
    return {"persons": persons, "structures": structures, "projects": projects}
