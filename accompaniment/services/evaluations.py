"""The à chaud and à distance evaluations: invitations by personal link, reminders, answers.

Exactly once: an evaluation is launched by a conditional UPDATE on `launched_at IS NULL`, a
reminder by locking its invitation row and moving `next_reminder_at` forward, in the same
transaction that writes the emails to the outbox. A second run, or a concurrent worker, finds
nothing left to claim.
"""

import calendar
import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment.enums import EvaluationKind, PhaseKind, PhaseStatus
from accompaniment.models import (
    Accompaniment,
    Evaluation,
    EvaluationInvitation,
    EvaluationLink,
    EvaluationResponse,
    Phase,
)
from accompaniment.questionnaires import SCALE, default_questions
from actors.models import User
from cops import tokens
from cops.mail import send_templated_email

logger = logging.getLogger(__name__)

ANSWER_DAYS = 21


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def evaluation_send_hot(
    *, accompaniment: Accompaniment, by: User, answer_by: date | None = None
) -> Evaluation:
    """Send the à chaud questionnaire to every participant with an address, during that phase."""
    today = timezone.localdate()
    phase = Phase.objects.filter(accompaniment=accompaniment, status=PhaseStatus.CURRENT).first()
    if phase is None or phase.kind != PhaseKind.HOT_EVALUATION:
        raise ValidationError(_("L'évaluation à chaud s'envoie pendant la phase d'évaluation à chaud."))
    if accompaniment.evaluations.filter(kind=EvaluationKind.HOT, launched_at__isnull=False).exists():
        raise ValidationError(_("L'évaluation à chaud a déjà été envoyée aux participants."))
    if not accompaniment.participants.exclude(email="").exists():
        raise ValidationError(
            _(
                "Aucun participant n'a d'adresse électronique : ajoutez les participants avant d'envoyer l'évaluation."
            )
        )
    if answer_by is not None and answer_by <= today:
        raise ValidationError({"answer_by": _("La date limite de réponse doit être dans le futur.")})
    with transaction.atomic():
        evaluation, _created = Evaluation.objects.get_or_create(
            accompaniment=accompaniment,
            kind=EvaluationKind.HOT,
            defaults={"phase": phase, "questions": default_questions(EvaluationKind.HOT), "created_by": by},
        )
        evaluation_launch(evaluation_id=evaluation.pk, answer_by=answer_by)
    evaluation.refresh_from_db()
    return evaluation


def schedule_impact_evaluation(
    *, accompaniment: Accompaniment, after: date, by: User | None
) -> Evaluation | None:
    """Plan the à distance evaluation N months after the à chaud one (if the template has that phase)."""
    phase = Phase.objects.filter(accompaniment=accompaniment, kind=PhaseKind.IMPACT_EVALUATION).first()
    if phase is None:
        return None
    scheduled_for = add_months(after, accompaniment.template.impact_delay_months)
    evaluation = Evaluation.objects.filter(accompaniment=accompaniment, kind=EvaluationKind.IMPACT).first()
    if evaluation is None:
        return Evaluation.objects.create(
            accompaniment=accompaniment,
            kind=EvaluationKind.IMPACT,
            phase=phase,
            questions=default_questions(EvaluationKind.IMPACT),
            scheduled_for=scheduled_for,
            created_by=by,
        )
    if not evaluation.is_launched:
        evaluation.scheduled_for = scheduled_for
        evaluation.save(update_fields=["scheduled_for"])
    return evaluation


def impact_evaluation_reschedule(*, evaluation: Evaluation, scheduled_for: date, by: User) -> Evaluation:
    if evaluation.kind != EvaluationKind.IMPACT:
        raise ValidationError(_("Seule l'évaluation à distance se programme."))
    if evaluation.is_launched:
        raise ValidationError(_("L'évaluation à distance est déjà partie : sa date ne peut plus changer."))
    if scheduled_for < timezone.localdate():
        raise ValidationError({"scheduled_for": _("Choisissez aujourd'hui ou une date à venir.")})
    with transaction.atomic():
        evaluation.scheduled_for = scheduled_for
        evaluation.save(update_fields=["scheduled_for"])
    return evaluation


def _answer_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("accompaniment:evaluation_answer", kwargs={"token": raw_token})


def _email_invitation(invitation: EvaluationInvitation, evaluation: Evaluation, template: str) -> None:
    raw, digest = tokens.new_token()
    EvaluationLink.objects.create(invitation=invitation, token_hash=digest)
    accompaniment = evaluation.accompaniment
    send_templated_email(
        to=invitation.email,
        template=template,
        context={
            "participant": invitation.participant,
            "evaluation": evaluation,
            "accompaniment": accompaniment,
            "structure": accompaniment.structure,
            "answer_url": _answer_url(raw),
        },
    )


