"""A profile's page is kept per index version (directory.selectors.remembered): a few queries
whatever the profile holds, and a change shows on the very next view, at every viewer level."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actors.enums import MembershipStatus, Visibility
from actors.models import Membership
from directory.services.memberships import membership_decide, membership_request, membership_set_referent
from directory.services.profiles import person_save
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, str]:
    client.get(url)  # fills what is kept
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _join(person, structure, referent_user, function="Chargée de mission") -> Membership:
    membership = membership_request(
        person=person, structure=structure, function=function, message="", by=person.user
    )
    return membership_decide(membership=membership, accept=True, by=referent_user)


def test_a_person_page_reads_the_same_few_queries_whatever_the_profile_holds(client):
    small = make_person(first_name="Inès", last_name="Roux")
    founder = UserFactory()
    make_person(user=founder, first_name="Fondateur", last_name="Un")
    structures = [make_structure(by=founder, name=f"Structure {n}") for n in range(6)]
    large = make_person(first_name="Léa", last_name="Martin")
    for structure in structures:
        _join(large, structure, founder)
    partner = _signed_in(make_person(first_name="Paul", last_name="Partenaire").user)

    for viewer in (client, partner):
        few, _ = _queries(viewer, reverse("directory:person_detail", args=[small.pk]))
        many, page = _queries(viewer, reverse("directory:person_detail", args=[large.pk]))
        assert few == many
        assert "Structure 5" in page
    assert _queries(client, reverse("directory:person_detail", args=[large.pk]))[0] <= 3


def test_a_structure_page_reads_the_same_few_queries_whatever_its_members(client):
    founder = UserFactory()
    make_person(user=founder, first_name="Fondateur", last_name="Un")
    small = make_structure(by=founder, name="Petite structure")
    large = make_structure(by=founder, name="Grande structure")
    for number in range(8):
        _join(make_person(first_name=f"Membre{number}", last_name="Durand"), large, founder)

    few, _ = _queries(client, reverse("directory:structure_detail", args=[small.pk]))
    many, page = _queries(client, reverse("directory:structure_detail", args=[large.pk]))

    assert few == many <= 4
    assert "Membre7" in page


def test_a_new_member_shows_at_once_on_both_pages(client):
    founder = UserFactory()
    make_person(user=founder, first_name="Fondateur", last_name="Un")
    structure = make_structure(by=founder, name="Maison des usagers")
    person = make_person(first_name="Inès", last_name="Roux")
    structure_url = reverse("directory:structure_detail", args=[structure.pk])
    person_url = reverse("directory:person_detail", args=[person.pk])
    assert "Inès" not in client.get(structure_url).content.decode()
    assert "Maison des usagers" not in client.get(person_url).content.decode()

    _join(person, structure, founder, function="Patiente partenaire")

    assert "Inès" in client.get(structure_url).content.decode()
    assert "Maison des usagers" in client.get(person_url).content.decode()


def test_a_last_name_made_private_leaves_the_public_page_at_once(client):
    person = make_person(
        first_name="Hélène", last_name="Cassagne", visibility={"last_name": Visibility.PUBLIC}
    )
    url = reverse("directory:person_detail", args=[person.pk])
    assert "Cassagne" in client.get(url).content.decode()

    person_save(person=person, by=person.user, changes={"visibility": {"last_name": Visibility.PARTNERS}})

    assert "Cassagne" not in client.get(url).content.decode()


def test_a_referent_change_shows_at_once(client):
    founder = UserFactory()
    make_person(user=founder, first_name="Fondateur", last_name="Un")
    structure = make_structure(by=founder, name="Maison des usagers")
    membership = _join(make_person(first_name="Inès", last_name="Roux"), structure, founder)
    url = reverse("directory:structure_detail", args=[structure.pk])
    before = client.get(url).content.decode()

    membership_set_referent(membership=membership, is_referent=True, by=founder)

    after = client.get(url).content.decode()
    assert after != before
    assert after.count("référent") > before.count("référent")
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.ACCEPTED


def test_the_map_page_reads_the_same_queries_whatever_the_directory_holds(client, partner):
    make_structure(by=partner, name="Première structure")
    few, _ = _queries(client, reverse("directory:map"))

    founder = UserFactory()
    for number in range(8):
        make_structure(by=founder, name=f"Structure cartographiée {number}")
    many, page = _queries(client, reverse("directory:map"))

    assert few == many <= 2
    assert "Structure cartographiée 7" in page


def test_a_structure_published_shows_at_once_on_the_map_page(client, partner):
    make_structure(by=partner, name="Première structure")
    assert "Maison des usagers" not in client.get(reverse("directory:map")).content.decode()

    make_structure(by=partner, name="Maison des usagers")

    assert "Maison des usagers" in client.get(reverse("directory:map")).content.decode()
