"""Issue 17: filters (public, territory, profile) and cross-tables, with the same small-numbers rule.

The fixed responses (published edition 2040):

Patients (43): « Êtes-vous engagé(e) ? » by « Où exercez-vous ? »
    Est 20 (14 oui, 6 non) · Ouest 15 (10 oui, 5 non) · Région 8 (3 oui, 5 non) → 27 oui, 16 non
    profil: Est 12 patients + 8 proches, Ouest 9 + 6, Région 8 patients.
Équipes de soins (9, no profile question): Est 3 (3 oui) · Ouest 6 (4 oui, 2 non).

Public figures: Région's 3 « oui » is under 5. Hiding it alone would give it back from the
whole public's 27 (shown on the patients' own page) minus Est's 14 and Ouest's 10; so Ouest's
« oui » goes too, then each column's other cell (its N is shown), then Ouest's « non » for
Région's. What is left: Est's column and the whole public's.
"""

import csv
import html as html_lib
import io
import random
import re

import pytest
from django.apps import apps
from openpyxl import load_workbook
from pypdf import PdfReader

from barometer import results, results_cache
from barometer.enums import CampaignStatus, Public
from barometer.reference import create_questionnaire
from tests.barometer.test_results import add_response
from tests.factories.barometer import CampaignFactory

NBSP = "\u00a0"
ENGAGE = "Êtes-vous engagé(e) ?"


def _data(public: str, *, with_profile: bool, position: int) -> dict:
    questions = [
        {
            "code": "territoire",
            "type": "single",
            "label": "Où exercez-vous principalement ?",
            "choices": [
                ["est", "Est de l'Occitanie (Aude, Gard, Hérault, Lozère, Pyrénées-Orientales)"],
                ["ouest", "Ouest de l'Occitanie"],
                ["region", "Toute la région"],
            ],
        },
        {"code": "engage", "type": "yesno", "label": ENGAGE},
    ]
    if with_profile:
        questions.insert(
            0,
            {
                "code": "profil",
                "type": "single",
                "label": "Vous êtes…",
                "choices": [["patient", "Patient partenaire"], ["proche", "Proche-aidant"]],
            },
        )
    return {
        "public": public,
        "title": f"Questionnaire {public}",
        "position": position,
        "sections": [{"title": "Vous et le partenariat", "questions": questions}],
    }


def _answer(questionnaire, territory: str, yes: int, no: int, profiles: dict[str, int] | None = None):
    profiles = dict(profiles or {})
    for i in range(yes + no):
        answers = {"territoire": [territory], "engage": ["oui" if i < yes else "non"]}
        for profile, count in profiles.items():
            if count:
                answers["profil"] = [profile]
                profiles[profile] -= 1
                break
        add_response(questionnaire, answers)


@pytest.fixture(autouse=True)
def _fresh_cache():
    results_cache.reset()
    yield
    results_cache.reset()


@pytest.fixture
def edition(db):
    campaign = CampaignFactory(year=2040, status=CampaignStatus.PUBLISHED)
    patients = create_questionnaire(
        apps, campaign=campaign, data=_data(Public.PATIENTS, with_profile=True, position=0)
    )
    teams = create_questionnaire(
        apps, campaign=campaign, data=_data(Public.CARE_TEAMS, with_profile=False, position=1)
    )
    _answer(patients, "est", 14, 6, {"patient": 12, "proche": 8})
    _answer(patients, "ouest", 10, 5, {"patient": 9, "proche": 6})
    _answer(patients, "region", 3, 5, {"patient": 8})
    _answer(teams, "est", 3, 0)
    _answer(teams, "ouest", 4, 2)
    return campaign


def table_text(html: str, anchor: str = "tableau-croise") -> list[list[str]]:
    """The cross-table as a reader sees it: one list of cell texts per line (header first)."""
    section = re.search(rf'<section[^>]*id="{anchor}".*?</section>', html, re.S).group(0)
    table = re.search(r"<table.*?</table>", section, re.S).group(0)
    lines = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        lines.append(
            [
                " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", c)).replace(NBSP, " ").split())
                for c in cells
            ]
        )
    return lines


PUBLIC_TABLE = [
    [
        "Réponse",
        "Est de l'Occitanie N = 20",
        "Ouest de l'Occitanie N = 15",
        "Toute la région N = 8",
        "Ensemble N = 43",
    ],
    ["Oui", "70,0 %", "< 5", "< 5", "62,8 %"],
    ["Non", "30,0 %", "< 5", "< 5", "37,2 %"],
]
STAFF_TABLE = [
    [
        "Réponse",
        "Est de l'Occitanie N = 20",
        "Ouest de l'Occitanie N = 15",
        "Toute la région N = 8",
        "Ensemble N = 43",
    ],
    ["Oui", "14 · 70,0 %", "10 · 66,7 %", "3 · 37,5 %", "27 · 62,8 %"],
    ["Non", "6 · 30,0 %", "5 · 33,3 %", "5 · 62,5 %", "16 · 37,2 %"],
]
QUERY = "?public=patients&croiser=engage&par=territoire"


