"""The sitemap lists every public page and nothing a visitor could not open; robots.txt points to it."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actors.enums import ModerationStatus
from barometer.enums import CampaignStatus
from tests.factories.barometer import CampaignFactory
from tests.factories.charter import CharterVersionFactory, PersonFactory, StructureFactory

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://testserver"


def sitemap_locations(client: Client) -> list[str]:
    response = client.get(reverse("sitemap"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.findall("sm:url/sm:loc", NS)]


@pytest.fixture
def cast(db):
    persons = {
        status: PersonFactory(first_name=f"Prénom-{status}", last_name="Nom", status=status, user=None)
        for status in ModerationStatus.values
    }
    structures = {
        status: StructureFactory(name=f"Structure {status}", status=status)
        for status in ModerationStatus.values
    }
    published_version = CharterVersionFactory(year=2041)
    draft_version = CharterVersionFactory(year=2042, published_at=None)
    campaigns = {
        status: CampaignFactory(year=2050 + n, status=status) for n, status in enumerate(CampaignStatus)
    }
    return {
        "persons": persons,
        "structures": structures,
        "published_version": published_version,
        "draft_version": draft_version,
        "campaigns": campaigns,
    }


def test_sitemap_lists_published_profiles_only(cast, client):
    locations = sitemap_locations(client)

    persons = {status: f"{BASE}/annuaire/personnes/{p.pk}/" for status, p in cast["persons"].items()}
    structures = {status: f"{BASE}/annuaire/structures/{s.pk}/" for status, s in cast["structures"].items()}
    assert persons[ModerationStatus.PUBLISHED] in locations
    assert structures[ModerationStatus.PUBLISHED] in locations
    for status in (
        ModerationStatus.DRAFT,
        ModerationStatus.PENDING,
        ModerationStatus.REJECTED,
        ModerationStatus.ARCHIVED,
    ):
        assert persons[status] not in locations
        assert structures[status] not in locations


def test_sitemap_lists_published_charter_versions_and_barometer_results_only(cast, client):
    locations = sitemap_locations(client)

    assert f"{BASE}/charte/2041/" in locations
    assert f"{BASE}/charte/2042/" not in locations
    results = {
        status: f"{BASE}/barometre/resultats/{campaign.year}/"
        for status, campaign in cast["campaigns"].items()
    }
    assert results[CampaignStatus.PUBLISHED] in locations
    for status in (CampaignStatus.DRAFT, CampaignStatus.OPEN, CampaignStatus.CLOSED):
        assert results[status] not in locations


def test_sitemap_lists_the_public_pages(cast, client):
    locations = sitemap_locations(client)

    for path in (
        "/",
        "/annuaire/",
        "/carte/",
        "/annuaire/patients-partenaires/",
        "/charte/",
        "/charte/signataires/",
        "/charte/statistiques/",
        "/comites/",
        "/comites/copil/",
        "/barometre/",
        "/accompagnements/",
        "/auto-evaluation/",
        "/donnees-personnelles/",
        "/accessibilite/",
    ):
        assert f"{BASE}{path}" in locations
    assert len(locations) == len(set(locations))


def test_every_sitemap_page_opens_for_an_anonymous_visitor(cast, client):
    locations = sitemap_locations(client)

    statuses = {location: client.get(location.removeprefix(BASE)).status_code for location in locations}

    assert {location: status for location, status in statuses.items() if status != 200} == {}
    # No page of the sitemap is a staff or account page.
    assert not [loc for loc in locations if "/equipe/" in loc or "/admin/" in loc or "/compte/" in loc]


def test_sitemap_gives_the_publication_date_of_a_profile(cast, client):
    person = cast["persons"][ModerationStatus.PUBLISHED]
    root = ET.fromstring(client.get(reverse("sitemap")).content)

    entry = next(
        url
        for url in root.findall("sm:url", NS)
        if url.find("sm:loc", NS).text.endswith(f"/personnes/{person.pk}/")
    )

    # The day in the site's time zone (Europe/Paris), as the template's date filter gives it.
    assert entry.find("sm:lastmod", NS).text == timezone.localdate(person.published_at).isoformat()


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_areas(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    for path in (
        "/equipe/",
        "/admin/",
        "/api/",
        "/compte/",
        "/barometre/equipe/",
        "/barometre/r/",
        "/rapports/",
    ):
        assert f"Disallow: {path}" in lines
    assert "Allow: /accompagnements/$" in lines
    assert "Disallow: /annuaire/" not in lines
    assert "Disallow: /charte/" not in lines
