"""The embeddable map (/carte/integrer/): framable by any site while every other page stays
unframable, no cookie, the public view whoever looks, and it draws its markers inside another
site's iframe."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from actors.enums import Visibility
from tests.factories.directory import make_person, make_structure

STRICT_POLICY = (
    "default-src 'self'; img-src 'self' data: https://*.tile.openstreetmap.org; style-src 'self'; "
    "script-src 'self'; frame-ancestors {}; form-action 'self'; base-uri 'self'; object-src 'none'"
)


@pytest.mark.django_db
def test_embed_may_be_framed_by_any_site_with_scripts_and_styles_still_strict(client):
    response = client.get(reverse("directory:map_embed"), {"type": "personne"})

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == STRICT_POLICY.format("*")
    assert "Content-Security-Policy-Report-Only" not in response
    assert client.post(reverse("directory:map_embed")).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/carte/", "/annuaire/", "/"])
def test_every_other_page_stays_unframable(client, path):
    response = client.get(path)

    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == STRICT_POLICY.format("'none'")


@pytest.mark.django_db
def test_embed_sets_no_cookie_even_for_a_signed_in_visitor(client):
    partner = make_person(first_name="Paul", last_name="Partenaire")
    anonymous = client.get(reverse("directory:map_embed"))
    client.force_login(partner.user)
    client.cookies["django_language"] = "fr"

    signed_in = client.get(reverse("directory:map_embed"), {"nom": "Partenaire"})

    for response in (anonymous, signed_in):
        assert response.status_code == 200
        assert len(response.cookies) == 0
        assert "Set-Cookie" not in response.headers
        html = response.content.decode()
        assert "csrfmiddlewaretoken" not in html and "X-CSRFToken" not in html
        assert "<form" not in html


@pytest.mark.django_db
def test_embed_is_a_bare_page_crediting_the_full_map_with_the_same_filters(client):
    response = client.get(
        reverse("directory:map_embed"), {"type": "structure", "domaine": "soin-accompagnement"}
    )

    html = response.content.decode()
    assert "site-header" not in html and "site-footer" not in html
    assert 'data-embed="true"' in html
    assert (
        'data-geojson-url="/api/annuaire/carte.geojson?type=structure&amp;domaine=soin-accompagnement"'
        in html
    )
    assert (
        '<a href="http://testserver/carte/?type=structure&amp;domaine=soin-accompagnement" target="_blank" '
        'rel="noopener">Carte du partenariat en santé — COPS Occitanie'
    ) in html
    # Lexicon links open on the COPS site, not inside the partner's page.
    assert "&quot;Patient partenaire&quot;: &quot;http://testserver/lexique/#" in html


@pytest.mark.django_db
def test_embed_shows_the_public_view_to_a_signed_in_partner(client):
    make_person(
        first_name="Iris",
        last_name="Réservée",
        commune="31555",
        visibility={"last_name": Visibility.PARTNERS},
    )
    partner = make_person(first_name="Paul", last_name="Partenaire", commune="34172")
    client.force_login(partner.user)

    on_site = client.get(reverse("directory:map"), {"nom": "Réservée"}).content.decode()
    embedded = client.get(reverse("directory:map_embed"), {"nom": "Réservée"}).content.decode()
    everyone = client.get(reverse("directory:map_embed")).content.decode()

    # Positive control: the partner finds her by the partners-only name on the site…
    assert "1 acteur trouvé" in on_site and "Iris Réservée" in on_site
    # …but an embedded map is public whoever looks: no match, and the name appears nowhere.
    assert 'id="map-status" role="status" aria-live="polite">Aucun acteur trouvé</span>' in embedded
    assert "Réservée" not in embedded
    assert "Réservée" not in everyone
    assert ">2 acteurs trouvés</span>" in everyone


# --- In a browser, inside another site's page ----------------------------------------------------


@pytest.fixture
def partner_site():
    """Another origin (its own little server) whose page holds the iframes it is given."""
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pages, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_embed_draws_its_markers_inside_another_sites_iframe(live_server, page, partner_site):
    make_person(first_name="Léa", last_name="Martin", commune="31555")
    make_structure(name="Centre hospitalier de Montauban", commune="82121")
    page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    pages, partner_url = partner_site
    assert not live_server.url.startswith(partner_url)  # two origins
    # A partner's page framing the embed and, as a control, the full map.
    pages["/carte.html"] = (
        "<!DOCTYPE html><html><body><h1>Site partenaire</h1>"
        f'<iframe id="embed" src="{live_server.url}/carte/integrer/?type=personne" width="800" height="500"></iframe>'
        f'<iframe id="full" src="{live_server.url}/carte/" width="400" height="300"></iframe>'
        "</body></html>"
    )

    page.goto(partner_url + "/carte.html")

    embed = page.frame_locator("#embed")
    expect(embed.locator("body[data-map-ready='1']")).to_have_count(1, timeout=15000)
    expect(embed.locator(".leaflet-marker-icon.map-pin-person")).to_have_count(1)
    expect(embed.locator(".leaflet-marker-icon.map-pin-structure")).to_have_count(0)
    embed.locator(".leaflet-marker-icon.map-pin-person").click()
    expect(embed.locator(".map-popup")).to_contain_text("Léa")
    expect(embed.locator(".map-popup a").first).to_have_attribute("target", "_blank")
    # The full map refuses to be framed: the browser shows its error page instead.
    page.wait_for_load_state("load")
    frames = {name: page.locator(f"#{name}").element_handle().content_frame() for name in ("embed", "full")}
    assert frames["embed"].url == f"{live_server.url}/carte/integrer/?type=personne"
    assert frames["full"].url == "chrome-error://chromewebdata/"
    expect(page.frame_locator("#full").locator("#directory-map")).to_have_count(0)
