"""The à chaud and à distance evaluations: invitations by personal link, reminders, answers.

Exactly once: an evaluation is launched by a conditional UPDATE on `launched_at IS NULL`, a
reminder by locking its invitation row and moving `next_reminder_at` forward, in the same
transaction that writes the emails to the outbox. A second run, or a concurrent worker, finds
nothing left to claim.
"""

import calendar
import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accompaniment import dates
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
MIN_EMAIL_GAP = timedelta(days=1)  # at most one email per person per day


def _day(value: date) -> str:
    return dates.day(value)


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
    if answer_by is not None and answer_by > today + timedelta(days=dates.ANSWER_MAX_DAYS):
        raise ValidationError(
            {"answer_by": _("Les réponses s'attendent dans les trois mois : au plus tard le %(date)s.")
             % {"date": _day(today + timedelta(days=dates.ANSWER_MAX_DAYS))}}
        )  # fmt: skip
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
    latest = timezone.localdate() + timedelta(days=dates.IMPACT_MAX_AHEAD_DAYS)
    if scheduled_for > latest:
        raise ValidationError(
            {"scheduled_for": _("L'évaluation d'impact se programme dans les deux ans : au plus tard le %(date)s.")
             % {"date": _day(latest)}}
        )  # fmt: skip
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
            "contact_email": settings.STAFF_EMAIL,
        },
        reply_to=settings.STAFF_EMAIL,
    )


def evaluation_launch(
    *,
    evaluation_id: int,
    answer_by: date | None = None,
    now: datetime | None = None,
    notify_leads: bool = False,
) -> int:
    """Invite every participant with an address, once; returns how many were invited now.

    `notify_leads`: when nobody is watching (the periodic task), the binôme is told by email who
    could not be invited and why; a staff member sending it reads the same on the page.
    """
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
        participants = list(evaluation.accompaniment.participants.exclude(email="").order_by("pk"))
        for participant in participants:
            invitation = EvaluationInvitation.objects.create(
                evaluation=evaluation,
                participant=participant,
                email=participant.email,
                sent_at=now,
                next_reminder_at=_next_reminder(evaluation, now, reminders_sent=0),
            )
            _email_invitation(invitation, evaluation, "accompaniment/emails/evaluation_invitation")
        left_out = list(
            evaluation.accompaniment.participants.filter(email="").order_by("last_name", "first_name")
        )
        if notify_leads and left_out:
            accompaniment = evaluation.accompaniment
            send_templated_email(
                to=[accompaniment.professional_lead.email, accompaniment.patient_partner_lead.email],
                template="accompaniment/emails/evaluation_left_out",
                context={
                    "evaluation": evaluation,
                    "accompaniment": accompaniment,
                    "structure": accompaniment.structure,
                    "left_out": left_out,
                    "invited": len(participants),
                },
            )
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
        if not _before_deadline(evaluation, now):
            # No reminder once the deadline has come: the schedule simply ends.
            invitation.next_reminder_at = None
            invitation.save(update_fields=["next_reminder_at"])
            return False
        last = _last_written(invitation)
        if last is not None and now - last < MIN_EMAIL_GAP:
            # Written to less than a day ago (a reminder sent by hand): this one waits its day.
            later = last + MIN_EMAIL_GAP
            invitation.next_reminder_at = later if _before_deadline(evaluation, later) else None
            invitation.save(update_fields=["next_reminder_at"])
            return False
        invitation.reminders_sent += 1
        invitation.last_reminder_at = now
        invitation.next_reminder_at = _next_reminder(
            evaluation, now, reminders_sent=invitation.reminders_sent
        )
        invitation.save(update_fields=["reminders_sent", "last_reminder_at", "next_reminder_at"])
        _email_invitation(invitation, evaluation, "accompaniment/emails/evaluation_reminder")
    return True


def _deadline_start(evaluation: Evaluation) -> datetime | None:
    """The first moment of the deadline day: « répondez avant le 12 mars » — no reminder on the 12th."""
    if evaluation.answer_by is None:
        return None
    return timezone.make_aware(datetime.combine(evaluation.answer_by, time.min))


