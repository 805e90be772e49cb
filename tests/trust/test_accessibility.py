"""axe-core on every main page (0 serious or critical WCAG 2.1 A/AA violations), on a desktop and a
phone, signed out and signed in, and a sign-up completed with the keyboard alone."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from actors.models import User
from tests.a11y import assert_no_serious_axe_violations, axe_violations, format_violations

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
    "/barometre/",
    "/auto-evaluation/",
    "/accompagnements/",
    "/ressources/",
    "/lexique/",
    "/agenda/",
    "/agenda/passes/",
    "/carte/integrer/",
    "/annuaire/?type=projet",
    "/actualites/",
    "/lettre/inscription/",
    "/lettre/archives/",
    "/lettre/1/",
    "/barometre/resultats/2023/?public=patients&croiser=freins&par=territoire",
]
PARTNER_PAGES = [
    "/compte/",
    "/compte/mot-de-passe/",
    "/annuaire/",
    "/charte/",
    "/auto-evaluation/",
    "/lettre/mon-abonnement/",
]
STAFF_PAGES = [
    "/equipe/",
    "/rapports/",
    "/barometre/equipe/",
    "/barometre/equipe/2026/",
    "/barometre/equipe/2026/invitations/",
    "/barometre/equipe/2023/resultats/?public=patients&territoire=est&croiser=engagement_niveau&par=profil",
    "/accompagnements/",
    "/auto-evaluation/",
    "/agenda/gestion/",
    "/annuaire/moderation/",
    "/equipe/actualites/",
    "/equipe/actualites/nouvelle/",
    "/equipe/lettre/",
    "/equipe/lettre/nouveau/",
]
DEMO_PASSWORD = "demo-cops-occitanie"
WIDTHS = {"bureau": 1280, "téléphone": 390}


def sign_in(page, live_server, user) -> None:
    """Put a session for `user` into the browser (no login form: that is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def check_pages(page, live_server, urls: list[str]) -> dict[str, str]:
    """Visit each page; return {url: problem} for pages not answering 200 or with violations."""
    problems = {}
    for url in urls:
        response = page.goto(live_server.url + url)
        if response.status != 200:
            problems[url] = f"HTTP {response.status}"
            continue
        violations = axe_violations(page)
        if violations:
            problems[url] = format_violations(violations)
    return problems


def report(problems: dict[str, str]) -> str:
    return "\n".join(f"{url}\n{text}" for url, text in problems.items())


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_public_pages_have_no_serious_accessibility_violations(live_server, page, demo, width):
    page.set_viewport_size({"width": width, "height": 900})

    problems = check_pages(page, live_server, PUBLIC_PAGES + detail_pages())

    assert problems == {}, report(problems)


def detail_pages() -> list[str]:
    """A published person's page, a published structure's page with its minimap, a project's page
    and an event's page with its programme."""
    from actors.charter_enums import EventKind
    from actors.enums import ModerationStatus
    from actors.models import Meeting, Person, Structure
    from actors.newsletter.news import latest_news
    from directory.models import Project

    person = Person.objects.filter(status=ModerationStatus.PUBLISHED).order_by("pk").first()
    structure = (
        Structure.objects.filter(status=ModerationStatus.PUBLISHED, latitude__isnull=False)
        .order_by("pk")
        .first()
    )
    project = Project.objects.filter(status=ModerationStatus.PUBLISHED).order_by("pk").first()
    event = (
        Meeting.objects.filter(is_public=True, sessions__isnull=False)
        .exclude(kind=EventKind.COMMITTEE)
        .order_by("-starts_at")
        .first()
    )
    return [
        f"/annuaire/personnes/{person.pk}/",
        f"/annuaire/structures/{structure.pk}/",
        f"/projets/{project.slug}/",
        f"/agenda/{event.slug}/",
        *[item.get_absolute_url() for item in latest_news(1)],
        *[f"/barometre/evenements/{slug}/satisfaction/" for slug, _pk in event_surveys_demo()],
    ]


def newsletter_issue_pages() -> list[str]:
    """The demo's issues of the newsletter, n° 1 sent and n° 2 a draft, as the staff see them."""
    from actors.models import NewsletterIssue

    pages = []
    for pk in NewsletterIssue.objects.order_by("number").values_list("pk", flat=True):
        pages += [
            f"/equipe/lettre/{pk}/",
            f"/equipe/lettre/{pk}/apercu/",
            f"/equipe/lettre/{pk}/apercu/?format=texte",
        ]
    pages += [
        f"/equipe/lettre/{pk}/envoyer/"
        for pk in NewsletterIssue.objects.filter(status="draft").values_list("pk", flat=True)
    ]
    return pages


def event_surveys_demo() -> list[tuple[str, int]]:
    """The demo's event with a published satisfaction questionnaire (the JRPS 2023): slug, pk."""
    from barometer.enums import CampaignStatus
    from barometer.models import Campaign

    return list(
        Campaign.all_objects.filter(event__isnull=False, status=CampaignStatus.PUBLISHED).values_list(
            "event__slug", "event_id"
        )[:1]
    )


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_signed_in_pages_have_no_serious_accessibility_violations(live_server, page, demo, width):
    page.set_viewport_size({"width": width, "height": 900})
    accounts = demo.shared["accounts"]

    sign_in(page, live_server, accounts["partenaire@cops.demo"])
    partner_problems = check_pages(page, live_server, PARTNER_PAGES)
    sign_in(page, live_server, accounts["equipe@cops.demo"])
    survey_pages = [
        f"/barometre/equipe/evenements/{pk}/{suffix}"
        for _slug, pk in event_surveys_demo()
        for suffix in ("", "resultats/")
    ]
    event_pages = [f"/agenda/gestion/{pk}/messages/" for _slug, pk in event_surveys_demo()]
    staff_problems = check_pages(
        page, live_server, STAFF_PAGES + survey_pages + event_pages + newsletter_issue_pages()
    )

    assert partner_problems == {}, report(partner_problems)
    assert staff_problems == {}, report(staff_problems)


def test_shared_layout_states_have_no_serious_accessibility_violations(live_server, page, partner):
    # A form with errors: the summary at the top and the messages next to the fields.
    page.goto(live_server.url + "/compte/inscription/")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator("#error-summary")).to_contain_text("Le formulaire contient 5 erreurs")
    assert_no_serious_axe_violations(page)

    # The phone menu, opened.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Ouvrir le menu").click()
    expect(page.get_by_role("link", name="Annuaire", exact=True)).to_be_visible()
    assert_no_serious_axe_violations(page)

    # The account menu of a signed-in person, opened.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, partner)
    page.goto(live_server.url + "/compte/")
    page.get_by_role("button", name=partner.get_short_name()).click()
    expect(page.get_by_role("link", name="Mon compte", exact=True)).to_be_visible()
    assert_no_serious_axe_violations(page)


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name"),
                    text: (el.innerText || "").trim(), outline: style.outlineStyle,
                    outlineWidth: parseFloat(style.outlineWidth)};
        }"""
    )


def _tab_to(page, *, field: str, max_presses: int = 40) -> int:
    """Press Tab until the named field has the focus; every stop on the way must show its focus."""
    page.wait_for_load_state()  # the page's stylesheets applied (text can be visible before)
    for presses in range(1, max_presses + 1):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, (
            f"focus not visible on {focused}"
        )
        if focused["name"] == field:
            return presses
    raise AssertionError(f"{field} not reached with {max_presses} presses of Tab")


def test_signup_can_be_completed_with_the_keyboard_alone(live_server, page):
    password = "Partenariat-en-sante-2026"
    page.goto(live_server.url + "/compte/inscription/")

    # The first Tab reaches the skip link, which takes the keyboard straight to the content.
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Aller au contenu"
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "contenu"

    presses_to_first_field = _tab_to(page, field="first_name")
    page.keyboard.type("Inès")
    for field, text in [
        ("last_name", "Roux"),
        ("email", "ines.roux@exemple.fr"),
        ("password1", password),
        ("password2", password),
    ]:
        assert _tab_to(page, field=field, max_presses=3) == 1  # fields follow each other, nothing between
        page.keyboard.type(text)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Plus qu'une étape")
    assert presses_to_first_field == 1  # after the skip link, the form's first field comes first
    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name) == ("ines.roux@exemple.fr", "Inès", "Roux")
    assert user.check_password(password)


def test_axe_helper_fails_with_a_readable_list_of_serious_violations(page):
    page.set_content(
        '<html lang="fr"><head><title>Essai</title></head><body><main><h1>Essai</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<label>Nom</label><input type="text" id="nom">'
        "</main></body></html>"
    )

    with pytest.raises(AssertionError) as failure:
        assert_no_serious_axe_violations(page)

    message = str(failure.value)
    assert "2 serious/critical accessibility violation(s)" in message
    assert "- [critical] image-alt: Images must have alternative text\n    img" in message
    assert "- [critical] label: Form elements must have labels\n    #nom" in message


def _tab_to_button(page, text: str, max_presses: int = 60) -> None:
    """Press Tab until the button (or link) with this text has the focus, its focus visible."""
    page.wait_for_load_state()  # the page's stylesheets applied (text can be visible before)
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["outline"] != "none" and focused["outlineWidth"] >= 2, (
            f"focus not visible on {focused}"
        )
        if focused["text"] == text:
            return
    raise AssertionError(f"« {text} » not reached with {max_presses} presses of Tab")


def test_survey_can_be_answered_and_sent_with_the_keyboard_alone(live_server, page):
    from barometer.enums import ResponseStatus
    from barometer.models import Response
    from tests.factories.barometer import CampaignFactory, make_questionnaire

    questionnaire = make_questionnaire(CampaignFactory())
    page.goto(f"{live_server.url}/barometre/q/{questionnaire.public_key}/")

    _tab_to(page, field="consent")
    page.keyboard.press("Space")
    _tab_to_button(page, "Commencer le questionnaire")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Page 1 sur 3")).to_be_visible()
    _tab_to(page, field="q_profil")  # a radio group: Tab enters it, the arrows move inside
    page.keyboard.press("ArrowDown")  # « Proche-aidant »
    _tab_to(page, field="q_engage")
    page.keyboard.press("Space")  # « Oui », the group's first choice
    _tab_to_button(page, "Page suivante")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Page 2 sur 3")).to_be_visible()
    _tab_to(page, field="q_nombre")
    page.keyboard.type("4")
    _tab_to(page, field="q_freins")
    page.keyboard.press("Space")  # « Le manque de temps »
    _tab_to_button(page, "Page suivante")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Page 3 sur 3")).to_be_visible()
    _tab_to_button(page, "Relire et envoyer")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Relisez vos réponses")).to_be_visible()
    _tab_to_button(page, "Envoyer mes réponses")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Merci, vos réponses sont envoyées.")).to_be_visible()
    response = Response.objects.get()
    answers = {a.question.code: a for a in response.answers.select_related("question")}
    assert response.status == ResponseStatus.SUBMITTED
    assert answers["profil"].choices == ["proche"]
    assert answers["engage"].choices == ["oui"]
    assert answers["nombre"].number == 4
    assert answers["freins"].choices == ["temps"]
