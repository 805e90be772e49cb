from pathlib import Path

import pypdf
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cops.enums import ReportStatus
from cops.reports import report_request
from selfassess.enums import Side, Step
from selfassess.models import JointRating, Rating
from selfassess.services import joint_rating_save, session_close, session_close_individual
from tests.factories.selfassess import AssessmentSessionFactory, ParticipantFactory
from tests.selfassess.conftest import rate, text

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def pdf_text(job) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(Path(job.file.path)).pages)


@pytest.fixture
def group_session(rated_session, staff_user):
    session_close_individual(session=rated_session, by=staff_user)
    return rated_session


@pytest.mark.django_db
def test_target_page_orders_criteria_by_divergence(staff_client, group_session):
    content = text(staff_client.get(reverse("selfassess:session_target", args=[group_session.pk])))

    positions = [
        content.index(f'<h3 class="h5" id="titre-critere-{c.pk}">') for c in _criteria(group_session)
    ]
    by_code = dict(zip("abcde", positions, strict=True))
    assert by_code["b"] < by_code["a"] < by_code["d"] < by_code["c"] < by_code["e"]
    # The gap says which side rates higher; « c » (2 and 2) is a tie, flagged as one.
    assert (
        "Écart entre les côtés : <strong>les professionnels notent plus haut de 3,0 points</strong>"
        in content
    )
    assert "Écart entre les côtés : <strong>les usagers notent plus haut de 2,0 points</strong>" in content
    assert "Écart entre les côtés : <strong>les usagers notent plus haut de 1,7 point</strong>" in content
    assert '<strong class="sa-tie">Égalité : à discuter aussi</strong>' in content
    assert "Écart entre les côtés : <strong>incomplet, un côté n'a pas répondu</strong>" in content
    assert "2 professionnels ont répondu, 3 usagers" in content
    assert "Professionnels (moyenne)" in content and "Usagers (moyenne)" in content
    assert "Note commune" not in _legend(content)
    # The numbers table: mean, range and count per side, the gap.
    assert "<strong>2</strong> (1 – 3) · 2" in content
    assert "<strong>1,7</strong> (1 – 2) · 3" in content
    assert "<svg" in content and 'role="img"' in content


def _criteria(session):
    return list(session.framework.criteria.order_by("code"))


def _legend(content: str) -> str:
    start = content.index('<ul class="chart-legend"')
    return content[start : content.index("</ul>", start)]


@pytest.mark.django_db
def test_target_single_respondent_side_is_flagged(staff_client, session, staff_user):
    rate(ParticipantFactory(session=session, side=Side.PROFESSIONAL, name="Seule Pro"), {"a": 3})
    rate(ParticipantFactory(session=session, side=Side.USER), {"a": 1})
    rate(ParticipantFactory(session=session, side=Side.USER), {"a": 2})
    session_close_individual(session=session, by=staff_user)

    content = text(staff_client.get(reverse("selfassess:session_target", args=[session.pk])))

    assert "Professionnels : une seule personne a répondu." in content
    assert "Seule Pro" not in content


@pytest.mark.django_db
def test_joint_rating_plain_post_saves_and_shows_third_layer(staff_client, group_session, staff_user):
    criterion = group_session.framework.criteria.get(code="b")

    response = staff_client.post(
        reverse("selfassess:joint_rating", args=[group_session.pk, criterion.pk]),
        {f"j{criterion.pk}-score": "2", f"j{criterion.pk}-note": "On se rapproche"},
    )
    page = text(staff_client.get(reverse("selfassess:session_target", args=[group_session.pk])))

    assert response.status_code == 302
    assert response["Location"].endswith(f"#critere-{criterion.pk}")
    joint = JointRating.objects.get()
    assert (joint.criterion, joint.score, joint.note, joint.updated_by) == (
        criterion,
        2,
        "On se rapproche",
        staff_user,
    )
    assert "Note commune" in _legend(page)
    assert "On se rapproche" in page


