"""The map page: the list beside the map, its htmx fragment for the map's box, filters that keep
the address, the embed snippet, and what each audience may see in the list."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from actors.enums import Visibility
from actors.models import Person
from tests.directory.test_api_and_queries import add_actors
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db

TOULOUSE_BOX = "1.2,43.5,1.6,43.7"
HTMX = {"HX-Request": "true"}


def card_titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="actor-title"><a href="[^"]+">([^<]+)</a></h3>', html)


def test_map_page_shows_the_map_beside_the_list_with_the_filters_in_every_address(client):
    make_person(first_name="Léa", last_name="Martin", commune="31555")
    make_structure(name="Centre hospitalier de Montauban", commune="82121")
    params = {"type": "personne"}

    response = client.get(reverse("directory:map"), params)

    html = response.content.decode()
    assert response.status_code == 200
    assert card_titles(html) == ["Léa Martin"]
    assert "1 acteur trouvé" in html
    assert 'data-geojson-url="/api/annuaire/carte.geojson?type=personne"' in html
    assert 'id="map-list-panel"' in html and 'id="directory-map"' in html
    assert 'data-project-url="/api/annuaire/projets/0/"' in html
    assert 'role="tablist"' in html and 'aria-controls="map-panel" aria-selected="true"' in html
    # The list view and the embed snippet carry the same filters.
    assert 'href="/annuaire/?type=personne"' in html
    assert (
        '&lt;iframe src="http://testserver/carte/integrer/?type=personne" '
        'title="Carte du partenariat en santé — COPS Occitanie" width="100%" height="520" loading="lazy"&gt;'
        "&lt;/iframe&gt;</textarea>"
    ) in html
    assert re.findall(r'<li class="map-card" data-marker="(\w+)">', html) == [
        f"p{Person.objects.get(last_name='Martin').pk}"
    ]
    assert "css/map." in html


def test_map_page_legend_and_lexicon_anchors_come_with_the_page(client):
    response = client.get(reverse("directory:map"))

    html = response.content.decode()
    assert "<script>" not in html and 'type="application/json"' not in html  # no inline script at all
    assert "&quot;Patient partenaire&quot;: &quot;/lexique/#" in html
    assert (
        "&quot;families&quot;: [[&quot;u&quot;, &quot;U&quot;, &quot;Usager, patient ou proche&quot;]" in html
    )


def test_fragment_asked_by_htmx_returns_only_the_cards_inside_the_box(client):
    make_person(first_name="Léa", last_name="Toulousaine", commune="31555")
    make_person(first_name="Nina", last_name="Montpelliéraine", commune="34172")
    make_structure(name="Centre hospitalier de Montauban", commune="82121")

    response = client.get(reverse("directory:map"), {"bbox": TOULOUSE_BOX}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "site-header" not in html and 'id="directory-map"' not in html
    assert html.lstrip().startswith('<div id="map-list" class="map-list">')
    assert card_titles(html) == ["Léa Toulousaine"]
    assert "1 acteur dans cette zone" in html
    assert "HX-Request" in response["Vary"]
    # Without the box, the same fragment lists every result.
    everyone = client.get(reverse("directory:map"), headers=HTMX).content.decode()
    assert sorted(card_titles(everyone)) == [
        "Centre hospitalier de Montauban",
        "Léa Toulousaine",
        "Nina Montpelliéraine",
    ]
    assert "3 acteurs trouvés" in everyone


def test_fragment_box_outside_every_actor_says_so(client):
    make_person(first_name="Léa", last_name="Toulousaine", commune="31555")

    response = client.get(reverse("directory:map"), {"bbox": "-4.8,48.2,-4.3,48.5"}, headers=HTMX)

    html = response.content.decode()
    assert card_titles(html) == []
    assert 'id="results-count">Aucun acteur dans cette zone</p>' in html
    assert "Dézoomez ou déplacez la carte, ou retirez un filtre." in html


def test_fragment_keeps_the_filters_in_pages_and_chips_but_not_the_box(client):
    add_actors(60)
    params = {"type": "personne", "bbox": "-1,42,5,45", "page": "2"}

    response = client.get(reverse("directory:map"), params, headers=HTMX)

    html = response.content.decode()
    assert len(card_titles(html)) == 20
    assert '<li class="page-item active" aria-current="page"><span class="page-link">2</span></li>' in html
    assert 'href="?type=personne&amp;bbox=-1%2C42%2C5%2C45&amp;page=3"' in html
    # Removing a chip goes back to the whole map without that filter (never to a stale box).
    assert 'class="filter-chip" href="/carte/?"' in html
    assert "Zone de la carte" not in html


def test_fragment_brings_the_filters_panel_back_only_when_filters_changed(client):
    make_person(first_name="Léa", last_name="Toulousaine", commune="31555")
    params = {"profil": "patient-partenaire", "bbox": TOULOUSE_BOX}

    moved = client.get(reverse("directory:map"), params, headers=HTMX).content.decode()
    filtered = client.get(
        reverse("directory:map"), params, headers={**HTMX, "X-Map-Refresh": "filtres"}
    ).content.decode()

    assert 'id="map-filters-update"' not in moved
    assert 'id="map-filters-update"' in filtered
    assert 'id="f-profil-patient-partenaire" checked' in filtered
    assert 'action="/carte/"' in filtered


def test_fragment_shows_partners_only_fields_to_partners_only(client):
    make_person(
        first_name="Iris",
        last_name="Réservée",
        commune="31555",
        visibility={"last_name": Visibility.PARTNERS},
    )
    partner = make_person(first_name="Paul", last_name="Partenaire", commune="34172")

    anonymous = client.get(reverse("directory:map"), {"bbox": TOULOUSE_BOX}, headers=HTMX).content.decode()
    client.force_login(partner.user)
    signed_in = client.get(reverse("directory:map"), {"bbox": TOULOUSE_BOX}, headers=HTMX).content.decode()

    assert "Réservée" not in anonymous
    assert card_titles(anonymous) == ["Iris"]
    assert card_titles(signed_in) == ["Iris Réservée"]


def test_fragment_query_count_does_not_grow_with_the_results(client, django_assert_max_num_queries):
    params = {"domaine": "soin-accompagnement", "bbox": "-1,42,5,45"}
    add_actors(10)
    client.get(reverse("directory:map"), params, headers=HTMX)  # warm the per-process caches
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("directory:map"), params, headers=HTMX)
    with_10 = len(small.captured_queries)

    add_actors(190, start=10)
    client.get(reverse("directory:map"), params, headers=HTMX)  # the in-memory index reloads once
    with django_assert_max_num_queries(with_10):
        response = client.get(reverse("directory:map"), params, headers=HTMX)

    assert response.status_code == 200
    assert len(card_titles(response.content.decode())) == 20


def test_invalid_box_is_ignored_and_invalid_filters_are_explained(client):
    make_person(first_name="Léa", last_name="Toulousaine", commune="31555")

    ignored = client.get(reverse("directory:map"), {"bbox": "1,2,3"}, headers=HTMX)
    refused = client.get(
        reverse("directory:map"), {"code_postal": "abc"}, headers={**HTMX, "X-Map-Refresh": "filtres"}
    )

    assert card_titles(ignored.content.decode()) == ["Léa Toulousaine"]
    assert refused.status_code == 200
    assert "Certains filtres n'ont pas pu être appliqués" in refused.content.decode()


# --- In a browser: the list and the map stay in step ---------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_list_and_map_follow_each_other_without_reloading_the_page(live_server, page):
    make_person(first_name="Léa", last_name="Toulousaine", commune="31555")
    make_person(first_name="Nina", last_name="Montpelliéraine", commune="34172")
    make_structure(name="Centre hospitalier de Montauban", commune="82121")
    page.route("**/*.tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(live_server.url + "/carte/")
    page.wait_for_selector("body[data-map-ready='3']")
    page.evaluate("window.stillTheSamePage = true")

    # Filters apply in place; the address follows, so it can be shared.
    page.locator(".map-filters .filters-summary").click()
    page.get_by_label("Personne", exact=False).first.check()
    page.wait_for_url("**/carte/?type=personne")
    page.wait_for_selector("body[data-map-ready='2']")
    expect(page.locator("#results-count")).to_have_text("2 acteurs dans cette zone")
    expect(page.locator(".map-card .actor-title")).to_have_text(["Léa Toulousaine", "Nina Montpelliéraine"])
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator(".view-switch a").first).to_have_attribute("href", "/annuaire/?type=personne")
    assert "/carte/integrer/?type=personne" in page.locator("#map-embed-code").input_value()

    # Hovering a card lights its marker up; clicking a marker shows its card.
    expect(page.locator(".leaflet-marker-icon.is-highlighted")).to_have_count(0)
    page.locator(".map-card").first.hover()
    expect(page.locator(".leaflet-marker-icon.is-highlighted")).to_have_count(1)
    page.locator(".leaflet-marker-icon.map-pin-person:not(.is-highlighted)").click()
    expect(page.locator(".map-popup")).to_contain_text("Nina")
    expect(page.locator(".map-card.is-current")).to_contain_text("Nina Montpelliéraine")

    # Zoomed in between the two cities, the list says nobody is in the box; zoomed out, both come back.
    page.keyboard.press("Escape")
    for _ in range(3):
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(300)
    expect(page.locator("#results-count")).to_have_text("Aucun acteur dans cette zone")
    for _ in range(3):
        page.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(300)
    expect(page.locator("#results-count")).to_have_text("2 acteurs dans cette zone")
    assert page.evaluate("window.stillTheSamePage") is True
