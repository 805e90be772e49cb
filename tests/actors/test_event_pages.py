"""The public agenda and an event's page: lists, filters, month view, past events, the page's
contents (never the visio link), registration without account through the emailed links."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from actors.charter_enums import ContributorRole, EventAudience, EventKind, MeetingStatus, RegistrationStatus
from actors.enums import ModerationStatus
from actors.models import Commune, Departement, Meeting, MeetingParticipant
from actors.models.events import EventContributor, EventDocument, EventSession
from tests.factories.actors import UserFactory
from tests.factories.charter import PersonFactory, StructureFactory, committee, hide_name, make_meeting

PARIS = ZoneInfo("Europe/Paris")
VISIO = "https://visio.exemple.fr/salle-secrete-4242"


def make_event(*, days: int = 20, hours: int = 3, **fields) -> Meeting:
    """A public workshop `days` from now, open to registration, unless `fields` say otherwise."""
    starts_at = fields.pop("starts_at", None) or timezone.now() + timedelta(days=days)
    title = fields.pop("title", "Atelier partenariat en santé")
    territories = fields.pop("territories", [])
    defaults = {
        "kind": EventKind.WORKSHOP,
        "slug": fields.pop("slug", None) or f"evt-{Meeting.objects.count() + 1}-{abs(days)}",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "location": "Maison des associations, Albi",
        "is_public": True,
        "registration_open": True,
        "summary": "Échanger sur nos pratiques de partenariat.",
    }
    event = Meeting.objects.create(title=title, **{**defaults, **fields})
    if territories:
        event.territories.set(territories)
    return event


def register_people(event: Meeting, count: int, status=RegistrationStatus.CONFIRMED) -> None:
    now = timezone.now()
    start = MeetingParticipant.objects.filter(meeting=event).count()
    for index in range(start, start + count):
        MeetingParticipant.objects.create(
            meeting=event,
            name=f"Personne {index}",
            email=f"personne{index}-{event.pk}@exemple.fr",
            status=status,
            registered_at=now + timedelta(seconds=index),
        )


def link_from(message, name: str) -> str:
    """The path of the first link of the email pointing to the `name` URL family."""
    prefix = {"confirm": "/agenda/inscription/", "manage": "/agenda/inscription/"}[name]
    urls = re.findall(r"https?://[^\s\"<>]+", message.body)
    for url in urls:
        path = url.split("://", 1)[1].split("/", 1)[1]
        path = "/" + path
        if path.startswith(prefix) and (path.endswith("/confirmer/") == (name == "confirm")):
            return path
    raise AssertionError(f"no {name} link in: {message.body}")


# --- The agenda --------------------------------------------------------------------------------------


def test_agenda_lists_coming_public_events_only_with_their_availability(client, db):
    make_event(title="Atelier avec places", capacity=5)
    full = make_event(title="Journée complète", kind=EventKind.REGIONAL_DAY, capacity=2, days=25)
    register_people(full, 2)
    make_event(title="Formation close", kind=EventKind.TRAINING, registration_open=False, days=30)
    make_event(title="Webinaire en ligne", kind=EventKind.WEBINAR, location="", visio_url=VISIO, days=35)
    make_event(title="Atelier annulé", status=MeetingStatus.CANCELLED, days=40)
    make_event(title="Brouillon secret", is_public=False)
    make_event(title="Atelier passé", days=-10)
    make_meeting(committee("cotec"), title="Réunion du CoTec")

    response = client.get(reverse("events:agenda"))

    assert response.status_code == 200
    page = response.content.decode()
    titles = re.findall(r'id="event-\d+-title"><a href="[^"]+">(?:<s>)?([^<]+)', page)
    assert titles == [
        "Atelier avec places",
        "Journée complète",
        "Formation close",
        "Webinaire en ligne",
        "Atelier annulé",
    ]
    assert "5 places restantes" in page
    assert "Complet — liste d&#x27;attente" in page
    assert "Inscriptions closes" in page
    assert "En ligne" in page
    assert "<s>Atelier annulé</s>" in page
    assert "Annulé" in page
    assert VISIO not in page
    assert "5 événements à venir" in page


def test_agenda_filters_by_kind_audience_and_territory(client, db):
    tarn = Departement.objects.get(code="81")
    gard = Departement.objects.get(code="30")
    make_event(
        title="Webinaire patients",
        kind=EventKind.WEBINAR,
        audience=EventAudience.PATIENTS,
        territories=[tarn],
    )
    make_event(
        title="Atelier pros du Gard", audience=EventAudience.PROFESSIONALS, territories=[gard], days=21
    )

    def titles(query: str) -> list[str]:
        page = client.get(reverse("events:agenda") + query).content.decode()
        return re.findall(r'id="event-\d+-title"><a href="[^"]+">([^<]+)', page)

    assert titles("?type=webinaire") == ["Webinaire patients"]
    assert titles("?public=professionnels") == ["Atelier pros du Gard"]
    assert titles("?territoire=81") == ["Webinaire patients"]
    assert titles("?territoire=30&type=webinaire") == []
    assert titles("?type=inconnu") == ["Webinaire patients", "Atelier pros du Gard"]
    assert (
        "Aucun événement à venir ne correspond à ces filtres."
        in client.get(reverse("events:agenda") + "?territoire=30&type=webinaire").content.decode()
    )


def test_agenda_query_count_does_not_grow_with_events(client, db, django_assert_max_num_queries):
    tarn = Departement.objects.get(code="81")
    for index in range(12):
        event = make_event(title=f"Atelier {index}", days=10 + index, capacity=10, territories=[tarn])
        register_people(event, 2)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("events:agenda"))
    assert response.content.decode().count("8 places restantes") == 12


def test_month_view_places_events_in_the_grid_with_previous_and_next_months(client, db):
    starts = datetime(2031, 6, 12, 9, 0, tzinfo=PARIS)
    make_event(title="Journée régionale 2031", kind=EventKind.REGIONAL_DAY, starts_at=starts, hours=8)
    make_event(title="Annulé en juin", starts_at=starts + timedelta(days=5), status=MeetingStatus.CANCELLED)
    make_event(title="En juillet", starts_at=starts + timedelta(days=30))
    make_meeting(
        committee("cotec"), title="Réunion du CoTec", starts_at=starts, ends_at=starts + timedelta(hours=2)
    )

    response = client.get(reverse("events:month", args=["2031-06"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<caption>Événements de juin 2031 : 2 jours avec un événement</caption>" in page
    assert page.count("Journée régionale 2031") == 2  # the grid's cell and the phone list
    assert "<s>Annulé en juin</s>" in page
    assert "En juillet" not in page
    assert "Réunion du CoTec" not in page
    assert 'href="/agenda/mois/2031-05/"' in page
    assert 'href="/agenda/mois/2031-07/"' in page
    cells = re.findall(r"<td[^>]*>\s*<span class=\"month-day\">12</span>(.*?)</td>", page, re.S)
    assert len(cells) == 1 and "Journée régionale 2031" in cells[0]
    assert client.get("/agenda/mois/2031-13/").status_code == 404


def test_past_events_show_their_public_documents_only(client, db):
    event = make_event(title="Journée 2025", days=-30)
    EventDocument.objects.create(
        event=event,
        moment="apres",
        title="Compte rendu",
        file=ContentFile(b"%PDF-1.4", name="cr.pdf"),
        file_format="pdf",
        file_size=8,
        is_public=True,
    )
    EventDocument.objects.create(
        event=event,
        moment="apres",
        title="Liste interne",
        file=ContentFile(b"%PDF-1.4", name="li.pdf"),
        file_format="pdf",
        file_size=8,
        is_public=False,
    )
    make_event(title="Atelier futur", days=5)

    page = client.get(reverse("events:past")).content.decode()

    assert "Journée 2025" in page
    assert "Compte rendu" in page
    assert "Liste interne" not in page
    assert "Atelier futur" not in page


# --- An event's page -------------------------------------------------------------------------------


def test_event_page_shows_the_event_never_its_visio_link(client, db):
    albi = Commune.objects.filter(name="Albi").first()
    event = make_event(
        title="Journée régionale du partenariat",
        kind=EventKind.REGIONAL_DAY,
        starts_at=datetime(2033, 6, 16, 9, 0, tzinfo=PARIS),
        hours=8,
        commune=albi,
        visio_url=VISIO,
        accessibility="Salle de plain-pied, boucle magnétique.",
        capacity=40,
    )
    first = EventSession.objects.create(
        event=event,
        title="Pitchs des projets",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
    )
    EventSession.objects.create(
        event=event,
        title="Atelier A",
        track="Parcours patients",
        room="Salle 1",
        starts_at=first.ends_at,
        ends_at=first.ends_at + timedelta(hours=1),
        capacity=10,
    )
    EventSession.objects.create(
        event=event,
        title="Atelier B",
        track="Parcours pros",
        room="Salle 2",
        starts_at=first.ends_at,
        ends_at=first.ends_at + timedelta(hours=1),
    )

    response = client.get(reverse("events:detail", args=[event.slug]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "jeudi 16 juin 2033, 9 h 00 – 17 h 00" in page
    assert 'itemtype="https://schema.org/Event"' in page
    assert 'itemprop="startDate" datetime="2033-06-16T09:00:00+02:00"' in page
    assert "Salle de plain-pied, boucle magnétique." in page
    assert 'id="structure-minimap"' in page and f'data-lat="{albi.latitude:.5f}"' in page
    assert VISIO not in page
    assert "visio.exemple.fr" not in page
    assert "Il reste 40 places." in page
    assert "10 places restantes" in page  # the session with a capacity
    slots = re.findall(r'<div class="programme-tracks programme-tracks-(\d)">', page)
    assert slots == ["1", "2"]
    assert "Composez votre journée : une séance au plus par créneau horaire." in page
    assert "Seule l'équipe du COPS lit cette réponse ; elle est effacée 30 jours après l'événement." in page
    assert reverse("events:event_ics", args=[event.slug]) in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []  # no inline script (CSP)


def test_a_draft_is_for_staff_only_and_a_committee_meeting_or_unknown_slug_is_404(
    client, staff_client, partner_client, db
):
    draft = make_event(is_public=False, slug="brouillon")
    url = reverse("events:detail", args=[draft.slug])
    assert client.get(url).status_code == 404
    assert partner_client.get(url).status_code == 404
    assert staff_client.get(url).status_code == 200
    assert client.get("/agenda/inconnu/").status_code == 404
    meeting = make_meeting(committee("cotec"), slug="reunion-cotec")
    assert client.get(reverse("events:detail", args=[meeting.slug])).status_code == 404


def test_contributors_are_shown_once_accepted_as_the_directory_names_them(client, db):
    event = make_event()
    structure = StructureFactory(name="France Assos Santé Occitanie")
    hidden = hide_name(PersonFactory(first_name="Nadia", last_name="Secret"))
    shown = PersonFactory(first_name="Paul", last_name="Durand")
    waiting = PersonFactory(first_name="Zoé", last_name="Attente")
    draft = StructureFactory(name="Structure brouillon", status=ModerationStatus.DRAFT)
    now = timezone.now()
    EventContributor.objects.create(
        event=event, structure=structure, role=ContributorRole.ORGANISER, accepted_at=now
    )
    EventContributor.objects.create(
        event=event, structure=draft, role=ContributorRole.ORGANISER, accepted_at=now
    )
    EventContributor.objects.create(event=event, person=hidden, role=ContributorRole.SPEAKER, accepted_at=now)
    EventContributor.objects.create(event=event, person=shown, role=ContributorRole.SPEAKER, accepted_at=now)
    EventContributor.objects.create(event=event, person=waiting, role=ContributorRole.SPEAKER)

    page = client.get(reverse("events:detail", args=[event.slug])).content.decode()

    assert "France Assos Santé Occitanie" in page
    assert "Structure brouillon" not in page
    assert '<span itemprop="name">Nadia</span>' in page
    assert "Secret" not in page
    assert '<span itemprop="name">Paul Durand</span>' in page
    assert "Zoé" not in page


def test_private_documents_are_for_confirmed_participants_and_staff(client, staff_client, partner, db):
    event = make_event()
    document = EventDocument.objects.create(
        event=event,
        moment="avant",
        title="Support interne",
        file=ContentFile(b"%PDF-1.4 x", name="s.pdf"),
        file_format="pdf",
        file_size=10,
        is_public=False,
    )
    url = reverse("events:document", args=[event.slug, document.pk])
    assert "Support interne" not in client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert client.get(url).status_code == 404
    assert staff_client.get(url).status_code == 200
    MeetingParticipant.objects.create(
        meeting=event,
        user=partner,
        name="Sacha",
        email=partner.email,
        status=RegistrationStatus.CONFIRMED,
        registered_at=timezone.now(),
    )
    client.force_login(partner)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"


# --- Registration ------------------------------------------------------------------------------------------


def _form(**extra) -> dict:
    return {"name": "Camille Roux", "email": "camille@exemple.fr", "consent": "on", **extra}


def test_registration_without_account_confirm_manage_and_cancel(
    client, db, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    event = make_event(capacity=3, visio_url=VISIO)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:register", args=[event.slug]), _form())

    assert response.status_code == 302
    assert response["Location"] == reverse("events:registered", args=[event.slug])
    page = client.get(response["Location"]).content.decode()
    assert "Vérifiez votre boîte" in page
    participant = MeetingParticipant.objects.get(meeting=event)
    assert (participant.status, participant.email) == (RegistrationStatus.UNVERIFIED, "camille@exemple.fr")
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.get(link_from(mail.outbox[0], "confirm"))
    assert confirm.status_code == 200
    assert "Vous êtes inscrit·e" in confirm.content.decode()
    participant.refresh_from_db()
    assert participant.status == RegistrationStatus.CONFIRMED
    again = client.get(link_from(mail.outbox[0], "confirm"))
    assert "Votre adresse était déjà confirmée : rien n’a changé." in again.content.decode()

    manage_url = link_from(mail.outbox[-1], "manage")
    manage = client.get(manage_url).content.decode()
    assert "Inscrit·e" in manage
    assert VISIO not in manage
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(manage_url)
    assert cancelled.status_code == 302
    participant.refresh_from_db()
    assert participant.status == RegistrationStatus.CANCELLED
    assert (
        "Votre inscription est annulée. Votre place est libérée." in client.get(manage_url).content.decode()
    )


def test_a_signed_in_verified_user_is_registered_at_once_and_the_form_is_prefilled(client, db):
    user = UserFactory(email="lea@exemple.fr", first_name="Léa", last_name="Fabre")
    client.force_login(user)
    event = make_event(capacity=10)
    page = client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert 'value="lea@exemple.fr"' in page and 'value="Léa Fabre"' in page

    response = client.post(
        reverse("events:register", args=[event.slug]), _form(email="lea@exemple.fr"), follow=True
    )

    assert "Vous êtes inscrit·e" in response.content.decode()
    assert MeetingParticipant.objects.get(meeting=event).status == RegistrationStatus.CONFIRMED


def test_a_full_event_puts_the_person_on_the_waiting_list_with_its_position(client, db):
    user = UserFactory(email="lea@exemple.fr")
    event = make_event(capacity=1)
    register_people(event, 1)
    register_people(event, 1, status=RegistrationStatus.WAITING)
    client.force_login(user)
    page = client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert "M’inscrire sur la liste d’attente" in page

    response = client.post(
        reverse("events:register", args=[event.slug]), _form(email="lea@exemple.fr"), follow=True
    )

    assert "Vous êtes sur liste d’attente (position 2)" in response.content.decode()


def test_bad_registrations_are_refused_in_french_and_nothing_is_saved(client, db):
    event = make_event(
        registration_questions=[
            {
                "code": "profil",
                "label": "Votre profil",
                "kind": "choix",
                "choices": ["Patient", "Pro"],
                "required": True,
            }
        ]
    )
    url = reverse("events:register", args=[event.slug])

    no_consent = client.post(url, {"name": "A", "email": "a@exemple.fr", "question_profil": "Patient"})
    assert no_consent.status_code == 400
    assert "Cochez la case d&#x27;accord pour vous inscrire." in no_consent.content.decode()
    no_answer = client.post(url, _form())
    assert no_answer.status_code == 400
    assert "Ce champ est obligatoire." in no_answer.content.decode()
    assert not MeetingParticipant.objects.exists()

    assert client.post(url, _form(question_profil="Patient")).status_code == 302
    twice = client.post(url, _form(question_profil="Patient"))
    assert twice.status_code == 400
    assert "Cette adresse est déjà inscrite à cet événement." in twice.content.decode()
    assert MeetingParticipant.objects.count() == 1
    assert MeetingParticipant.objects.get().answers == {"profil": "Patient"}


def test_overlapping_sessions_are_refused(client, db):
    event = make_event()
    a = EventSession.objects.create(
        event=event,
        title="Atelier A",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
    )
    b = EventSession.objects.create(
        event=event,
        title="Atelier B",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
    )
    response = client.post(reverse("events:register", args=[event.slug]), _form(session_ids=[a.pk, b.pk]))
    assert response.status_code == 400
    assert "ont lieu en même temps" in response.content.decode()
    assert not MeetingParticipant.objects.exists()


def test_registration_closed_redirects_with_the_reason(client, db):
    event = make_event(registration_closes_at=timezone.now() - timedelta(hours=1))
    page = client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert "Les inscriptions sont closes." in page
    response = client.post(reverse("events:register", args=[event.slug]), _form(), follow=True)
    assert "Les inscriptions à cet événement sont closes depuis le" in response.content.decode()
    assert not MeetingParticipant.objects.exists()


def test_a_wrong_personal_link_is_404(client, db):
    assert client.get(reverse("events:manage", args=["x" * 43])).status_code == 404
    wrong = client.get(reverse("events:confirm", args=["x" * 43]))
    assert wrong.status_code == 404
    assert "Ce lien n’est pas ou plus valable." in wrong.content.decode()


def test_sitemap_lists_public_events_only(client, db):
    public = make_event(slug="atelier-public")
    make_event(slug="atelier-brouillon", is_public=False)
    page = client.get("/sitemap.xml").content.decode()
    assert reverse("events:detail", args=[public.slug]) in page
    assert "atelier-brouillon" not in page
    assert "/agenda/passes/" in page


# --- In a browser ------------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_visitor_registers_without_account_confirms_and_cancels(live_server, page, settings):
    settings.SITE_URL = live_server.url
    albi = Commune.objects.filter(name="Albi").first()
    event = make_event(
        title="Atelier d'échanges de pratiques",
        slug="atelier-echanges",
        commune=albi,
        capacity=12,
        visio_url=VISIO,
        registration_questions=[
            {
                "code": "profil",
                "label": "Votre profil",
                "kind": "choix",
                "choices": ["Patient", "Pro"],
                "required": True,
            }
        ],
    )
    EventSession.objects.create(
        event=event,
        title="Table ronde",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
    )

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Agenda", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agenda")
    expect(page.locator(".event-card")).to_contain_text("12 places restantes")
    page.get_by_role("link", name="Atelier d'échanges de pratiques").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Atelier d'échanges de pratiques")
    page.get_by_label("Prénom et nom").fill("Camille Roux")
    page.get_by_label("Adresse électronique").fill("camille@exemple.fr")
    page.get_by_label("Votre profil").select_option("Patient")
    page.get_by_label("Table ronde").check()
    page.get_by_label("Besoins d'accessibilité (facultatif)").fill("Boucle magnétique")
    page.get_by_label("J'accepte que le COPS Occitanie").check()
    page.get_by_role("button", name="M’inscrire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre boîte")

    assert len(mail.outbox) == 1
    page.goto(live_server.url + link_from(mail.outbox[0], "confirm"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes inscrit·e")
    participant = MeetingParticipant.objects.get(meeting=event)
    assert participant.status == RegistrationStatus.CONFIRMED
    assert participant.accessibility_needs == "Boucle magnétique"
    assert participant.session_choices.get().status == RegistrationStatus.CONFIRMED
    assert VISIO not in page.content()

    page.get_by_role("link", name="Voir ou annuler mon inscription").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon inscription")
    page.get_by_role("button", name="Annuler mon inscription").click()
    expect(page.get_by_role("status").first).to_contain_text("Votre inscription est annulée")
    participant.refresh_from_db()
    assert participant.status == RegistrationStatus.CANCELLED


def test_month_and_past_query_counts_do_not_grow_with_events(client, db, django_assert_max_num_queries):
    tarn = Departement.objects.get(code="81")
    starts = datetime(2031, 6, 2, 9, 0, tzinfo=PARIS)
    for index in range(10):
        make_event(title=f"Juin {index}", starts_at=starts + timedelta(days=index), territories=[tarn])
        past = make_event(title=f"Passé {index}", days=-10 - index, territories=[tarn])
        EventDocument.objects.create(
            event=past,
            moment="apres",
            title=f"Support {index}",
            file=ContentFile(b"%PDF-1.4", name="s.pdf"),
            file_format="pdf",
            file_size=8,
        )
    with django_assert_max_num_queries(6):
        month = client.get(reverse("events:month", args=["2031-06"]))
    assert month.content.decode().count('class="month-event') == 10
    with django_assert_max_num_queries(7):
        past_page = client.get(reverse("events:past"))
    assert past_page.content.decode().count("Support ") == 10


def test_event_page_query_count_does_not_grow_with_its_programme(client, db, django_assert_max_num_queries):
    event = make_event(capacity=50)
    for index in range(8):
        EventSession.objects.create(
            event=event,
            title=f"Séance {index}",
            starts_at=event.starts_at + timedelta(minutes=20 * index),
            ends_at=event.starts_at + timedelta(minutes=20 * index + 20),
            capacity=10,
        )
        EventContributor.objects.create(
            event=event,
            structure=StructureFactory(name=f"Structure {index}"),
            role=ContributorRole.ORGANISER,
            accepted_at=timezone.now(),
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("events:detail", args=[event.slug]))
    page = response.content.decode()
    assert page.count('class="programme-session"') == 8
    assert page.count('itemprop="organizer"') == 9  # 8 structures and the COPS itself
