"""Personal data held by the self-assessment: export, erasure, retention.

Hooks read by cops/personal_data.py and cops/retention.py (see cops/apps.py).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cops.personal_data import (
    ANONYMISED_EMAIL_DOMAIN,
    ANONYMISED_PARTICIPANT_NAME,
    Extra,
    Section,
    Subject,
    random_token_hash,
)
from selfassess.models import AssessmentSession, Participant, Rating


def _participant_ratings(participant) -> list[dict]:
    return [
        {"critère": rating.criterion.text, "note": rating.score, "commentaire": rating.comment}
        for rating in participant.ratings.select_related("criterion").order_by("criterion__position")
    ]


def export_personal_data() -> list[Section]:
    return [
        Section(
            "selfassess.AssessmentSession",
            gettext_lazy("Les séances d'auto-évaluation que vous animez."),
            ("title", "group_label", "held_on", "structure", "framework", "step", "created_at", "closed_at"),
            user=("facilitator",),
        ),
        Section(
            "selfassess.Participant",
            gettext_lazy(
                "Votre participation aux séances d'auto-évaluation, avec vos notes et commentaires."
            ),
            ("session", "name", "email", "side", "invited_at", "last_seen_at"),
            email=("email",),
            extras=(Extra("ratings", gettext_lazy("notes individuelles"), _participant_ratings),),
        ),
    ]


def personal_data_not_exported() -> dict[tuple[str, str], str]:
    # Who on the staff recorded a step of someone else's session (cleared when the account goes).
    return {("selfassess.JointRating", "updated_by"): "staff attribution"}


def account_deletion_blockers(user) -> list[str]:
    """A session cannot lose its facilitator: it is handed over first."""
    sessions = list(
        AssessmentSession.objects.filter(facilitator=user)
        .order_by("-held_on")
        .values_list("title", flat=True)
    )
    if not sessions:
        return []
    return [_("Vous animez des séances d'auto-évaluation : %(titles)s.") % {"titles": ", ".join(sessions)}]


def erase_personal_data(subject: Subject) -> dict[str, int]:
    participants = list(Participant.objects.filter(email__iexact=subject.email).select_for_update())
    # Scores stay in the group's results; the personal comments only their author could read go.
    Rating.objects.filter(participant__in=participants).update(comment="")
    for participant in participants:
        participant.name = ANONYMISED_PARTICIPANT_NAME
        participant.email = f"anonyme-{participant.pk}@{ANONYMISED_EMAIL_DOMAIN}"
        participant.token_hash = random_token_hash()
        participant.save(update_fields=["name", "email", "token_hash"])
    return {"selfassess_participants_anonymised": len(participants)}


@transaction.atomic
def selfassess_participants_purge(*, now: datetime) -> int:
    """Participants (none has an account), once their session is past the retention period.

    Anonymised as account deletion does (erase_personal_data): the scores stay in the group's
    results; the name, the address, the personal comments and the link go.
    """
    last_day = timezone.localtime(now).date() - timedelta(days=settings.RETENTION_SELFASSESS_PARTICIPANT_DAYS)
    participants = list(
        Participant.objects.filter(session__held_on__lt=last_day)
        .exclude(email__endswith=f"@{ANONYMISED_EMAIL_DOMAIN}")
        .select_for_update()
    )
    Rating.objects.filter(participant__in=participants).update(comment="")
    for participant in participants:
        participant.name = ANONYMISED_PARTICIPANT_NAME
        participant.email = f"anonyme-{participant.pk}@{ANONYMISED_EMAIL_DOMAIN}"
        participant.token_hash = random_token_hash()
    Participant.objects.bulk_update(participants, ["name", "email", "token_hash"], batch_size=500)
    return len(participants)


def purge_expired_data(*, now: datetime) -> dict[str, int]:
    return {"selfassess_participants": selfassess_participants_purge(now=now)}
