"""Who may run a session and make the platform email participants: the COPS team, and the
référents of the session's structure. Invitations are limited per account and per day."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from selfassess.enums import Side
from selfassess.models import AssessmentSession, Framework, Participant
from selfassess.services import session_create
from tests.factories.charter import PersonFactory, StructureFactory, make_referent
from tests.factories.selfassess import AssessmentSessionFactory
from tests.selfassess.conftest import text


@pytest.fixture
def structures(db):
    return StructureFactory(name="Clinique du Référent"), StructureFactory(name="Centre d'un Autre")


@pytest.fixture
def referent(partner, structures):
    make_referent(PersonFactory(user=partner), structures[0])
    return partner


def new_session(structure=None) -> dict:
    framework = Framework.objects.get(slug="barometre-relation-partenariat")
    data = {"title": "GT qualité – mars", "framework": framework.pk, "held_on": "2026-03-12"}
    if structure is not None:
        data["structure"] = structure.pk
    return data


def invite(client, session, number: int = 1):
    return client.post(
        reverse("selfassess:participant_invite", args=[session.pk]),
        {"name": f"Invité {number}", "email": f"invite{number}@exemple.fr", "side": Side.USER},
    )


@pytest.mark.django_db
def test_a_plain_partner_may_not_create_a_session(partner_client, structures):
    page = partner_client.get(reverse("selfassess:session_create"))
    posted = partner_client.post(reverse("selfassess:session_create"), new_session(structures[0]))
    index = text(partner_client.get(reverse("selfassess:index")))

    assert (page.status_code, posted.status_code) == (403, 403)
    assert AssessmentSession.objects.count() == 0
    assert "Seuls les référents d'une structure et l'équipe de la COPS peuvent animer une séance" in index


@pytest.mark.django_db
def test_a_plain_partner_may_not_invite_even_to_a_session_they_facilitate(
    partner_client, partner, django_capture_on_commit_callbacks
):
    session = AssessmentSessionFactory(facilitator=partner)

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(partner_client, session)

    page = text(partner_client.get(session.get_absolute_url()))

    assert response.status_code == 403
    assert Participant.objects.count() == 0
    assert mail.outbox == []
    assert "Seuls les référents de la structure de la séance et l'équipe de la COPS peuvent inviter" in page
    assert "Envoyer l'invitation" not in page


@pytest.mark.django_db
def test_a_referent_creates_a_session_for_their_structure_and_invites(
    partner_client, referent, structures, django_capture_on_commit_callbacks
):
    own, other = structures
    form = text(partner_client.get(reverse("selfassess:session_create")))

    created = partner_client.post(reverse("selfassess:session_create"), new_session(own))
    session = AssessmentSession.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        invited = invite(partner_client, session)

    assert "Clinique du Référent" in form and "Centre d'un Autre" not in form
    assert created.status_code == 302
    assert (session.structure, session.facilitator) == (own, referent)
    assert invited.status_code == 302
    assert [message.to for message in mail.outbox] == [["invite1@exemple.fr"]]


@pytest.mark.django_db
def test_a_forged_post_cannot_attach_a_session_to_another_structure(partner_client, referent, structures):
    _own, other = structures

    response = partner_client.post(reverse("selfassess:session_create"), new_session(other))

    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)
    assert AssessmentSession.objects.count() == 0


@pytest.mark.django_db
def test_the_staff_may_choose_any_structure(staff_client, structures):
    form = text(staff_client.get(reverse("selfassess:session_create")))

    response = staff_client.post(reverse("selfassess:session_create"), new_session(structures[1]))

    assert "Clinique du Référent" in form and "Centre d'un Autre" in form
    assert response.status_code == 302
    assert AssessmentSession.objects.get().structure == structures[1]


@pytest.mark.django_db
def test_invitations_past_the_daily_limit_are_refused_in_french_without_email(
    partner_client, referent, structures, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = {"selfassess.invitations": (2, 86400)}
    session = AssessmentSessionFactory(facilitator=referent, structure=structures[0])

    with django_capture_on_commit_callbacks(execute=True):
        statuses = [invite(partner_client, session, number).status_code for number in (1, 2)]
        refused = invite(partner_client, session, 3)

    assert statuses == [302, 302]
    assert refused.status_code == 429
    assert "Vous avez atteint le nombre d'invitations permis par jour" in text(refused)
    assert sorted(p.email for p in Participant.objects.all()) == ["invite1@exemple.fr", "invite2@exemple.fr"]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_the_service_refuses_a_structure_the_facilitator_is_not_referent_of(referent, structures):
    framework = Framework.objects.get(slug="barometre-relation-partenariat")

    with pytest.raises(ValidationError) as error:
        session_create(by=referent, title="Groupe", framework=framework, structure=structures[1])
    own = session_create(by=referent, title="Groupe", framework=framework, structure=structures[0])

    assert error.value.message_dict == {
        "structure": [
            "Seuls les référents de cette structure et l'équipe de la COPS peuvent lui rattacher une séance."
        ]
    }
    assert list(AssessmentSession.objects.all()) == [own]