@pytest.mark.django_db
def test_joint_rating_htmx_returns_status_chart_and_table(staff_client, group_session):
    criterion = group_session.framework.criteria.get(code="a")

    response = staff_client.post(
        reverse("selfassess:joint_rating", args=[group_session.pk, criterion.pk]),
        {f"j{criterion.pk}-score": "3", f"j{criterion.pk}-note": ""},
        **HTMX,
    )

    content = text(response)
    assert '<span class="sa-saved">Enregistrée</span>' in content
    assert 'id="sa-target-chart" hx-swap-oob="true"' in content
    assert 'id="sa-numbers" hx-swap-oob="true"' in content
    assert 'id="sa-sectors" hx-swap-oob="true"' in content
    assert "Note commune" in _legend(content)
    assert JointRating.objects.get().score == 3


@pytest.mark.django_db
def test_joint_rating_bad_score_refused_and_input_kept(staff_client, group_session):
    criterion = group_session.framework.criteria.get(code="a")

    response = staff_client.post(
        reverse("selfassess:joint_rating", args=[group_session.pk, criterion.pk]),
        {f"j{criterion.pk}-score": "12", f"j{criterion.pk}-note": "Ma note longue à garder"},
    )
    htmx = staff_client.post(
        reverse("selfassess:joint_rating", args=[group_session.pk, criterion.pk]),
        {f"j{criterion.pk}-note": "sans note"},
        **HTMX,
    )

    assert response.status_code == 400
    assert "La note commune n'a pas été enregistrée" in text(response)
    assert "La note doit être un nombre entier de 0 à 4." in text(response)
    assert "Ma note longue à garder" in text(response)
    assert "Choisissez une note de 0 à 4." in text(htmx)
    assert JointRating.objects.count() == 0


@pytest.mark.django_db
def test_joint_rating_refused_once_session_closed(staff_client, group_session, staff_user):
    session_close(session=group_session, by=staff_user)
    criterion = group_session.framework.criteria.get(code="a")

    response = staff_client.post(
        reverse("selfassess:joint_rating", args=[group_session.pk, criterion.pk]),
        {f"j{criterion.pk}-score": "3"},
    )

    assert response.status_code == 400
    assert "Cette séance est terminée : les notes communes ne peuvent plus changer." in text(response)
    assert JointRating.objects.count() == 0


@pytest.mark.django_db
def test_joint_rating_forbidden_to_other_partner(client, other_partner, group_session):
    client.force_login(other_partner)
    criterion = group_session.framework.criteria.get(code="a")

    response = client.post(
        reverse("selfassess:joint_rating", args=[group_session.pk, criterion.pk]),
        {f"j{criterion.pk}-score": "3"},
    )

    assert response.status_code == 403
    assert JointRating.objects.count() == 0


@pytest.mark.django_db
def test_summary_and_close_session(staff_client, group_session):
    staff_client.post(
        reverse("selfassess:session_summary", args=[group_session.pk]), {"summary": "Bilan partagé"}
    )

    response = staff_client.post(reverse("selfassess:session_close", args=[group_session.pk]), follow=True)

    group_session.refresh_from_db()
    assert (group_session.summary, group_session.step) == ("Bilan partagé", Step.CLOSED)
    assert "La séance est terminée" in text(response)
    assert "Enregistrer la note commune" not in text(response)


@pytest.mark.django_db
def test_history_puts_group_sessions_on_one_chart(staff_client, staff_user, framework):
    sessions = []
    for number, (held_on, score) in enumerate([("2026-01-15", 1), ("2026-06-15", 3)]):
        session = AssessmentSessionFactory(
            framework=framework,
            facilitator=staff_user,
            title=f"Étape {number}",
            group_label="GT parcours",
            held_on=held_on,
        )
        rate(ParticipantFactory(session=session, side=Side.PROFESSIONAL), {"a": score, "b": score})
        rate(ParticipantFactory(session=session, side=Side.USER), {"a": score + 1, "b": score})
        session_close_individual(session=session, by=staff_user)
        criterion = framework.criteria.get(code="a")
        joint_rating_save(session=session, criterion=criterion, score=score, by=staff_user)
        sessions.append(session)
    other = AssessmentSessionFactory(
        framework=framework, facilitator=staff_user, title="Autre groupe", group_label="GT x"
    )
    rate(ParticipantFactory(session=other), {"a": 4})
    session_close_individual(session=other, by=staff_user)

    joint = text(staff_client.get(reverse("selfassess:session_history", args=[sessions[1].pk])))
    users = text(
        staff_client.get(reverse("selfassess:session_history", args=[sessions[1].pk]) + "?serie=usager")
    )

    assert "15 janvier 2026 — Étape 0" in joint and "15 juin 2026 — Étape 1" in joint
    assert "Autre groupe" not in joint
    assert "Évolution du groupe : notes communes" in joint
    assert "Évolution du groupe : moyennes des usagers" in users
    table = users[users.index('<table class="table table-sm chart-table">') :]
    assert '<th scope="row">1. Court a</th><td>2</td><td>4</td>' in table.replace("\n", "").replace("  ", "")


