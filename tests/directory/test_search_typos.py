"""The keyword search forgives typos in names and labels, and ranks real text matches first.

Two defects found on main: a misspelt commune found nothing (only person names were typo-tolerant),
and a word found in one description ranked below every actor whose domain label contained it.
"""

import pytest
from django.urls import reverse

from actors.enums import Visibility
from directory.facets import edit_distance, search_lexicon
from directory.selectors.listing import cards_for, directory_search, entry_filter
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person, make_project, make_structure

pytestmark = pytest.mark.django_db


def titles(query: str, level=Visibility.PUBLIC, **filters) -> list[str]:
    """Result titles in ranking order, as the list page orders them."""
    result = directory_search(entry_filter({"q": query, **filters}, level=level))
    return [card["title"] for card in cards_for(result.entry_ids(0, 100), result.audience)]


@pytest.fixture
def places():
    author = UserFactory()
    make_person(user=author, first_name="Hugo", last_name="Auteur", commune="81004", activities=[])
    carrier = make_structure(
        by=author, name="Maison de santé du Tarn", structure_type="soins-primaires", commune="81004"
    )
    make_project(by=author, structure=carrier, title="Projet mené à Toulouse et Albi", communes=["31555"])
    make_person(first_name="Lise", last_name="Toulousaine", commune="31555", activities=[])
    make_person(first_name="Marc", last_name="Héraultais", commune="34172", activities=[])
    make_person(first_name="Noé", last_name="Audois", commune="11262", activities=[])
    make_structure(name="Clinique Pasteur", structure_type="clinique", commune="31555")
    make_structure(name="Hôpital d'Albi", commune="81004")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Touluose", ["Clinique Pasteur", "Lise Toulousaine", "Projet mené à Toulouse et Albi"]),
        ("touluose", ["Clinique Pasteur", "Lise Toulousaine", "Projet mené à Toulouse et Albi"]),
        ("Montpelier", ["Marc Héraultais"]),
        ("Narbone", ["Noé Audois"]),
    ],
)
def test_a_misspelt_commune_finds_the_entries_located_or_acting_there(places, query, expected):
    assert sorted(titles(query)) == expected


def test_a_misspelt_structure_name_finds_it(places):
    assert titles("Clinque Pasteur") == ["Clinique Pasteur"]
    assert titles("Clinique Pasteurr") == ["Clinique Pasteur"]


def test_a_misspelt_taxonomy_label_finds_the_actors_labelled_with_it():
    make_person(first_name="Ella", last_name="Éducatrice", activities=["education-therapeutique"])
    make_person(first_name="Rémi", last_name="Chercheur", activities=["recherche"], qualifications=[])

    assert titles("educaton thérapeutique") == ["Ella Éducatrice"]
    assert titles("éducation thérapeutiqe") == ["Ella Éducatrice"]


def test_a_correctly_spelt_word_is_not_replaced_and_quoted_phrases_stay_exact(places):
    # "Albi" is in the lexicon: no correction, so "Alba" or anything near is not added.
    assert sorted(titles("Albi")) == sorted(
        ["Hôpital d'Albi", "Hugo Auteur", "Maison de santé du Tarn", "Projet mené à Toulouse et Albi"]
    )
    # A quoted word is searched as written: only titles that look like it (trigrams), no commune.
    assert "Clinique Pasteur" not in titles('"Touluose"')
    assert "Clinique Pasteur" in titles("Touluose")


def test_the_lexicon_holds_public_names_only():
    make_person(first_name="Secrète", last_name="Zyxwvuts")
    make_structure(name="Association Quenouille")
    lexicon = search_lexicon()

    assert "quenouille" in lexicon.words
    assert "toulouse" in lexicon.words and "therapeutique" in lexicon.words
    assert "zyxwvuts" not in lexicon.words  # persons' names are matched by trigrams, never corrected to
    assert lexicon.corrections("quenoullie") == ["quenouille"]
    assert lexicon.corrections("zyxwvutz") == []


def test_edit_distance_counts_a_swap_of_neighbours_as_one_edit():
    assert edit_distance("touluose", "toulouse", 2) == 1
    assert edit_distance("montpelier", "montpellier", 2) == 1
    assert edit_distance("narbone", "narbonne", 1) == 1
    assert edit_distance("abcdef", "uvwxyz", 2) == 3


def test_a_description_match_is_not_buried_by_label_only_matches():
    # Eight actors whose domain label « Soin et accompagnement » contains the word…
    for index in range(8):
        make_person(
            first_name=f"Label{index}", last_name="Seulement", domains=["soin-accompagnement"], bio=""
        )
    # …one structure that writes it in its description (and whose domain does not contain it)…
    make_structure(
        name="Réseau Diabète Occitanie",
        domains=["formation-recherche-innovation"],
        description="Un accompagnement des personnes diabétiques par des pairs.",
    )
    # …and one whose name holds it.
    make_structure(
        name="Accompagnement Santé Plus", domains=["formation-recherche-innovation"], description=""
    )

    ranked = titles("accompagnement")

    assert ranked[:2] == ["Accompagnement Santé Plus", "Réseau Diabète Occitanie"]
    assert sorted(ranked[2:]) == [f"Label{index} Seulement" for index in range(8)]


def test_a_biography_match_ranks_above_label_only_matches():
    for index in range(5):
        make_person(
            first_name=f"Autre{index}", last_name="Soignant", profiles=["professionnel-partenaire"], bio=""
        )
    make_person(
        first_name="Paule",
        last_name="Témoin",
        profiles=["proche-aidant"],
        bio="Proche d'un patient, je suis devenue professionnelle de l'écoute.",
    )

    assert titles("professionnel")[0] == "Paule Témoin"


def test_the_list_page_finds_a_misspelt_commune(places, client):
    response = client.get(reverse("directory:list"), {"q": "Touluose"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Lise Toulousaine" in content
    assert "Marc Héraultais" not in content
