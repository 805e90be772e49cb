import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from barometer import exports, results
from barometer.enums import CampaignStatus, Public, ResponseStatus
from barometer.logic import OTHER
from barometer.models import Answer, Contact, PublishedReport, Response
from barometer.services import campaigns as campaign_services
from barometer.services import follow_ups
from barometer.services.reports import report_publish
from tests.factories.barometer import CampaignFactory, make_questionnaire


def add_response(questionnaire, answers: dict, *, submitted=True, day=None):
    """A response written directly: the answering flow is tested elsewhere."""
    today = day or timezone.localdate()
    response = Response.objects.create(
        questionnaire=questionnaire,
        status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
        consented_on=today,
        started_on=today,
        submitted_on=today if submitted else None,
    )
    questions = {q.code: q for q in questionnaire.questions.all()}
    for code, value in answers.items():
        if isinstance(value, list):
            Answer.objects.create(response=response, question=questions[code], choices=value)
        elif isinstance(value, tuple):  # (choices, other text)
            Answer.objects.create(
                response=response, question=questions[code], choices=value[0], text=value[1]
            )
        elif isinstance(value, int | float):
            Answer.objects.create(response=response, question=questions[code], number=value)
        else:
            Answer.objects.create(response=response, question=questions[code], text=value)
    return response


@pytest.fixture
def answered(questionnaire):
    """12 'oui', 3 'non' to engage; 7 patients, 6 proches, 2 other; numbers 1..15."""
    for i in range(15):
        add_response(
            questionnaire,
            {
                "profil": ["patient"] if i < 7 else ["proche"] if i < 13 else ([OTHER], "Médiatrice"),
                "engage": ["oui"] if i < 12 else ["non"],
                "nombre": i + 1,
                "freins": ["temps", "benevolat"] if i % 2 else ["temps"],
                "metier": "=cmd|' /C calc'!A0" if i == 0 else "Infirmière",
            },
        )
    add_response(questionnaire, {"profil": ["patient"]}, submitted=False)  # a draft never counts
    return questionnaire


def by_label(result):
    return {row.label: (row.count, row.percent) for row in result.rows}


def test_distribution_counts_submitted_answers_only(answered):
    found = {r.question.code: r for r in results.questionnaire_results(answered)}

    assert found["engage"].answered == 15
    assert by_label(found["engage"]) == {"Oui": (12, 80.0), "Non": (3, 20.0)}
    assert by_label(found["profil"]) == {
        "Patient partenaire": (7, 46.7),
        "Proche-aidant": (6, 40.0),
        "Autre": (2, 13.3),
    }
    assert by_label(found["freins"])["Le manque de temps"] == (15, 100.0)
    assert found["nombre"].stats["n"] == 15
    assert float(found["nombre"].stats["mean"]) == 8.0
    assert found["engage"].chart.rows[0][0] == "Oui"


def test_public_results_hide_cells_under_five_and_their_complement(answered):
    found = {r.question.code: r for r in results.questionnaire_results(answered, public=True)}

    # "Non" (3) is under 5; hiding it alone would leave it deducible from the total: "Oui" goes too.
    assert by_label(found["engage"]) == {"Oui": (None, None), "Non": (None, None)}
    # "Autre" (2) is hidden, and the smallest other cell (6) with it.
    assert by_label(found["profil"]) == {
        "Patient partenaire": (7, 46.7),
        "Proche-aidant": (None, None),
        "Autre": (None, None),
    }
    assert found["depuis"].masked is True
    assert found["depuis"].answered is None


def test_public_results_page_needs_publication_and_never_shows_small_cells(client, answered):
    campaign = answered.campaign

    hidden = client.get(f"/barometre/resultats/{campaign.year}/")
    campaign.status = CampaignStatus.PUBLISHED
    campaign.save()
    shown = client.get(f"/barometre/resultats/{campaign.year}/")
    section = client.get(f"/barometre/resultats/{campaign.year}/public/patients/")

    body = section.content.decode()
    assert hidden.status_code == 404
    assert shown.status_code == 200
    assert section.status_code == 200
    assert "Résultat non affiché : moins de 5 réponses." in body
    assert "46,7" in body
    assert ">13,3" not in body and ">2<" not in body


def test_public_results_never_show_a_number_questions_extremes(client, answered):
    campaign = answered.campaign
    campaign.status = CampaignStatus.PUBLISHED
    campaign.save()

    found = {r.question.code: r for r in results.questionnaire_results(answered, public=True)}
    public = client.get(f"/barometre/resultats/{campaign.year}/public/patients/").content.decode()

    # 1..15: the minimum and the maximum are one respondent's answer each.
    assert found["nombre"].stats == {"n": 15, "mean": 8, "median": 8}
    assert "Minimum – maximum" not in public
    staff = {r.question.code: r for r in results.questionnaire_results(answered)}
    assert (staff["nombre"].stats["min"], staff["nombre"].stats["max"]) == (1, 15)


