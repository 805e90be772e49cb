"""A newcomer's first visit: home page, sign-up, verification email, sign-in, staff boundary."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from actors.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Partenariat-en-sante-2026"


def test_visitor_signs_up_verifies_email_and_signs_in(live_server, page, settings):
    settings.SITE_URL = live_server.url

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("construisons ensemble")
    expect(page.locator(".figure-card").first).to_contain_text("partenaires inscrits")

    page.get_by_role("link", name="Créer un compte").first.click()
    page.get_by_label("Prénom*").fill("Inès")
    page.get_by_label("Nom*", exact=True).fill("Roux")
    page.get_by_label("Adresse électronique").fill("ines.roux@exemple.fr")
    page.get_by_label("Mot de passe*", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe*").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plus qu'une étape")

    assert len(mail.outbox) == 1
    link = re.search(r"(http://\S+/compte/verifier/\S+)", mail.outbox[0].body).group(1)
    page.goto(link)
    expect(page.get_by_role("status")).to_contain_text("Merci, votre adresse est confirmée")

    page.get_by_label("Adresse électronique").fill("ines.roux@exemple.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.locator(".space-hello")).to_have_text("Bonjour Inès")
    assert User.objects.get(email="ines.roux@exemple.fr").is_verified

    page.goto(live_server.url + "/equipe/")
    expect(page.locator("body")).to_contain_text("403")


def test_staff_member_signs_in_and_reaches_the_staff_area(live_server, page, staff_user, password):
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(staff_user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_role("link", name="Espace équipe", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Espace équipe")
