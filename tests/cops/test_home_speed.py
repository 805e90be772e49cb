"""The home page's figures are kept per version of their data (cops.figures): a few queries
whatever the number of rows, and a change counts on the very next view."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cops import figures
from tests.factories.actors import UnverifiedUserFactory, UserFactory
from tests.factories.directory import make_person, make_structure

PARTNERS = "partenaires inscrits sur la plateforme"


def _figure(client, label: str) -> int:
    content = client.get(reverse("home")).content.decode()
    values = {figure.label: figure.value for figure in figures.home_figures()}
    assert label in content
    return values[label]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_home_reads_a_few_queries_whatever_the_number_of_rows(client, partner):
    make_person(first_name="Inès", last_name="Roux")
    client.get(reverse("home"))  # computes and keeps the figures
    small = _queries(client)

    UserFactory.create_batch(30)
    for number in range(12):
        make_person(first_name=f"Personne{number}", last_name="Durand")
    make_structure(by=partner, name="Maison des usagers")
    client.get(reverse("home"))  # the data changed: counted again once
    large = _queries(client)

    assert small == large
    assert large <= 3  # the version tokens (one query), the news block


@pytest.mark.django_db
def test_a_new_partner_counts_at_once(client):
    UserFactory.create_batch(2)
    assert _figure(client, PARTNERS) == 2

    UserFactory()

    assert _figure(client, PARTNERS) == 3


@pytest.mark.django_db
def test_a_verified_address_counts_at_once(client):
    UserFactory()
    waiting = UnverifiedUserFactory()
    assert _figure(client, PARTNERS) == 1

    waiting.email_verified_at = waiting.date_joined
    waiting.save(update_fields=["email_verified_at"])

    assert _figure(client, PARTNERS) == 2


@pytest.mark.django_db
def test_a_published_profile_counts_at_once_on_the_home_page(client, partner):
    make_person(first_name="Inès", last_name="Roux")
    before = {f.label: f.value for f in figures.home_figures()}["structures dans l'annuaire"]

    make_structure(by=partner, name="Maison des usagers")  # written by the index, in SQL

    assert {f.label: f.value for f in figures.home_figures()}["structures dans l'annuaire"] == before + 1


@pytest.mark.django_db
def test_a_sign_in_leaves_the_figures_kept(client):
    user = UserFactory()
    figures.home_figures()
    token = figures.figures_version()

    client.force_login(user)  # saves last_login only

    assert figures.figures_version() == token


@pytest.mark.django_db
def test_the_token_is_replaced_once_per_transaction_when_it_commits(django_capture_on_commit_callbacks):
    token = figures.figures_version()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            UserFactory.create_batch(3)

    assert callbacks.count(figures.bump_figures_version) == 1
    assert figures.figures_version() != token


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_the_token(django_capture_on_commit_callbacks):
    token = figures.figures_version()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                UserFactory()
                raise RuntimeError
        except RuntimeError:
            pass

    assert callbacks == []
    assert figures.figures_version() == token
