"""Browser journey: a partner signs the charter for their structure; the directory shows the badge
and filters on it; the statistics page counts the new signature (Debian chromium, live server)."""

import re

import pytest
from playwright.sync_api import expect

from actors.enums import ModerationStatus
from directory.indexing import index_persons, index_structures
from tests.factories.charter import CharterVersionFactory, PersonFactory, StructureFactory, make_referent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BADGE = "Engagé(e) dans la charte COPS"


def test_partner_signs_for_their_structure_and_the_directory_and_statistics_follow(
    live_server, page, partner, password, settings
):
    settings.SITE_URL = live_server.url
    CharterVersionFactory(year=2026, title="Charte d'engagement 2026")
    person = PersonFactory(user=partner, first_name="Sacha", last_name="Martin")
    structure = StructureFactory(name="Maison de santé des Cévennes", status=ModerationStatus.PUBLISHED)
    StructureFactory(name="Clinique non signataire")
    make_referent(person, structure)
    index_persons([person.pk])
    index_structures(list(structure.__class__.objects.values_list("pk", flat=True)))

    # Before: nobody has signed.
    page.goto(live_server.url + "/charte/statistiques/")
    page.get_by_text("Voir les chiffres").first.click()
    expect(page.locator("table.chart-table").first.locator("tbody tr").first).to_have_text("Structure0")

    # The nav's "Charte" link lands on the charter; the partner signs in from there.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Charte", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charte d'engagement 2026")
    page.get_by_role("link", name="Se connecter pour signer").click()
    page.get_by_label("Adresse électronique").fill(partner.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Signer la charte d'engagement 2026")
    page.get_by_label("Pour la structure Maison de santé des Cévennes").check()
    page.get_by_label("J'ai lu la charte d'engagement 2026 et je m'engage à la respecter.").check()
    page.get_by_role("button", name="Signer la charte").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Merci : la signature de la charte 2026 pour « Maison de santé des Cévennes » est enregistrée."
    )
    expect(page.locator(".signature-list")).to_contain_text("Maison de santé des Cévennes")

    # The directory: the badge on the card, and the filter keeps only the engaged structure.
    page.goto(live_server.url + "/annuaire/?type=structure")
    engaged_card = page.locator(".tag-badge", has_text=BADGE)
    expect(engaged_card).to_have_count(1)
    expect(engaged_card).to_be_visible()
    page.locator("summary", has_text="Charte d'engagement").click()
    page.get_by_label(BADGE).check()
    page.wait_for_url(re.compile(r".*charte=engage.*"), timeout=10_000)
    expect(page.locator("main")).to_contain_text("Maison de santé des Cévennes")
    expect(page.locator("main")).not_to_contain_text("Clinique non signataire")

    # The structure's page shows the badge.
    page.get_by_role("link", name="Maison de santé des Cévennes").first.click()
    expect(page.locator(".tag-badge")).to_have_text(BADGE)

    # The statistics page counts it.
    page.goto(live_server.url + "/charte/statistiques/")
    expect(page.locator(".figure-card").nth(1)).to_contain_text("1")
    page.get_by_text("Voir les chiffres").first.click()
    expect(page.locator("table.chart-table").first.locator("tbody tr").first).to_have_text("Structure1")
