"""Personal data held by the barometer: export, erasure, retention.

Hooks read by cops/personal_data.py and cops/retention.py (see cops/apps.py).
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from barometer.enums import QuestionType, ResponseStatus
from barometer.models import Answer, Contact, Delivery, Invitation, Response
from cops.personal_data import ANONYMISED_EMAIL_DOMAIN, Extra, Section, Subject, anonymised_email


def _response_answers(response) -> list[dict]:
    return [
        {
            "question": answer.question.label,
            "choix": list(answer.choices),
            "texte": answer.text,
            "nombre": answer.number,
        }
        for answer in response.answers.select_related("question").order_by("question__position", "pk")
    ]


def export_personal_data() -> list[Section]:
    return [
        Section(
            "barometer.Invitation",
            gettext_lazy(
                "Vos invitations au baromètre. Dans une campagne anonyme, l'invitation sait seulement que "
                "vous avez répondu : votre réponse n'y est reliée par rien, elle ne peut donc pas figurer ici."
            ),
            ("campaign", "questionnaire", "email", "name", "created_at", "unsubscribed_at", "has_responded"),
            email=("email",),
        ),
        Section(
            "barometer.Response",
            gettext_lazy(
                "Vos réponses au baromètre dans les campagnes non anonymes, reliées à votre invitation."
            ),
            ("questionnaire", "status", "consented_on", "started_on", "submitted_on"),
            email=("invitation__email",),
            # Anonymous responses must stay unlinkable, even to their author.
            only=lambda subject: Q(questionnaire__campaign__anonymous=False),
            extras=(Extra("answers", gettext_lazy("réponses"), _response_answers),),
        ),
        Section(
            "barometer.Contact",
            gettext_lazy(
                "L'adresse laissée au baromètre pour recevoir le rapport ou rejoindre la dynamique."
            ),
            (
                "campaign",
                "public",
                "email",
                "wants_report",
                "wants_to_join",
                "report_sent_at",
                "join_invited_at",
            ),
            email=("email",),
        ),
    ]


def erase_personal_data(subject: Subject) -> dict[str, int]:
    invitations = Invitation.objects.filter(email__iexact=subject.email)
    invitation_ids = list(invitations.values_list("pk", flat=True))
    drafts = Response.objects.filter(invitation_id__in=invitation_ids, status=ResponseStatus.DRAFT)
    drafts_deleted = drafts.delete()[1].get("barometer.Response", 0)
    # Submitted answers are kept; the one question that asked for the address loses it.
    Answer.objects.filter(
        response__invitation_id__in=invitation_ids, question__type=QuestionType.EMAIL
    ).update(text="")
    Delivery.objects.filter(invitation_id__in=invitation_ids).update(token_hash=None, unsubscribe_hash=None)
    return {
        "barometer_draft_responses_deleted": drafts_deleted,
        # Unsubscribed, so that no reminder is ever sent to the placeholder address.
        "barometer_invitations_anonymised": Invitation.objects.filter(pk__in=invitation_ids).update(
            email=anonymised_email(),
            name="",
            unsubscribed_at=Coalesce("unsubscribed_at", Value(timezone.now())),
        ),
        "barometer_contacts_deleted": Contact.objects.filter(email__iexact=subject.email).delete()[0],
    }


@transaction.atomic
def barometer_drafts_purge(*, now: datetime) -> int:
    """Responses never sent, once their campaign has been closed for the retention period."""
    last_day = timezone.localtime(now).date() - timedelta(days=settings.RETENTION_BAROMETER_DRAFT_DAYS)
    return (
        Response.objects.filter(status=ResponseStatus.DRAFT, questionnaire__campaign__closes_on__lt=last_day)
        .delete()[1]
        .get("barometer.Response", 0)
    )


def _closed_before(now: datetime, days: int) -> date:
    """Campaigns that closed strictly before this day are past a period of `days`."""
    return timezone.localtime(now).date() - timedelta(days=days)


@transaction.atomic
def barometer_invitations_purge(*, now: datetime) -> int:
    """Invitation lists, once their campaign has been closed for the retention period.

    Anonymised as account deletion does (erase_personal_data): the rows stay for the response
    rates, without the name, the address or a link that still opens the questionnaire.
    """
    invitation_ids = list(
        Invitation.objects.filter(
            campaign__closes_on__lt=_closed_before(now, settings.RETENTION_BAROMETER_INVITATION_DAYS)
        )
        .exclude(email__endswith=f"@{ANONYMISED_EMAIL_DOMAIN}")
        .values_list("pk", flat=True)
    )
    if not invitation_ids:
        return 0
    Response.objects.filter(invitation_id__in=invitation_ids, status=ResponseStatus.DRAFT).delete()
    Answer.objects.filter(
        response__invitation_id__in=invitation_ids, question__type=QuestionType.EMAIL
    ).update(text="")
    Delivery.objects.filter(invitation_id__in=invitation_ids).update(token_hash=None, unsubscribe_hash=None)
    return Invitation.objects.filter(pk__in=invitation_ids).update(
        email=anonymised_email(),
        name="",
        unsubscribed_at=Coalesce("unsubscribed_at", Value(now)),
    )


@transaction.atomic
def barometer_contacts_purge(*, now: datetime) -> int:
    """Addresses left for the follow-ups, once their campaign has been closed for the retention period."""
    return (
        Contact.objects.filter(
            campaign__closes_on__lt=_closed_before(now, settings.RETENTION_BAROMETER_CONTACT_DAYS)
        )
        .delete()[1]
        .get("barometer.Contact", 0)
    )


def purge_expired_data(*, now: datetime) -> dict[str, int]:
    return {
        "barometer_drafts": barometer_drafts_purge(now=now),
        "barometer_invitations": barometer_invitations_purge(now=now),
        "barometer_contacts": barometer_contacts_purge(now=now),
    }
