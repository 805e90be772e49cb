"""The directory's journeys in a real browser: a partner registers herself and her structure,
the staff moderate both, a visitor finds them with filters in the list and on the map, and the
back button brings the filters back."""

import pytest
from playwright.sync_api import expect

from actors.enums import ModerationStatus, Role
from actors.models import Commune, Person, Structure
from tests.factories.actors import UserFactory

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


def no_tiles(page):
    # Map tiles come from the network in production; the browser tests stay offline.
    page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_register_moderate_and_find_in_list_and_map(live_server, browser, password, settings):
    settings.SITE_URL = live_server.url
    partner = UserFactory(email="lea.fabre@exemple.fr", first_name="Léa", last_name="Fabre")
    staff = UserFactory(email="binome@exemple.fr", first_name="Camille", roles=[Role.STAFF, Role.PARTNER])

    # --- A partner registers her person profile in five steps ---
    page = browser.new_page()
    no_tiles(page)
    sign_in(page, live_server.url, partner.email, password)
    page.goto(live_server.url + "/annuaire/")
    page.get_by_role("link", name="Rejoindre l'annuaire").first.click()
    page.get_by_role("link", name="Créer ma fiche").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Étape 1 sur 5 : Identité")
    page.fill("input[name=email]", "lea.contact@exemple.fr")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Étape 2 sur 5 : Profils et domaines")
    page.get_by_label("Patient partenaire formateur").check()
    page.get_by_label("Soin et accompagnement").check()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Votre commune").fill("Alb")
    page.get_by_label("Votre commune").fill("Albi (81000)")
    page.get_by_label("Tarn (81)").check()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Présentation").fill("Patiente partenaire formatrice à l'IFSI d'Albi.")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name="Récapitulatif")).to_be_visible()
    expect(page.locator(".summary-list")).to_contain_text("Albi (81000)")
    page.get_by_label("J'accepte que ma fiche soit publiée").check()
    page.get_by_role("button", name="Envoyer ma fiche").click()
    expect(page.get_by_role("status").first).to_contain_text("Votre fiche est envoyée")
    person = Person.objects.get(user=partner)
    assert person.status == ModerationStatus.PENDING

    # --- …and her structure, adjusting its position on the map ---
    page.goto(live_server.url + "/annuaire/inscription/structure/nouvelle/")
    page.fill("input[name=name]", "Association Tarn Partenaires")
    page.select_option("select[name=structure_type]", label="Association de patients ou d'usagers")
    page.fill("input[name=siret]", "732 829 320 00074")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Formation / enseignement, recherche, innovation").check()
    page.get_by_role("button", name="Continuer").click()
    page.fill("input[name=address]", "12 place du Vigan")
    page.fill("input[name=postal_code]", "81000")
    page.fill("input[name=commune]", "Albi (81000)")
    page.locator("input[name=region_wide]").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Étape 4 sur 5 : Position sur la carte")
    page.wait_for_selector(".position-picker .leaflet-marker-icon")
    page.locator(".position-picker").click(position={"x": 60, "y": 60})
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Je confirme représenter cette structure").check()
    page.get_by_role("button", name="Envoyer ma fiche").click()
    structure = Structure.objects.get(name="Association Tarn Partenaires")
    assert structure.status == ModerationStatus.PENDING
    albi = Commune.objects.get(pk="81004")
    assert (structure.latitude, structure.longitude) != (albi.latitude, albi.longitude)  # the pin moved

    # --- The staff moderate both from the queue ---
    staff_page = browser.new_page()
    sign_in(staff_page, live_server.url, staff.email, password)
    staff_page.goto(live_server.url + "/equipe/")
    staff_page.get_by_role("link", name="File de modération").click()
    for name in ("Léa Fabre", "Association Tarn Partenaires"):
        staff_page.get_by_role("link", name=name).click()
        staff_page.get_by_label("Publier").check()
        staff_page.get_by_role("button", name="Enregistrer la décision").click()
        expect(staff_page.get_by_role("status").first).to_contain_text("est publié(e)")
    assert Person.objects.get(pk=person.pk).status == ModerationStatus.PUBLISHED

    # --- A visitor finds them with filters, in the list and on the map ---
    visitor = browser.new_page()
    no_tiles(visitor)
    visitor.goto(live_server.url + "/annuaire/")
    visitor.get_by_label("Patient partenaire formateur").check()  # applies at once
    visitor.wait_for_url("**/annuaire/?profil=patient-partenaire-formateur")
    expect(visitor.locator("#results-count")).to_have_text("1 acteur trouvé")
    expect(visitor.locator(".actor-card")).to_contain_text("Léa")
    visitor.get_by_role("link", name="Carte").last.click()
    visitor.wait_for_url("**/carte/?profil=patient-partenaire-formateur")
    visitor.wait_for_selector("body[data-map-ready='1']")
    visitor.locator(".leaflet-marker-icon.map-pin-person").click()
    expect(visitor.locator(".map-popup")).to_contain_text("Léa")

    # The back button restores the list with its filter.
    visitor.go_back()
    visitor.wait_for_url("**/annuaire/?profil=patient-partenaire-formateur")
    expect(visitor.get_by_label("Patient partenaire formateur")).to_be_checked()
    expect(visitor.locator("#results-count")).to_have_text("1 acteur trouvé")

    # The structure is on the map too.
    visitor.goto(live_server.url + "/carte/?type=structure")
    visitor.wait_for_selector("body[data-map-ready='1']")
    expect(visitor.locator(".leaflet-marker-icon.map-pin-structure")).to_have_count(1)


def test_keyboard_user_filters_without_a_mouse(live_server, page):
    from tests.factories.directory import make_person

    make_person(
        first_name="Noé",
        last_name="Clavier",
        domains=["formation-recherche-innovation"],
        bio="Je fais de la formation.",
    )
    make_person(first_name="Zoé", last_name="Autre", domains=["soin-accompagnement"], qualifications=[])

    page.goto(live_server.url + "/annuaire/")
    page.get_by_label("Mot-clé").focus()
    page.keyboard.type("formation")
    page.keyboard.press("Enter")

    page.wait_for_url("**/annuaire/?q=formation")
    expect(page.locator(".actor-card")).to_have_count(1)
    expect(page.locator(".actor-card")).to_contain_text("Noé")
