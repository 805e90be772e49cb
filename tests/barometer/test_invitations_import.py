import io

from openpyxl import Workbook

from barometer.models import Invitation
from tests.factories.barometer import make_invitation


def upload(staff_client, campaign, name, content):
    file = io.BytesIO(content)
    file.name = name
    return staff_client.post(f"/barometre/equipe/{campaign.year}/invitations/importer/", {"file": file})


def test_csv_import_reports_bad_lines_imports_good_ones_and_merges_duplicates(staff_client, questionnaire):
    campaign = questionnaire.campaign
    make_invitation(questionnaire, email="deja@exemple.fr", name="")
    csv_content = (
        "email;nom;public\n"
        "Alice@Exemple.fr;Alice Martin;patients\n"
        "pas-une-adresse;Bob;patients\n"
        "claire@exemple.fr;Claire;astronautes\n"
        "alice@exemple.fr;Alice bis;patients\n"
        "deja@exemple.fr;Déjà Là;patients\n"
        ";;\n"
    ).encode()

    response = upload(staff_client, campaign, "contacts.csv", csv_content)

    body = response.content.decode()
    assert response.status_code == 200
    assert "1 invitation créée, 2 doublons fusionnés." in body
    assert "Ligne 3 : adresse électronique invalide : « pas-une-adresse »" in body
    assert "Ligne 4 : public inconnu : « astronautes »" in body
    assert sorted(Invitation.objects.values_list("email", "name")) == [
        ("alice@exemple.fr", "Alice Martin"),
        ("deja@exemple.fr", "Déjà Là"),
    ]


def test_xlsx_import_in_any_column_order(staff_client, questionnaire):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Public", "Nom", "Email"])
    sheet.append(["patients", "Zoé", "zoe@exemple.fr"])
    sheet.append(["patients", "Yann", None])
    content = io.BytesIO()
    workbook.save(content)

    response = upload(staff_client, questionnaire.campaign, "contacts.xlsx", content.getvalue())

    body = response.content.decode()
    assert "1 invitation créée, 0 doublon fusionné." in body
    assert "Ligne 3 : adresse électronique invalide : « vide »" in body
    assert Invitation.objects.get().questionnaire == questionnaire


def test_import_without_the_needed_columns_says_which(staff_client, questionnaire):
    response = upload(staff_client, questionnaire.campaign, "contacts.csv", b"nom;telephone\nAlice;0102\n")

    assert response.status_code == 400
    assert "il manque : email, public" in response.content.decode()
    assert Invitation.objects.count() == 0


def test_import_of_another_file_type_is_refused(staff_client, questionnaire):
    response = upload(staff_client, questionnaire.campaign, "contacts.pdf", b"%PDF")

    assert "Déposez un fichier .csv ou .xlsx." in response.content.decode()


def test_invitations_list_query_count_does_not_grow(
    staff_client, questionnaire, django_assert_max_num_queries
):
    for i in range(30):
        make_invitation(questionnaire, email=f"p{i}@exemple.fr")

    with django_assert_max_num_queries(12):
        response = staff_client.get(f"/barometre/equipe/{questionnaire.campaign.year}/invitations/")

    assert "p29@exemple.fr" in response.content.decode()
