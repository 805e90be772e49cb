"""A whole session in a real browser: two professionals and two patients rate from their personal
links (one of them with the keyboard only), the facilitator sees both series, records a joint
rating and gets it back in the PDF."""

import re
from pathlib import Path

import pypdf
import pytest
from django.core import mail
from playwright.sync_api import expect

from cops.models import ReportJob
from selfassess.frameworks import load_shipped_frameworks
from selfassess.models import AssessmentSession, JointRating, Rating

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# name, email, side label in the invitation form, score for every criterion, score for « options »
PEOPLE = [
    ("Aline Pro-Kappa", "aline@exemple.fr", "Professionnels", 3, 4),
    ("Bruno Pro-Lambda", "bruno@exemple.fr", "Professionnels", 1, 4),
    ("Chloé Usagère-Mu", "chloe@exemple.fr", "Patients, proches-aidants, représentants des usagers", 4, 0),
    ("Denis Usager-Nu", "denis@exemple.fr", "Patients, proches-aidants, représentants des usagers", 2, 0),
]
OPTIONS_INDEX = 3  # « Explorer conjointement toutes les options possibles », 4th criterion
AXE = Path(__file__).resolve().parents[2] / "static/vendor/axe-core-4.14.1/axe.min.js"


def assert_accessible(page) -> None:
    """axe-core (vendored) finds no WCAG 2.1 A/AA violation on the page as it stands."""
    page.evaluate(AXE.read_text())  # not add_script_tag: the page's CSP refuses inline scripts
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']})"
    )
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []


@pytest.fixture
def frameworks(transactional_db):
    """The live-server tests flush the tables: put the shipped frameworks back first."""
    load_shipped_frameworks()


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _sign_in(page, live_server, user, password):
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def _rate_with_mouse(page, scores):
    for index, score in enumerate(scores):
        fieldset = page.locator("fieldset.sa-criterion").nth(index)
        fieldset.locator("label.sa-choice").nth(score).click()
        expect(fieldset.locator(".sa-status")).to_have_text("Enregistré")


def _rate_with_keyboard(page, scores):
    """Radio groups: Space checks the first option, arrows move, Tab leaves for the comment toggle."""
    page.locator("fieldset.sa-criterion").first.locator("input.sa-radio").first.focus()
    for index, score in enumerate(scores):
        page.keyboard.press("Space")
        for _step in range(score):
            page.keyboard.press("ArrowRight")
        expect(page.locator("fieldset.sa-criterion").nth(index).locator(".sa-status")).to_have_text(
            "Enregistré"
        )
        page.keyboard.press("Tab")  # « Ajouter un commentaire personnel »
        page.keyboard.press("Tab")  # the next criterion's radio group


def test_two_professionals_and_two_patients_then_joint_rating_in_pdf(
    live_server, page, browser, staff_user, password, frameworks, private_media, settings
):
    settings.SITE_URL = live_server.url

    # The facilitator creates the session and invites the four participants.
    _sign_in(page, live_server, staff_user, password)
    page.goto(live_server.url + "/auto-evaluation/")
    page.get_by_role("link", name="Créer une séance").click()
    page.get_by_label("Titre de la séance").fill("GT parcours – point de départ")
    page.get_by_label("Baromètre de la relation du partenariat en santé").check()
    page.get_by_label("Nom du groupe de travail").fill("GT parcours")
    page.get_by_role("button", name="Créer la séance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("GT parcours – point de départ")
    for name, email, side, _score, _options in PEOPLE:
        page.get_by_label("Prénom et nom").fill(name)
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label(side, exact=True).check()
        page.get_by_role("button", name="Envoyer l'invitation").click()
        expect(page.get_by_role("status").first).to_contain_text(f"{name} est invité(e)")
    session = AssessmentSession.objects.get()
    links = {}
    for message in mail.outbox:
        links[message.to[0]] = re.search(r"(http://\S+/auto-evaluation/invitation/\S+/)", message.body).group(
            1
        )
    assert sorted(links) == sorted(person[1] for person in PEOPLE)

    # Each participant rates from their own browser; the first one uses the keyboard only.
    for number, (name, email, _side, score, options) in enumerate(PEOPLE):
        context = browser.new_context(viewport={"width": 390, "height": 844})
        participant_page = context.new_page()
        participant_page.goto(links[email])
        assert "/invitation/" not in participant_page.url
        expect(participant_page.locator("body")).to_contain_text(f"Vous répondez en tant que {name}")
        if number == 0:
            assert_accessible(participant_page)
        scores = [score] * 11
        scores[OPTIONS_INDEX] = options
        if number == 0:
            _rate_with_keyboard(participant_page, scores)
        else:
            _rate_with_mouse(participant_page, scores)
        expect(participant_page.locator("#sa-progress")).to_contain_text("Critères notés : 11 sur 11")
        participant_page.wait_for_load_state("networkidle")
        context.close()
    assert Rating.objects.filter(participant__session=session).count() == 44

    # The facilitator sees who has answered, closes the step and reads the target.
    page.goto(live_server.url + session.get_absolute_url())
    expect(page.locator(".sa-answer-count")).to_contain_text("4 participants sur 4 ont tout noté")
    page.get_by_role("button", name="Clôturer l'étape individuelle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La cible du groupe")
    legend = page.locator("#sa-target-chart .chart-legend")
    expect(legend).to_contain_text("Professionnels (moyenne)")
    expect(legend).to_contain_text("Usagers (moyenne)")
    expect(page.locator("#sa-target-chart svg.chart-svg polygon.series")).to_have_count(2)
    first_card = page.locator("article.sa-discuss").first
    expect(first_card.locator("h3")).to_have_text("Explorer conjointement toutes les options possibles")
    expect(first_card).to_contain_text("Écart entre les côtés : 4 points")
    expect(page.locator("#sa-numbers")).to_contain_text("2 (1 – 3) · 2")
    expect(page.locator("#sa-numbers")).to_contain_text("3 (2 – 4) · 2")
    for name, *_rest in PEOPLE:
        expect(page.locator("main")).not_to_contain_text(name)
    assert_accessible(page)

    # The group agrees on a joint rating for the most divergent criterion.
    first_card.locator("label.sa-choice").nth(2).click()
    first_card.get_by_label("Note de l'échange").fill("Décision : ateliers de co-construction")
    first_card.get_by_role("button", name="Enregistrer la note commune").click()
    expect(first_card.locator(".sa-status")).to_have_text("Enregistrée")
    expect(legend).to_contain_text("Note commune")
    expect(page.locator("#sa-target-chart svg.chart-svg polygon.series")).to_have_count(3)
    joint = JointRating.objects.get()
    assert (joint.criterion.code, joint.score, joint.note) == (
        "options",
        2,
        "Décision : ateliers de co-construction",
    )

    # The PDF, through the report job.
    page.get_by_role("button", name="Télécharger le compte rendu (PDF)").click()
    expect(page.get_by_role("link", name=re.compile("Télécharger le rapport"))).to_be_visible()
    job = ReportJob.objects.get(kind="selfassess.session")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(Path(job.file.path)).pages).split())
    assert "Auto-évaluation : GT parcours – point de départ" in text
    assert "Note commune : 2 / 4 — Action parfois réalisée conjointement" in text
    assert "Décision : ateliers de co-construction" in text
    assert "Professionnels (moyenne)" in text and "Usagers (moyenne)" in text
    for name, *_rest in PEOPLE:
        assert name not in text
