from barometer.models.campaigns import (
    Campaign,
    Choice,
    PublishedReport,
    Question,
    Questionnaire,
    Section,
    SendingRound,
)
from barometer.models.invitations import Contact, Delivery, Invitation
from barometer.models.responses import Answer, Response

__all__ = [
    "Answer",
    "Campaign",
    "Choice",
    "Contact",
    "Delivery",
    "Invitation",
    "PublishedReport",
    "Question",
    "Questionnaire",
    "Response",
    "SendingRound",
    "Section",
]
