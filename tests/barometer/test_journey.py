"""A respondent opens their personal link, answers half, leaves, comes back, finishes;
the next reminder round then skips them."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from barometer.enums import ResponseStatus
from barometer.models import Contact, Invitation, Response, SendingRound
from barometer.services import sending
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire

LINK = re.compile(r"http://testserver(/barometre/r/[A-Za-z0-9_-]+/)")


@pytest.mark.e2e
def test_respondent_answers_in_two_sittings_then_reminder_skips_them(live_server, browser, settings):
    settings.BAROMETER_EMAILS_PER_MINUTE = 0
    questionnaire = make_questionnaire(CampaignFactory())
    campaign = questionnaire.campaign
    make_invitation(questionnaire, email="repondante@exemple.fr", name="Nadia")
    make_invitation(questionnaire, email="silencieux@exemple.fr", name="Paul")
    invitation_round = SendingRound.objects.create(
        campaign=campaign, number=0, scheduled_at=timezone.now() - timedelta(hours=1)
    )
    sending.send_round(round_id=invitation_round.pk)
    email = next(m for m in mail.outbox if m.to == ["repondante@exemple.fr"])
    link = live_server.url + LINK.search(email.body).group(1)

    # First sitting, on a phone: page 1 complete, page 2 half done, then "later".
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(link)
    expect(page).to_have_url(f"{live_server.url}/barometre/q/{questionnaire.public_key}/")
    page.get_by_label("J'ai lu ces informations").check()
    page.get_by_role("button", name="Commencer le questionnaire").click()
    expect(page.get_by_text("Page 1 sur 3")).to_be_visible()
    page.get_by_text("Patient partenaire", exact=True).click()
    page.get_by_text("Oui", exact=True).click()
    page.get_by_role("button", name="Page suivante").click()
    expect(page.get_by_text("Page 2 sur 3")).to_be_visible()
    page.get_by_label("Combien de projets ?").fill("3")
    page.get_by_label("Combien de projets ?").press("Tab")  # "change" fires when the field is left
    expect(page.get_by_text("Enregistré à")).to_be_visible()  # htmx autosave on change
    page.get_by_role("button", name="Enregistrer et reprendre plus tard").click()
    expect(page.get_by_role("heading", name="Vos réponses sont enregistrées")).to_be_visible()
    phone.close()

    draft = Response.objects.get()
    assert draft.status == ResponseStatus.DRAFT
    assert draft.answers.get(question__code="nombre").number == 3

    # Second sitting, another browser: the same link brings the answers back.
    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desktop.new_page()
    page.goto(link)
    page.get_by_role("link", name="Reprendre mes réponses").click()
    expect(page.get_by_label("Patient partenaire")).to_be_checked()
    page.get_by_role("button", name="Page suivante").click()
    expect(page.get_by_label("Combien de projets ?")).to_have_value("3")
    page.get_by_role("button", name="Page suivante").click()
    expect(page.locator("#err-freins")).to_have_text("Cette question est obligatoire : merci d'y répondre.")
    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient une erreur")
    expect(page.get_by_label("Combien de projets ?")).to_have_value("3")
    page.get_by_text("Le manque de temps", exact=True).click()
    page.get_by_role("button", name="Page suivante").click()
    expect(page.get_by_label("Votre adresse")).to_be_hidden()
    page.get_by_text("Recevoir le rapport", exact=True).click()
    expect(page.get_by_label("Votre adresse")).to_be_visible()  # conditional question
    page.get_by_label("Votre adresse").fill("nadia@exemple.fr")
    page.get_by_role("button", name="Relire et envoyer").click()
    expect(page.get_by_role("heading", name="Relisez vos réponses")).to_be_visible()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("heading", name="Merci, vos réponses sont envoyées.")).to_be_visible()
    desktop.close()

    response = Response.objects.get()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.invitation_id is None
    assert Invitation.objects.get(email="repondante@exemple.fr").has_responded is True
    assert Contact.objects.get().email == "nadia@exemple.fr"

    mail.outbox.clear()
    reminder = SendingRound.objects.create(campaign=campaign, number=1, scheduled_at=timezone.now())
    sending.send_round(round_id=reminder.pk)

    assert [m.to for m in mail.outbox] == [["silencieux@exemple.fr"]]