def test_public_cross_table_by_territory_hides_the_small_cell_and_every_partner(client, edition):
    page = client.get(f"/barometre/resultats/2040/{QUERY}")

    assert page.status_code == 200
    assert table_text(page.content.decode()) == PUBLIC_TABLE


def test_staff_cross_table_by_territory_gives_exact_counts(staff_client, edition):
    page = staff_client.get(f"/barometre/equipe/2040/resultats/{QUERY}")

    html = page.content.decode()
    assert table_text(html) == STAFF_TABLE
    assert "Chiffres internes, non masqués" in html


def test_cross_table_csv_and_xlsx_hold_the_same_table(client, staff_client, edition):
    public_csv = client.get(f"/barometre/resultats/2040/tableau.csv{QUERY}")
    staff_xlsx = staff_client.get(f"/barometre/equipe/2040/resultats/tableau.xlsx{QUERY}")
    public_xlsx = client.get(f"/barometre/resultats/2040/tableau.xlsx{QUERY}")

    rows = list(csv.reader(io.StringIO(public_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        [f"{ENGAGE} — par territoire"],
        [
            "Réponse",
            "Est de l'Occitanie (%)",
            "Ouest de l'Occitanie (%)",
            "Toute la région (%)",
            "Ensemble (%)",
        ],
        ["Oui", "70,0", "< 5", "< 5", "62,8"],
        ["Non", "30,0", "< 5", "< 5", "37,2"],
        ["Nombre de réponses (N)", "20", "15", "8", "43"],
    ]
    sheet = load_workbook(io.BytesIO(b"".join(staff_xlsx.streaming_content))).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1:] == [
        [
            "Réponse",
            "Est de l'Occitanie (effectif)",
            "Est de l'Occitanie (%)",
            "Ouest de l'Occitanie (effectif)",
            "Ouest de l'Occitanie (%)",
            "Toute la région (effectif)",
            "Toute la région (%)",
            "Ensemble (effectif)",
            "Ensemble (%)",
        ],
        ["Oui", 14, 70.0, 10, 66.7, 3, 37.5, 27, 62.8],
        ["Non", 6, 30.0, 5, 33.3, 5, 62.5, 16, 37.2],
        ["Nombre de réponses (N)", 20, None, 15, None, 8, None, 43, None],
    ]
    public_sheet = load_workbook(io.BytesIO(b"".join(public_xlsx.streaming_content))).active
    assert [list(r) for r in public_sheet.iter_rows(values_only=True)][2:4] == [
        ["Oui", 70.0, "< 5", "< 5", 62.8],
        ["Non", 30.0, "< 5", "< 5", 37.2],
    ]


def test_cross_table_pdf_text_gives_the_exact_table(staff_client, edition):
    response = staff_client.get(f"/barometre/equipe/2040/resultats/tableau.pdf{QUERY}")

    text = " ".join(
        PdfReader(io.BytesIO(response.content)).pages[0].extract_text().replace(NBSP, " ").split()
    )
    assert response["Content-Type"] == "application/pdf"
    assert "Tableau croisé par territoire" in text
    assert "Oui 14 · 70,0 % 10 · 66,7 % 3 · 37,5 % 27 · 62,8 %" in text
    assert "Non 6 · 30,0 % 5 · 33,3 % 5 · 62,5 % 16 · 37,2 %" in text


def test_public_cross_table_is_not_offered_as_pdf(client, edition):
    assert client.get(f"/barometre/resultats/2040/tableau.pdf{QUERY}").status_code == 404


def test_filtered_public_section_hides_what_the_cross_table_hides(client, edition):
    est = client.get("/barometre/resultats/2040/public/patients/?territoire=est").content.decode()
    ouest = client.get("/barometre/resultats/2040/public/patients/?territoire=ouest").content.decode()

    assert "Réponses retenues : Territoire : Est de l&#x27;Occitanie." in est
    assert re.findall(r"<td>([^<]*)</td>", est.split(ENGAGE)[-1])[:2] == ["70,0&nbsp;%", "30,0&nbsp;%"]
    assert re.findall(r"<td>([^<]*)</td>", ouest.split(ENGAGE)[-1])[:2] == ["&lt; 5", "&lt; 5"]


def test_a_group_under_five_shows_results_masked(client, edition):
    page = client.get("/barometre/resultats/2040/?public=equipes&territoire=est").content.decode()

    assert "Moins de 5 réponses : résultats masqués." in page
    assert "sommaire-filtre" not in page


def test_profile_is_not_available_for_a_public_without_the_question(client, edition):
    page = client.get("/barometre/resultats/2040/?public=equipes&profil=patient").content.decode()

    assert "« Profil » : non disponible pour ce public ; le filtre est ignoré." in page


def test_side_by_side_filtered_by_territory_masks_a_small_public(client, edition):
    page = client.get("/barometre/resultats/2040/?croiser=engage&par=public&territoire=est").content.decode()

    assert table_text(page) == [
        ["Réponse", "Patients et proches N = 20", "Équipes de soins Moins de 5 réponses : résultats masqués"],
        ["Oui", "70,0 %", "< 5"],
        ["Non", "30,0 %", "< 5"],
    ]


@pytest.mark.parametrize(
    ("query", "note"),
    [
        (
            "?territoire=nord",
            "La valeur « nord » du filtre « Territoire » n'existe pas : le filtre est ignoré.",
        ),
        (
            "?croiser=engage&par=ville",
            "La valeur « ville » du filtre « Croiser par » n'existe pas : le filtre est ignoré.",
        ),
        ("?croiser=engage&par=territoire", "Choisissez un public pour croiser par territoire ou par profil."),
        (
            "?public=patients&territoire=est&profil=patient",
            "Les résultats publics se filtrent par territoire ou par profil, pas les deux à la fois : le profil est ignoré.",
        ),
    ],
)
def test_bad_or_unsafe_filters_are_ignored_with_a_message(client, edition, query, note):
    page = client.get(f"/barometre/resultats/2040/{query}")

    assert page.status_code == 200
    assert note.replace("'", "&#x27;") in page.content.decode()


def test_staff_may_combine_territory_and_profile(staff_client, edition):
    page = staff_client.get(
        "/barometre/equipe/2040/resultats/?public=patients&territoire=est&profil=proche&croiser=engage&par=public"
    ).content.decode()

    # Est's 8 proches: the first 8 of Est's 20 answered « oui » after the 12 patients did.
    assert table_text(page) == [
        ["Réponse", "Patients et proches N = 8"],
        ["Oui", "2 · 25,0 %"],
        ["Non", "6 · 75,0 %"],
    ]


def test_filter_pages_keep_a_constant_number_of_queries(
    client, staff_client, edition, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        client.get(f"/barometre/resultats/2040/{QUERY}")
    with django_assert_max_num_queries(40):
        staff_client.get(f"/barometre/equipe/2040/resultats/{QUERY}&territoire=est")


@pytest.mark.parametrize("seed", range(60))
def test_no_line_a_reader_can_add_up_has_a_single_hidden_cell(seed):
    """Property, on random splits: each answer across the groups and the whole public, each
    group's answers with its N, and the groups' Ns, hide either nothing or at least two cells,
    so subtracting the shown ones from a known total never gives one hidden count back."""
    rng = random.Random(seed)
    question = _FakeQuestion()
    groups = ["est", "ouest", "region", ""]
    counts = {("territoire", g): {v: rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15]) for v in "abc"} for g in groups}
    answered = {key: sum(values.values()) for key, values in counts.items()}
    total = {v: sum(counts[("territoire", g)][v] for g in groups) for v in "abc"}

    masks = results._masks(
        question, total, sum(total.values()), results.Split({"territoire": groups}, counts, answered)
    )

    def hidden_cells(cells: list[tuple[int, bool]]) -> int:
        return sum(1 for _count, hidden in cells if hidden)

    lines = []
    for value in "abc":
        lines.append(
            [(counts[("territoire", g)][value], value in masks.groups[("territoire", g)]) for g in groups]
            + [(total[value], value in masks.total)]
        )
    for g in groups:
        key = ("territoire", g)
        lines.append(
            [(counts[key][v], v in masks.groups[key]) for v in "abc"]
            + [(answered[key], key in masks.hidden_n)]
        )
    lines.append([(answered[("territoire", g)], ("territoire", g) in masks.hidden_n) for g in groups])
    for line in lines:
        secret = [count for count, hidden in line if hidden]
        assert len(secret) != 1 or secret == [0], (seed, line)
    for g in groups:
        if 0 < answered[("territoire", g)] < results.MIN_CELL:
            assert masks.groups[("territoire", g)] == set("abc")


class _FakeQuestion:
    """The few attributes `results._masks` reads of a single-choice question."""

    type = "single"
    allow_other = False

    class choices:  # noqa: N801 (mimics the related manager)
        @staticmethod
        def all():
            return [type("Choice", (), {"value": v, "label": v.upper()})() for v in "abc"]


def test_profile_without_a_public_names_the_publics_it_leaves_out(client, edition):
    page = client.get("/barometre/resultats/2040/?profil=proche").content.decode()

    assert (
        "« Profil » : non disponible pour ce public : Équipes de soins ; leurs réponses ne sont pas comptées."
        in page
    )


def test_a_refused_filter_value_is_shown_escaped(client, edition):
    page = client.get("/barometre/resultats/2040/?territoire=<script>alert(1)</script>").content.decode()

    assert "<script>alert(1)" not in page
    assert "« &lt;script&gt;alert(1)&lt;/script&gt; »" in page
