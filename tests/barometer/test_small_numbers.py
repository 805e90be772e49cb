"""Issue 17: every published figure hides small numbers the same way, so none comes back by subtraction.

The responses below are those that used to leak: the publics side by side showed the patients'
« Oui » (87,5 %, 16 answers) next to a hidden « Non », and the « édition précédente » column showed
2040's « Oui » (80 %) next to a hidden « Non »: 100 minus the shown percentage gave 2 and 3 people.
And « Depuis quand ? », asked only after « Oui », had 14 respondents: 16 - 14 gave the 2 again.
"""

import html
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from barometer import results
from barometer.enums import CampaignStatus, Public
from barometer.services import campaigns as campaign_services
from barometer.services.reports import report_publish
from tests.barometer.test_results import add_response
from tests.factories.barometer import CampaignFactory, make_questionnaire

ENGAGE = "Êtes-vous engagé(e) ?"
NBSP = "\u00a0"


def answer_engage(questionnaire, yes: int, no: int) -> None:
    """« Depuis quand ? » is asked only to those who answer « Oui »: 6 recent, the others older."""
    for i in range(yes + no):
        if i < yes:
            add_response(questionnaire, {"engage": ["oui"], "depuis": ["recent" if i < 6 else "ancien"]})
        else:
            add_response(questionnaire, {"engage": ["non"]})


@pytest.fixture
def editions(db):
    first = CampaignFactory(year=2040, status=CampaignStatus.PUBLISHED)
    answer_engage(make_questionnaire(first, Public.PATIENTS), 12, 3)
    care_teams = make_questionnaire(first, Public.CARE_TEAMS)
    care_teams.position = 1  # after the patients, side by side and in the copy
    care_teams.save()
    answer_engage(care_teams, 20, 10)
    second = campaign_services.campaign_copy(
        source=first,
        year=2041,
        title="Baromètre 2041",
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate(),
    )
    second.status = CampaignStatus.PUBLISHED
    second.save()
    answer_engage(second.questionnaires.get(public=Public.PATIENTS), 14, 2)
    answer_engage(second.questionnaires.get(public=Public.CARE_TEAMS), 20, 10)
    return second


def chart_tables(page: str, caption: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every numbers table of a chart with this caption: (headers, rows), as a reader sees them."""
    tables = []
    for table in re.findall(r'<table class="[^"]*chart-table[^"]*">(.*?)</table>', page, re.S):
        found = re.search(r"<caption>(.*?)</caption>", table, re.S)
        if html.unescape(found.group(1)).strip() != caption:
            continue
        headers = [html.unescape(h) for h in re.findall(r'<th scope="col">(.*?)</th>', table)]
        rows = [
            [html.unescape(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(
                r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1), re.S
            )
        ]
        # A page prints each table twice (a closed <details> and its print-only copy): keep one.
        if not tables or tables[-1] != (headers, rows):
            tables.append((headers, rows))
    return tables


def subtraction_attack(rows: list[list[str]]) -> list[tuple[int, int, float]]:
    """Each column of percentages adds up to 100 %: a column with one hidden cell gives it back."""
    recovered = []
    for column in range(1, len(rows[0])):
        cells = [row[column] for row in rows]
        hidden = [i for i, cell in enumerate(cells) if cell == "< 5"]
        if len(hidden) == 1:
            shown = sum(float(cell.split(NBSP)[0].replace(",", ".")) for cell in cells if cell != "< 5")
            recovered.append((hidden[0], column, round(100 - shown, 1)))
    return recovered


def test_results_hide_the_same_cells_in_every_view(editions):
    patients = editions.questionnaires.get(public=Public.PATIENTS)

    tab = next(t for t in results.cross_tabs(editions, public=True) if t.code == "engage")
    engage = next(
        r for r in results.questionnaire_results(patients, public=True) if r.question.code == "engage"
    )

    assert tab.rows == [("Oui", [None, 66.7]), ("Non", [None, 33.3])]
    assert tab.answered == [16, 30]
    assert [(row.label, row.count, row.percent, row.hidden) for row in engage.rows] == [
        ("Oui", None, None, True),
        ("Non", None, None, True),
    ]
    assert [(row.previous_percent, row.previous_hidden) for row in engage.rows] == [
        (None, True),
        (None, True),
    ]


def public_pages(client) -> str:
    """The results page and each public's section, loaded on opening (H6, issue 17)."""
    return "".join(
        client.get(url).content.decode()
        for url in (
            "/barometre/resultats/2041/",
            "/barometre/resultats/2041/public/patients/",
            "/barometre/resultats/2041/public/equipes/",
        )
    )


def test_public_page_shows_less_than_five_and_nothing_to_subtract(client, editions):
    page = public_pages(client)

    tables = chart_tables(page, ENGAGE)
    side_by_side, patients, care_teams = tables
    assert side_by_side == (
        ["Réponse", "Patients et proches (N = 16)", "Équipes de soins (N = 30)"],
        [["Oui", "< 5", f"66,7{NBSP}%"], ["Non", "< 5", f"33,3{NBSP}%"]],
    )
    assert patients == (
        ["Réponse", "% des 16 personnes ayant répondu en 2041", "% en 2040 (sur 15)"],
        [["Oui", "< 5", "< 5"], ["Non", "< 5", "< 5"]],
    )
    assert care_teams == (
        ["Réponse", "% des 30 personnes ayant répondu en 2041", "% en 2040 (sur 30)"],
        [["Oui", f"66,7{NBSP}%", f"66,7{NBSP}%"], ["Non", f"33,3{NBSP}%", f"33,3{NBSP}%"]],
    )
    assert [subtraction_attack(rows) for _headers, rows in tables] == [[], [], []]
    assert "remplacé par « &lt; 5 »" in page
    assert "Chiffres internes" not in page


def test_a_question_asked_after_a_hidden_answer_hides_its_number_of_respondents(client, editions):
    patients = editions.questionnaires.get(public=Public.PATIENTS)
    care_teams = editions.questionnaires.get(public=Public.CARE_TEAMS)

    depuis = next(
        r for r in results.questionnaire_results(patients, public=True) if r.question.code == "depuis"
    )
    shown = next(
        r for r in results.questionnaire_results(care_teams, public=True) if r.question.code == "depuis"
    )
    page = public_pages(client)

    assert (depuis.masked, depuis.masked_by_condition, depuis.answered) == (True, True, None)
    assert [(row.count, row.percent) for row in depuis.rows] == [(None, None), (None, None)]
    # Where « Êtes-vous engagé(e) ? » hides nothing, its follow-up is published as usual.
    assert (shown.masked, shown.answered) == (False, 20)
    side_by_side = next(t for t in results.cross_tabs(editions, public=True) if t.code == "depuis")
    assert side_by_side.rows == [("Moins d'un an", [None, 30.0]), ("Plus d'un an", [None, 70.0])]
    assert side_by_side.answered == [None, 20]
    assert "ont répondu 14" not in page
    assert "ont répondu 20" in page
    assert "son nombre de répondants les dévoilerait" in html.unescape(page)


def test_the_attack_would_have_worked_on_the_old_side_by_side_table():
    """The test's attacker is real: on the table the old rule published, it finds the 2 people."""
    old_rows = [["Oui", f"87,5{NBSP}%", f"66,7{NBSP}%"], ["Non", "< 5", f"33,3{NBSP}%"]]

    assert subtraction_attack(old_rows) == [(1, 1, 12.5)]


def test_published_pdf_shows_less_than_five_and_no_leaking_percentage(editions):
    report = report_publish(campaign_id=editions.pk)

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(report.content))).pages)
    text = text.replace(NBSP, " ")  # « 66,7 % » keeps its number and sign together (H6)
    assert ENGAGE in text
    assert "< 5" in text
    assert "son nombre de répondants les dévoilerait" in " ".join(text.split())
    assert "66,7 %" in text
    for leak in ("87,5", "12,5", "80,0", "20,0"):  # 2041 and 2040 patients: all hidden
        assert leak not in text
    assert "non affiché (moins de 5)" not in text