def _before_deadline(evaluation: Evaluation, moment: datetime) -> bool:
    deadline = _deadline_start(evaluation)
    return deadline is None or moment < deadline


def _next_reminder(evaluation: Evaluation, after: datetime, *, reminders_sent: int) -> datetime | None:
    """The next automatic reminder, if one is left and it would leave before the deadline."""
    if reminders_sent >= evaluation.max_reminders:
        return None
    moment = after + timedelta(days=evaluation.reminder_interval_days)
    return moment if _before_deadline(evaluation, moment) else None


def _last_written(invitation: EvaluationInvitation) -> datetime | None:
    moments = [m for m in (invitation.sent_at, invitation.last_reminder_at) if m is not None]
    return max(moments) if moments else None


def invitation_send_now(
    *, invitation: EvaluationInvitation, by: User, resend_link: bool = False, now: datetime | None = None
) -> EvaluationInvitation:
    """Staff write to one participant now: a reminder, or their link again if they lost it.

    At most one email per person per day, never to who has answered, no reminder after the deadline.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            EvaluationInvitation.objects.select_for_update(of=("self",))
            .select_related("evaluation__accompaniment__structure", "participant")
            .get(pk=invitation.pk)
        )
        evaluation = locked.evaluation
        name = str(locked.participant)
        if locked.answered_at is not None:
            raise ValidationError(_("%(name)s a déjà répondu : inutile de lui écrire.") % {"name": name})
        if not resend_link and not _before_deadline(evaluation, now):
            raise ValidationError(
                _("La date limite de réponse (%(date)s) est passée : plus de relance.")
                % {"date": _day(evaluation.answer_by)}
            )
        last = _last_written(locked)
        if last is not None and now - last < MIN_EMAIL_GAP:
            raise ValidationError(
                _(
                    "%(name)s a reçu un courriel le %(date)s à %(time)s : un seul courriel par personne et par jour."
                )
                % {
                    "name": name,
                    "date": _day(timezone.localtime(last).date()),
                    "time": formats.time_format(timezone.localtime(last), "H:i"),
                }
            )
        locked.last_reminder_at = now
        locked.save(update_fields=["last_reminder_at"])
        _email_invitation(
            locked,
            evaluation,
            "accompaniment/emails/evaluation_link"
            if resend_link
            else "accompaniment/emails/evaluation_reminder",
        )
    invitation.last_reminder_at = now
    return invitation


def evaluation_remind_now(
    *, evaluation: Evaluation, by: User, now: datetime | None = None
) -> tuple[list[str], list[str]]:
    """A reminder now to everyone who has not answered (except who was written to today).

    Returns (names reminded, names left out with the reason)."""
    now = now or timezone.now()
    if not evaluation.is_launched:
        raise ValidationError(_("Cette évaluation n'est pas encore envoyée."))
    if not _before_deadline(evaluation, now):
        raise ValidationError(
            _("La date limite de réponse (%(date)s) est passée : plus de relance.")
            % {"date": _day(evaluation.answer_by)}
        )
    reminded, left_out = [], []
    pending = (
        evaluation.invitations.filter(answered_at__isnull=True).select_related("participant").order_by("pk")
    )
    for invitation in pending:
        try:
            invitation_send_now(invitation=invitation, by=by, now=now)
        except ValidationError as error:
            left_out.append(error.messages[0])
        else:
            reminded.append(str(invitation.participant))
    if not reminded and not left_out:
        raise ValidationError(_("Tout le monde a répondu : personne à relancer."))
    return reminded, left_out


def send_due_evaluations(*, now: datetime | None = None) -> tuple[int, int]:
    """Launch the à distance evaluations whose date has come, then send the reminders due.

    Returns (evaluations launched, reminders sent).
    """
    from accompaniment.selectors import due_evaluation_ids, due_reminder_ids

    now = now or timezone.now()
    launched = sum(
        1
        for pk in due_evaluation_ids(now=now)
        if evaluation_launch(evaluation_id=pk, now=now, notify_leads=True)
    )
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
