"""Issue 20 item 2: one usager and six professionals answer; the usager's answers must not show.

A side with fewer than 5 answers is shown only within « Ensemble » for every reader but the COPS
team (the référent's page and dossier); the team sees the split, marked as internal.
"""

import html
import re

import pytest

from accompaniment.dossier import dossier_context
from accompaniment.enums import Side
from accompaniment.selectors import evaluation_summary
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import evaluations as evaluation_services
from cops.enums import ReportStatus
from cops.reports import report_request
from tests.accompaniment.conftest import advance
from tests.accompaniment.test_reports import pdf_text

pytestmark = pytest.mark.django_db

SENTENCE = (
    "Moins de 5 réponses d'un côté : les réponses sont présentées ensemble "
    "pour qu'aucune ne puisse être rattachée à une personne."
)


@pytest.fixture
def answered(accompaniment, staff_user, participants):
    """Inès (usager) answers 1 everywhere; Paul and five colleagues (professionnels) answer 5."""
    advance(accompaniment, staff_user, participants, phases=3)
    for n in range(5):
        acc_services.participant_add(
            accompaniment=accompaniment,
            first_name=f"Pro{n}",
            last_name="Sète",
            email=f"pro{n}@sete.fr",
            side=Side.PROFESSIONAL,
        )
    evaluation = evaluation_services.evaluation_send_hot(accompaniment=accompaniment, by=staff_user)
    # Comments in reverse alphabetical order of answering: « Z… » first.
    for letter, invitation in zip(
        "ZYXWVUT", evaluation.invitations.select_related("participant").order_by("pk"), strict=True
    ):
        score = 1 if invitation.participant.side == Side.USER else 5
        evaluation_services.evaluation_answer(
            invitation=invitation,
            answers={
                q["code"]: (score if q["type"] == "echelle" else f"{letter} : très utile")
                for q in evaluation.questions
            },
        )
    return evaluation


def evaluation_rows(page: str) -> list[list[str]]:
    """The evaluation table's cells after each question, as a reader sees them."""
    table = re.search(r'<table class="table table-sm acc-eval-table">(.*?)</table>', page, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def scale_count(evaluation) -> int:
    return sum(1 for q in evaluation.questions if q["type"] == "echelle")


def test_the_referent_sees_the_sides_together_and_why(partner_client, referent, accompaniment, answered):
    page = partner_client.get(accompaniment.get_absolute_url()).content.decode()

    assert evaluation_rows(page) == [
        ["présentés ensemble (moins de 5 réponses d'un côté)", "4,4"]
    ] * scale_count(answered)
    assert SENTENCE in html.unescape(page)
    assert "Chiffres internes" not in page


def test_the_referent_dossier_shows_the_merged_figures_and_the_sentence(
    referent, accompaniment, answered, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    summary = evaluation_summary(answered)

    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind="accompaniment.dossier", params={"accompaniment": str(accompaniment.pk)}, by=referent
        )

    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    text = " ".join(pdf_text(job.file.read()).split())
    assert summary.merged is True
    assert [
        (item["mean_user"], item["mean_professional"], item["mean"]) for item in summary if "mean" in item
    ] == [(None, None, 4.4)] * scale_count(answered)
    assert SENTENCE in text
    assert "4,4" in text
    assert "1,0" not in text and "5,0" not in text
    assert "interne" not in text


def test_the_staff_sees_the_split_marked_internal(staff_client, accompaniment, answered):
    page = staff_client.get(accompaniment.get_absolute_url()).content.decode()

    assert evaluation_rows(page) == [["1,0", "5,0", "4,4"]] * scale_count(answered)
    assert "Usagers (interne)" in page and "Professionnels (interne)" in page
    assert "Chiffres internes" in page
    assert SENTENCE not in html.unescape(page)


def test_the_staff_dossier_keeps_the_split_marked_internal(accompaniment, answered):
    text = " ".join(pdf_text(_render_dossier(accompaniment, staff=True)).split())

    assert "Usagers (interne)" in text
    assert "1,0" in text and "5,0" in text


def test_a_question_answered_by_fewer_than_five_shows_no_figure(accompaniment, staff_user, participants):
    advance(accompaniment, staff_user, participants, phases=3)
    evaluation = evaluation_services.evaluation_send_hot(accompaniment=accompaniment, by=staff_user)
    for invitation in evaluation.invitations.all():
        evaluation_services.evaluation_answer(
            invitation=invitation,
            answers={q["code"]: (3 if q["type"] == "echelle" else "Bien") for q in evaluation.questions},
        )

    summary = evaluation_summary(evaluation)
    for_staff = evaluation_summary(evaluation, staff=True)

    assert (summary.hidden, summary.merged) == (True, False)
    assert {item["mean"] for item in summary if "mean" in item} == {None}
    assert {
        (item["mean_user"], item["mean_professional"], item["mean"]) for item in for_staff if "mean" in item
    } == {(3.0, 3.0, 3.0)}
    assert for_staff.internal is True


def _render_dossier(accompaniment, *, staff: bool) -> bytes:
    from cops.pdf import render_pdf

    return render_pdf("accompaniment/pdf/dossier.html", dossier_context(accompaniment, staff=staff))


def test_comments_reach_the_referent_only_from_five_answers(
    partner_client, staff_client, referent, accompaniment, staff_user, participants
):
    advance(accompaniment, staff_user, participants, phases=3)
    evaluation = evaluation_services.evaluation_send_hot(accompaniment=accompaniment, by=staff_user)
    for invitation in evaluation.invitations.all():
        evaluation_services.evaluation_answer(
            invitation=invitation,
            answers={
                q["code"]: (3 if q["type"] == "echelle" else f"Commentaire de {invitation.email}")
                for q in evaluation.questions
            },
        )

    referent_page = html.unescape(partner_client.get(accompaniment.get_absolute_url()).content.decode())
    staff_page = html.unescape(staff_client.get(accompaniment.get_absolute_url()).content.decode())

    assert evaluation.responses.count() < 5
    assert "Commentaire de" not in referent_page
    assert "les commentaires restent à l'équipe du COPS" in referent_page
    assert "Commentaire de" in staff_page


def test_comments_from_five_answers_come_in_alphabetical_order(answered):
    texts = [item for item in evaluation_summary(answered) if "comments" in item]

    assert [item["comments"] for item in texts] == [[f"{letter} : très utile" for letter in "TUVWXYZ"]] * len(
        texts
    )
    assert texts and all(item["comments_hidden"] is False for item in texts)
