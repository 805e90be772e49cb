"""No group output may say who gave which score: seed unique names and comments, then look for them."""

from pathlib import Path

import pypdf
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cops.enums import ReportStatus
from cops.reports import report_request
from selfassess.enums import Side
from selfassess.services import joint_rating_save, session_close_individual
from tests.factories.selfassess import ParticipantFactory
from tests.selfassess.conftest import rate, text

NAMES = ["Zéphirine MARQUEURNOMPRO", "Anatole MARQUEURNOMPRODEUX", "Honorine MARQUEURNOMUSAGER"]
COMMENTS = ["COMMENTAIREMARQUEUR-ALPHA", "COMMENTAIREMARQUEUR-BETA", "COMMENTAIREMARQUEUR-GAMMA"]
EMAILS = ["zephirine@marqueur.fr", "anatole@marqueur.fr", "honorine@marqueur.fr"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def marked_session(session, staff_user):
    sides = [Side.PROFESSIONAL, Side.PROFESSIONAL, Side.USER]  # the user side has a single respondent
    participants = []
    for name, comment, email, side in zip(NAMES, COMMENTS, EMAILS, sides, strict=True):
        participant = ParticipantFactory(session=session, name=name, email=email, side=side)
        rate(participant, {"a": 1, "b": 2, "c": 3}, {"a": comment, "b": comment})
        participants.append(participant)
    session.group_label = "Groupe marqué"
    session.save()
    session_close_individual(session=session, by=staff_user)
    criterion = session.framework.criteria.get(code="a")
    joint_rating_save(session=session, criterion=criterion, score=2, note="Note du groupe", by=staff_user)
    session.marked_participants = participants
    return session


def assert_no_marker(content: str, where: str) -> None:
    for marker in NAMES + COMMENTS + EMAILS + ["MARQUEUR"]:
        assert marker not in content, f"{marker!r} leaked into {where}"


@pytest.mark.django_db
def test_facilitator_group_outputs_carry_no_name_nor_comment(staff_client, marked_session):
    criterion = marked_session.framework.criteria.get(code="b")
    pages = {
        "target page": staff_client.get(reverse("selfassess:session_target", args=[marked_session.pk])),
        "history page": staff_client.get(reverse("selfassess:session_history", args=[marked_session.pk])),
        "history (users)": staff_client.get(
            reverse("selfassess:session_history", args=[marked_session.pk]) + "?serie=usager"
        ),
        "joint rating partial": staff_client.post(
            reverse("selfassess:joint_rating", args=[marked_session.pk, criterion.pk]),
            {f"j{criterion.pk}-score": "1"},
            HTTP_HX_REQUEST="true",
        ),
        "session list": staff_client.get(reverse("selfassess:index")),
    }

    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_no_marker(text(response), where)
    # The single user is flagged, not named.
    assert "Usagers : une seule personne a répondu." in text(pages["target page"])


@pytest.mark.django_db
def test_session_detail_names_people_but_never_their_comments(staff_client, marked_session):
    content = text(staff_client.get(marked_session.get_absolute_url()))

    assert all(name in content for name in NAMES)
    assert all(comment not in content for comment in COMMENTS)


@pytest.mark.django_db
def test_participant_results_carry_no_name_nor_comment(marked_session):
    client = Client()
    client.get(reverse("selfassess:join", args=[marked_session.marked_participants[0].token]))

    response = client.get(reverse("selfassess:participant_results", args=[marked_session.pk]))

    assert response.status_code == 200
    assert_no_marker(text(response), "participant results")


@pytest.mark.django_db
def test_pdf_and_its_email_carry_no_name_nor_comment(
    staff_user, marked_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind="selfassess.session", params={"session_id": marked_session.pk}, by=staff_user
        )

    job.refresh_from_db()
    assert job.status == ReportStatus.DONE
    content = "\n".join(page.extract_text() for page in pypdf.PdfReader(Path(job.file.path)).pages)
    assert "Note du groupe" in content  # the PDF was read: the joint note is there
    assert_no_marker(content, "PDF")
    assert_no_marker(job.title, "report title")
    for message in mail.outbox:
        assert_no_marker(message.subject + message.body, "report email")
