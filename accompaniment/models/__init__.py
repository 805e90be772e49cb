from accompaniment.models.accompaniments import Accompaniment, Participant, Phase, PhaseTransition
from accompaniment.models.content import AccompanimentEvent, Action, Finding, Indicator, Measurement, Meeting
from accompaniment.models.evaluations import (
    Evaluation,
    EvaluationInvitation,
    EvaluationLink,
    EvaluationResponse,
)
from accompaniment.models.requests import RequestComplement, RequestDecision, SupportRequest
from accompaniment.models.templates import PhaseDefinition, PhaseTemplate

__all__ = [
    "Accompaniment",
    "AccompanimentEvent",
    "Action",
    "Evaluation",
    "EvaluationInvitation",
    "EvaluationLink",
    "EvaluationResponse",
    "Finding",
    "Indicator",
    "Measurement",
    "Meeting",
    "Participant",
    "Phase",
    "PhaseDefinition",
    "PhaseTemplate",
    "PhaseTransition",
    "RequestComplement",
    "RequestDecision",
    "SupportRequest",
]
