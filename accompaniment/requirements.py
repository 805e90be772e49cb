"""The content a phase needs before it can be closed, as codes listed in the phase templates.

Each code names a check on the phase (or its accompaniment) and a French sentence saying what
is expected, shown on the accompaniment page and in the message when a closing is refused.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accompaniment.enums import ActionStatus, EvaluationKind, Side


@dataclass(frozen=True)
class Requirement:
    code: str
    label: str  # what is expected, e.g. "au moins une rencontre dans cette phase"
    check: Callable  # (phase) -> bool


@dataclass(frozen=True)
class RequirementState:
    code: str
    label: str
    met: bool


def _has_meeting(phase) -> bool:
    return phase.meetings.exists()


def _has_finding(phase) -> bool:
    return phase.findings.exists()


def _has_action(phase) -> bool:
    return phase.actions.exists()


def _has_indicator(phase) -> bool:
    return phase.indicators.exists()


def _has_started_action(phase) -> bool:
    return phase.accompaniment.actions.filter(
        status__in=[ActionStatus.IN_PROGRESS, ActionStatus.DONE]
    ).exists()


def _has_measurement(phase) -> bool:
    from accompaniment.models import Measurement

    since = phase.started_on
    measurements = Measurement.objects.filter(indicator__accompaniment_id=phase.accompaniment_id)
    if since is not None:
        measurements = measurements.filter(measured_on__gte=since)
    return measurements.exists()


def _has_participant(phase) -> bool:
    return phase.accompaniment.participants.exists()


def _has_user_side_participant(phase) -> bool:
    return phase.accompaniment.participants.filter(side=Side.USER).exists()


def _has_signed_convention(phase) -> bool:
    return phase.accompaniment.has_signed_convention


def _evaluation(phase, kind):
    return phase.accompaniment.evaluations.filter(kind=kind).first()


def _hot_evaluation_sent(phase) -> bool:
    evaluation = _evaluation(phase, EvaluationKind.HOT)
    return evaluation is not None and evaluation.launched_at is not None


def _hot_evaluation_answered(phase) -> bool:
    evaluation = _evaluation(phase, EvaluationKind.HOT)
    return evaluation is not None and evaluation.responses.exists()


def _impact_evaluation_answered(phase) -> bool:
    evaluation = _evaluation(phase, EvaluationKind.IMPACT)
    return evaluation is not None and evaluation.responses.exists()


REQUIREMENTS: dict[str, Requirement] = {
    requirement.code: requirement
    for requirement in [
        Requirement("meeting", _("au moins une rencontre enregistrée dans cette phase"), _has_meeting),
        Requirement(
            "finding", _("au moins un constat (frein, levier ou potentialité) dans cette phase"), _has_finding
        ),
        Requirement(
            "action", _("au moins une action au plan d'actions, saisie dans cette phase"), _has_action
        ),
        Requirement("indicator", _("au moins un indicateur, défini dans cette phase"), _has_indicator),
        Requirement("action_started", _("au moins une action en cours ou réalisée"), _has_started_action),
        Requirement(
            "measurement", _("au moins une mesure d'indicateur depuis le début de la phase"), _has_measurement
        ),
        Requirement("participant", _("au moins un participant de la structure"), _has_participant),
        Requirement(
            "user_side_participant",
            _("au moins un participant côté usagers (patient, proche-aidant, représentant des usagers)"),
            _has_user_side_participant,
        ),
        Requirement(
            "convention_signed",
            _("la convention de partenariat signée, déposée en PDF"),
            _has_signed_convention,
        ),
        Requirement(
            "hot_evaluation_sent", _("l'évaluation à chaud envoyée aux participants"), _hot_evaluation_sent
        ),
        Requirement(
            "hot_evaluation_answered",
            _("au moins une réponse à l'évaluation à chaud"),
            _hot_evaluation_answered,
        ),
        Requirement(
            "impact_evaluation_answered",
            _("au moins une réponse à l'évaluation d'impact à distance"),
            _impact_evaluation_answered,
        ),
    ]
}


def requirement_states(phase) -> list[RequirementState]:
    """The phase's requirements, each with whether it is met now (unknown codes count as unmet)."""
    states = []
    for code in phase.definition.requirements:
        requirement = REQUIREMENTS.get(code)
        if requirement is None:
            states.append(RequirementState(code, _("exigence inconnue « %(code)s »") % {"code": code}, False))
        else:
            states.append(RequirementState(code, str(requirement.label), bool(requirement.check(phase))))
    return states
