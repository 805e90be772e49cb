"""Browser journey, a partner's week (Debian chromium, live server): sign in → Mon espace shows a
meeting invitation waiting → answer it from the invitation email's link → read the last meeting's
approved minutes from Mon espace → contact a patient partner, who gets the relayed email without
the sender's address."""

import re
from datetime import date

import pytest
from django.core import mail
from playwright.sync_api import expect

from actors.charter_enums import MeetingResponse, MeetingStatus
from actors.models import Mandate, MeetingParticipant
from actors.services import committees as committee_services
from directory.models import ContactMessage
from tests.factories.actors import UserFactory
from tests.factories.charter import committee, make_meeting
from tests.factories.directory import make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANSWER_LINK = re.compile(r"(http://\S+/comites/invitation/[A-Za-z0-9_-]+/\?reponse=vient)")
MESSAGE = "Bonjour, accepteriez-vous de partager votre expérience avec notre groupe de travail en mai ?"


@pytest.fixture(autouse=True)
def _fresh_directory_caches():
    from django.core.cache import caches

    from directory import facets
    from directory.filters import clear_choices_cache

    facets.reset()
    clear_choices_cache()
    caches["shared"].clear()
    yield
    facets.reset()


def test_a_partners_week(live_server, page, partner, staff_user, password, settings):
    settings.SITE_URL = live_server.url
    sacha = make_person(
        user=partner, first_name="Sacha", last_name="Martin", profiles=["professionnel-sanitaire"]
    )
    nadia_account = UserFactory(email="nadia.benali@exemple.fr", first_name="Nadia", last_name="Benali")
    nadia = make_person(user=nadia_account, first_name="Nadia", last_name="Benali")
    group = committee("gt-formation")
    Mandate.objects.create(committee=group, person=sacha, start_date=date(2025, 1, 1))
    last = make_meeting(group, days=-12, title="GT Formation de novembre", status=MeetingStatus.HELD)
    MeetingParticipant.objects.create(
        meeting=last, user=partner, person=sacha, name="Sacha Martin", email=partner.email
    )
    committee_services.meeting_record_minutes(
        meeting=last,
        minutes="Le groupe a relu le module de formation des internes, séquence par séquence.",
        public_minutes="Le groupe a relu le module de formation.",
        decisions=["Le module est proposé aux facultés en janvier."],
        approved=True,
        by=staff_user,
    )
    coming = make_meeting(group, days=9, title="GT Formation de décembre")
    mail.outbox.clear()
    committee_services.meeting_invite_members(meeting=coming, by=staff_user)
    invitation = next(email for email in mail.outbox if "GT Formation de décembre" in email.subject)
    assert invitation.to == [partner.email]
    answer_link = ANSWER_LINK.search(invitation.body).group(1)

    # Monday: signing in lands on Mon espace, the invitation waits on top.
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(partner.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.locator("#a-faire")).to_contain_text("Répondre à l'invitation : GT Formation de décembre")

    # Tuesday: « Je viens », from the email's link.
    page.goto(answer_link)
    expect(page.get_by_label("Je viens")).to_be_checked()
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_role("status")).to_contain_text("Merci, votre réponse est enregistrée : « Je viens ».")
    assert MeetingParticipant.objects.get(meeting=coming, user=partner).response == MeetingResponse.COMING

    # Wednesday: nothing waits any more; last meeting's minutes are one click away.
    page.goto(live_server.url + "/compte/")
    expect(page.locator("#a-faire")).to_contain_text("Rien ne vous attend pour l'instant : vous êtes à jour.")
    page.locator("#reunions").get_by_role("link", name="Lire le compte rendu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("GT Formation de novembre")
    expect(page.locator("main")).to_contain_text(
        "Le groupe a relu le module de formation des internes, séquence par séquence."
    )
    expect(page.locator("main")).to_contain_text("Le module est proposé aux facultés en janvier.")

    # Thursday: a patient partner for the next session, reached through the relay.
    page.goto(live_server.url + "/annuaire/patients-partenaires/")
    card = page.locator(".actor-card", has_text="Nadia Benali")
    card.get_by_role("link", name="Contacter Nadia Benali").click()
    page.get_by_label("Votre nom").fill("Sacha Martin")
    page.get_by_label("Objet").select_option(label="Demander un témoignage ou une intervention")
    page.get_by_label("Votre message").fill(MESSAGE)
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.get_by_role("status").first).to_contain_text("Votre message est transmis à Nadia Benali.")

    relayed = [email for email in mail.outbox if email.to == ["nadia.benali@exemple.fr"]]
    assert len(relayed) == 1
    assert MESSAGE in relayed[0].body
    assert relayed[0].reply_to == []
    assert partner.email not in relayed[0].message().as_string()
    assert ContactMessage.objects.get(person=nadia).sender_user == partner


def test_a_copil_member_sees_the_next_copil_meeting_and_the_request_to_examine(
    live_server, page, copil_user, staff_user, password, settings
):
    from tests.factories.accompaniment import SupportRequestFactory

    settings.SITE_URL = live_server.url
    person = make_person(user=copil_user, first_name="Dominique", last_name="Roux")
    Mandate.objects.create(committee=committee("copil"), person=person, start_date=date(2025, 1, 1))
    coming = make_meeting(committee("copil"), days=6, title="CoPil de décembre")
    committee_services.meeting_invite_members(meeting=coming, by=staff_user)
    SupportRequestFactory(title="Former un binôme d'animateurs", submitted_at=coming.created_at)

    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(copil_user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()

    waiting = page.locator("#a-faire")
    expect(waiting).to_contain_text("Répondre à l'invitation : CoPil de décembre")
    expect(waiting).to_contain_text("Demandes d'appui à examiner par le CoPil : 1")
    page.locator("#reunions").get_by_role("link", name="CoPil de décembre").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CoPil de décembre")
    expect(page.locator("main")).to_contain_text("1. Accueil")
    page.goto(live_server.url + "/compte/")
    waiting.get_by_role("link", name="Examiner", exact=True).click()
    expect(page.locator("main")).to_contain_text("Former un binôme d'animateurs")
