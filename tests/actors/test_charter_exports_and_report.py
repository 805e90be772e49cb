"""Staff exports of the signatories (CSV / XLSX, formula-safe), the annual PDF report, figures."""

import csv
import io
from datetime import timedelta

import pypdf
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from openpyxl import load_workbook

from actors.charter_enums import Attendance
from actors.models import Decision, MeetingParticipant
from actors.reports import build_annual_report
from cops.reports import ReportError, report_request
from tests.factories.charter import (
    CharterVersionFactory,
    PersonFactory,
    StructureFactory,
    committee,
    hide_name,
    make_meeting,
    sign,
)


@pytest.fixture
def version(db):
    return CharterVersionFactory(year=timezone.localdate().year)


@pytest.fixture
def signed(version):
    structure = StructureFactory(name='=HYPERLINK("http://evil.example","clic")')
    person = hide_name(PersonFactory(first_name="Denise", last_name="Secretnom", user=None))
    sign(version, structure=structure)
    sign(version, person=person)
    return structure, person


def test_csv_export_is_staff_only_and_neutralises_formulas(signed, staff_client, partner_client, version):
    assert partner_client.get("/charte/signataires/export/csv/").status_code == 403

    response = staff_client.get(f"/charte/signataires/export/csv/?annee={version.year}")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="signataires-charte-{version.year}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Charte", "Type", "Signataire"]
    names = sorted(row[2] for row in rows[1:])
    # The staff see every signatory (the name hidden from the public too); a formula stays text.
    assert names == ['\'=HYPERLINK("http://evil.example","clic")', "Denise Secretnom"]


def test_xlsx_export_keeps_formulas_as_text(signed, staff_client, version):
    response = staff_client.get(f"/charte/signataires/export/xlsx/?annee={version.year}")

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][2] == "Signataire"
    cells = {row[2]: sheet.cell(row=index + 1, column=3) for index, row in enumerate(values)}
    formula_cell = cells['\'=HYPERLINK("http://evil.example","clic")']
    assert formula_cell.data_type == "s"


def test_unknown_export_format_is_404(signed, staff_client):
    assert staff_client.get("/charte/signataires/export/pdf/").status_code == 404


def test_annual_report_pdf_has_signatories_committees_meetings_and_decisions(signed, version, staff_user):
    year = version.year
    structure = StructureFactory(name="CHU de Nîmes")
    sign(version, structure=structure)
    meeting = make_meeting(
        committee("copil"),
        title="Examen des demandes d'appui",
        starts_at=timezone.make_aware(timezone.datetime(year, 1, 15, 10)),
        ends_at=timezone.make_aware(timezone.datetime(year, 1, 15, 12)),
    )
    MeetingParticipant.objects.create(
        meeting=meeting, name="A", email="a@exemple.fr", attendance=Attendance.PRESENT
    )
    Decision.objects.create(meeting=meeting, position=1, text="Deux demandes d'appui sont acceptées.")

    report = build_annual_report({"year": year})

    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(report.content)).pages)
    assert report.filename == f"rapport-activite-cops-{year}.pdf"
    assert f"Rapport d'activité {year} du COPS" in text
    assert f"Signataires de la charte {year} 3" in text
    assert "CHU de Nîmes" in text
    assert "Examen des demandes d'appui" in text
    assert "Deux demandes d'appui sont acceptées." in text
    assert "Type de participation" in text and "Localisation en Occitanie" in text
    assert "Secretnom" not in text  # a name hidden from the public stays out of the report


def test_annual_report_refuses_a_future_year(db):
    with pytest.raises(ReportError):
        build_annual_report({"year": timezone.localdate().year + 1})


def test_annual_report_is_requested_by_staff_only(
    staff_user, partner, db, django_capture_on_commit_callbacks
):
    with pytest.raises(PermissionDenied):
        report_request(kind="actors.annual_report", params={"year": 2025}, by=partner)

    job = report_request(kind="actors.annual_report", params={"year": 2025}, by=staff_user)

    assert job.title == "Rapport d'activité 2025 du COPS"


def test_annual_report_request_page_redirects_to_the_job(staff_client, db):
    response = staff_client.post("/charte/gestion/rapport-annuel/", {"year": "2025"})

    assert response.status_code == 302
    assert response["Location"].startswith("/rapports/")


def test_home_figures_count_signatories_and_meetings_of_the_year(signed, version, client):
    make_meeting(committee("cotec"), starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now())

    page = client.get("/").content.decode()

    assert f"signataires de la charte {version.year}" in page
    assert f"réunions des instances en {timezone.localdate().year}" in page


def test_staff_home_lists_the_charter_and_committee_tools(staff_client, db):
    page = staff_client.get("/equipe/").content.decode()

    assert "Charte d&#x27;engagement" in page or "Charte d'engagement" in page
    assert 'href="/charte/gestion/"' in page
    assert 'href="/comites/gestion/"' in page
