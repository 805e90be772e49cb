"""Speakers' consent: a person with an account added as organiser or speaker gets an email and an
item in Mon espace; they accept or refuse (their own invitation only); only accepted persons appear
on the event's page; the staff see where each stands."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from actors.events import services_contributors
from actors.models import Person
from actors.models.events import EventContributor
from tests.actors.test_event_attendance import make_event
from tests.factories.directory import make_person


@pytest.fixture
def invited(partner, staff_user, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://cops.exemple.fr"
    person = make_person(user=partner, first_name="Inès", last_name="Orateur")
    event = make_event(days=15, title="Atelier des savoirs")
    with django_capture_on_commit_callbacks(execute=True):
        contributor = services_contributors.contributor_add(
            event=event, role="intervenant", person=person, detail="Témoignage", by=staff_user
        )
    return contributor


def test_the_person_is_invited_by_email_and_in_mon_espace(invited, partner, partner_client):
    [email] = mail.outbox

    assert email.to == [partner.email]
    assert email.subject == "Apparaître comme intervenant·e de « Atelier des savoirs » ?"
    assert f"https://cops.exemple.fr/agenda/intervention/{invited.pk}/" in email.body
    space = partner_client.get(reverse("actors:account")).content.decode()
    assert "Apparaître comme intervenant·e : Atelier des savoirs ?" in space
    assert f'action="/agenda/intervention/{invited.pk}/"' in space


def test_accepting_shows_the_person_on_the_event_page_and_refusing_hides_them(
    invited, partner_client, client
):
    url = reverse("events:contributor_answer", args=[invited.pk])
    detail = reverse("events:detail", args=[invited.event.slug])
    assert "Orateur" not in client.get(detail).content.decode()

    accepted = partner_client.post(url, {"reponse": "accepte", "next": "/compte/#a-faire"})

    assert accepted.status_code == 302 and accepted["Location"] == "/compte/#a-faire"
    invited.refresh_from_db()
    assert invited.accepted_at is not None and invited.refused_at is None
    assert "Orateur" in client.get(detail).content.decode()
    assert "Apparaître comme" not in partner_client.get(reverse("actors:account")).content.decode()

    page = partner_client.post(url, {"reponse": "refuse"}, follow=True)

    assert "vous n&#x27;apparaîtrez pas sur la page de l&#x27;événement" in page.content.decode()
    invited.refresh_from_db()
    assert invited.accepted_at is None and invited.refused_at is not None
    assert "Orateur" not in client.get(detail).content.decode()


def test_only_the_invited_person_may_answer(invited, other_partner, staff_client, client):
    from django.test import Client

    other = Client()
    other.force_login(other_partner)
    url = reverse("events:contributor_answer", args=[invited.pk])

    assert other.post(url, {"reponse": "accepte"}).status_code == 404
    assert staff_client.post(url, {"reponse": "accepte"}).status_code == 404
    assert client.get(url).status_code == 302  # to the login page
    invited.refresh_from_db()
    assert invited.accepted_at is None


def test_an_unknown_answer_changes_nothing(invited, partner_client):
    page = partner_client.post(
        reverse("events:contributor_answer", args=[invited.pk]), {"reponse": "peut-etre"}, follow=True
    )

    assert "Choisissez « J&#x27;accepte d&#x27;apparaître » ou « Je refuse »." in page.content.decode()
    invited.refresh_from_db()
    assert (invited.accepted_at, invited.refused_at) == (None, None)


def test_the_staff_see_where_each_person_stands(invited, partner_client, staff_client, staff_user):
    without_account = make_person(first_name="Paul", last_name="Sanscompte")
    Person.objects.filter(pk=without_account.pk).update(user=None)  # a profile the staff keep
    without_account.refresh_from_db()
    services_contributors.contributor_add(
        event=invited.event, role="organisateur", person=without_account, by=staff_user
    )
    url = reverse("events:staff_contributors", args=[invited.event.pk])

    before = staff_client.get(url).content.decode()
    partner_client.post(reverse("events:contributor_answer", args=[invited.pk]), {"reponse": "refuse"})
    after = staff_client.get(url).content.decode()

    assert "Accord attendu : invitation envoyée, réponse dans Mon espace" in before
    assert "Accord attendu (pas de compte : notez l’accord reçu)" in before
    assert re.search(r"Refus le \d+ \w+ \d{4} : n’apparaît pas", after)
    assert EventContributor.objects.filter(person=without_account, accepted_at__isnull=True).exists()
