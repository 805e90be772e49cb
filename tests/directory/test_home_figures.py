"""The directory's home figures are kept per index version: a published profile counts at once."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.figures import home_figures
from tests.factories.directory import make_person, make_structure


def _values() -> dict[str, int]:
    return {figure.label: figure.value for figure in home_figures()}


def test_a_published_profile_counts_at_once(db, partner):
    make_person(first_name="Inès", last_name="Roux")
    before = _values()

    make_structure(by=partner, name="Maison des usagers")

    assert _values() == {
        "acteurs engagés dans l'annuaire": before["acteurs engagés dans l'annuaire"] + 1,
        "structures dans l'annuaire": before["structures dans l'annuaire"] + 1,
    }


def test_the_counts_are_read_once_per_index_version(db):
    make_person(first_name="Inès", last_name="Roux")
    _values()

    with CaptureQueriesContext(connection) as queries:
        values = _values()

    assert values["acteurs engagés dans l'annuaire"] == 1
    assert [query["sql"] for query in queries if "directory_entry" in query["sql"]] == []
