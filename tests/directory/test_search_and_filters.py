import pytest
from django.urls import reverse

from actors.enums import Visibility
from directory.models import Entry
from directory.selectors.listing import entry_filter, facet_groups
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db


def titles(data, level=Visibility.PUBLIC) -> list[str]:
    return [entry.title_staff for entry in entry_filter(data, level=level).qs]


@pytest.fixture
def directory():
    """A small directory across Occitanie."""
    return {
        "purpan": make_structure(
            name="Hôpital Purpan",
            structure_type="chu",
            commune="31555",
            postal_code="31300",
            territories=["31"],
            domains=["soin-accompagnement"],
            description="Formations au partenariat pour les équipes soignantes.",
        ),
        "ifsi": make_structure(
            name="IFSI d'Albi",
            structure_type="institut-formation",
            commune="81004",
            postal_code="81000",
            territories=["81"],
            domains=["formation-recherche-innovation"],
            description="Institut de formation en soins infirmiers.",
        ),
        "dupont": make_person(
            first_name="Marie",
            last_name="Dupont",
            commune="34172",
            territories=["34", "30"],
            profiles=["patient-partenaire-formateur"],
            domains=["formation-recherche-innovation"],
            bio="J'interviens dans la formation des étudiants.",
        ),
        "garcia": make_person(
            first_name="Luc",
            last_name="Garcia",
            commune="82121",
            territories=[],
            region_wide=True,
            profiles=["proche-aidant"],
            domains=["soin-accompagnement"],
            availabilities=["soir-week-end"],
            qualifications=[],
            activities=[],
            bio="Aidant de mon épouse.",
        ),
    }


def test_filter_by_kind_profile_domain_and_structure_type(directory):
    assert sorted(titles({"type": ["structure"]})) == ["Hôpital Purpan", "IFSI d'Albi"]
    assert titles({"profil": ["proche-aidant"]}) == ["Luc Garcia"]
    assert sorted(titles({"domaine": ["formation-recherche-innovation"]})) == ["IFSI d'Albi", "Marie Dupont"]
    assert titles({"type_structure": ["chu"]}) == ["Hôpital Purpan"]
    assert titles({"disponibilite": ["soir-week-end"]}) == ["Luc Garcia"]


def test_values_of_one_filter_are_alternatives_and_filters_combine(directory):
    assert sorted(titles({"profil": ["proche-aidant", "patient-partenaire-formateur"]})) == [
        "Luc Garcia",
        "Marie Dupont",
    ]
    assert titles({"type": ["personne"], "domaine": ["soin-accompagnement"]}) == ["Luc Garcia"]


def test_territory_filter_by_departement_zone_and_region(directory):
    # Luc acts region-wide: he is found in every département and zone.
    assert sorted(titles({"territoire": ["30"]})) == ["Luc Garcia", "Marie Dupont"]
    assert sorted(titles({"territoire": ["ouest"]})) == ["Hôpital Purpan", "IFSI d'Albi", "Luc Garcia"]
    assert sorted(titles({"territoire": ["est"]})) == ["Luc Garcia", "Marie Dupont"]
    assert titles({"territoire": ["region"]}) == ["Luc Garcia"]


def test_commune_postal_code_and_radius_filters(directory):
    assert titles({"commune": "31555"}) == ["Hôpital Purpan"]
    assert titles({"commune": "Toulouse (31000)"}) == ["Hôpital Purpan"]
    assert titles({"code_postal": "31300"}) == ["Hôpital Purpan"]
    # Montauban (82) is about 45 km from Toulouse, Albi about 70 km.
    assert sorted(titles({"commune": "31555", "rayon": "50"})) == ["Hôpital Purpan", "Luc Garcia"]
    assert sorted(titles({"commune": "31555", "rayon": "100"})) == [
        "Hôpital Purpan",
        "IFSI d'Albi",
        "Luc Garcia",
    ]


