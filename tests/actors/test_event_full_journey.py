"""Browser journey of an event, from registration to the satisfaction questionnaire's results
(Debian chromium, live server):

a visitor registers to a full JRPS workshop without an account, confirms the address from the
email and lands on the waiting list; another participant cancels with the link of their own email
and the visitor is promoted (the promotion email carries the .ics); the event takes place: the
staff check the visitor in, the visitor downloads the certificate of attendance; the staff create
and open the satisfaction questionnaire; after the event the due rounds run in the process and the
visitor receives the thank-you with the questionnaire's personal link and answers it; the staff see
1 response in the event's results, and the published results hide it under the small-numbers rule.
"""

import re
import subprocess
from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from actors.charter_enums import EventKind, RegistrationStatus
from actors.events import services
from actors.events.messages import event_thanks_send
from actors.models import Meeting, MeetingParticipant
from barometer.enums import ResponseStatus
from barometer.models import Campaign, Response
from barometer.tasks import send_due_rounds
from tests.a11y import assert_no_serious_axe_violations
from tests.actors.test_event_pages import link_from

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "JRPS — Atelier patients et soignants en binôme"
SURVEY_LINK = re.compile(r"(https?://\S+/barometre/r/[A-Za-z0-9_-]+/)")


def local_path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def sign_in(page, live_server, user, password) -> None:
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_from_registration_to_the_satisfaction_questionnaire(
    live_server, page, staff_user, password, settings
):
    settings.SITE_URL = live_server.url
    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    start = timezone.localtime(timezone.now() + timedelta(days=5)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    event = Meeting.objects.create(
        kind=EventKind.WORKSHOP,
        title=TITLE,
        slug="jrps-atelier-binome",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Palais des congrès, Montpellier",
        is_public=True,
        registration_open=True,
        capacity=1,
        waiting_list=True,
        ask_accessibility_needs=False,
    )
    first = services.register(event=event, name="Basile Martin", email="basile@exemple.fr")
    services.confirm_email(token=services.personal_token(first))
    basile_manage = link_from(mail.outbox[-1], "manage")  # the « you are registered » email
    mail.outbox.clear()

    # The visitor registers: the workshop is full, the confirmation puts them on the waiting list.
    page.goto(f"{live_server.url}/agenda/{event.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_label("Prénom et nom").fill("Camille Roux")
    page.get_by_label("Adresse électronique").fill("camille@exemple.fr")
    page.get_by_label("J'accepte que le COPS Occitanie").check()
    page.get_by_role("button", name="M’inscrire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre boîte")
    [received] = mail.outbox
    page.goto(live_server.url + link_from(received, "confirm"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes sur liste d’attente (position 1)")
    camille = MeetingParticipant.objects.get(meeting=event, email="camille@exemple.fr")
    assert camille.status == RegistrationStatus.WAITING
    mail.outbox.clear()

    # The other participant cancels with the link of their email: the visitor is promoted.
    page.goto(live_server.url + basile_manage)
    page.get_by_role("button", name="Annuler mon inscription").click()
    expect(page.get_by_role("status").first).to_contain_text("Votre inscription est annulée")
    camille.refresh_from_db()
    assert camille.status == RegistrationStatus.CONFIRMED
    promoted = next(m for m in mail.outbox if m.to == ["camille@exemple.fr"])
    [(filename, ics, mimetype)] = promoted.attachments
    ics_bytes = ics.encode() if isinstance(ics, str) else ics
    assert (filename, mimetype) == ("evenement.ics", "text/calendar; method=PUBLISH")
    assert f"SUMMARY:{TITLE}".encode() in ics_bytes.replace(b"\r\n ", b"")
    assert f"DTSTART:{start.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}".encode() in ics_bytes
    camille_manage = link_from(promoted, "manage")

    # The day comes (the event is moved to this afternoon): the staff check the visitor in.
    now = timezone.now()
    Meeting.objects.filter(pk=event.pk).update(
        starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=2)
    )
    sign_in(page, live_server, staff_user, password)
    page.goto(f"{live_server.url}/agenda/gestion/{event.pk}/presences/")
    row = page.locator(".checkin-row", has_text="Camille Roux")
    row.get_by_role("button", name="Marquer présent·e").click()
    expect(page.locator(".checkin-row", has_text="Camille Roux")).to_contain_text("Arrivé·e à")
    camille.refresh_from_db()
    assert camille.checked_in_at is not None

    # The visitor downloads the certificate of attendance from the personal link.
    certificate = page.request.get(live_server.url + camille_manage + "attestation.pdf")
    pdf = certificate.body()
    assert certificate.status == 200 and pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Camille Roux" in text
    assert TITLE in " ".join(text.split())

    # The staff create the satisfaction questionnaire from the event's page, then open it.
    page.goto(f"{live_server.url}/agenda/gestion/{event.pk}/")
    page.get_by_role("link", name="Questionnaire de satisfaction").click()
    page.get_by_role("button", name="Créer le questionnaire de satisfaction").click()
    expect(page.get_by_role("status").first).to_contain_text("Le questionnaire de satisfaction est créé")
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="Ouvrir le questionnaire").click()
    expect(page.get_by_role("status").first).to_contain_text("Le questionnaire est maintenant : Ouverte.")
    campaign = Campaign.all_objects.get(event=event)
    mail.outbox.clear()

    # After the event: the periodic work runs in the process; the round-0 email is the thank-you.
    event_thanks_send()
    send_due_rounds.apply()
    [thanks] = mail.outbox
    assert thanks.to == ["camille@exemple.fr"]
    assert thanks.subject == f"Merci de votre participation à « {TITLE} »"
    link = SURVEY_LINK.search(thanks.body).group(1)

    # The visitor answers the questionnaire (in a browser of their own).
    visitor = page.context.browser.new_context()
    answering = visitor.new_page()
    answering.goto(live_server.url + local_path(link))
    expect(answering.locator(".survey-campaign")).to_have_text(f"Satisfaction — {TITLE}")
    answering.locator("#id_consent").check()
    answering.get_by_role("button", name="Commencer le questionnaire").click()
    answering.locator("#id_q_satisfaction_globale_3").check()  # Très satisfait·e
    answering.locator("#id_q_organisation_2").check()
    answering.locator("#id_q_contenus_3").check()
    answering.get_by_role("button", name="Page suivante").click()
    answering.get_by_label("Les ateliers").check()
    expect(answering.get_by_label("Qu'est-ce qui vous a manqué ?")).to_be_hidden()  # satisfied: not asked
    answering.get_by_label("Oui").check()
    answering.get_by_label("Vos suggestions pour les prochains événements").fill(
        "Refaire un atelier en binôme."
    )
    answering.get_by_role("button", name="Relire et envoyer").click()
    answering.get_by_role("button", name="Envoyer mes réponses").click()
    expect(answering.get_by_role("heading", level=1)).to_have_text("Merci, vos réponses sont envoyées.")
    visitor.close()
    response = Response.objects.get(questionnaire__campaign=campaign)
    assert response.status == ResponseStatus.SUBMITTED
    assert {a.question.code: a.choices or a.text for a in response.answers.select_related("question")} == {
        "satisfaction_globale": ["tres"],
        "organisation": ["satisfait"],
        "contenus": ["tres"],
        "plus_utile": ["ateliers"],
        "recommander": ["oui"],
        "suggestions": "Refaire un atelier en binôme.",
    }

    # The staff see the response in the event's results, then publish them.
    page.goto(f"{live_server.url}/barometre/equipe/evenements/{event.pk}/resultats/")
    expect(page.locator("main")).to_contain_text(
        "1 réponse envoyée · taux de réponse 100 % (1 sur 1 invitées)"
    )
    expect(page.locator("main")).to_contain_text("Chiffres internes, non masqués")
    assert_no_serious_axe_violations(page)
    page.goto(f"{live_server.url}/barometre/equipe/evenements/{event.pk}/")
    page.get_by_role("button", name="Clore le questionnaire").click()
    page.get_by_role("button", name="Publier les résultats sur la page de l’événement").click()
    expect(page.get_by_role("status").first).to_contain_text("Résultats publiés")

    # Anyone else reads the published results: one response is under the small-numbers rule.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/agenda/{event.slug}/")
    page.get_by_role("link", name="Ce qu'en ont pensé les participants").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce qu’en ont pensé les participants")
    expect(page.locator("main")).to_contain_text("Moins de 5 réponses au questionnaire de satisfaction.")
    expect(page.locator(".baro-masked").first).to_contain_text("Résultat non affiché : moins de 5 réponses.")
    assert "Refaire un atelier" not in page.content()
    assert_no_serious_axe_violations(page)


def test_a_speaker_accepts_to_appear_from_mon_espace(
    live_server, page, partner, staff_user, password, settings
):
    from actors.events import services_contributors
    from tests.factories.directory import make_person

    settings.SITE_URL = live_server.url
    person = make_person(user=partner, first_name="Inès", last_name="Oratrice")
    start = timezone.now() + timedelta(days=12)
    event = Meeting.objects.create(
        kind=EventKind.WORKSHOP,
        title="Atelier des savoirs partagés",
        slug="atelier-savoirs-partages",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Toulouse",
        is_public=True,
    )
    services_contributors.contributor_add(
        event=event, role="intervenant", person=person, detail="Témoignage", by=staff_user
    )
    invitation = next(m for m in mail.outbox if "Apparaître comme" in m.subject)
    assert invitation.to == [partner.email]
    assert "/agenda/intervention/" in invitation.body

    sign_in(page, live_server, partner, password)
    page.goto(live_server.url + "/compte/")
    item = page.locator(".space-answer", has_text="J'accepte d'apparaître")
    expect(page.locator("main")).to_contain_text(
        "Apparaître comme intervenant·e : Atelier des savoirs partagés ?"
    )
    assert_no_serious_axe_violations(page)
    item.get_by_role("button", name="J'accepte d'apparaître").click()
    expect(page.get_by_role("status").first).to_contain_text("vous apparaîtrez sur la page de l'événement")

    page.goto(f"{live_server.url}/agenda/{event.slug}/")
    expect(page.locator("main")).to_contain_text("Oratrice")
