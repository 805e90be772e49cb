"""The accompaniment dossier (PDF via the shared report job), the convention to sign, the portfolio export."""

import csv
import io
from datetime import timedelta

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accompaniment.exports import neutralise
from accompaniment.models import Action
from accompaniment.services import content as content_services
from cops.enums import ReportStatus
from cops.reports import report_request
from tests.accompaniment.conftest import advance

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def test_dossier_pdf_has_context_phases_findings_plan_indicators_and_evaluations(
    referent, accompaniment, participants, staff_user, private_media, django_capture_on_commit_callbacks
):
    advance(accompaniment, staff_user, participants, phases=4)
    content_services.finding_add(
        accompaniment=accompaniment, kind="potentialite", text="Un groupe de patients experts", by=staff_user
    )

    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind="accompaniment.dossier", params={"accompaniment": str(accompaniment.pk)}, by=referent
        )

    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    assert job.filename == "dossier-accompagnement-integrer-les-usagers-au-projet-detablissement.pdf"
    text = " ".join(pdf_text(job.file.read()).split())
    for expected in [
        "Dossier d'accompagnement : Intégrer les usagers au projet d'établissement",
        "Centre d'hémodialyse de Sète",
        "Retour d'expérience sur les actions de partenariat déjà menées",
        "Phase clôturée : Co-construction",
        "Levier (1)",
        "Des RU motivés",
        "Potentialité (1)",
        "Un groupe de patients experts",
        "Associer les RU au comité",
        "Inès Roux",
        "Réunions avec des RU",
        "Valeur mesurée",
        "Évaluation à chaud",
        "1 réponse(s) sur 2 invitation(s)",
        "Évaluation d'impact à distance",
        "à la demande de Sacha Martin",
    ]:
        assert expected in text, expected
    assert "ines.roux@sete.fr" not in text  # participants' addresses stay out of the dossier


def test_convention_to_sign_is_generated_as_a_pdf_by_the_report_job(
    staff_user, accompaniment, private_media, django_capture_on_commit_callbacks
):
    accompaniment.convention_start = timezone.localdate()
    accompaniment.convention_end = timezone.localdate() + timedelta(days=300)
    accompaniment.planned_interventions = 8
    accompaniment.save()

    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind="accompaniment.convention", params={"accompaniment": str(accompaniment.pk)}, by=staff_user
        )

    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    assert job.filename == "convention-a-signer-centre-dhemodialyse-de-sete.pdf"
    text = " ".join(pdf_text(job.file.read()).split())
    assert "Convention de partenariat" in text
    assert "Entre le COPS Occitanie et le Centre d'hémodialyse de Sète" in text
    assert "8 interventions sont prévues." in text
    assert f"{staff_user.get_full_name()}, professionnel de santé" in text
    assert "Accompagnement en cinq phases" in text


def test_convention_may_not_be_requested_by_another_partner(other_partner, accompaniment):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        report_request(
            kind="accompaniment.convention", params={"accompaniment": str(accompaniment.pk)}, by=other_partner
        )


def test_formula_like_text_is_neutralised_in_exports():
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert neutralise("+33 4 67") == "'+33 4 67"
    assert neutralise("-1") == "'-1"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("Projet des usagers") == "Projet des usagers"
    assert neutralise(3) == 3


def test_portfolio_csv_and_xlsx_exports_are_safe_and_complete(
    staff_client, accompaniment, participants, staff_user
):
    accompaniment.title = "=cmd|' /C calc'!A0"
    accompaniment.save()
    advance(accompaniment, staff_user, participants, phases=2)
    Action.objects.update(due_on=timezone.localdate() - timedelta(days=2))

    csv_response = staff_client.get(reverse("accompaniment:export_csv"))
    xlsx_response = staff_client.get(reverse("accompaniment:export_xlsx"))

    raw = csv_response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["Intitulé"] == "'=cmd|' /C calc'!A0"
    assert record["Structure"] == "Centre d'hémodialyse de Sète"
    assert record["Phase en cours"] == "Dynamique partenariale"
    assert (
        record["Participants"],
        record["Actions"],
        record["Actions en retard"],
        record["Indicateurs"],
    ) == (
        "2",
        "1",
        "1",
        "1",
    )
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    values = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert values[0] == header
    assert values[1][0] == "'=cmd|' /C calc'!A0"
    assert values[1][header.index("Actions en retard")] == 1
    assert xlsx_response["Content-Disposition"].startswith('attachment; filename="accompagnements-cops-')


def test_export_follows_the_board_filters(staff_client, accompaniment):
    matching = staff_client.get(reverse("accompaniment:export_csv") + "?support_type=projet")
    other = staff_client.get(reverse("accompaniment:export_csv") + "?support_type=formation")

    assert len(matching.content.decode("utf-8").strip().splitlines()) == 2
    assert len(other.content.decode("utf-8").strip().splitlines()) == 1