def test_comparison_with_previous_edition_uses_question_codes(db):
    first = CampaignFactory(year=2040, status=CampaignStatus.CLOSED)
    q2040 = make_questionnaire(first)
    for i in range(10):
        add_response(q2040, {"engage": ["oui"] if i < 5 else ["non"]})
    second = campaign_services.campaign_copy(
        source=first, year=2041, title="2041", opens_on=timezone.localdate(), closes_on=timezone.localdate()
    )
    q2041 = second.questionnaires.get(public=Public.PATIENTS)
    for _i in range(10):
        add_response(q2041, {"engage": ["oui"]})

    engage = next(r for r in results.questionnaire_results(q2041) if r.question.code == "engage")

    assert [(row.label, row.percent, row.previous_percent) for row in engage.rows] == [
        ("Oui", 100.0, 50.0),
        ("Non", 0.0, 50.0),
    ]
    # Every comparison names the earlier edition and its number of people.
    assert [s.label for s in [*engage.chart.legend]] == ["2040 · 10 personnes", "2041 · 10 personnes"]


def test_cross_tabs_put_publics_side_by_side(db):
    campaign = CampaignFactory()
    patients = make_questionnaire(campaign, Public.PATIENTS)
    teams = make_questionnaire(campaign, Public.CARE_TEAMS)
    for _i in range(4):
        add_response(patients, {"engage": ["oui"]})
    for i in range(5):
        add_response(teams, {"engage": ["oui"] if i < 1 else ["non"]})

    tab = next(t for t in results.cross_tabs(campaign) if t.code == "engage")
    public_tab = next(t for t in results.cross_tabs(campaign, public=True) if t.code == "engage")

    assert tab.publics == ["Patients et proches", "Équipes de soins"]
    assert tab.rows == [("Oui", [100.0, 20.0]), ("Non", [0.0, 80.0])]
    assert public_tab.rows == [("Oui", [None, None]), ("Non", [None, None])]
    assert public_tab.answered == [None, 5]
    assert public_tab.chart.rows[0][1:] == ["< 5", "< 5"]
    assert public_tab.hidden == [[True, True], [True, True]]


def test_staff_dashboards_show_rates_and_charts(staff_client, answered, django_assert_max_num_queries):
    campaign = answered.campaign
    from tests.factories.barometer import make_invitation

    make_invitation(answered, email="a@exemple.fr").__class__.objects.filter(email="a@exemple.fr").update(
        has_responded=True
    )
    make_invitation(answered, email="b@exemple.fr")

    with django_assert_max_num_queries(40):
        overview = staff_client.get(f"/barometre/equipe/{campaign.year}/resultats/")
    detail = staff_client.get(f"/barometre/equipe/questionnaires/{answered.pk}/resultats/")

    assert "Taux de réponse des personnes invitées, par public" in overview.content.decode()
    assert "<svg" in overview.content.decode()
    assert "Réponses envoyées, par jour et en cumul" in overview.content.decode()
    assert "15 réponses envoyées" in detail.content.decode()
    rates = {p.questionnaire.public: p.rate for p in results.participation(campaign)}
    assert rates["patients"] == 50.0


def test_free_texts_are_searchable_and_taggable(staff_client, answered):
    other = Answer.objects.filter(question__code="profil", text="Médiatrice").first()

    search = staff_client.get(f"/barometre/equipe/questionnaires/{answered.pk}/textes/?q=mediatrice")
    tagged = staff_client.post(
        f"/barometre/equipe/reponses/{other.pk}/etiquettes/",
        {"tags": ["levier", "besoin"], "featured": "on"},
        HTTP_HX_REQUEST="true",
    )
    by_tag = staff_client.get(f"/barometre/equipe/questionnaires/{answered.pk}/textes/?etiquette=levier")

    assert "2 réponses" in search.content.decode()
    other.refresh_from_db()
    assert (other.tags, other.featured) == (["besoin", "levier"], True)
    assert "Enregistré" in tagged.content.decode()
    assert "1 réponse" in by_tag.content.decode()