def test_invalid_free_text_filters_are_reported_in_french(directory, client):
    response = client.get(
        reverse("directory:list"), {"code_postal": "31", "commune": "Atlantide", "rayon": "20"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Un code postal compte 5 chiffres, par exemple 34000." in content
    assert "Commune inconnue : choisissez-la dans la liste proposée (nom ou code postal)." in content


def test_keyword_search_ignores_accents(directory):
    assert titles({"q": "hopital"}) == ["Hôpital Purpan"]
    assert titles({"q": "epouse"}) == ["Luc Garcia"]


def test_keyword_search_uses_french_stemming_and_ranks_by_relevance(directory):
    # "formations" finds "formation"; the IFSI (in its name and description) ranks first.
    found = titles({"q": "formations"})

    assert set(found) == {"IFSI d'Albi", "Hôpital Purpan", "Marie Dupont"}
    assert found[0] == "IFSI d'Albi"


def test_misspelt_names_are_found_by_trigram_similarity(directory):
    assert titles({"nom": "Dupond"}) == ["Marie Dupont"]
    assert titles({"q": "Garsia"}) == ["Luc Garcia"]
    assert titles({"nom": "purpen"}) == ["Hôpital Purpan"]


def test_facet_counts_count_each_value_with_the_other_filters(directory):
    filterset = entry_filter(
        {"type": ["personne"], "domaine": ["soin-accompagnement"]}, level=Visibility.PUBLIC
    )

    groups = {group.name: group for group in facet_groups(filterset)}

    kinds = {option.value: option.count for option in groups["type"].options}
    domains = {option.value: option.count for option in groups["domaine"].options}
    # Kind counts ignore the kind filter itself but honour the domain: 1 person, 1 structure.
    assert kinds == {"personne": 1, "structure": 1, "projet": 0}
    # No project in the directory: the project-only filters are not offered.
    assert "etat" not in groups and "annee" not in groups
    # Domain counts ignore the domain filter but honour the kind: persons per domain.
    assert domains["soin-accompagnement"] == 1
    assert domains["formation-recherche-innovation"] == 1
    assert [o.value for o in groups["domaine"].options if o.checked] == ["soin-accompagnement"]


def test_list_page_shows_counts_and_keeps_filters_in_the_address(directory, client):
    response = client.get(reverse("directory:list"), {"type": "personne", "q": "formation"})

    content = response.content.decode()
    assert "1 acteur trouvé" in content
    assert "Marie Dupont" in content
    assert "Hôpital Purpan" not in content
    # The map tab keeps the same filters.
    assert 'href="/carte/?type=personne&amp;q=formation"' in content


def test_unpublished_profiles_are_not_in_the_index(directory):
    make_person(first_name="Brouillon", last_name="Jamais", status="brouillon")
    make_person(first_name="Attente", last_name="Encore", status="en_attente")

    assert Entry.objects.count() == 4
    assert titles({"nom": "Brouillon"}, level=Visibility.STAFF) == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"type": ["personne"]},
        {"territoire": ["ouest", "34"], "domaine": ["soin-accompagnement"]},
        {"q": "formation", "type": ["structure"]},
        {"commune": "31555", "rayon": "50", "profil": ["proche-aidant"]},
        {"commune": "31555", "rayon": "50"},
        {"commune": "34172"},
        {"code_postal": "31300"},
        {"nom": "dupond", "territoire": ["est"]},
    ],
)
def test_in_memory_index_agrees_with_the_database(directory, data):
    from directory.selectors.listing import directory_search

    filterset = entry_filter(data, level=Visibility.PUBLIC)

    result = directory_search(filterset)

    database_ids = list(filterset.qs.values_list("pk", flat=True))
    assert result.total == len(database_ids)
    assert result.entry_ids(0, 20) == database_ids[:20]
    assert result.entry_ids(1, 3) == database_ids[1:3]


def test_find_a_patient_partner_view_shows_patient_partners_only(directory, client):
    make_person(
        first_name="Paul", last_name="Médiateur", profiles=["mediateur-sante-pair"], territories=["34"]
    )

    everyone = client.get(reverse("directory:patient_partners")).content.decode()
    in_34 = client.get(reverse("directory:patient_partners"), {"territoire": "34"}).content.decode()

    assert "Marie Dupont" in everyone and "Paul Médiateur" in everyone
    assert "Luc Garcia" not in everyone  # a caregiver, not a patient partner
    assert reverse("directory:structure_detail", args=[directory["purpan"].pk]) not in everyone
    assert "2 acteurs trouvés" in everyone
    assert "Paul Médiateur" in in_34 and "1 filtre actif" in in_34
