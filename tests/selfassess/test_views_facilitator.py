import pytest
from django.core import mail
from django.urls import reverse

from selfassess.enums import Side, Step
from selfassess.models import AssessmentSession, Framework, Participant
from selfassess.services import session_close_individual
from tests.factories.actors import UnverifiedUserFactory
from tests.factories.charter import PersonFactory, StructureFactory, make_referent
from tests.factories.selfassess import AssessmentSessionFactory, ParticipantFactory
from tests.selfassess.conftest import rate, text


@pytest.mark.django_db
def test_index_presents_tool_to_visitors(client):
    response = client.get(reverse("selfassess:index"))

    content = text(response)
    assert response.status_code == 200
    assert "S'auto-évaluer dans le partenariat en santé" in content
    assert "Baromètre de la relation du partenariat en santé" in content
    assert "Se connecter pour animer une séance" in content
    assert "Mes séances" not in content


@pytest.mark.django_db
def test_index_lists_only_own_sessions_for_partner(partner_client, partner, other_partner):
    AssessmentSessionFactory(facilitator=partner, title="Ma séance à moi")
    AssessmentSessionFactory(facilitator=other_partner, title="Séance d'une autre")

    content = text(partner_client.get(reverse("selfassess:index")))

    assert "Mes séances" in content
    assert "Ma séance à moi" in content
    assert "Séance d'une autre" not in content


@pytest.mark.django_db
def test_index_lists_all_sessions_for_staff_with_constant_queries(
    staff_client, partner, django_assert_max_num_queries
):
    framework = Framework.objects.get(slug="se-situer")
    for number in range(12):
        session = AssessmentSessionFactory(facilitator=partner, framework=framework, title=f"Séance {number}")
        rate(ParticipantFactory(session=session), {"attentes-besoins": 2})

    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("selfassess:index"))

    content = text(response)
    assert content.count("sa-session-card") == 12
    assert "1 participant sur 1 a répondu" in content


@pytest.mark.django_db
def test_session_create_requires_verified_partner(client):
    unverified = UnverifiedUserFactory()
    client.force_login(unverified)

    assert client.get(reverse("selfassess:session_create")).status_code == 403


