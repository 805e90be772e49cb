"""Browser journey of the contact relay (Debian chromium, live server): a partner finds a patient
partner, writes to her without either address showing; she answers from the emailed link, and
only the answer carries the addresses (Reply-To)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from directory.models import ContactMessage
from tests.a11y import assert_no_serious_axe_violations
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MESSAGE = "Bonjour Nadia, accepteriez-vous de témoigner lors de notre formation des internes en mars ?"
ANSWER = "Avec plaisir : je suis disponible les mardis, écrivez-moi pour fixer une date."


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


def test_partner_writes_to_a_patient_partner_who_answers_through_the_relay(
    live_server, browser, partner, password, settings
):
    settings.SITE_URL = live_server.url
    nadia_account = UserFactory(email="nadia.benali@exemple.fr", first_name="Nadia", last_name="Benali")
    nadia = make_person(user=nadia_account, first_name="Nadia", last_name="Benali")
    make_person(user=partner, first_name="Sacha", last_name="Martin", profiles=["professionnel-sanitaire"])
    mail.outbox.clear()  # the moderation's emails about the two profiles

    # --- The partner signs in and finds her on « Trouver un patient partenaire » ---
    page = browser.new_page()
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(partner.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + "/annuaire/patients-partenaires/")
    card = page.locator(".actor-card", has_text="Nadia Benali")
    expect(card.get_by_role("link", name="Contacter Nadia Benali")).to_be_visible()
    card.get_by_role("link", name="Nadia Benali", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nadia Benali")

    # --- …and writes to her through the platform ---
    page.get_by_role("link", name="Contacter Nadia Benali").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Écrire à Nadia Benali")
    expect(page.get_by_label("Votre adresse électronique")).to_have_value(partner.email)
    expect(page.get_by_label("Votre adresse électronique")).to_be_disabled()
    assert_no_serious_axe_violations(page)
    honeypot = page.locator(".contact-hp").bounding_box()
    assert honeypot["x"] + honeypot["width"] < 0  # the robots' field stays out of sight
    page.get_by_label("Votre nom").fill("Sacha Martin")
    page.get_by_label("Objet").select_option(label="Demander un témoignage ou une intervention")
    page.get_by_label("Votre message").fill(MESSAGE)
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.get_by_role("status").first).to_contain_text("Votre message est transmis à Nadia Benali.")
    assert "nadia.benali@exemple.fr" not in page.content()

    # --- Her email carries the message, not the sender's address ---
    relayed = next(email for email in mail.outbox if email.to == ["nadia.benali@exemple.fr"])
    assert relayed.reply_to == []
    assert partner.email not in relayed.message().as_string()
    assert MESSAGE in relayed.body
    reply_url = re.search(r"http\S+/annuaire/messages/[A-Za-z0-9_-]+/(?=\s)", relayed.body).group(0)

    # --- She opens « Répondre » (not signed in) and answers ---
    recipient = browser.new_context().new_page()
    recipient.goto(reply_url)
    expect(recipient.get_by_role("heading", name="Message de Sacha Martin")).to_be_visible()
    expect(recipient.locator(".relayed-message")).to_contain_text(MESSAGE)
    assert partner.email not in recipient.content()
    assert_no_serious_axe_violations(recipient)
    recipient.get_by_label("Votre réponse").fill(ANSWER)
    recipient.get_by_role("button", name="Envoyer ma réponse").click()
    expect(recipient.get_by_role("status").first).to_contain_text("Votre réponse est envoyée.")
    expect(recipient.get_by_role("button", name="Envoyer ma réponse")).to_have_count(0)

    # --- The answer reaches the partner with Reply-To her address; her copy, Reply-To his ---
    answer = next(email for email in mail.outbox if email.to == [partner.email] and ANSWER in email.body)
    copy = next(
        email for email in mail.outbox if email.to == ["nadia.benali@exemple.fr"] and ANSWER in email.body
    )
    assert answer.reply_to == ["nadia.benali@exemple.fr"]
    assert copy.reply_to == [partner.email]
    message = ContactMessage.objects.get(person=nadia)
    assert (message.reply, message.replied_from, message.sender_user_id) == (
        ANSWER,
        "nadia.benali@exemple.fr",
        partner.pk,
    )
