"""The rendered result lists kept per process: reused for the same viewer level and filters,
never across audiences, never once the directory changed."""

import pytest
from django.test import Client
from django.urls import reverse

from actors.enums import Visibility
from directory.services.profiles import profile_archive
from tests.factories.directory import make_person

pytestmark = pytest.mark.django_db

PARTNERS, STAFF = Visibility.PARTNERS, Visibility.STAFF


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listing(page: str) -> str:
    """The filters and results block (the layout around it carries a per-request CSRF token)."""
    return page[page.index('<div class="row g-4">') : page.index("</main>")]


def test_list_repeated_request_is_served_from_the_rendered_list(client, django_assert_num_queries):
    make_person(first_name="Ariane", last_name="Vidal")
    url = reverse("directory:list")
    first = client.get(url, {"type": "personne"}).content.decode()

    # The index version only: no index load, no search, no cards query.
    with django_assert_num_queries(1):
        again = client.get(url, {"type": "personne"}).content.decode()

    assert "Ariane" in first
    assert listing(again) == listing(first)


def test_list_rendered_for_staff_is_never_shown_to_anonymous_visitors(client, staff_user):
    make_person(first_name="Basile", last_name="Restreint", visibility={"last_name": STAFF})
    url = reverse("directory:list")

    staff_page = signed_in(staff_user).get(url, {"nom": "basile"}).content.decode()
    anonymous_page = client.get(url, {"nom": "basile"}).content.decode()

    assert "Restreint" in staff_page
    assert "Basile" in anonymous_page
    assert "Restreint" not in anonymous_page


def test_list_rendered_for_partners_is_never_shown_to_an_account_without_profile(partner):
    viewer = make_person(first_name="Paul", last_name="Partenaire")
    make_person(first_name="Carla", last_name="Réservée", visibility={"last_name": PARTNERS})
    url = reverse("directory:list")

    partner_page = signed_in(viewer.user).get(url).content.decode()
    newcomer_page = signed_in(partner).get(url).content.decode()

    assert "Réservée" in partner_page
    assert "Carla" in newcomer_page
    assert "Réservée" not in newcomer_page


def test_list_shows_the_change_once_a_profile_leaves_the_directory(client, staff_user):
    person = make_person(first_name="Denise", last_name="Sortante")
    url = reverse("directory:list")
    assert "Denise" in client.get(url).content.decode()

    profile_archive(profile=person, by=staff_user)

    assert "Denise" not in client.get(url).content.decode()


def test_list_keeps_one_rendering_per_language(client):
    make_person(first_name="Émile", last_name="Bilingue")
    url = reverse("directory:list")

    french = client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()

    assert "Filtrer les résultats" in french
    assert "Filter the results" in english
