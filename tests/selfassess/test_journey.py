"""A whole session in a real browser: two professionals and two patients rate from their personal
links (one of them with the keyboard only), the facilitator sees both series, records a joint
rating and gets it back in the PDF."""

import re
from pathlib import Path

import pypdf
import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from cops.models import ReportJob
from selfassess.enums import Side
from selfassess.frameworks import load_shipped_frameworks
from selfassess.models import AssessmentSession, Framework, JointRating, Rating
from selfassess.services import joint_rating_save, session_close_individual
from tests.factories.selfassess import AssessmentSessionFactory, ParticipantFactory
from tests.selfassess.conftest import rate

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
    expect(page.locator("#sa-target-chart .sa-radar-wide svg.chart-svg polygon.series")).to_have_count(2)
    first_card = page.locator("article.sa-discuss").first
    expect(first_card.locator("h3")).to_have_text("Explorer conjointement toutes les options possibles")
    expect(first_card).to_contain_text(
        "Écart entre les côtés : les professionnels notent plus haut de 4,0 points"
    )
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
    expect(legend).to_contain_text("pas de note commune")
    # One joint rating out of 11: no joint line, and 10 hollow marks at the edge, none at the centre.
    wide = page.locator("#sa-target-chart .sa-radar-wide svg.chart-svg")
    expect(wide.locator("polygon.series")).to_have_count(2)
    expect(wide.locator("g.radar-missing")).to_have_count(10)
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


# Every text of the radar shown on screen: its rendered size (font size × the drawing's scale)
# and whether its real box (getBBox) lies inside the viewBox, i.e. is not clipped.
RADAR_TEXTS = """() => {
  const svg = [...document.querySelectorAll("#sa-target-chart svg.chart-svg")]
    .find((s) => s.getBoundingClientRect().width > 0);
  const view = svg.viewBox.baseVal;
  const boxes = [...svg.querySelectorAll("text")].map((t) => t.getBBox());
  const overlaps = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, k) => {
    if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) {
      overlaps.push([i, i + 1 + k]);
    }
  }));
  return {
    compact: svg.classList.contains("chart-svg-compact"),
    overlaps: overlaps,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    texts: [...svg.querySelectorAll("text")].map((t) => {
      const box = t.getBBox();
      return {
        text: [...t.querySelectorAll("tspan")].map((line) => line.textContent).join(" ") || t.textContent,
        px: Math.round(parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a * 10) / 10,
        inside: box.x >= view.x && box.y >= view.y && box.x + box.width <= view.x + view.width
          && box.y + box.height <= view.y + view.height,
      };
    }),
  };
}"""


def test_target_radar_is_readable_on_a_phone_and_never_clipped(
    live_server, browser, staff_user, password, frameworks
):
    framework = Framework.objects.get(slug="barometre-relation-partenariat")
    session = AssessmentSessionFactory(framework=framework, facilitator=staff_user, title="GT lisibilité")
    codes = [criterion.code for criterion in framework.criteria.all()]
    for side, score in ((Side.PROFESSIONAL, 3), (Side.PROFESSIONAL, 1), (Side.USER, 2), (Side.USER, 4)):
        rate(ParticipantFactory(session=session, side=side), dict.fromkeys(codes, score))
    session_close_individual(session=session, by=staff_user)
    joint_rating_save(
        session=session, criterion=framework.criteria.get(code="options"), score=2, by=staff_user
    )

    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        _sign_in(page, live_server, staff_user, password)
        page.goto(live_server.url + reverse("selfassess:session_target", args=[session.pk]))
        expect(page.get_by_role("heading", level=1)).to_have_text("La cible du groupe")
        drawn = page.evaluate(RADAR_TEXTS)

        assert drawn["compact"] is (width == 390)
        assert drawn["overflow"] <= 0
        assert len(drawn["texts"]) == 4 + 11  # ring values 1–4, then the 11 axes
        assert [t for t in drawn["texts"] if t["px"] < 11] == []
        assert [t for t in drawn["texts"] if not t["inside"]] == []
        assert drawn["overlaps"] == []  # no two texts of the drawing on top of each other
        if width == 390:
            # The phone drawing numbers the axes; their names are listed under it.
            assert [t["text"] for t in drawn["texts"][4:]] == [str(n) for n in range(1, 12)]
            expect(page.locator(".sa-radar-phone ol.sa-axis-list li")).to_have_count(11)
            expect(page.locator(".sa-radar-phone ol.sa-axis-list li").nth(3)).to_have_text(
                "Options possibles"
            )
        else:
            expect(page.locator(".sa-radar-phone")).to_be_hidden()
            assert drawn["texts"][4 + 4]["text"] == "5. Objectifs, plan, indicateurs"
        # Three series: the bands start hidden; the button shows them in both drawings.
        bands = page.locator("#sa-target-chart g.bands")
        expect(bands.first).to_have_attribute("visibility", "hidden")
        toggle = page.get_by_role(
            "button", name="Montrer les bandes « de la note la plus basse à la plus haute »"
        )
        expect(toggle).to_have_attribute("aria-pressed", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        expect(bands.nth(0)).to_have_attribute("visibility", "visible")
        expect(bands.nth(1)).to_have_attribute("visibility", "visible")
        context.close()
