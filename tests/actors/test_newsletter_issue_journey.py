"""Browser journey: a staff member composes an issue of « La lettre du COPS », picks two news
items, moves one up, reads the preview, sends a test to themselves, then sends the issue to the
confirmed subscribers and reads the outcome; a visitor then reads it in the public archive
(Debian chromium, live server)."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from actors.models import NewsletterIssue
from actors.models.newsletter import IssueStatus
from tests.a11y import assert_no_serious_axe_violations
from tests.factories.news import make_news, make_subscription

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_compose_preview_test_and_send_an_issue_then_the_public_reads_it(
    live_server, page, staff_user, password, settings
):
    settings.SITE_URL = live_server.url
    settings.NEWSLETTER_EMAILS_PER_MINUTE = 0
    make_news("Retour sur la JRPS", days_ago=3, summary="Quatre cents participants.")
    make_news("Appel à projets 2027", days_ago=1, summary="Faites connaître vos projets.")
    for address in ("lectrice@exemple.org", "lecteur@exemple.org"):
        make_subscription(address, topics=("evenements",))

    page.goto(live_server.url + "/equipe/lettre/")
    page.get_by_label("Adresse électronique").fill(staff_user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La lettre du COPS")
    page.get_by_role("link", name="Composer un numéro").first.click()

    page.get_by_label("Titre du numéro").fill("Numéro de rentrée")
    page.get_by_label("Éditorial").fill("Bonjour à toutes et à tous,\n\nVoici la lettre.")
    for topic in (
        "Projets et expériences partagées",
        "Ressources et outils",
        "Baromètre régional",
        "Vie du COPS",
    ):
        page.get_by_label(topic).uncheck()
    page.get_by_role("button", name="Créer le numéro").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("N° 1 — Numéro de rentrée")
    expect(page.locator(".letter-send-box")).to_contain_text(
        "2 abonnés confirmés suivent les thèmes de ce numéro."
    )

    page.get_by_label("Retour sur la JRPS").check()
    page.get_by_label("Appel à projets 2027").check()
    page.get_by_role("button", name="Ajouter les éléments cochés").click()
    expect(page.get_by_role("alert").or_(page.locator(".alert")).first).to_contain_text(
        "2 élément(s) ajouté(s)"
    )
    items = page.locator(".letter-compose-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Appel à projets 2027")
    page.get_by_role("button", name="Monter « Retour sur la JRPS »").click()
    expect(items.nth(0)).to_contain_text("Retour sur la JRPS")
    assert_no_serious_axe_violations(page)

    page.get_by_role("link", name="Aperçu du courriel (texte)").click()
    expect(page.locator("pre.letter-text")).to_contain_text("— ACTUALITÉ —\nRetour sur la JRPS")
    page.get_by_role("link", name="Retour au numéro").click()
    page.get_by_role("button", name="M'envoyer un essai").click()
    expect(page.locator("body")).to_contain_text(f"L'essai part à votre adresse {staff_user.email}.")
    assert [m.subject for m in mail.outbox if m.to == [staff_user.email]] == [
        "[Essai] La lettre du COPS n° 1 — Numéro de rentrée"
    ]

    page.get_by_role("link", name="Envoyer…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Envoyer le n° 1 ?")
    expect(page.locator("main, body").first).to_contain_text("partira à 2 abonnés confirmés")
    page.get_by_role("button", name="Confirmer l'envoi").click()
    expect(page.locator("body")).to_contain_text("L'envoi commence : 2 destinataire(s).")
    expect(page.locator("#issue-progress")).to_contain_text("Bilan de l'envoi")
    expect(page.locator("#issue-progress dl")).to_contain_text("Envoyés")
    assert NewsletterIssue.objects.get().status == IssueStatus.SENT
    assert sorted(
        m.to[0] for m in mail.outbox if m.subject == "La lettre du COPS n° 1 — Numéro de rentrée"
    ) == [
        "lecteur@exemple.org",
        "lectrice@exemple.org",
    ]

    visitor = page.context.browser.new_page()
    visitor.goto(live_server.url + "/lettre/archives/")
    visitor.get_by_role("link", name="Numéro de rentrée").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Numéro de rentrée")
    expect(visitor.locator("article")).to_contain_text("Quatre cents participants.")
    assert "/lettre/desinscription/" not in visitor.content()
    assert_no_serious_axe_violations(visitor)
    visitor.close()
