"""Lists declared once and derived everywhere: the FilterSet drives the facets, the models' verbose
names the labels, one column spec the export. These fail when something is declared in one place only."""

from datetime import date

import pytest

from actors.enums import Role, Visibility
from actors.models import Person, Structure
from actors.services.charter import charter_sign
from directory.exports import COLUMNS, export_headers, export_rows
from directory.facets import ICON_PREFIX, SPARSE_PREFIXES, facet_prefixes
from directory.filters import EntryFilter, TagFilter
from directory.labels import LABEL_OVERRIDES
from directory.models import Entry
from directory.selectors.listing import NON_TAG_FILTERS, directory_search, entry_filter
from directory.selectors.profiles import (
    person_view,
    persons_for_display,
    structure_view,
    structures_for_display,
)
from directory.services.profiles import profile_snapshot
from directory.views.moderation import revision_diff
from tests.factories.actors import UserFactory
from tests.factories.charter import CharterVersionFactory
from tests.factories.directory import VALID_FINESS, VALID_SIRET, make_person, make_project, make_structure

pytestmark = pytest.mark.django_db

SITE = "https://cops.exemple.fr"


@pytest.fixture
def directory(partner, django_capture_on_commit_callbacks):
    """A person, a structure and a project carrying a value of every facet (the person signed the
    charter; the project has a state and years)."""
    person = make_person(
        user=partner,
        first_name="Ana",
        last_name="Lopez",
        email="ana@exemple.fr",
        phone="0601020304",
        website="https://ana.exemple.fr",
        experience="Dix ans d'ateliers.",
        territories=["31", "34"],
    )
    structure = make_structure(
        name="CHU de Toulouse",
        acronym="CHU",
        structure_type="chu",
        siret=VALID_SIRET,
        finess=VALID_FINESS,
        phone="0561000000",
        website="https://chu.exemple.fr",
    )
    with django_capture_on_commit_callbacks(execute=True):
        charter_sign(version=CharterVersionFactory(year=2026), by=partner, person=person)
    make_project(
        by=UserFactory(email="projets@exemple.fr", roles=[Role.STAFF]),
        structure=structure,
        started_on=date(2024, 3, 1),
        ended_on=date(2025, 6, 30),
        state="termine",
    )
    return person, structure


# --- Filters and facets ----------------------------------------------------------------------------


def test_every_filter_is_a_facet_or_one_the_listing_evaluates_apart():
    tag_filters = tuple(
        name for name, item in EntryFilter.base_filters.items() if isinstance(item, TagFilter)
    )

    facets = EntryFilter.FACETS

    # A filter in neither list would be applied by the API and ignored by the list page and the map.
    assert facets == tag_filters
    assert sorted(EntryFilter.base_filters) == sorted(facets + NON_TAG_FILTERS)


@pytest.mark.parametrize("level", [Visibility.PUBLIC, Visibility.PARTNERS, Visibility.STAFF])
def test_every_facet_is_counted_in_memory_as_the_database_filters_it(directory, level):
    result = directory_search(entry_filter({}, level=level))

    in_memory = {group.name: {o.value: o.count for o in group.options} for group in result.facets}
    in_database = {
        name: {value: entry_filter({name: [value]}, level=level).qs.count() for value in in_memory[name]}
        for name in EntryFilter.FACETS
    }

    assert list(in_memory) == list(EntryFilter.FACETS)
    assert in_memory == in_database
    # Every facet has a value in this directory, so a facet the index did not load would count 0.
    assert [name for name, counts in in_memory.items() if not any(counts.values())] == []


def test_every_tag_the_index_writes_is_read_by_a_filter(directory):
    tags = {tag for entry in Entry.objects.all() for tag in entry.tags_public + entry.tags_staff}

    unread = sorted(
        tag for tag in tags if not tag.startswith((*facet_prefixes(), *SPARSE_PREFIXES, ICON_PREFIX))
    )

    assert "charte:engage" in tags
    assert unread == []


# --- Labels --------------------------------------------------------------------------------------------


def test_label_overrides_name_fields_of_the_profile_models():
    fields = {field.name for model in (Person, Structure) for field in model._meta.get_fields()}

    stale = set(LABEL_OVERRIDES) - fields

    assert stale == set()


def test_moderation_diff_labels_a_field_by_its_verbose_name_or_its_override(directory):
    person, _structure = directory
    person.revision = {**profile_snapshot(person), "qualifications": [], "email": "autre@exemple.fr"}

    rows = [(str(row["label"]), row["before"], row["after"]) for row in revision_diff(person)]

    assert rows == [
        ("Adresse électronique", "ana@exemple.fr", "autre@exemple.fr"),
        ("Qualifications ou diplômes", "Formation à l'éducation thérapeutique du patient (40 heures)", "—"),
    ]


# --- Export --------------------------------------------------------------------------------------------


def test_every_export_column_has_a_header_and_reads_a_real_person_and_structure(directory):
    person, structure = directory
    person_seen = person_view(persons_for_display().get(pk=person.pk), Visibility.STAFF)
    structure_seen = structure_view(
        structures_for_display().get(pk=structure.pk), Visibility.STAFF, with_members=False
    )

    headers = export_headers()
    person_row = [column.value(person_seen, SITE) for column in COLUMNS]
    structure_row = [column.value(structure_seen, SITE) for column in COLUMNS]
    exported = list(export_rows(Entry.objects.order_by("kind"), level=Visibility.STAFF, site_url=SITE))

    assert all(column.person or column.structure for column in COLUMNS)
    assert all(headers) and len(set(headers)) == len(headers)
    assert dict(zip(headers, person_row, strict=True)) == {
        "Type": "Personne",
        "Nom": "Ana Lopez",
        "Profils d'acteur / type de structure": "Patient partenaire",
        "Domaines d'activité": "Soin et accompagnement",
        "Territoires d'activité": "Haute-Garonne, Hérault",
        "Commune": "Toulouse (31000)",
        "Adresse": "",
        "Activités": "Éducation thérapeutique du patient (ETP)",
        "Disponibilités": "À distance (visioconférence)",
        "Qualifications": "Formation à l'éducation thérapeutique du patient (40 heures)",
        "Présentation": "Patiente partenaire à l'Hôpital Purpan, j'anime des ateliers.",
        "Adresse électronique": "ana@exemple.fr",
        "Téléphone": "0601020304",
        "Site web": "https://ana.exemple.fr",
        "Fiche": f"{SITE}/annuaire/personnes/{person.pk}/",
    }
    assert dict(zip(headers, structure_row, strict=True)) == {
        "Type": "Structure",
        "Nom": "CHU de Toulouse (CHU)",
        "Profils d'acteur / type de structure": "Centre hospitalier universitaire (CHU)",
        "Domaines d'activité": "Soin et accompagnement",
        "Territoires d'activité": "Tarn-et-Garonne",
        "Commune": "Montauban",
        "Adresse": "100 rue Léon Cladel 82000",
        "Activités": "",
        "Disponibilités": "",
        "Qualifications": "",
        "Présentation": "Un hôpital engagé avec ses usagers.",
        "Adresse électronique": "contact@ch-montauban.exemple.fr",
        "Téléphone": "0561000000",
        "Site web": "https://chu.exemple.fr",
        "Fiche": f"{SITE}/annuaire/structures/{structure.pk}/",
    }
    assert exported == [person_row, structure_row]