def evaluation_launch(
    *, evaluation_id: int, answer_by: date | None = None, now: datetime | None = None
) -> int:
    """Invite every participant with an address, once; returns how many were invited now."""
    now = now or timezone.now()
    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("accompaniment__structure")
            .filter(pk=evaluation_id, launched_at__isnull=True)
            .first()
        )
        if evaluation is None:  # already launched, or being launched by another worker
            return 0
        evaluation.launched_at = now
        evaluation.answer_by = answer_by or (timezone.localtime(now).date() + timedelta(days=ANSWER_DAYS))
        evaluation.save(update_fields=["launched_at", "answer_by"])
        interval = timedelta(days=evaluation.reminder_interval_days)
        participants = list(evaluation.accompaniment.participants.exclude(email="").order_by("pk"))
        for participant in participants:
            invitation = EvaluationInvitation.objects.create(
                evaluation=evaluation,
                participant=participant,
                email=participant.email,
                sent_at=now,
                next_reminder_at=now + interval if evaluation.max_reminders else None,
            )
            _email_invitation(invitation, evaluation, "accompaniment/emails/evaluation_invitation")
    return len(participants)


def invitation_remind(*, invitation_id: int, now: datetime | None = None) -> bool:
    """Send one reminder if it is due and the participant has not answered; True if sent now."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            EvaluationInvitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("evaluation__accompaniment__structure", "participant")
            .filter(pk=invitation_id, answered_at__isnull=True, next_reminder_at__lte=now)
            .first()
        )
        if invitation is None:
            return False
        evaluation = invitation.evaluation
        invitation.reminders_sent += 1
        invitation.last_reminder_at = now
        invitation.next_reminder_at = (
            now + timedelta(days=evaluation.reminder_interval_days)
            if invitation.reminders_sent < evaluation.max_reminders
            else None
        )
        invitation.save(update_fields=["reminders_sent", "last_reminder_at", "next_reminder_at"])
        _email_invitation(invitation, evaluation, "accompaniment/emails/evaluation_reminder")
    return True


def send_due_evaluations(*, now: datetime | None = None) -> tuple[int, int]:
    """Launch the à distance evaluations whose date has come, then send the reminders due.

    Returns (evaluations launched, reminders sent).
    """
    from accompaniment.selectors import due_evaluation_ids, due_reminder_ids

    now = now or timezone.now()
    launched = sum(1 for pk in due_evaluation_ids(now=now) if evaluation_launch(evaluation_id=pk, now=now))
    reminded = sum(1 for pk in due_reminder_ids(now=now) if invitation_remind(invitation_id=pk, now=now))
    return launched, reminded


def evaluation_link_lookup(raw_token: str) -> EvaluationInvitation | None:
    if not tokens.is_well_formed(raw_token):
        return None
    link = (
        EvaluationLink.objects.select_related(
            "invitation__participant", "invitation__evaluation__accompaniment__structure"
        )
        .filter(token_hash=tokens.hash_token(raw_token))
        .first()
    )
    return link.invitation if link is not None else None


def evaluation_invitation_get(*, invitation_id: int | None) -> EvaluationInvitation | None:
    """The invitation whose link this browser opened (its id is kept in the session)."""
    if not isinstance(invitation_id, int):
        return None
    return (
        EvaluationInvitation.objects.select_related("participant", "evaluation__accompaniment__structure")
        .filter(pk=invitation_id)
        .first()
    )


def evaluation_answer(*, invitation: EvaluationInvitation, answers: dict) -> EvaluationResponse:
    """Record one participant's answers, once; they are kept apart from who gave them."""
    evaluation = invitation.evaluation
    clean: dict = {}
    errors: dict = {}
    for question in evaluation.questions:
        value = answers.get(question["code"])
        if question["type"] == SCALE:
            if value in (None, ""):
                errors[question["code"]] = _("Choisissez une réponse.")
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = 0
            if not 1 <= number <= 5:
                errors[question["code"]] = _("Choisissez une réponse entre 1 et 5.")
                continue
            clean[question["code"]] = number
        else:
            clean[question["code"]] = str(value or "").strip()[:4000]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        claimed = EvaluationInvitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(
            answered_at=timezone.now(), next_reminder_at=None
        )
        if not claimed:
            raise ValidationError(_("Vous avez déjà répondu à ce questionnaire : merci !"))
        return EvaluationResponse.objects.create(
            evaluation=evaluation, side=invitation.participant.side, answers=clean
        )