def test_staff_pages_show_exact_counts_marked_internal(staff_client, editions):
    patients = editions.questionnaires.get(public=Public.PATIENTS)

    overview = staff_client.get("/barometre/equipe/2041/resultats/").content.decode()
    detail = staff_client.get(f"/barometre/equipe/questionnaires/{patients.pk}/resultats/").content.decode()

    # Counts beside percentages on staff pages (H6, issue 17).
    assert chart_tables(overview, ENGAGE)[0][1] == [
        ["Oui", f"14 · 87,5{NBSP}%", f"20 · 66,7{NBSP}%"],
        ["Non", f"2 · 12,5{NBSP}%", f"10 · 33,3{NBSP}%"],
    ]
    assert chart_tables(detail, ENGAGE)[0][1] == [
        ["Oui", "14", f"87,5{NBSP}%", f"80,0{NBSP}%", "12"],
        ["Non", "2", f"12,5{NBSP}%", f"20,0{NBSP}%", "3"],
    ]
    for page in (overview, detail):
        assert "Chiffres internes, non masqués" in page


def test_previous_edition_column_hides_a_follow_up_question_its_own_page_hides(db):
    first = CampaignFactory(year=2050, status=CampaignStatus.PUBLISHED)
    answer_engage(make_questionnaire(first, Public.PATIENTS), 12, 3)
    second = campaign_services.campaign_copy(
        source=first,
        year=2051,
        title="Baromètre 2051",
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate(),
    )
    answer_engage(second.questionnaires.get(public=Public.PATIENTS), 20, 10)

    own_page = next(
        r
        for r in results.questionnaire_results(first.questionnaires.get(), public=True)
        if r.question.code == "depuis"
    )
    depuis = next(
        r
        for r in results.questionnaire_results(second.questionnaires.get(), public=True)
        if r.question.code == "depuis"
    )

    assert own_page.masked_by_condition is True
    assert [(row.percent, row.previous_percent, row.previous_hidden) for row in depuis.rows] == [
        (30.0, None, True),
        (70.0, None, True),
    ]
    assert depuis.chart.rows == [
        ["Moins d'un an", "< 5", f"30{NBSP}%"],
        ["Plus d'un an", "< 5", f"70{NBSP}%"],
    ]
