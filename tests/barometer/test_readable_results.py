"""Barometer results people can trust and read (issue 17): bases, non-response, counts,
comparisons, exports with codes and labels, table of contents, page weight, phone legibility.

One fixed set of responses; every expected table is written out in full."""

import csv
import io
import random
import subprocess
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from barometer import demo, results
from barometer.enums import CampaignStatus, Public
from barometer.logic import OTHER
from barometer.models import Campaign
from barometer.reference import load_first_edition
from barometer.reports import build_pdf
from barometer.services import campaigns as campaign_services
from tests.barometer.test_results import add_response
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire


class _Tables(HTMLParser):
    """{caption: rows of cell texts} of every table of a page (the last one wins per caption)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._name = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self._name, self._caption = " ".join("".join(self._caption).split()), None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


@pytest.fixture
def editions(db):
    """2025: 10 patients. 2026 (published): 20 patients.

    2026 — engage: 14 oui, 6 non. depuis (asked if engage = oui): 6 recent, 4 ancien, 4 blank.
    suite (follow-up, optional): 8 answered; 6 « recevoir », 5 « rejoindre ». freins: 20 temps,
    10 bénévolat. nombre: 1..20. profil: 12 patient, 8 « Autre ».
    """
    first = CampaignFactory(year=2025, status=CampaignStatus.CLOSED)
    q2025 = make_questionnaire(first)
    for i in range(10):
        add_response(q2025, {"engage": ["oui"] if i < 5 else ["non"], "nombre": 10, "profil": ["patient"]})
    today = timezone.localdate()
    second = campaign_services.campaign_copy(
        source=first, year=2026, title="Baromètre 2026", opens_on=today, closes_on=today
    )
    second.status = CampaignStatus.PUBLISHED
    second.save()
    q2026 = second.questionnaires.get(public=Public.PATIENTS)
    for i in range(20):
        answers = {
            "engage": ["oui"] if i < 14 else ["non"],
            "freins": ["temps", "benevolat"] if i < 10 else ["temps"],
            "nombre": i + 1,
            "profil": ["patient"] if i < 12 else ([OTHER], "Médiatrice"),
        }
        if i < 10:
            answers["depuis"] = ["recent"] if i < 6 else ["ancien"]
        if i < 8:
            answers["suite"] = (
                ["recevoir_rapport", "rejoindre_dynamique"]
                if i < 3
                else ["recevoir_rapport"]
                if i < 6
                else ["rejoindre_dynamique"]
            )
        add_response(q2026, answers)
    return q2025, q2026


def by_code(found):
    return {r.question.code: r for r in found}


def test_bases_and_non_response_are_exact_for_staff(editions):
    _q2025, q2026 = editions
    found = by_code(results.questionnaire_results(q2026))

    suite = found["suite"]
    # The follow-up reads over all respondents (20), with those who ticked a box (8) alongside.
    assert (suite.base, suite.base_count, suite.other_base_count) == ("asked", 20, 8)
    assert [(r.value, r.count, r.percent, r.other_percent) for r in suite.rows] == [
        ("recevoir_rapport", 6, 30.0, 75.0),
        ("rejoindre_dynamique", 5, 25.0, 62.5),
    ]
    assert (suite.respondents, suite.asked, suite.answered, suite.skipped, suite.not_asked) == (
        20,
        20,
        8,
        12,
        0,
    )
    depuis = found["depuis"]
    assert (depuis.respondents, depuis.asked, depuis.answered, depuis.skipped, depuis.not_asked) == (
        20,
        14,
        10,
        4,
        6,
    )
    assert [(r.count, r.percent, r.other_percent) for r in depuis.rows] == [(6, 60.0, 42.9), (4, 40.0, 28.6)]
    engage = found["engage"]
    assert (engage.previous_year, engage.previous_answered) == (2025, 10)
    assert [(r.label, r.count, r.percent, r.previous_count, r.previous_percent) for r in engage.rows] == [
        ("Oui", 14, 70.0, 5, 50.0),
        ("Non", 6, 30.0, 5, 50.0),
    ]
    # Number questions are compared across editions too.
    nombre = found["nombre"]
    assert (nombre.previous_year, nombre.previous_stats["n"], float(nombre.previous_stats["mean"])) == (
        2025,
        10,
        10.0,
    )


def test_public_figures_hide_small_non_response_and_its_partner(editions):
    _q2025, q2026 = editions
    found = by_code(results.questionnaire_results(q2026, public=True))

    depuis = found["depuis"]
    # 4 left it blank (< 5): hidden, with « not asked » (6) so that neither is worked out.
    assert (depuis.respondents, depuis.asked, depuis.answered, depuis.skipped, depuis.not_asked) == (
        20,
        None,
        10,
        None,
        None,
    )
    suite = found["suite"]
    assert [(r.count, r.percent, r.other_percent) for r in suite.rows] == [(6, 30.0, 75.0), (5, 25.0, 62.5)]
    # 2025's « Non » and « Oui » are 5 each: shown; profil's « Autre » (8) is shown, 2025 has none.
    profil = found["profil"]
    assert [(r.label, r.percent, r.previous_percent) for r in profil.rows] == [
        ("Patient partenaire", 60.0, 100.0),
        ("Proche-aidant", 0.0, 0.0),
        ("Autre", 40.0, 0.0),
    ]


def test_staff_page_tables_give_counts_bases_and_the_earlier_edition(staff_client, editions):
    _q2025, q2026 = editions

    page = staff_client.get(f"/barometre/equipe/questionnaires/{q2026.pk}/resultats/").content.decode()

    found = tables(page)
    assert found["Souhaitez-vous…"] == [
        [
            "Réponse",
            "Effectif",
            "% des 20 personnes interrogées en 2026",
            "% des 8 personnes ayant répondu en 2026",
        ],
        ["Recevoir le rapport", "6", "30,0 %", "75,0 %"],
        ["Rejoindre la dynamique régionale", "5", "25,0 %", "62,5 %"],
    ]
    assert found["Êtes-vous engagé(e) ?"] == [
        [
            "Réponse",
            "Effectif",
            "% des 20 personnes ayant répondu en 2026",
            "% en 2025 (sur 10)",
            "Effectif 2025",
        ],
        ["Oui", "14", "70,0 %", "50,0 %", "5"],
        ["Non", "6", "30,0 %", "50,0 %", "5"],
    ]
    assert found["Combien de projets ?"] == [
        ["Édition", "Réponses", "Moyenne", "Médiane", "Minimum – maximum"],
        ["2026", "20", "10,5", "10,5", "1 – 20"],
        ["2025", "10", "10,0", "10,0", "10 – 10"],
    ]
    text = " ".join(page.split())
    assert (
        "Répondants au questionnaire : 20 · question posée à 14 · ont répondu 10 · sans réponse 4 · "
        "non posée (selon une réponse précédente) 6" in text
    )
    assert text.count("Plusieurs réponses possibles : le total dépasse 100 %.") == 2  # freins, suite
    assert "comparaison avec 2025 pour les questions de même code" in text
    # The table of contents: one anchor per page of the questionnaire and per question.
    assert f'href="#q-{q2026.pk}-suite"' in page and f'id="q-{q2026.pk}-suite"' in page
    assert page.count('class="card-soft mb-4 baro-result"') == 7


def test_public_section_fragment_shows_only_suppressed_figures(client, editions):
    _q2025, q2026 = editions

    fragment = client.get("/barometre/resultats/2026/public/patients/", HTTP_HX_REQUEST="true")
    page = client.get("/barometre/resultats/2026/public/patients/")

    assert fragment.status_code == page.status_code == 200
    assert "<html" not in fragment.content.decode() and "<html" in page.content.decode()
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in page["Vary"]
    found = tables(fragment.content.decode())
    assert found["Depuis quand ?"] == [
        ["Réponse", "% des 10 personnes ayant répondu en 2026"],
        ["Moins d'un an", "< 5"],
        ["Plus d'un an", "< 5"],
    ]
    assert found["Souhaitez-vous…"] == [
        [
            "Réponse",
            "% des 20 personnes interrogées en 2026",
            "% des 8 personnes ayant répondu en 2026",
        ],
        ["Recevoir le rapport", "30,0 %", "75,0 %"],
        ["Rejoindre la dynamique régionale", "25,0 %", "62,5 %"],
    ]
    text = " ".join(fragment.content.decode().split())
    assert (
        "Répondants au questionnaire : 20 · question posée à nombre masqué · ont répondu 10 · "
        "sans réponse &lt; 5 · non posée (selon une réponse précédente) nombre masqué" in text
    )
    assert "Minimum – maximum" not in text and "Effectif" not in text


@pytest.mark.parametrize(
    "url",
    ["/barometre/resultats/2026/public/inconnu/", "/barometre/resultats/2026/public/equipes/"],
)
def test_public_section_of_an_unknown_public_is_404(client, editions, url):
    assert client.get(url).status_code == 404


def test_public_section_is_404_before_publication(client, editions):
    Campaign.objects.filter(year=2026).update(status=CampaignStatus.CLOSED)
    assert client.get("/barometre/resultats/2026/public/patients/").status_code == 404


def test_no_comparison_is_announced_with_an_edition_without_responses(staff_client, db):
    empty = CampaignFactory(year=2033, status=CampaignStatus.CLOSED)
    make_questionnaire(empty)
    current = CampaignFactory(year=2034)
    q2024 = make_questionnaire(current)
    for _i in range(6):
        add_response(q2024, {"engage": ["oui"]})

    page = staff_client.get(f"/barometre/equipe/questionnaires/{q2024.pk}/resultats/").content.decode()

    assert results.previous_questionnaire(q2024) is None
    assert "comparaison avec" not in page
    assert "2033" not in page


def test_cross_tabs_give_n_per_public_and_the_other_row(staff_client, db):
    campaign = CampaignFactory(year=2026)
    patients = make_questionnaire(campaign, Public.PATIENTS)
    teams = make_questionnaire(campaign, Public.CARE_TEAMS)
    for i in range(6):
        add_response(patients, {"profil": ["patient"] if i < 3 else ([OTHER], "Aidante")})
    for _i in range(7):
        add_response(teams, {"profil": ["proche"]})

    staff = next(t for t in results.cross_tabs(campaign) if t.code == "profil")
    public = next(t for t in results.cross_tabs(campaign, public=True) if t.code == "profil")
    page = staff_client.get("/barometre/equipe/2026/resultats/").content.decode()

    assert staff.rows == [
        ("Patient partenaire", [50.0, 0.0]),
        ("Proche-aidant", [0.0, 100.0]),
        ("Autre", [50.0, 0.0]),
    ]
    assert public.rows == [
        ("Patient partenaire", [None, 0.0]),
        ("Proche-aidant", [0.0, 100.0]),
        ("Autre", [None, 0.0]),
    ]
    assert [item.label for item in staff.chart.legend] == [
        "Patients et proches (N = 6)",
        "Équipes de soins (N = 7)",
    ]
    assert tables(page)["Vous êtes…"] == [
        ["Réponse", "Patients et proches (N = 6)", "Équipes de soins (N = 7)"],
        ["Patient partenaire", "3 · 50,0 %", "0 · 0,0 %"],
        ["Proche-aidant", "0 · 0,0 %", "7 · 100,0 %"],
        ["Autre", "3 · 50,0 %", "0 · 0,0 %"],
    ]
    freins = next(t for t in results.cross_tabs(campaign) if t.code == "freins")
    assert freins.multiple is True


def _csv(staff_client, year):
    response = staff_client.get(f"/barometre/equipe/{year}/export.csv")
    return list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";")
    )


def test_exports_carry_a_code_and_a_label_column_per_choice_question(staff_client, editions):
    table = _csv(staff_client, 2026)
    response = staff_client.get("/barometre/equipe/2026/export.xlsx")
    sheet = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    )

    header = table[0]
    assert header[3:13] == [
        "profil",
        "Vous êtes…",
        "engage",
        "Êtes-vous engagé(e) ?",
        "niveau",
        "Votre niveau d'engagement",
        "depuis",
        "Depuis quand ?",
        "nombre",
        "freins",
    ]
    first, last = dict(zip(header, table[1], strict=True)), dict(zip(header, table[-1], strict=True))
    assert [first[c] for c in ("profil", "Vous êtes…", "suite", "Souhaitez-vous…", "freins")] == [
        "patient",
        "Patient partenaire",
        "recevoir_rapport ; rejoindre_dynamique",
        "Recevoir le rapport ; Rejoindre la dynamique régionale",
        "temps ; benevolat",
    ]
    assert [last[c] for c in ("profil", "Vous êtes…", "depuis", "suite", "nombre")] == [
        "_autre",
        "Autre : Médiatrice",
        "",
        "",
        "20",
    ]
    assert list(sheet[0]) == header
    assert [list(map(lambda v: "" if v is None else str(v), row)) for row in sheet[1:]] == table[1:]


def test_pdf_text_gives_bases_non_response_and_the_multiple_answers_note(editions):
    _q2025, q2026 = editions

    pdf = build_pdf(q2026.campaign)
    text = " ".join(
        subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )

    assert text.count("Plusieurs réponses possibles : le total dépasse 100 %.") == 2
    assert (
        "Réponse % des 20 personnes interrogées en 2026 % des 8 personnes ayant répondu en 2026 "
        "Recevoir le rapport 30,0 % 75,0 % Rejoindre la dynamique régionale 25,0 % 62,5 %" in text
    )
    assert (
        "Répondants au questionnaire : 20 · question posée à nombre masqué · ont répondu 10 · "
        "sans réponse < 5 · non posée (selon une réponse précédente) nombre masqué" in text
    )
    assert "2026 : 20 réponses · moyenne 10,5 · médiane 10,5" in text
    assert "2025 : 10 réponses · moyenne 10,0 · médiane 10,0" in text
    assert "engagement_niveau" not in text and "suite" not in text.lower().split()


@pytest.fixture
def demo_2023(db):
    """The demo's published 2023 edition with its 400 responses (seed_demo's default)."""
    first = load_first_edition()
    demo._responses(random.Random(1), first, 400, first.opens_on, first.closes_on, 1)
    first.status = CampaignStatus.PUBLISHED
    first.save()
    return first


def test_public_results_page_weighs_under_200_kb_with_the_demo_data(client, demo_2023):
    page = client.get("/barometre/resultats/2023/")
    sections = [
        client.get(f"/barometre/resultats/2023/public/{p}/", HTTP_HX_REQUEST="true") for p in Public.values
    ]

    assert page.status_code == 200
    assert len(page.content) < 200_000
    assert all(s.status_code == 200 and len(s.content) < 200_000 for s in sections)
    # Each public's results load on opening, with a plain link for browsers without JavaScript.
    assert 'hx-get="/barometre/resultats/2023/public/patients/"' in page.content.decode()
    assert '<a href="/barometre/resultats/2023/public/patients/">' in page.content.decode()


SMALLEST_CHART_TEXT = """() => {
  let smallest = 1000;
  document.querySelectorAll('.baro-chart svg, svg.chart-svg-bar').forEach(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    svg.querySelectorAll('text').forEach(text => {
      smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale);
    });
  });
  return [smallest, document.querySelectorAll('svg.chart-svg-bar text').length];
}"""


def test_barometer_charts_stay_legible_on_a_390_px_phone(
    live_server, browser, editions, staff_user, password
):
    _q2025, q2026 = editions
    make_invitation(q2026, email="invite@exemple.fr")  # a response rate to draw
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/barometre/resultats/2026/")
    page.click("#public-patients > summary")
    page.wait_for_selector("#public-patients .baro-chart svg")
    public = page.evaluate(SMALLEST_CHART_TEXT)
    public_width = page.evaluate("document.documentElement.scrollWidth")

    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(staff_user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    measures = []
    for url in (
        "/barometre/equipe/2026/resultats/",
        f"/barometre/equipe/questionnaires/{q2026.pk}/resultats/",
    ):
        page.goto(live_server.url + url)
        measures.append(page.evaluate(SMALLEST_CHART_TEXT))

    assert public[1] > 20 and all(count > 0 for _size, count in measures), measures
    assert min(size for size, _count in [public, *measures]) >= 11
    assert public_width <= 390


def test_results_pages_keep_a_bounded_number_of_queries(
    client, staff_client, editions, django_assert_max_num_queries
):
    _q2025, q2026 = editions

    # Computed (first request): the filters' choices and the data's fingerprint come on top
    # (H4); served again from the cache it takes 2 (tests/barometer/test_results_cache.py).
    with django_assert_max_num_queries(16):
        main = client.get("/barometre/resultats/2026/")
    with django_assert_max_num_queries(22):
        section = client.get("/barometre/resultats/2026/public/patients/", HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(22):
        staff = staff_client.get(f"/barometre/equipe/questionnaires/{q2026.pk}/resultats/")

    assert (main.status_code, section.status_code, staff.status_code) == (200, 200, 200)


def test_side_by_side_follow_up_reads_over_each_publics_respondents(client, db):
    campaign = CampaignFactory(year=2026, status=CampaignStatus.PUBLISHED)
    patients = make_questionnaire(campaign, Public.PATIENTS)
    teams = make_questionnaire(campaign, Public.CARE_TEAMS)
    for i in range(10):
        add_response(patients, {"suite": ["recevoir_rapport"]} if i < 5 else {})
        add_response(teams, {"suite": ["rejoindre_dynamique"]} if i < 6 else {})

    tab = next(t for t in results.cross_tabs(campaign, public=True) if t.code == "suite")
    page = client.get("/barometre/resultats/2026/").content.decode()

    # Over those who ticked a box, each public would read 100 %.
    assert (tab.base, tab.answered) == ("asked", [10, 10])
    assert tab.rows == [
        ("Recevoir le rapport", [50.0, 0.0]),
        ("Rejoindre la dynamique régionale", [0.0, 60.0]),
    ]
    assert tables(page)["Souhaitez-vous…"] == [
        ["Réponse", "Patients et proches (N = 10)", "Équipes de soins (N = 10)"],
        ["Recevoir le rapport", "50,0 %", "0,0 %"],
        ["Rejoindre la dynamique régionale", "0,0 %", "60,0 %"],
    ]
    assert "sur toutes les personnes qui ont répondu au questionnaire (N)" in page


def test_a_count_hidden_with_a_small_one_reads_masked_not_less_than_five(client, db):
    campaign = CampaignFactory(year=2026, status=CampaignStatus.PUBLISHED)
    patients = make_questionnaire(campaign, Public.PATIENTS)
    for i in range(20):
        add_response(patients, {"niveau": ["3"]} if i < 3 else {})

    niveau = by_code(results.questionnaire_results(patients, public=True))["niveau"]
    text = " ".join(client.get("/barometre/resultats/2026/public/patients/").content.decode().split())

    assert (niveau.masked, niveau.answered, niveau.skipped, niveau.small_figures) == (
        True,
        None,
        None,
        {"answered"},
    )
    assert (
        "Répondants au questionnaire : 20 · question posée à 20 · ont répondu &lt; 5 · "
        "sans réponse nombre masqué · non posée (selon une réponse précédente) 0" in text
    )
