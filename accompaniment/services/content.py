"""What the phases produce: meetings, findings, actions, indicators and measurements.

New content is attached to the phase in progress. Référents of the structure add findings, move
their actions along and record measurements; the rest is the COPS binôme's work (see permissions).
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accompaniment.enums import ActionStatus, FindingKind, PhaseStatus
from accompaniment.models import (
    Accompaniment,
    Action,
    Finding,
    Indicator,
    Measurement,
    Meeting,
    Participant,
    Phase,
)
from actors.models import User


def _current_phase(accompaniment: Accompaniment) -> Phase:
    phase = Phase.objects.filter(accompaniment=accompaniment, status=PhaseStatus.CURRENT).first()
    if phase is None:
        raise ValidationError(
            _("Cet accompagnement est terminé : rouvrez une phase pour y ajouter du contenu.")
        )
    return phase


def _started_on(accompaniment: Accompaniment) -> date | None:
    return (
        Phase.objects.filter(accompaniment=accompaniment, position=1)
        .values_list("started_on", flat=True)
        .first()
    )


def _check_not_before_start(accompaniment: Accompaniment, field: str, value: date, what: str) -> None:
    start = _started_on(accompaniment)
    if start and value < start:
        raise ValidationError(
            {field: _("%(what)s (%(date)s) précède le début de l'accompagnement (%(start)s).")
             % {"what": what, "date": _day(value), "start": _day(start)}}
        )  # fmt: skip


def _day(value: date) -> str:
    return formats.date_format(value, "j F Y")


def _check_participants(accompaniment: Accompaniment, participants) -> None:
    strangers = [p for p in participants if p.accompaniment_id != accompaniment.pk]
    if strangers:
        raise ValidationError(
            {"participants": _("Ces personnes ne participent pas à cet accompagnement : %(names)s.")
             % {"names": ", ".join(str(p) for p in strangers)}}
        )  # fmt: skip


def meeting_add(
    *,
    accompaniment: Accompaniment,
    held_on: date,
    title: str,
    notes: str,
    participants: list[Participant],
    by: User,
) -> Meeting:
    phase = _current_phase(accompaniment)
    _check_participants(accompaniment, participants)
    _check_not_before_start(accompaniment, "held_on", held_on, _("La date de la rencontre"))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            accompaniment=accompaniment,
            phase=phase,
            held_on=held_on,
            title=title.strip(),
            notes=notes.strip(),
            created_by=by,
        )
        meeting.participants.set(participants)
    return meeting


def finding_add(*, accompaniment: Accompaniment, kind: str, text: str, by: User) -> Finding:
    if kind not in FindingKind.values:
        raise ValidationError({"kind": _("Choisissez : frein, levier ou potentialité.")})
    if not text.strip():
        raise ValidationError({"text": _("Décrivez le constat.")})
    phase = _current_phase(accompaniment)
    with transaction.atomic():
        return Finding.objects.create(
            accompaniment=accompaniment, phase=phase, kind=kind, text=text.strip(), created_by=by
        )


def action_add(
    *,
    accompaniment: Accompaniment,
    title: str,
    owner: Participant,
    due_on: date,
    by: User,
    description: str = "",
) -> Action:
    if owner.accompaniment_id != accompaniment.pk:
        raise ValidationError(
            {"owner": _("Le responsable d'une action doit être un participant de cet accompagnement.")}
        )
    phase = _current_phase(accompaniment)
    if phase.started_on and due_on < phase.started_on:
        raise ValidationError(
            {"due_on": _("L'échéance (%(due)s) précède le début de la phase en cours (%(start)s).")
             % {"due": _day(due_on), "start": _day(phase.started_on)}}
        )  # fmt: skip
    with transaction.atomic():
        return Action.objects.create(
            accompaniment=accompaniment,
            phase=phase,
            title=title.strip(),
            description=description.strip(),
            owner=owner,
            due_on=due_on,
            created_by=by,
            updated_by=by,
        )


def action_set_status(*, action: Action, status: str, by: User) -> Action:
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choisissez un statut.")})
    with transaction.atomic():
        action.status = status
        action.completed_on = timezone.localdate() if status == ActionStatus.DONE else None
        action.updated_by = by
        action.save(update_fields=["status", "completed_on", "updated_by", "updated_at"])
    return action


def indicator_add(
    *,
    accompaniment: Accompaniment,
    name: str,
    baseline: Decimal,
    target: Decimal,
    by: User,
    unit: str = "",
    description: str = "",
) -> Indicator:
    if baseline == target:
        raise ValidationError(
            {"target": _("La cible doit différer de la valeur de départ : sinon, rien à mesurer.")}
        )
    phase = _current_phase(accompaniment)
    with transaction.atomic():
        return Indicator.objects.create(
            accompaniment=accompaniment,
            phase=phase,
            name=name.strip(),
            description=description.strip(),
            unit=unit.strip(),
            baseline=baseline,
            target=target,
        )


def measurement_add(
    *,
    accompaniment: Accompaniment,
    indicator: Indicator,
    measured_on: date,
    value: Decimal,
    by: User,
    comment: str = "",
) -> Measurement:
    if indicator.accompaniment_id != accompaniment.pk:
        raise ValidationError({"indicator": _("Cet indicateur appartient à un autre accompagnement.")})
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("Une mesure ne peut pas être datée du futur.")})
    _check_not_before_start(accompaniment, "measured_on", measured_on, _("La date de la mesure"))
    try:
        with transaction.atomic():
            return Measurement.objects.create(
                indicator=indicator,
                measured_on=measured_on,
                value=value,
                comment=comment.strip(),
                recorded_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"measured_on": _("Une mesure existe déjà à cette date pour cet indicateur.")}
        ) from None
