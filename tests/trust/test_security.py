"""Security headers, cookies and CSRF; the Content-Security-Policy; production settings in a fresh process."""

import base64
import fnmatch
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cops.middleware import content_security_policy, map_tiles_source
from tests.cops.test_infrastructure import production_env
from tests.factories.directory import make_person, make_structure
from tests.workers import database_url_for_tests, free_port, run_python

POLICY = (
    "default-src 'self'; img-src 'self' data: https://*.tile.openstreetmap.org; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "csp_header"),
    [
        ("/", "Content-Security-Policy"),
        ("/compte/connexion/", "Content-Security-Policy"),
        ("/annuaire/", "Content-Security-Policy"),
        ("/healthz", "Content-Security-Policy"),
        ("/page-inconnue/", "Content-Security-Policy"),
        ("/api/annuaire/acteurs/", "Content-Security-Policy-Report-Only"),
        ("/admin/login/", "Content-Security-Policy-Report-Only"),
    ],
)
def test_security_headers_are_sent_on_every_kind_of_response(client, url, csp_header):
    response = client.get(url)

    other_header = {
        "Content-Security-Policy": "Content-Security-Policy-Report-Only",
        "Content-Security-Policy-Report-Only": "Content-Security-Policy",
    }[csp_header]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response[csp_header] == POLICY
    assert other_header not in response


def test_content_security_policy_allows_no_inline_code():
    policy = content_security_policy()

    assert policy == POLICY
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.django_db
def test_content_security_policy_is_only_reported_when_report_only_is_on(client, settings):
    settings.CSP_REPORT_ONLY = True

    response = client.get("/")

    assert response["Content-Security-Policy-Report-Only"] == POLICY
    assert "Content-Security-Policy" not in response


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("https://tuiles.exemple.fr/{z}/{x}/{y}.png", "https://tuiles.exemple.fr"),
        ("https://tuiles.exemple.fr:8443/osm/{z}/{x}/{y}.png", "https://tuiles.exemple.fr:8443"),
    ],
)
def test_map_tiles_source_is_derived_from_the_tiles_url(url, source):
    assert map_tiles_source(url) == source


@pytest.mark.parametrize(
    "url", ["tiles/{z}/{x}/{y}.png", "ftp://tiles.exemple.fr/{z}.png", "https://a.{s}.exemple.fr/"]
)
def test_map_tiles_source_refuses_what_a_policy_cannot_express(url):
    with pytest.raises(ImproperlyConfigured, match="MAP_TILES_URL"):
        map_tiles_source(url)


@pytest.mark.django_db
def test_content_security_policy_follows_the_map_tiles_setting(client, settings):
    settings.MAP_TILES_URL = "https://tuiles.exemple.fr/{z}/{x}/{y}.png"

    response = client.get("/")

    assert "img-src 'self' data: https://tuiles.exemple.fr;" in response["Content-Security-Policy"]


# --- CSRF ---------------------------------------------------------------------------------------------


def _signup_data() -> dict:
    password = "Partenariat-en-sante-2026"
    return {
        "first_name": "Léa",
        "last_name": "Garcia",
        "email": "lea.garcia@exemple.fr",
        "password1": password,
        "password2": password,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("actors:login", {"username": "partenaire@exemple.fr", "password": "un-mot-de-passe-solide"}),
        ("actors:signup", _signup_data()),
    ],
)
def test_login_and_signup_refuse_a_post_without_the_csrf_token(partner, url_name, data):
    url = reverse(url_name)
    browser = Client(enforce_csrf_checks=True)

    forged = browser.post(url, data)
    browser.get(url)  # the form page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    genuine = browser.post(url, {**data, "csrfmiddlewaretoken": token})

    assert forged.status_code == 403
    assert genuine.status_code in {200, 302}
    assert genuine.status_code != 403


def _views(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


# The only views a form may POST to without a CSRF token, and why.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail clients POST without a form; the emailed token is the proof.
    "barometre/desinscription/<str:token>/": "barometer.views.answering.unsubscribe",
    # The same for each issue of the newsletter (List-Unsubscribe-Post), token per email.
    "lettre/desinscription/<str:token>/": "actors.newsletter.views.unsubscribe",
}


def test_no_view_skips_csrf_protection_unless_listed():
    exempt = {
        route: f"{callback.__module__}.{callback.__name__}"
        for route, callback in _views(get_resolver())
        if getattr(callback, "csrf_exempt", False)
        and not route.startswith("api/")  # read-only DRF views: GET only, checked below
    }

    assert exempt == CSRF_EXEMPT


@pytest.mark.django_db
def test_api_refuses_writes(client):
    assert client.post("/api/annuaire/acteurs/", {}).status_code in {403, 405}


# --- Production settings, in a process of their own -------------------------------------------------------

