import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cops.tokens import hash_token
from selfassess.enums import Side, Step
from selfassess.models import JointRating, Participant, Rating
from selfassess.selectors import participant_by_token
from selfassess.services import (
    joint_rating_save,
    participant_invite,
    participant_remove,
    participant_resend_link,
    rating_save,
    session_close,
    session_close_individual,
    session_create,
)
from tests.factories.selfassess import FrameworkFactory, ParticipantFactory
from tests.selfassess.conftest import rate


@pytest.mark.django_db
def test_session_create_sets_facilitator_and_step(framework, partner):
    session = session_create(by=partner, title="  Groupe parcours  ", framework=framework, group_label="GT")

    assert (session.title, session.facilitator, session.step, session.group_label) == (
        "Groupe parcours",
        partner,
        Step.INDIVIDUAL,
        "GT",
    )


@pytest.mark.django_db
def test_session_create_refuses_inactive_framework(partner):
    framework = FrameworkFactory(is_active=False)

    with pytest.raises(ValidationError) as error:
        session_create(by=partner, title="Groupe", framework=framework)

    assert error.value.messages == ["Ce référentiel n'est plus proposé pour les nouvelles séances."]


@pytest.mark.django_db
def test_participant_invite_emails_link_and_stores_only_hash(
    session, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participant, token = participant_invite(
            session=session, by=staff_user, name="Nadia Roux", email="Nadia@Exemple.fr", side=Side.USER
        )

    assert len(token) >= 43  # 32 random bytes, base64: 256 bits
    assert participant.email == "nadia@exemple.fr"
    assert participant.token_hash == hash_token(token)
    assert not Participant.objects.filter(token_hash__contains=token[:20]).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia@exemple.fr"]
    assert message.subject == "Auto-évaluation « Groupe qualité » : votre lien personnel"
    assert f"http://testserver/auto-evaluation/invitation/{token}/" in message.body
    assert message.reply_to == [staff_user.email]
    assert participant_by_token(token) == participant


@pytest.mark.django_db
def test_participant_invite_twice_same_email_refused(session, staff_user):
    participant_invite(session=session, by=staff_user, name="A", email="a@exemple.fr", side=Side.USER)

    with pytest.raises(ValidationError) as error:
        participant_invite(session=session, by=staff_user, name="A bis", email="A@exemple.fr", side=Side.USER)

    assert error.value.message_dict == {"email": ["Cette personne est déjà invitée à cette séance."]}
    assert session.participants.count() == 1


@pytest.mark.django_db
def test_participant_resend_link_invalidates_previous(
    session, staff_user, django_capture_on_commit_callbacks
):
    participant, old_token = participant_invite(
        session=session, by=staff_user, name="A", email="a@exemple.fr", side=Side.USER, notify=False
    )

    with django_capture_on_commit_callbacks(execute=True):
        new_token = participant_resend_link(participant=participant, by=staff_user)

    assert participant_by_token(old_token) is None
    assert participant_by_token(new_token) == participant
    assert re.search(rf"/auto-evaluation/invitation/{re.escape(new_token)}/", mail.outbox[0].body)


@pytest.mark.django_db
def test_participant_remove_refused_once_answered(session, staff_user):
    participant = ParticipantFactory(session=session, name="Léa Petit")
    rate(participant, {"a": 1})

    with pytest.raises(ValidationError) as error:
        participant_remove(participant=participant, by=staff_user)

    assert error.value.messages == [
        "Léa Petit a déjà commencé à répondre : sa participation ne peut plus être retirée."
    ]
    assert Participant.objects.filter(pk=participant.pk).exists()


@pytest.mark.django_db
def test_rating_save_creates_then_updates(session):
    participant = ParticipantFactory(session=session)
    criterion = session.framework.criteria.get(code="a")

    rating_save(participant=participant, criterion=criterion, score=1, comment="premier")
    rating_save(participant=participant, criterion=criterion, score="3", comment=" second ")

    assert list(Rating.objects.values_list("score", "comment")) == [(3, "second")]


@pytest.mark.django_db
@pytest.mark.parametrize("score", [5, -1, "7", "2.5", "deux", "", None, True])
def test_rating_save_refuses_score_outside_scale(session, score):
    participant = ParticipantFactory(session=session)
    criterion = session.framework.criteria.get(code="a")

    with pytest.raises(ValidationError) as error:
        rating_save(participant=participant, criterion=criterion, score=score)

    assert error.value.messages == ["La note doit être un nombre entier de 0 à 4."]
    assert Rating.objects.count() == 0


@pytest.mark.django_db
def test_rating_save_refuses_criterion_of_another_framework(session):
    participant = ParticipantFactory(session=session)
    foreign = FrameworkFactory().criteria.first()

    with pytest.raises(ValidationError) as error:
        rating_save(participant=participant, criterion=foreign, score=2)

    assert error.value.messages == ["Ce critère n'appartient pas au référentiel de cette séance."]
    assert Rating.objects.count() == 0


@pytest.mark.django_db
def test_rating_save_refused_after_individual_step_closed(session, staff_user):
    participant = ParticipantFactory(session=session)
    rate(participant, {"a": 2})
    session_close_individual(session=session, by=staff_user)

    with pytest.raises(ValidationError) as error:
        rate(participant, {"a": 4, "b": 1})

    assert error.value.messages == [
        "L'étape individuelle de cette séance est close : les réponses ne peuvent plus être modifiées."
    ]
    assert list(Rating.objects.values_list("criterion__code", "score")) == [("a", 2)]


@pytest.mark.django_db
def test_session_close_individual_needs_an_answer(session, staff_user):
    ParticipantFactory(session=session)

    with pytest.raises(ValidationError) as error:
        session_close_individual(session=session, by=staff_user)

    assert error.value.messages == [
        "Personne n'a encore répondu : l'étape individuelle ne peut pas encore être close."
    ]
    session.refresh_from_db()
    assert session.step == Step.INDIVIDUAL


@pytest.mark.django_db
def test_joint_rating_only_during_group_step(rated_session, staff_user):
    criterion = rated_session.framework.criteria.get(code="a")

    with pytest.raises(ValidationError) as early:
        joint_rating_save(session=rated_session, criterion=criterion, score=2, by=staff_user)
    session_close_individual(session=rated_session, by=staff_user)
    joint_rating_save(session=rated_session, criterion=criterion, score=2, note="accord", by=staff_user)
    joint_rating_save(session=rated_session, criterion=criterion, score=3, note="révisé", by=staff_user)
    session_close(session=rated_session, by=staff_user)
    with pytest.raises(ValidationError) as late:
        joint_rating_save(session=rated_session, criterion=criterion, score=0, by=staff_user)

    assert early.value.messages == ["L'étape collective de cette séance n'est pas ouverte."]
    assert late.value.messages == ["Cette séance est terminée : les notes communes ne peuvent plus changer."]
    assert list(JointRating.objects.values_list("score", "note", "updated_by")) == [
        (3, "révisé", staff_user.pk)
    ]


@pytest.mark.django_db
def test_joint_rating_refuses_score_outside_scale(rated_session, staff_user):
    session_close_individual(session=rated_session, by=staff_user)
    criterion = rated_session.framework.criteria.get(code="a")

    with pytest.raises(ValidationError):
        joint_rating_save(session=rated_session, criterion=criterion, score=9, by=staff_user)

    assert JointRating.objects.count() == 0


@pytest.mark.django_db
def test_invite_refused_after_individual_step(rated_session, staff_user):
    session_close_individual(session=rated_session, by=staff_user)

    with pytest.raises(ValidationError):
        participant_invite(
            session=rated_session, by=staff_user, name="Tard", email="t@exemple.fr", side=Side.USER
        )

    assert not Participant.objects.filter(email="t@exemple.fr").exists()
