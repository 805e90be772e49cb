"""The staff's event management: access, the list's counts, the event form with its programme
(and its refusals), publish / close / cancel / duplicate, documents, contributors, registrations
and their exports."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actors.charter_enums import ContributorRole, EventKind, MeetingStatus, RegistrationStatus
from actors.models import Meeting, MeetingParticipant
from actors.models.events import EventContributor, EventDocument, EventSession, SessionRegistration
from tests.actors.test_event_pages import make_event, register_people
from tests.factories.charter import PersonFactory, StructureFactory

PARIS = ZoneInfo("Europe/Paris")


def form_data(**overrides) -> dict:
    data = {
        "kind": EventKind.WORKSHOP,
        "title": "Atelier d'échanges à Albi",
        "slug": "",
        "summary": "Partager nos pratiques.",
        "description": "",
        "audience": "tous",
        "starts_at": "2031-03-13T09:00",
        "ends_at": "2031-03-13T12:30",
        "location": "Maison des associations, Albi",
        "commune_name": "",
        "visio_url": "",
        "accessibility": "",
        "registration_open": "on",
        "capacity": "30",
        "waiting_list": "on",
        "registration_closes_at": "",
        "questions": "Votre profil : Patient | Professionnel | Autre *\nVotre structure",
        "ask_accessibility_needs": "on",
        "seances-TOTAL_FORMS": "2",
        "seances-INITIAL_FORMS": "0",
        "seances-MIN_NUM_FORMS": "0",
        "seances-MAX_NUM_FORMS": "1000",
        "seances-0-title": "Accueil",
        "seances-0-starts_at": "2031-03-13T09:00",
        "seances-0-ends_at": "2031-03-13T09:30",
        "seances-1-title": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "name, args",
    [
        ("events:staff_list", []),
        ("events:staff_create", []),
        ("events:staff_edit", ["EVENT"]),
        ("events:staff_registrations", ["EVENT"]),
        ("events:staff_documents", ["EVENT"]),
        ("events:staff_contributors", ["EVENT"]),
        ("events:staff_duplicate", ["EVENT"]),
    ],
)
def test_staff_pages_are_for_the_staff_only(client, partner_client, staff_client, name, args, db):
    event = make_event()
    url = reverse(name, args=[event.pk if a == "EVENT" else a for a in args])
    assert client.get(url).status_code == 302
    assert partner_client.get(url).status_code == 403
    assert staff_client.get(url).status_code == 200


def test_staff_post_actions_are_refused_to_others(client, partner_client, db):
    event = make_event(is_public=False)
    for name in ("events:staff_publish", "events:staff_close", "events:staff_cancel"):
        url = reverse(name, args=[event.pk])
        assert client.post(url, {"public": "1"}).status_code == 302
        assert partner_client.post(url, {"public": "1"}).status_code == 403
    event.refresh_from_db()
    assert (event.is_public, event.registration_open, event.status) == (False, True, MeetingStatus.PLANNED)


def test_list_shows_counts_and_never_committee_meetings(staff_client, db, django_assert_max_num_queries):
    event = make_event(title="Atelier complet", capacity=3)
    register_people(event, 3)
    register_people(event, 2, status=RegistrationStatus.WAITING)
    for index in range(10):
        make_event(title=f"Autre {index}", days=30 + index)
    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("events:staff_list"))
    page = response.content.decode()
    row = page.split("Atelier complet", 1)[1].split("</tr>", 1)[0]
    assert '">3</a></td>' in row
    assert '<td class="text-end">2</td>' in row
    assert "(0 libres)" in row
    assert "Réunion" not in page.split("<tbody>", 1)[1]


def test_staff_create_an_event_with_its_programme_and_questions(staff_client, staff_user, db):
    response = staff_client.post(reverse("events:staff_create"), form_data())

    event = Meeting.objects.get(title="Atelier d'échanges à Albi")
    assert response.status_code == 302
    assert response["Location"] == reverse("events:staff_edit", args=[event.pk])
    assert event.slug == "atelier-dechanges-a-albi"
    assert event.kind == EventKind.WORKSHOP and event.committee is None
    assert event.is_public is False
    assert event.created_by == staff_user
    assert timezone.localtime(event.starts_at) == datetime(2031, 3, 13, 9, 0, tzinfo=PARIS)
    assert event.registration_questions == [
        {
            "code": "votre-profil",
            "label": "Votre profil",
            "kind": "choix",
            "choices": ["Patient", "Professionnel", "Autre"],
            "required": True,
        },
        {
            "code": "votre-structure",
            "label": "Votre structure",
            "kind": "texte",
            "choices": [],
            "required": False,
        },
    ]
    assert list(event.sessions.values_list("title", flat=True)) == ["Accueil"]
    edit = staff_client.get(response["Location"]).content.decode()
    assert "Votre profil : Patient | Professionnel | Autre *" in edit


def test_an_end_before_the_start_is_refused_in_french_and_nothing_is_saved(staff_client, db):
    response = staff_client.post(reverse("events:staff_create"), form_data(ends_at="2031-03-13T08:00"))

    assert response.status_code == 400
    assert "La fin de l&#x27;événement doit venir après son début." in response.content.decode()
    assert not Meeting.objects.filter(title="Atelier d'échanges à Albi").exists()
    assert not EventSession.objects.exists()


def test_a_session_outside_the_event_or_without_place_is_refused(staff_client, db):
    outside = staff_client.post(
        reverse("events:staff_create"),
        form_data(**{"seances-0-starts_at": "2031-03-13T13:00", "seances-0-ends_at": "2031-03-13T14:00"}),
    )
    assert outside.status_code == 400
    assert "La séance doit se tenir pendant l&#x27;événement." in outside.content.decode()
    no_place = staff_client.post(reverse("events:staff_create"), form_data(location=""))
    assert "Indiquez un lieu ou un lien de visioconférence." in no_place.content.decode()
    committee_kind = staff_client.post(reverse("events:staff_create"), form_data(kind=EventKind.COMMITTEE))
    assert committee_kind.status_code == 400
    assert not Meeting.objects.filter(title="Atelier d'échanges à Albi").exists()


def test_editing_with_notice_tells_the_registered_people_once(
    staff_client, db, django_capture_on_commit_callbacks
):
    event = make_event(title="Atelier", starts_at=datetime(2031, 3, 13, 9, 0, tzinfo=PARIS), hours=3)
    register_people(event, 2)
    data = form_data(
        title="Atelier", slug=event.slug, location="Salle B, Albi", notify="1", change_note="Nouvelle salle"
    )
    data["seances-TOTAL_FORMS"] = "0"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("events:staff_edit", args=[event.pk]), data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.location == "Salle B, Albi"
    assert event.sequence == 1
    assert len(mail.outbox) == 2
    assert all("Nouvelle salle" in message.body for message in mail.outbox)


def test_publish_close_and_cancel(staff_client, db, django_capture_on_commit_callbacks):
    event = make_event(is_public=False)
    register_people(event, 1)

    staff_client.post(reverse("events:staff_publish", args=[event.pk]), {"public": "1"})
    event.refresh_from_db()
    assert event.is_public is True
    staff_client.post(reverse("events:staff_close", args=[event.pk]))
    event.refresh_from_db()
    assert event.registration_open is False
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("events:staff_cancel", args=[event.pk]), {"what": "Météo"}, follow=True
        )
    event.refresh_from_db()
    assert event.status == MeetingStatus.CANCELLED
    assert "L&#x27;événement est annulé ; 1 personne(s) prévenue(s)." in response.content.decode()
    assert len(mail.outbox) == 1
    again = staff_client.post(reverse("events:staff_cancel", args=[event.pk]), follow=True)
    assert "Cet événement est déjà annulé." in again.content.decode()
    assert len(mail.outbox) == 1


def test_duplicate_copies_fields_and_sessions_one_year_later_not_public(staff_client, db):
    starts = datetime(2030, 6, 13, 9, 0, tzinfo=PARIS)
    event = make_event(
        title="Journée régionale", slug="journee-regionale", starts_at=starts, hours=8, capacity=80
    )
    event.territories.set(["81", "31"])
    EventSession.objects.create(
        event=event, title="Plénière", starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    register_people(event, 2)

    form = staff_client.get(reverse("events:staff_duplicate", args=[event.pk])).content.decode()
    assert 'value="2031-06-13T09:00"' in form
    response = staff_client.post(
        reverse("events:staff_duplicate", args=[event.pk]),
        {"title": "Journée régionale 2031", "starts_at": "2031-06-12T09:00"},
    )

    copy = Meeting.objects.exclude(pk=event.pk).get(title="Journée régionale 2031")
    assert response["Location"] == reverse("events:staff_edit", args=[copy.pk])
    assert copy.slug == "journee-regionale-2031"
    assert copy.is_public is False
    assert copy.uid != event.uid
    assert timezone.localtime(copy.starts_at) == datetime(2031, 6, 12, 9, 0, tzinfo=PARIS)
    assert timezone.localtime(copy.ends_at) == datetime(2031, 6, 12, 17, 0, tzinfo=PARIS)
    assert copy.capacity == 80
    assert sorted(copy.territories.values_list("code", flat=True)) == ["31", "81"]
    session = copy.sessions.get()
    assert (session.title, timezone.localtime(session.starts_at)) == (
        "Plénière",
        datetime(2031, 6, 12, 9, 0, tzinfo=PARIS),
    )
    assert copy.participants.count() == 0


def test_documents_are_checked_by_their_content(staff_client, client, db):
    event = make_event()
    url = reverse("events:staff_documents", args=[event.pk])
    fake = SimpleUploadedFile("support.pdf", b"not a pdf at all", content_type="application/pdf")
    refused = staff_client.post(url, {"title": "Support", "moment": "avant", "is_public": "on", "file": fake})
    assert refused.status_code == 400
    assert "Ce fichier n&#x27;est pas un vrai fichier PDF" in refused.content.decode()
    assert not EventDocument.objects.exists()

    real = SimpleUploadedFile("support.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    assert (
        staff_client.post(
            url, {"title": "Support", "moment": "avant", "is_public": "on", "file": real}
        ).status_code
        == 302
    )
    document = EventDocument.objects.get()
    assert (document.file_format, document.file_size, document.is_public) == ("pdf", 15, True)
    download = client.get(reverse("events:document", args=[event.slug, document.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4\n%test\n"


def test_contributors_structure_at_once_person_after_agreement(staff_client, client, db):
    event = make_event()
    structure = StructureFactory(name="Maison des usagers")
    person = PersonFactory(first_name="Hélène", last_name="Viguier")
    url = reverse("events:staff_contributors", args=[event.pk])
    search = staff_client.get(url + "?q=usagers").content.decode()
    assert "Maison des usagers" in search

    staff_client.post(url, {"structure": structure.pk, "role": ContributorRole.ORGANISER})
    staff_client.post(url, {"person": person.pk, "role": ContributorRole.SPEAKER})
    twice = staff_client.post(
        url, {"structure": structure.pk, "role": ContributorRole.ORGANISER}, follow=True
    )
    assert "« Maison des usagers » figure déjà dans ce rôle." in twice.content.decode()
    assert EventContributor.objects.filter(event=event).count() == 2
    page = client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert "Maison des usagers" in page and "Hélène" not in page

    invited = EventContributor.objects.get(person=person)
    staff_client.post(url, {"accept": invited.pk})
    page = client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert '<span itemprop="name">Hélène Viguier</span>' in page


def _registrations_fixture() -> Meeting:
    event = make_event(
        title="Atelier export",
        slug="atelier-export",
        registration_questions=[
            {"code": "profil", "label": "Votre profil", "kind": "texte", "choices": [], "required": False}
        ],
    )
    session = EventSession.objects.create(
        event=event,
        title="Atelier A",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
    )
    person = PersonFactory(
        first_name="Anne", last_name="Roux", profiles=["patient-partenaire"], territories=["81"]
    )
    anne = MeetingParticipant.objects.create(
        meeting=event,
        name="Anne Roux",
        email="anne@exemple.fr",
        person=person,
        status=RegistrationStatus.CONFIRMED,
        registered_at=datetime(2030, 1, 2, 10, 0, tzinfo=PARIS),
        answers={"profil": "Patiente"},
        accessibility_needs="Fauteuil roulant",
    )
    SessionRegistration.objects.create(session=session, participant=anne, registered_at=anne.registered_at)
    MeetingParticipant.objects.create(
        meeting=event,
        name='=HYPERLINK("http://x")',
        email="bob@exemple.fr",
        status=RegistrationStatus.WAITING,
        registered_at=datetime(2030, 1, 2, 11, 0, tzinfo=PARIS),
    )
    return event


def test_registrations_page_shows_counts_and_the_staff_only_needs(
    staff_client, db, django_assert_max_num_queries
):
    event = _registrations_fixture()
    with django_assert_max_num_queries(14):
        response = staff_client.get(reverse("events:staff_registrations", args=[event.pk]))
    page = response.content.decode()
    assert "Fauteuil roulant" in page
    assert "Inscrit·e : <strong>1</strong>" in page
    assert "Sur liste d&#x27;attente : <strong>1</strong>" in page
    assert "81 — Tarn : <strong>1</strong>" in page
    assert "1 personne sans fiche" in page


def test_exports_csv_and_xlsx_are_exact_and_formula_safe(staff_client, db):
    event = _registrations_fixture()

    response = staff_client.get(reverse("events:staff_export", args=[event.pk, "csv"]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="inscriptions-atelier-export.csv"'
    body = response.content
    assert body.startswith(
        "\ufeffNom;Adresse électronique;Statut;Inscrit·e le;Séances;Votre profil;Besoins d'accessibilité\r\n".encode()
    )
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == [
        "Anne Roux",
        "anne@exemple.fr",
        "Inscrit·e",
        "02/01/2030 10:00",
        "Atelier A",
        "Patiente",
        "Fauteuil roulant",
    ]
    assert rows[2][0] == '\'=HYPERLINK("http://x")'

    xlsx = staff_client.get(reverse("events:staff_export", args=[event.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0] == (
        "Nom",
        "Adresse électronique",
        "Statut",
        "Inscrit·e le",
        "Séances",
        "Votre profil",
        "Besoins d'accessibilité",
    )
    assert values[2][0] == '\'=HYPERLINK("http://x")'
    assert staff_client.get(reverse("events:staff_export", args=[event.pk, "pdf"])).status_code == 404