PRODUCTION_SCRIPT = """
import json
from django.conf import settings
# collectstatic takes two minutes; the manifest storage is not what this script checks.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
import django
django.setup()
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory

client = Client(HTTP_HOST="cops-occitanie.fr")
https = client.get("/compte/connexion/", HTTP_X_FORWARDED_PROTO="https")
http = client.get("/compte/connexion/")
health = client.get("/healthz")

def with_session(request):
    request.session["marque"] = 1
    return HttpResponse("ok")

request = RequestFactory().get("/", HTTP_HOST="cops-occitanie.fr", HTTP_X_FORWARDED_PROTO="https")
session = SessionMiddleware(with_session)(request)

def cookie(response, name):
    morsel = response.cookies[name]
    return {key: morsel[key] for key in ("secure", "httponly", "samesite")}

print(json.dumps({
    "https_status": https.status_code,
    "hsts": https.get("Strict-Transport-Security"),
    "http_status": http.status_code,
    "http_location": http.get("Location"),
    "health_status": health.status_code,
    "csrf_cookie": cookie(https, "csrftoken"),
    "session_cookie": cookie(session, "sessionid"),
    "language_cookie_secure": settings.LANGUAGE_COOKIE_SECURE,
    "csp": https.get("Content-Security-Policy"),
}))
"""


@pytest.mark.django_db(transaction=True)  # the script writes a session row into the test database
def test_production_settings_send_hsts_and_secure_cookies_and_redirect_to_https():
    result = run_python(
        ["-c", PRODUCTION_SCRIPT],
        production_env(DATABASE_URL=database_url_for_tests(), ALLOWED_HOSTS="cops-occitanie.fr"),
    )

    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["https_status"] == 200
    assert facts["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert (facts["http_status"], facts["http_location"]) == (
        301,
        "https://cops-occitanie.fr/compte/connexion/",
    )
    assert facts["health_status"] in {200, 503}  # exempt from the redirect, whatever the services say
    assert facts["csrf_cookie"] == {"secure": True, "httponly": "", "samesite": "Lax"}
    assert facts["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert facts["language_cookie_secure"] is True
    assert facts["csp"] == POLICY


# --- Static files: what collectstatic's manifest storage will need -----------------------------------------


def _resolve(path: str, target: str) -> str:
    parts = path.split("/")[:-1]
    for part in target.split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part not in {"", "."}:
            parts.append(part)
    return "/".join(parts)


def test_static_files_reference_only_files_that_exist():
    """ManifestStaticFilesStorage (production) fails collectstatic on any url(), @import or source map
    that a CSS or JS file names but nobody shipped: find them in a second rather than at deploy time,
    with the storage's own patterns."""
    patterns = ManifestStaticFilesStorage(location="/nonexistent")._patterns
    missing = []
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore_patterns=None):
            for glob, regexes in patterns.items():
                if not fnmatch.fnmatchcase(path, glob):
                    continue
                with storage.open(path) as handle:
                    text = handle.read().decode("utf-8", errors="ignore")
                for regex, _template in regexes:
                    for match in regex.finditer(text):
                        target = match.group("url").strip().split("?")[0].split("#")[0]
                        # What the storage itself leaves alone: other schemes, protocol-relative,
                        # absolute paths and fragments.
                        if not target or re.match(r"^[a-z]+:", target) or target.startswith(("//", "/")):
                            continue
                        if finders.find(_resolve(path, target)) is None:
                            missing.append(f"{path} → {target}")

    assert missing == []


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/compte/connexion/", "/annuaire/", "/healthz", "/page-inconnue/"])
def test_permissions_policy_is_sent_on_every_response(client, url):
    response = client.get(url)

    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/annuaire/"])
def test_public_pages_seen_anonymously_are_not_marked_no_store(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_pages_depending_on_the_viewer_are_never_stored(partner_client, partner):
    person = make_person(user=partner)
    structure = make_structure(by=partner)
    urls = [
        reverse("actors:account"),
        reverse("directory:my_profiles"),
        reverse("directory:export", args=["csv"]),
        reverse("directory:api_person", args=[person.pk]),
        reverse("directory:api_structure", args=[structure.pk]),
        "/",  # even a public page: signed in, it shows the viewer's name
    ]

    responses = {url: partner_client.get(url) for url in urls}

    assert {url: response.status_code for url, response in responses.items()} == dict.fromkeys(urls, 200)
    assert {url: response["Cache-Control"] for url, response in responses.items()} == dict.fromkeys(
        urls, "private, no-store"
    )


@pytest.mark.django_db
def test_api_details_fetched_with_credentials_are_never_stored(client, partner, password):
    structure = make_structure(by=partner)
    credentials = base64.b64encode(f"{partner.email}:{password}".encode()).decode()

    response = client.get(
        reverse("directory:api_structure", args=[structure.pk]), HTTP_AUTHORIZATION=f"Basic {credentials}"
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_a_view_s_own_cache_control_is_kept(partner_client):
    response = partner_client.get(reverse("actors:personal_data"))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_real_gunicorn_sends_no_server_banner():
    """Started from the project's root as the image starts it, so it reads gunicorn.conf.py."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cops.settings", "DATABASE_URL": database_url_for_tests()}
    command = [
        sys.executable, "-m", "gunicorn", "cops.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        headers = None
        deadline = time.monotonic() + 60
        while headers is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:  # noqa: S310
                    headers = response.headers
            except urllib.error.HTTPError as error:
                headers = error.headers
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)

    assert headers is not None
    assert headers.get_all("Server") is None
    assert headers["Permissions-Policy"] == PERMISSIONS_POLICY