def test_csv_export_streams_one_row_per_response_and_neutralises_formulas(staff_client, answered):
    response = staff_client.get(f"/barometre/equipe/{answered.campaign.year}/export.csv")

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(content), delimiter=";"))
    header = table[0]
    assert response["Content-Disposition"] == 'attachment; filename="barometre-2026-reponses.csv"'
    assert header[:3] == ["réponse", "public", "envoyée le"]
    assert "contact_email" in header
    assert len(table) == 16
    first = dict(zip(header, table[1], strict=True))
    assert first["metier"] == "'=cmd|' /C calc'!A0"
    # A choice question: its answers' codes, then their labels under the question's wording.
    assert (first["profil"], first["Vous êtes…"]) == ("patient", "Patient partenaire")
    assert first["nombre"] == "1"
    last = dict(zip(header, table[-1], strict=True))
    assert (last["profil"], last["Vous êtes…"]) == ("_autre", "Autre : Médiatrice")
    assert (last["freins"], last["Quels freins ?"]) == ("temps", "Le manque de temps")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+33 6", "'+33 6"),
        ("-2", "'-2"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-1+cmd", "'-1+cmd"),
        ("texte", "texte"),
        (-2, -2),
    ],
)
def test_neutralise_prefixes_spreadsheet_formulas(value, expected):
    assert exports.neutralise(value) == expected


def test_xlsx_export_has_the_same_rows(staff_client, answered):
    response = staff_client.get(f"/barometre/equipe/{answered.campaign.year}/export.xlsx")

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 16
    header = rows[0]
    assert rows[1][header.index("metier")] == "'=cmd|' /C calc'!A0"
    assert rows[1][header.index("nombre")] == 1


def test_export_is_for_staff_only(partner_client, answered):
    assert partner_client.get(f"/barometre/equipe/{answered.campaign.year}/export.csv").status_code == 403


def test_leads_get_one_invitation_to_register(
    staff_client, questionnaire, django_capture_on_commit_callbacks
):
    campaign = questionnaire.campaign
    lead = Contact.objects.create(
        campaign=campaign, public="patients", email="lead@exemple.fr", wants_to_join=True
    )
    Contact.objects.create(
        campaign=campaign, public="patients", email="rapport@exemple.fr", wants_report=True
    )

    page = staff_client.get(f"/barometre/equipe/{campaign.year}/contacts/")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/barometre/equipe/{campaign.year}/contacts/inviter/", {"contact": lead.pk})
        staff_client.post(f"/barometre/equipe/{campaign.year}/contacts/inviter/")

    assert "lead@exemple.fr" in page.content.decode()
    assert "rapport@exemple.fr" not in page.content.decode()
    assert [m.to for m in mail.outbox] == [["lead@exemple.fr"]]
    assert "http://testserver/compte/inscription/" in mail.outbox[0].body
    lead.refresh_from_db()
    assert lead.join_invited_at is not None


def test_report_link_goes_once_to_those_who_asked(questionnaire, django_capture_on_commit_callbacks):
    campaign = questionnaire.campaign
    Contact.objects.create(
        campaign=campaign, public="patients", email="rapport@exemple.fr", wants_report=True
    )
    Contact.objects.create(campaign=campaign, public="patients", email="lead@exemple.fr", wants_to_join=True)

    with pytest.raises(follow_ups.NotPublished):
        follow_ups.contacts_send_report(campaign=campaign)
    campaign.status = CampaignStatus.PUBLISHED
    campaign.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = follow_ups.contacts_send_report(campaign=campaign)
        second = follow_ups.contacts_send_report(campaign=campaign)

    assert (first, second) == (1, 0)
    assert [m.to for m in mail.outbox] == [["rapport@exemple.fr"]]
    assert f"http://testserver/barometre/resultats/{campaign.year}/" in mail.outbox[0].body


def test_pdf_report_has_charts_quotes_and_hides_small_cells(answered):
    campaign = answered.campaign
    campaign.status = CampaignStatus.PUBLISHED
    campaign.save()
    Answer.objects.filter(question__code="metier", text="Infirmière").update(featured=True)

    report = report_publish(campaign_id=campaign.pk)

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(report.content))).pages)
    assert "Baromètre 2026" in text
    assert "La participation" in text
    assert "« Infirmière »" in text
    assert "Non affiché : moins de 5 réponses." in text
    assert "Êtes-vous engagé(e) ?" in text
    assert PublishedReport.objects.get().campaign == campaign


def test_pdf_report_is_registered_as_a_report_job(staff_user, answered):
    from cops.reports import get_report_type

    report_type = get_report_type("barometer.campaign")

    assert report_type.can_request(staff_user, {"year": 2026}) is True
    assert report_type.build({"year": 2026}).content.startswith(b"%PDF")


def test_public_landing_lists_open_questionnaires_and_published_results(client, answered, db):
    past = CampaignFactory(
        year=2024,
        status=CampaignStatus.PUBLISHED,
        opens_on=timezone.localdate() - timedelta(days=700),
        closes_on=timezone.localdate() - timedelta(days=600),
    )
    make_questionnaire(past)

    body = client.get("/barometre/").content.decode()

    assert "L'édition 2026 est ouverte" in body
    assert f"/barometre/q/{answered.public_key}/" in body
    assert "/barometre/resultats/2024/" in body
