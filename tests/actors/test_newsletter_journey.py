"""Browser journey of « La lettre du COPS » (Debian chromium, live server): a visitor reads the
news, subscribes, confirms from the emailed link, receives an issue (the team's sending, through
the bulk engine) and unsubscribes in one click from its link; the mail provider's one-click POST (RFC 8058) then changes nothing more."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from actors.enums import Role
from actors.models import NewsletterSubscription
from actors.models.newsletter import SubscriptionStatus
from actors.newsletter.issues import issue_send_request
from tests.a11y import assert_no_serious_axe_violations
from tests.factories.actors import UserFactory
from tests.factories.news import make_news
from tests.factories.newsletter_issues import make_issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_subscribes_confirms_and_unsubscribes_in_one_click(live_server, browser, settings):
    settings.SITE_URL = live_server.url
    news = make_news("Baromètre régional 2023 : les premiers résultats", slug="barometre-2023", days_ago=2)

    # --- The visitor reads the news and asks for the newsletter ---
    page = browser.new_page()
    page.goto(live_server.url + "/actualites/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Actualités")
    expect(page.get_by_role("link", name="Baromètre régional 2023 : les premiers résultats")).to_be_visible()
    page.get_by_role("link", name="Recevoir « La lettre du COPS »").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("S'abonner à « La lettre du COPS »")
    assert_no_serious_axe_violations(page)
    honeypot = page.locator(".news-hp").bounding_box()
    assert honeypot["x"] + honeypot["width"] < 0  # the robots' field stays out of sight
    page.get_by_label("Votre adresse électronique").fill("Ines.Roux@Exemple.org")
    expect(page.get_by_label("Baromètre régional")).to_be_checked()  # every topic, until unticked
    page.get_by_label("Baromètre régional").uncheck()
    page.get_by_role("button", name="M'abonner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre boîte aux lettres")
    subscription = NewsletterSubscription.objects.get()
    assert subscription.status == SubscriptionStatus.PENDING
    assert sorted(subscription.topics.values_list("slug", flat=True)) == [
        "evenements",
        "projets",
        "ressources",
        "vie-du-cops",
    ]

    # --- She opens the confirmation link from her email: a button, then confirmed ---
    [email] = mail.outbox
    assert email.to == ["ines.roux@exemple.org"]
    confirm_url = re.search(r"http\S+/lettre/confirmer/[A-Za-z0-9_-]+/(?=\s)", email.body).group(0)
    page.goto(confirm_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer mon abonnement")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PENDING  # opening the link is not consenting
    page.get_by_role("button", name="Confirmer mon abonnement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Abonnement confirmé")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED and subscription.consented_at is not None

    # --- The team sends an issue (the bulk engine): it reaches her with its own unsubscribe link ---
    issue = make_issue("Numéro d'hiver", topics=("evenements",), news=[news])
    issue_send_request(issue=issue, by=UserFactory(email="equipe.lettre@exemple.fr", roles=[Role.STAFF]))
    letter = next(message for message in mail.outbox if message.subject.startswith("La lettre du COPS n° 1"))
    assert letter.to == ["ines.roux@exemple.org"]
    unsubscribe_url = re.search(r"http\S+/lettre/desinscription/[A-Za-z0-9_-]+/(?=\s)", letter.body).group(0)
    assert letter.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert letter.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent_before = len(mail.outbox)

    page.goto(unsubscribe_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Me désabonner de « La lettre du COPS »")
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="Me désabonner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes désinscrit·e")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    unsubscribed_at = subscription.unsubscribed_at

    # --- Her mail provider's one-click POST arrives later: no cookie, no CSRF, nothing more changes ---
    provider = browser.new_context()
    answer = provider.request.post(
        unsubscribe_url,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 200
    assert "Cette adresse était déjà désinscrite." in answer.text()
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at == unsubscribed_at
    assert len(mail.outbox) == sent_before  # nothing sent twice, nothing sent after
    provider.close()
