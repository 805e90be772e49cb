"""The agenda, an event's page, a project's page and the resources' page: the same queries whatever
they list, and what is kept to render them cheaply (HTML fragments keyed by their content, a
project's page per index version, an event's page per version of its tables) never outlives a
change nor crosses viewers."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actors.charter_enums import RegistrationStatus
from actors.models.events import EventDocument, EventSession
from directory.models import ProjectDocument, ProjectPerson, ProjectPersonStatus
from directory.services.projects import project_document_remove
from tests.actors.test_event_pages import make_event, register_people
from tests.directory.test_detail_pages_speed import _queries, _signed_in
from tests.directory.test_resources import publish
from tests.factories.actors import UserFactory
from tests.factories.charter import hide_name
from tests.factories.directory import make_person, make_project

pytestmark = pytest.mark.django_db


# --- The agenda ---------------------------------------------------------------------------------------


def test_the_agenda_reads_the_same_queries_whatever_the_number_of_events(client):
    make_event(title="Premier atelier", capacity=10)
    few, _ = _queries(client, reverse("events:agenda"))
    for number in range(12):
        make_event(title=f"Atelier numéro {number}", days=30 + number, capacity=5)
    many, page = _queries(client, reverse("events:agenda"))
    assert few == many == 3
    assert "Atelier numéro 11" in page


def test_an_agenda_card_shows_a_change_at_once(client):
    event = make_event(title="Atelier d'Albi", capacity=3)
    assert "3 places restantes" in client.get(reverse("events:agenda")).content.decode()

    register_people(event, 2)
    event.title = "Atelier de Castres"
    event.save()
    page = client.get(reverse("events:agenda")).content.decode()
    assert "Plus qu&#x27;une place" in page
    assert "Atelier de Castres" in page and "Atelier d&#x27;Albi" not in page


def test_the_agenda_filters_keep_the_chosen_values(client):
    make_event(title="Atelier")
    plain = client.get(reverse("events:agenda")).content.decode()
    chosen = client.get(reverse("events:agenda"), {"territoire": "31"}).content.decode()
    assert '<option value="31" selected>' not in plain
    assert '<option value="31" selected>' in chosen


# --- An event's page ------------------------------------------------------------------------------------


def _programme(event, count: int) -> None:
    for number in range(count):
        EventSession.objects.create(
            event=event,
            title=f"Séance {number}",
            starts_at=event.starts_at + timedelta(minutes=30 * number),
            ends_at=event.starts_at + timedelta(minutes=30 * number + 25),
            capacity=4,
        )


def test_an_event_page_reads_the_same_queries_whatever_its_programme(client):
    small = make_event(title="Petit atelier")
    _programme(small, 1)
    large = make_event(title="Grande journée", hours=8)
    _programme(large, 8)
    for number in range(3):
        EventDocument.objects.create(
            event=large,
            moment="avant",
            title=f"Document {number}",
            file=ContentFile(b"%PDF-1.4", name="a.pdf"),
            file_format="pdf",
        )
    few, _ = _queries(client, reverse("events:detail", args=[small.slug]))
    many, page = _queries(client, reverse("events:detail", args=[large.slug]))
    assert few == many <= 9  # the token of the page's tables, then the page's reads (this test's
    # transaction changed them: nothing kept is read)
    assert "Séance 7" in page
    assert "Document 2" in page


def test_an_event_page_shows_a_new_question_and_the_seats_left_at_once(client):
    event = make_event(title="Atelier", capacity=5)
    _programme(event, 1)
    session = event.sessions.get()
    url = reverse("events:detail", args=[event.slug])
    first = client.get(url).content.decode()
    assert "Votre structure" not in first and "4 places restantes" in first

    event.registration_questions = [{"code": "structure", "label": "Votre structure", "kind": "texte"}]
    event.save()
    register_people(event, 1)
    participant = event.participants.get()
    session.registrations.create(
        participant=participant, status=RegistrationStatus.CONFIRMED, registered_at=participant.registered_at
    )
    page = client.get(url).content.decode()
    assert "Votre structure" in page
    assert "3 places restantes" in page and "Il reste 4 places." in page


def test_an_event_page_fills_the_form_for_its_own_viewer_only(client):
    event = make_event(title="Atelier")
    url = reverse("events:detail", args=[event.slug])
    user = UserFactory(first_name="Camille", last_name="Durand", email="camille@exemple.fr")
    client.get(url)
    mine = _signed_in(user).get(url).content.decode()
    anonymous = client.get(url).content.decode()
    assert 'value="camille@exemple.fr"' in mine
    assert "camille@exemple.fr" not in anonymous


# --- A project's page ---------------------------------------------------------------------------------------


def test_a_project_page_reads_the_same_few_queries_whatever_it_holds(client):
    small = make_project(title="Petit projet")
    large = make_project(title="Grand projet")
    for number in range(4):
        person = make_person(first_name=f"Personne{number}", last_name="Martin")
        ProjectPerson.objects.create(project=large, person=person, status=ProjectPersonStatus.ACCEPTED)
    few, _ = _queries(client, reverse("directory:project_detail", args=[small.slug]))
    many, _ = _queries(client, reverse("directory:project_detail", args=[large.slug]))
    assert few == many <= 3


def test_a_removed_project_document_leaves_the_page_at_once(client):
    project = make_project(title="Projet documenté")
    document = ProjectDocument.objects.create(
        project=project,
        kind="rapport",
        title="Rapport final",
        file=ContentFile(b"%PDF-1.4", name="rapport.pdf"),
        file_format="pdf",
        file_size=8,
        approved=True,
    )
    url = reverse("directory:project_detail", args=[project.slug])
    assert "Rapport final" in client.get(url).content.decode()
    project_document_remove(document=document, by=project.created_by)
    assert "Rapport final" not in client.get(url).content.decode()


def test_a_project_page_names_persons_as_each_viewer_may_see_them(client):
    from directory.services.projects import project_person_respond

    project = make_project(title="Projet partagé")
    person = hide_name(make_person(user=UserFactory(), first_name="Inès", last_name="Secrète"))
    invitation = ProjectPerson.objects.create(project=project, person=person, invited_by=project.created_by)
    project_person_respond(invitation=invitation, by=person.user, accept=True)
    url = reverse("directory:project_detail", args=[project.slug])
    viewer = UserFactory()  # verified, with a published profile: a partner of the directory
    make_person(user=viewer, first_name="Paul", last_name="Partenaire")
    partner = _signed_in(viewer)

    public = client.get(url).content.decode()
    assert "Inès" in public and "Secrète" not in public
    assert "Secrète" in partner.get(url).content.decode()
    assert "Secrète" not in client.get(url).content.decode()


# --- The resources ------------------------------------------------------------------------------------------


def test_a_resource_card_shows_a_change_at_once(client, staff_user):
    resource = publish(staff_user, title="Guide du partenariat")
    assert "0 consultation" in client.get("/ressources/").content.decode()
    resource.download_count = 7
    resource.title = "Guide révisé"
    resource.save()
    page = client.get("/ressources/").content.decode()
    assert "7 consultations" in page and "Guide révisé" in page


# --- An event's page kept per version of its tables ----------------------------------------------------


def test_an_event_page_reads_no_table_outside_its_watched_set(client):
    from actors.events.views import _read_event_page
    from actors.models import EventContributor
    from cops.dataversions import watched_sets
    from tests.cops.test_space_kept import TABLE

    event = make_event(title="Grande journée", hours=8, capacity=40)
    _programme(event, 3)
    register_people(event, 2)
    EventDocument.objects.create(
        event=event,
        moment="avant",
        title="Programme",
        file=ContentFile(b"%PDF-1.4", name="a.pdf"),
        file_format="pdf",
    )
    person = make_person(first_name="Lou", last_name="Bernard")
    EventContributor.objects.create(
        event=event, person=person, role="intervenant", accepted_at=event.starts_at
    )
    make_project(title="Paroles de patients").events.add(event)
    with CaptureQueriesContext(connection) as captured:
        page = _read_event_page(event.slug, 0)
    assert page.speakers and page.projects and page.documents and len(page.sessions) == 3
    read = {table for query in captured.captured_queries for table in TABLE.findall(query["sql"])}
    assert read <= set(watched_sets()["event_page"]), read - set(watched_sets()["event_page"])


@pytest.mark.django_db(transaction=True)
def test_a_kept_event_page_costs_one_query_and_shows_every_change_at_once(client):
    from actors.models import Meeting

    event = make_event(title="Atelier des aidants", capacity=5)
    url = reverse("events:detail", args=[event.slug])
    count, page = _queries(client, url)
    assert count == 1  # the token of the page's tables
    assert "Il reste 5 places." in page

    register_people(event, 2)
    count, page = _queries(client, url)
    assert "Il reste 3 places." in page

    # A queryset update sends no signal: PostgreSQL renews the token all the same.
    Meeting.objects.filter(pk=event.pk).update(title="Atelier des aidants et des proches")
    page = client.get(url).content.decode()
    assert "Atelier des aidants et des proches" in page

    Meeting.objects.filter(pk=event.pk).update(is_public=False)
    assert client.get(url).status_code == 404
