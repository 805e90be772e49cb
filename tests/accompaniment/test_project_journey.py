"""From an accompaniment to the map, in a real browser: the référent of a structure whose
accompaniment has ended publishes its project sheet, the COPS team approves it, and a visitor
who misspells the commune finds it on the map and opens it."""

import pytest
from playwright.sync_api import expect

from accompaniment.enums import AccompanimentStatus
from actors.enums import ModerationStatus
from directory.models import Project
from tests.accompaniment.conftest import advance
from tests.directory.test_journey import no_tiles, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


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


def test_a_closed_accompaniment_becomes_a_project_found_on_the_map_by_a_misspelt_commune(
    live_server, browser, password, settings, accompaniment, participants, referent, staff_user
):
    settings.SITE_URL = live_server.url
    advance(accompaniment, staff_user, participants, phases=5)  # the COPS closes the last phase
    accompaniment.refresh_from_db()
    assert accompaniment.status == AccompanimentStatus.COMPLETED

    # --- The référent is offered the project sheet on the accompaniment's page ---
    page = browser.new_page()
    no_tiles(page)
    sign_in(page, live_server.url, referent.email, password)
    page.goto(f"{live_server.url}/accompagnements/{accompaniment.pk}/")
    page.get_by_role("link", name="Publier une fiche projet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publier une fiche projet")
    page.get_by_role("button", name="Préparer la fiche projet").click()

    # --- …completes the prefilled draft and sends it to moderation ---
    expect(page.locator("input[name=title]")).to_have_value(accompaniment.title)
    page.get_by_label("Soin et accompagnement").check()
    page.locator("input[name=commune_1]").fill("Sète (34200)")
    page.get_by_label("Hérault (34)").check()
    page.get_by_label("J'ai l'accord des structures et des personnes concernées", exact=False).check()
    page.get_by_role("button", name="Envoyer à la modération").click()
    project = Project.objects.get(accompaniment=accompaniment)
    expect(page.get_by_role("status").first).to_be_visible()
    assert project.status == ModerationStatus.PENDING
    assert list(project.communes.values_list("name", flat=True)) == ["Sète"]

    # --- The COPS team approves it from the moderation queue ---
    staff_page = browser.new_page()
    sign_in(staff_page, live_server.url, staff_user.email, password)
    staff_page.goto(live_server.url + "/annuaire/moderation/")
    staff_page.get_by_role("link", name=accompaniment.title).click()
    staff_page.get_by_label("Publier").check()
    staff_page.get_by_role("button", name="Enregistrer la décision").click()
    expect(staff_page.get_by_role("status").first).to_contain_text("est publié(e)")
    project.refresh_from_db()
    assert project.status == ModerationStatus.PUBLISHED

    # --- A visitor types « Sette » on the map, finds the project and opens it ---
    visitor = browser.new_page()
    no_tiles(visitor)
    visitor.goto(live_server.url + "/carte/?q=Sette")
    visitor.wait_for_selector("body[data-map-ready]")
    card = visitor.locator(".map-card", has_text=accompaniment.title)
    expect(card).to_have_count(1)
    expect(visitor.locator(".leaflet-marker-icon.map-pin-project")).to_have_count(1)
    visitor.locator(".leaflet-marker-icon.map-pin-project").click()
    expect(visitor.locator(".map-popup")).to_contain_text(accompaniment.title)
    visitor.locator(".map-popup a", has_text="Voir la fiche").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(accompaniment.title)
    expect(visitor.locator("main")).to_contain_text("Porté par Centre d'hémodialyse de Sète")
