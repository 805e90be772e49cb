"""The Content-Security-Policy in a real browser: no page of the platform breaks it (the browser
reports each violation in the console), and the pages still work with the policy enforced."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from actors.enums import ModerationStatus
from actors.models import Structure
from barometer.enums import CampaignStatus
from barometer.models import Questionnaire

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "/",
    "/compte/inscription/",
    "/compte/connexion/",
    "/compte/mot-de-passe/oubli/",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/annuaire/",
    "/carte/",
    "/charte/",
    "/charte/signataires/",
    "/charte/statistiques/",
    "/barometre/",
    "/auto-evaluation/",
    "/accompagnements/",
]
STAFF_PAGES = [
    "/compte/",
    "/equipe/",
    "/rapports/",
    "/annuaire/moderation/",
    "/barometre/equipe/",
    "/charte/gestion/",
    "/comites/",
    "/accompagnements/tableau/",
]


class CspConsole:
    """Collects the browser's Content-Security-Policy messages, page by page."""

    def __init__(self, page) -> None:
        self.current = ""
        self.messages: dict[str, list[str]] = {}
        page.on("console", self._record)

    def _record(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.messages.setdefault(self.current, []).append(message.text)


def visit_all(page, live_server, urls: list[str], console: CspConsole) -> dict[str, int]:
    statuses = {}
    for url in urls:
        console.current = url
        response = page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        statuses[url] = response.status
    return statuses


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_main_pages_break_no_content_security_policy_rule(live_server, page, demo):
    console = CspConsole(page)
    structure = Structure.objects.filter(latitude__isnull=False, status=ModerationStatus.PUBLISHED).first()
    questionnaire = Questionnaire.objects.filter(campaign__status=CampaignStatus.OPEN).first()
    public = [
        *PUBLIC_PAGES,
        f"/annuaire/structures/{structure.pk}/",
        f"/barometre/q/{questionnaire.public_key}/",
    ]

    public_statuses = visit_all(page, live_server, public, console)
    sign_in(page, live_server, demo.shared["accounts"]["admin@cops.demo"])
    staff_statuses = visit_all(page, live_server, STAFF_PAGES, console)

    assert public_statuses == {url: 200 for url in public}
    assert staff_statuses == {url: 200 for url in STAFF_PAGES}
    assert console.messages == {}


def test_pages_still_work_with_the_policy_enforced(live_server, page, demo):
    console = CspConsole(page)
    structure = Structure.objects.filter(latitude__isnull=False, status=ModerationStatus.PUBLISHED).first()

    console.current = "/carte/"
    response = page.goto(live_server.url + "/carte/")
    expect(page.locator(".leaflet-container").first).to_be_visible()  # the map's script ran
    console.current = "structure"
    page.goto(live_server.url + f"/annuaire/structures/{structure.pk}/")
    expect(page.locator("#structure-minimap.leaflet-container")).to_be_visible()
    console.current = "/annuaire/"
    page.goto(live_server.url + "/annuaire/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Annuaire").click()

    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert console.messages == {}