@pytest.mark.django_db
def test_session_pdf_report_has_chart_table_joint_and_notes(
    staff_user, group_session, django_capture_on_commit_callbacks
):
    criterion = group_session.framework.criteria.get(code="b")
    joint_rating_save(
        session=group_session, criterion=criterion, score=2, note="Plan : binôme référent", by=staff_user
    )

    with django_capture_on_commit_callbacks(execute=True):
        job = report_request(
            kind="selfassess.session", params={"session_id": str(group_session.pk)}, by=staff_user
        )

    job.refresh_from_db()
    assert job.status == ReportStatus.DONE, job.error
    assert job.title == "Auto-évaluation : Groupe qualité"
    content = " ".join(pdf_text(job).split())
    assert "Auto-évaluation : Groupe qualité" in content
    assert "Cible : " in content
    assert (
        "Professionnels (moyenne)" in content and "Usagers (moyenne)" in content and "Note commune" in content
    )
    assert "Note commune : 2 / 4 — Action parfois réalisée conjointement" in content
    assert "Plan : binôme référent" in content
    assert "2 professionnels ont répondu" in content


@pytest.mark.django_db
def test_session_pdf_refused_before_group_step_and_to_others(rated_session, staff_user, other_partner):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        report_request(kind="selfassess.session", params={"session_id": str(rated_session.pk)}, by=staff_user)
    session_close_individual(session=rated_session, by=staff_user)
    with pytest.raises(PermissionDenied):
        report_request(
            kind="selfassess.session", params={"session_id": str(rated_session.pk)}, by=other_partner
        )


@pytest.mark.django_db
def test_target_page_offers_pdf_through_report_job(staff_client, group_session):
    page = text(staff_client.get(reverse("selfassess:session_target", args=[group_session.pk])))

    response = staff_client.post(
        reverse("platform:report_request"),
        {"kind": "selfassess.session", "param_session_id": group_session.pk},
    )

    assert "Télécharger le compte rendu (PDF)" in page
    assert response.status_code == 302
    assert response["Location"].startswith("/rapports/")


@pytest.mark.django_db
def test_participant_results_page_after_close(group_session):
    participant = ParticipantFactory(session=group_session, side=Side.USER)
    client = Client()
    client.get(reverse("selfassess:join", args=[participant.token]))

    content = text(client.get(reverse("selfassess:participant_results", args=[group_session.pk])))

    assert "La cible du groupe" in content
    assert "Professionnels (moyenne)" in content
    assert "Enregistrer la note commune" not in content


@pytest.mark.django_db
def test_target_page_query_count_does_not_grow_with_the_group(staff_client, group_session):
    url = reverse("selfassess:session_target", args=[group_session.pk])
    with CaptureQueriesContext(connection) as small:
        staff_client.get(url)
    for number in range(10):
        participant = ParticipantFactory(
            session=group_session, side=Side.USER if number % 2 else Side.PROFESSIONAL
        )
        for criterion in group_session.framework.criteria.all():
            Rating.objects.create(participant=participant, criterion=criterion, score=number % 5)

    with CaptureQueriesContext(connection) as large:
        response = staff_client.get(url)

    assert response.status_code == 200
    assert len(large) == len(small)