@pytest.mark.django_db
def test_session_create_anonymous_redirects_to_login(client):
    response = client.get(reverse("selfassess:session_create"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("actors:login"))


@pytest.mark.django_db
def test_session_create_by_referent(partner_client, partner):
    framework = Framework.objects.get(slug="barometre-relation-partenariat")
    structure = StructureFactory(name="Clinique du Lac")
    make_referent(PersonFactory(user=partner), structure)

    response = partner_client.post(
        reverse("selfassess:session_create"),
        {
            "title": "GT qualité – mars",
            "framework": framework.pk,
            "held_on": "2026-03-12",
            "context": "Point d'étape",
            "group_label": "GT qualité",
            "structure": structure.pk,
        },
    )

    session = AssessmentSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert (
        session.facilitator,
        session.framework,
        str(session.held_on),
        session.group_label,
        session.structure,
    ) == (partner, framework, "2026-03-12", "GT qualité", structure)


@pytest.mark.django_db
def test_session_create_invalid_keeps_input_and_says_why(staff_client):
    response = staff_client.post(
        reverse("selfassess:session_create"),
        {"title": "", "framework": "999999", "held_on": "12/13/2026", "context": "Mon contexte tapé"},
    )

    content = text(response)
    assert response.status_code == 200
    assert "Le formulaire contient 3 erreurs" in content
    assert "Mon contexte tapé" in content
    assert AssessmentSession.objects.count() == 0


@pytest.mark.django_db
def test_session_detail_forbidden_to_other_partner(client, other_partner, session):
    client.force_login(other_partner)

    assert client.get(session.get_absolute_url()).status_code == 403


@pytest.mark.django_db
def test_session_detail_shows_who_answered_not_what(staff_client, session):
    pro = ParticipantFactory(session=session, side=Side.PROFESSIONAL, name="Hélène Fabre")
    user = ParticipantFactory(session=session, side=Side.USER, name="Marc Olive")
    ParticipantFactory(session=session, side=Side.USER, name="Lina Sol")
    rate(pro, {"a": 3, "b": 3, "c": 3, "d": 3, "e": 3}, {"a": "MARQUEUR-COMMENTAIRE-PRO"})
    rate(user, {"a": 1, "b": 0})

    content = text(staff_client.get(session.get_absolute_url()))

    assert "1 participant sur 3 a tout noté, 1 est en cours" in content
    assert "Ont commencé à répondre : 1 professionnel, 1 usager." in content
    assert "Hélène Fabre" in content and "Marc Olive" in content and "Lina Sol" in content
    assert "a répondu" in content
    assert "en cours : 2 sur 5" in content
    assert "MARQUEUR-COMMENTAIRE-PRO" not in content
    assert "moyenne" not in content.lower()


@pytest.mark.django_db
def test_invite_participant_sends_email(staff_client, session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("selfassess:participant_invite", args=[session.pk]),
            {"name": "Nadia Roux", "email": "nadia@exemple.fr", "side": Side.USER},
        )

    participant = Participant.objects.get()
    assert response.status_code == 302
    assert (participant.name, participant.side) == ("Nadia Roux", Side.USER)
    assert mail.outbox[0].to == ["nadia@exemple.fr"]
    assert "/auto-evaluation/invitation/" in mail.outbox[0].body


@pytest.mark.django_db
def test_invite_participant_invalid_keeps_input(staff_client, session):
    response = staff_client.post(
        reverse("selfassess:participant_invite", args=[session.pk]),
        {"name": "Nadia Roux", "email": "pas-une-adresse", "side": "autre"},
    )

    content = text(response)
    assert response.status_code == 400
    assert "Saisissez une adresse e-mail valide." in content
    assert "Nadia Roux" in content
    assert Participant.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_invite_after_individual_step_refused(staff_client, rated_session, staff_user):
    session_close_individual(session=rated_session, by=staff_user)

    response = staff_client.post(
        reverse("selfassess:participant_invite", args=[rated_session.pk]),
        {"name": "Tardif", "email": "tardif@exemple.fr", "side": Side.USER},
        follow=True,
    )

    assert "L'étape individuelle de cette séance est close : il n'est plus possible d'inviter." in (
        text(response)
    )
    assert not Participant.objects.filter(email="tardif@exemple.fr").exists()


@pytest.mark.django_db
def test_close_individual_step_then_target(staff_client, rated_session):
    response = staff_client.post(reverse("selfassess:session_close_individual", args=[rated_session.pk]))

    rated_session.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("selfassess:session_target", args=[rated_session.pk])
    assert rated_session.step == Step.GROUP


@pytest.mark.django_db
def test_close_individual_step_without_answers_says_why(staff_client, session):
    response = staff_client.post(
        reverse("selfassess:session_close_individual", args=[session.pk]), follow=True
    )

    session.refresh_from_db()
    assert "Personne n'a encore répondu" in text(response)
    assert session.step == Step.INDIVIDUAL


@pytest.mark.django_db
def test_target_page_waits_for_individual_step(staff_client, rated_session):
    response = staff_client.get(reverse("selfassess:session_target", args=[rated_session.pk]))

    assert response.status_code == 302
    assert response["Location"] == rated_session.get_absolute_url()


@pytest.mark.django_db
def test_remove_participant_who_answered_refused(staff_client, rated_session):
    participant = rated_session.participants.get(name="Pro Un")

    response = staff_client.post(
        reverse("selfassess:participant_remove", args=[rated_session.pk, participant.pk]), follow=True
    )

    assert "Pro Un a déjà commencé à répondre" in text(response)
    assert Participant.objects.filter(pk=participant.pk).exists()
