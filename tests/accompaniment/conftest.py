"""The accompaniment cast: a structure, its référent (the `partner` fixture), a COPS binôme, and helpers
that fill a phase with the content it requires."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accompaniment.enums import ActionStatus, FindingKind, Side
from accompaniment.services import accompaniments as acc_services
from accompaniment.services import content as content_services
from accompaniment.services import evaluations as evaluation_services
from actors.enums import Role
from tests.factories.accompaniment import StructureFactory, make_accompaniment, make_referent
from tests.factories.actors import UserFactory


@pytest.fixture
def structure(db):
    return StructureFactory(name="Centre d'hémodialyse de Sète")


@pytest.fixture
def referent(partner, structure):
    """The `partner` account, made an accepted référent of `structure`."""
    make_referent(partner, structure)
    return partner


@pytest.fixture
def patient_partner_lead(db):
    return UserFactory(
        email="binome.pp@exemple.fr", first_name="Noé", last_name="Patient", roles=[Role.STAFF]
    )


@pytest.fixture
def accompaniment(structure, staff_user, patient_partner_lead):
    return make_accompaniment(
        structure=structure,
        professional_lead=staff_user,
        patient_partner_lead=patient_partner_lead,
        by=staff_user,
    )


@pytest.fixture
def participants(accompaniment):
    return [
        acc_services.participant_add(
            accompaniment=accompaniment,
            first_name="Inès",
            last_name="Roux",
            email="ines.roux@sete.fr",
            side=Side.USER,
        ),
        acc_services.participant_add(
            accompaniment=accompaniment,
            first_name="Paul",
            last_name="Martin",
            email="paul.martin@sete.fr",
            side=Side.PROFESSIONAL,
            function="Cadre de santé",
        ),
    ]


def fill_current_phase(accompaniment, by, participants):
    """Add what the five-phase model's current phase requires (not the evaluation answers)."""
    phase = accompaniment.current_phase
    today = timezone.localdate()
    code = phase.definition.code
    if code == "retour-experience":
        content_services.meeting_add(
            accompaniment=accompaniment,
            held_on=phase.started_on,
            title="Retour d'expérience",
            notes="",
            participants=participants,
            by=by,
        )
        content_services.finding_add(
            accompaniment=accompaniment, kind=FindingKind.LEVER, text="Des RU motivés", by=by
        )
    elif code == "co-construction":
        content_services.action_add(
            accompaniment=accompaniment,
            title="Associer les RU au comité",
            owner=participants[0],
            due_on=today + timedelta(days=30),
            by=by,
        )
        content_services.indicator_add(
            accompaniment=accompaniment,
            name="Réunions avec des RU",
            baseline=Decimal("1"),
            target=Decimal("6"),
            by=by,
        )
    elif code == "dynamique-partenariale":
        content_services.meeting_add(
            accompaniment=accompaniment,
            held_on=phase.started_on,
            title="Point d'étape",
            notes="",
            participants=[],
            by=by,
        )
        action = accompaniment.actions.first()
        content_services.action_set_status(action=action, status=ActionStatus.IN_PROGRESS, by=by)
        content_services.measurement_add(
            accompaniment=accompaniment,
            indicator=accompaniment.indicators.first(),
            measured_on=today,
            value=Decimal("3"),
            by=by,
        )
    elif code == "evaluation-a-chaud":
        evaluation = evaluation_services.evaluation_send_hot(accompaniment=accompaniment, by=by)
        invitation = evaluation.invitations.first()
        evaluation_services.evaluation_answer(invitation=invitation, answers=full_answers(evaluation))
    elif code == "evaluation-impact":
        evaluation = accompaniment.evaluations.get(kind="distance")
        evaluation_services.evaluation_launch(evaluation_id=evaluation.pk)
        evaluation_services.evaluation_answer(
            invitation=evaluation.invitations.first(), answers=full_answers(evaluation)
        )


def full_answers(evaluation) -> dict:
    return {q["code"]: (4 if q["type"] == "echelle" else "Très utile") for q in evaluation.questions}


def advance(accompaniment, by, participants, *, phases: int = 1):
    """Fill and close `phases` phases, in order."""
    for _ in range(phases):
        fill_current_phase(accompaniment, by, participants)
        acc_services.phase_close(accompaniment=accompaniment, by=by)
    return accompaniment
