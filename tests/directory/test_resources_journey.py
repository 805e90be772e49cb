"""The resource library in a real browser (Debian chromium, live server): a visitor searches a
resource by keyword, filters, opens it and downloads it; a profile badge on a person's card leads
to its definition in the lexicon."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from actors.models import Domain
from directory.models import Resource, ResourceAudience, ResourceKind, ResourceLicence
from directory.services.resources import resource_propose
from tests.a11y import assert_no_serious_axe_violations
from tests.factories.actors import UserFactory
from tests.factories.directory import make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh_directory_caches(settings, tmp_path):
    from django.core.cache import caches

    from directory import facets
    from directory.filters import clear_choices_cache

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    facets.reset()
    clear_choices_cache()
    caches["shared"].clear()
    yield
    facets.reset()


def publish(staff, **changes) -> Resource:
    themes = changes.pop("themes", [])
    resource = resource_propose(
        by=staff,
        changes={"licence": ResourceLicence.CC_BY_NC_SA, **changes},
        file_format="pdf" if changes.get("file") else "",
        publish=True,
    )
    resource.themes.set(themes)
    return resource


def test_visitor_searches_filters_opens_and_downloads_a_resource(live_server, browser, staff_user):
    management = Domain.objects.get(code="management-parcours-gouvernance")
    target = publish(
        staff_user,
        title="S'auto-évaluer dans le partenariat en santé : la cible",
        kind=ResourceKind.TARGET,
        summary="Chaque membre du groupe situe son engagement de 0 à 4 : co-expression, co-construction, "
        "co-décision, co-mise en œuvre.",
        file=SimpleUploadedFile("cible.pdf", PDF, "application/pdf"),
        link="",
        audience=ResourceAudience.ALL,
        themes=[management],
    )
    publish(
        staff_user,
        title="Grille d'évaluation d'un projet des usagers",
        kind=ResourceKind.TOOL,
        summary="Une grille pour évaluer le projet des usagers d'un établissement.",
        link="https://www.partenariat-en-sante.org/",
        audience=ResourceAudience.STRUCTURES,
    )
    publish(
        staff_user,
        title="Témoignages de patients partenaires",
        kind=ResourceKind.VIDEO,
        summary="Des patients partenaires racontent leur engagement.",
        link="https://www.partenariat-en-sante.org/",
        audience=ResourceAudience.PATIENTS,
    )
    page = browser.new_page(accept_downloads=True)

    page.goto(live_server.url + "/ressources/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ressources du partenariat en santé")
    assert_no_serious_axe_violations(page)
    page.get_by_label("Mots-clés").fill("evaluation")  # no accent, another form of the word
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#results-count")).to_have_text("2 ressources")
    page.get_by_label("Type").select_option(label="Cible d'auto-évaluation")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#results-count")).to_have_text("1 ressource")
    page.get_by_role("link", name="S'auto-évaluer dans le partenariat en santé : la cible").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "S'auto-évaluer dans le partenariat en santé : la cible"
    )
    assert_no_serious_axe_violations(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger (PDF, 77 octets)").click()
    download = download_info.value
    assert download.suggested_filename == f"{target.slug}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == PDF
    target.refresh_from_db()
    assert target.download_count == 1


def test_a_profile_badge_on_a_card_leads_to_its_definition(live_server, browser):
    make_person(
        user=UserFactory(first_name="Nadia", last_name="Benali"),
        first_name="Nadia",
        last_name="Benali",
        profiles=["patient-partenaire-chercheur"],
    )
    page = browser.new_page()

    page.goto(live_server.url + "/annuaire/patients-partenaires/")
    card = page.locator(".actor-card", has_text="Nadia Benali")
    card.get_by_role("link", name="Patient partenaire chercheur").click()

    expect(page).to_have_url(live_server.url + "/lexique/#patient-partenaire-chercheur")
    definition = page.locator("#patient-partenaire-chercheur")
    expect(definition.get_by_role("heading", level=2)).to_have_text("Patient partenaire chercheur")
    expect(definition).to_be_in_viewport()
    expect(definition).to_contain_text("compétences supplémentaires de chercheur")
    assert_no_serious_axe_violations(page)
