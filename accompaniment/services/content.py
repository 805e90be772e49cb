"""What the phases produce: meetings, findings, actions, indicators and measurements.

New content is attached to the phase in progress. Référents of the structure add findings, move
their actions along and record measurements; the rest is the COPS binôme's work (see permissions).
Every item can be corrected or deleted: the journal (AccompanimentEvent) keeps who did it, shown to
whoever may see the item. Meetings, findings and actions are shared with the structure by default;
a meeting's internal notes, and any item marked for the team, stay with the COPS team.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment import dates
from accompaniment.dates import day as _day
from accompaniment.enums import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    ContentVisibility,
    EventKind,
    FindingKind,
    PhaseStatus,
)
from accompaniment.models import (
    Accompaniment,
    AccompanimentEvent,
    Action,
    Finding,
    Indicator,
    Measurement,
    Meeting,
    Participant,
    Phase,
)
from accompaniment.services.notifications import notify_action_owner
from actors.models import User

ACTION_REMINDER_DAYS = 7  # the owner is reminded a week before the due date


def _current_phase(accompaniment: Accompaniment) -> Phase:
    phase = Phase.objects.filter(accompaniment=accompaniment, status=PhaseStatus.CURRENT).first()
    if phase is None:
        raise ValidationError(
            _("Cet accompagnement est terminé : rouvrez une phase pour y ajouter du contenu.")
        )
    return phase


def _check_not_before_start(accompaniment: Accompaniment, field: str, value: date, what: str) -> None:
    start = dates.opened_on(accompaniment)
    if start and value < start:
        raise ValidationError(
            {field: _("%(what)s (%(date)s) précède le début de l'accompagnement (%(start)s).")
             % {"what": what, "date": _day(value), "start": _day(start)}}
        )  # fmt: skip


def _check_participants(accompaniment: Accompaniment, participants) -> None:
    strangers = [p for p in participants if p.accompaniment_id != accompaniment.pk]
    if strangers:
        raise ValidationError(
            {"participants": _("Ces personnes ne participent pas à cet accompagnement : %(names)s.")
             % {"names": ", ".join(str(p) for p in strangers)}}
        )  # fmt: skip


def _check_visibility(visibility: str) -> None:
    if visibility not in ContentVisibility.values:
        raise ValidationError({"visibility": _("Choisissez qui peut lire cet élément.")})


def _check_meeting_date(accompaniment: Accompaniment, held_on: date, notes: str) -> None:
    _check_not_before_start(accompaniment, "held_on", held_on, _("La date de la rencontre"))
    today = timezone.localdate()
    latest = today + timedelta(days=dates.MEETING_MAX_AHEAD_DAYS)
    if held_on > latest:
        raise ValidationError(
            {"held_on": _("Une rencontre se prévoit au plus six mois à l'avance (jusqu'au %(date)s) : vérifiez l'année.")
             % {"date": _day(latest)}}
        )  # fmt: skip
    if held_on > today and notes.strip():
        raise ValidationError(
            {"notes": _("Cette rencontre n'a pas encore eu lieu (%(date)s) : son compte rendu s'écrit après.")
             % {"date": _day(held_on)}}
        )  # fmt: skip


def _check_due_date(accompaniment: Accompaniment, phase: Phase, due_on: date) -> None:
    if phase.started_on and due_on < phase.started_on:
        raise ValidationError(
            {"due_on": _("L'échéance (%(due)s) précède le début de la phase (%(start)s).")
             % {"due": _day(due_on), "start": _day(phase.started_on)}}
        )  # fmt: skip
    ceiling = dates.plan_ceiling(accompaniment)
    if due_on > ceiling:
        message = (
            _(
                "L'échéance (%(due)s) dépasse de plus d'un an la fin de la convention : au plus tard le %(limit)s."
            )
            if accompaniment.convention_end
            else _(
                "L'échéance (%(due)s) est à plus de trois ans du début de l'accompagnement : au plus tard le %(limit)s."
            )
        )
        raise ValidationError({"due_on": message % {"due": _day(due_on), "limit": _day(ceiling)}})


def record_event(
    *,
    accompaniment: Accompaniment,
    kind: str,
    title: str,
    by: User | None,
    visibility: str = ContentVisibility.SHARED,
    detail: str = "",
) -> AccompanimentEvent:
    return AccompanimentEvent.objects.create(
        accompaniment=accompaniment,
        kind=kind,
        title=title[:300],
        detail=detail,
        visibility=visibility,
        on=timezone.localdate(),
        by=by,
    )


def _strictest(*visibilities: str) -> str:
    return ContentVisibility.STAFF if ContentVisibility.STAFF in visibilities else ContentVisibility.SHARED


def _changed(instance, values: dict, labels: dict) -> list[str]:
    """Apply `values` to `instance`; the labels of the fields that really changed."""
    changed = []
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(str(labels[name]))
    return changed


def _changes_detail(changed: list[str]) -> str:
    return _("Modifié : %(fields)s.") % {"fields": ", ".join(changed)}


# --- Meetings ---------------------------------------------------------------------------------------


def meeting_add(
    *,
    accompaniment: Accompaniment,
    held_on: date,
    title: str,
    notes: str,
    participants: list[Participant],
    by: User,
    internal_notes: str = "",
    visibility: str = ContentVisibility.SHARED,
) -> Meeting:
    phase = _current_phase(accompaniment)
    _check_participants(accompaniment, participants)
    _check_visibility(visibility)
    _check_meeting_date(accompaniment, held_on, notes + internal_notes)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            accompaniment=accompaniment,
            phase=phase,
            held_on=held_on,
            title=title.strip(),
            notes=notes.strip(),
            internal_notes=internal_notes.strip(),
            visibility=visibility,
            created_by=by,
        )
        meeting.participants.set(participants)
    return meeting


def meeting_update(
    *,
    meeting: Meeting,
    held_on: date,
    title: str,
    notes: str,
    participants: list[Participant],
    by: User,
    internal_notes: str | None = None,
    visibility: str | None = None,
) -> Meeting:
    """Correct a meeting. `internal_notes`/`visibility` None: left as they are (a référent's edit)."""
    accompaniment = meeting.accompaniment
    _check_participants(accompaniment, participants)
    new_visibility = meeting.visibility if visibility is None else visibility
    _check_visibility(new_visibility)
    new_internal = meeting.internal_notes if internal_notes is None else internal_notes.strip()
    _check_meeting_date(accompaniment, held_on, notes + new_internal)
    was = meeting.visibility
    labels = {f.name: f.verbose_name for f in Meeting._meta.fields}
    with transaction.atomic():
        changed = _changed(
            meeting,
            {
                "held_on": held_on,
                "title": title.strip(),
                "notes": notes.strip(),
                "visibility": new_visibility,
            },
            labels,
        )
        internal_changed = meeting.internal_notes != new_internal
        meeting.internal_notes = new_internal
        if set(meeting.participants.all()) != set(participants):
            meeting.participants.set(participants)
            changed.append(str(_("participants")))
        meeting.save()
        if changed:
            record_event(
                accompaniment=accompaniment,
                kind=EventKind.EDITED,
                title=_("Rencontre « %(title)s » modifiée") % {"title": meeting.title},
                detail=_changes_detail(changed),
                visibility=_strictest(was, new_visibility),
                by=by,
            )
        if internal_changed:
            # Even that the team's notes changed stays with the team.
            record_event(
                accompaniment=accompaniment,
                kind=EventKind.EDITED,
                title=_("Notes internes de la rencontre « %(title)s » modifiées") % {"title": meeting.title},
                visibility=ContentVisibility.STAFF,
                by=by,
            )
    return meeting


def meeting_delete(*, meeting: Meeting, by: User) -> None:
    with transaction.atomic():
        record_event(
            accompaniment=meeting.accompaniment,
            kind=EventKind.DELETED,
            title=_("Rencontre « %(title)s » du %(date)s supprimée")
            % {"title": meeting.title, "date": _day(meeting.held_on)},
            visibility=meeting.visibility,
            by=by,
        )
        meeting.delete()


# --- Findings ---------------------------------------------------------------------------------------


def _check_finding(kind: str, text: str) -> None:
    if kind not in FindingKind.values:
        raise ValidationError({"kind": _("Choisissez : frein, levier ou potentialité.")})
    if not text.strip():
        raise ValidationError({"text": _("Décrivez le constat.")})


def finding_add(
    *,
    accompaniment: Accompaniment,
    kind: str,
    text: str,
    by: User,
    visibility: str = ContentVisibility.SHARED,
) -> Finding:
    _check_finding(kind, text)
    _check_visibility(visibility)
    phase = _current_phase(accompaniment)
    with transaction.atomic():
        return Finding.objects.create(
            accompaniment=accompaniment,
            phase=phase,
            kind=kind,
            text=text.strip(),
            visibility=visibility,
            created_by=by,
        )


def finding_update(
    *, finding: Finding, kind: str, text: str, by: User, visibility: str | None = None
) -> Finding:
    _check_finding(kind, text)
    new_visibility = finding.visibility if visibility is None else visibility
    _check_visibility(new_visibility)
    was = finding.visibility
    labels = {f.name: f.verbose_name for f in Finding._meta.fields}
    with transaction.atomic():
        changed = _changed(
            finding, {"kind": kind, "text": text.strip(), "visibility": new_visibility}, labels
        )
        finding.save()
        if changed:
            record_event(
                accompaniment=finding.accompaniment,
                kind=EventKind.EDITED,
                title=_("Constat modifié (%(kind)s)") % {"kind": finding.get_kind_display().lower()},
                detail=_changes_detail(changed),
                visibility=_strictest(was, new_visibility),
                by=by,
            )
    return finding


def finding_delete(*, finding: Finding, by: User) -> None:
    with transaction.atomic():
        record_event(
            accompaniment=finding.accompaniment,
            kind=EventKind.DELETED,
            title=_("Constat supprimé (%(kind)s)") % {"kind": finding.get_kind_display().lower()},
            detail=finding.text[:200],
            visibility=finding.visibility,
            by=by,
        )
        finding.delete()


# --- Actions ----------------------------------------------------------------------------------------


def action_add(
    *,
    accompaniment: Accompaniment,
    title: str,
    owner: Participant,
    due_on: date,
    by: User,
    description: str = "",
    visibility: str = ContentVisibility.SHARED,
) -> Action:
    """Add an action to the plan; its owner is told what is assigned to them (once, by email)."""
    if owner.accompaniment_id != accompaniment.pk:
        raise ValidationError(
            {"owner": _("Le responsable d'une action doit être un participant de cet accompagnement.")}
        )
    _check_visibility(visibility)
    phase = _current_phase(accompaniment)
    _check_due_date(accompaniment, phase, due_on)
    with transaction.atomic():
        action = Action.objects.create(
            accompaniment=accompaniment,
            phase=phase,
            title=title.strip(),
            description=description.strip(),
            owner=owner,
            due_on=due_on,
            visibility=visibility,
            created_by=by,
            updated_by=by,
        )
        notify_action_owner(action=action, template="accompaniment/emails/action_assigned")
    return action


def action_update(
    *,
    action: Action,
    title: str,
    owner: Participant,
    due_on: date,
    by: User,
    description: str = "",
    visibility: str | None = None,
) -> Action:
    """Correct an action. A new owner is told; a new due date earns a new reminder."""
    accompaniment = action.accompaniment
    if owner.accompaniment_id != accompaniment.pk:
        raise ValidationError(
            {"owner": _("Le responsable d'une action doit être un participant de cet accompagnement.")}
        )
    new_visibility = action.visibility if visibility is None else visibility
    _check_visibility(new_visibility)
    if due_on != action.due_on:
        _check_due_date(accompaniment, action.phase, due_on)
    was_visibility, was_owner = action.visibility, action.owner_id
    labels = {f.name: f.verbose_name for f in Action._meta.fields}
    with transaction.atomic():
        changed = _changed(
            action,
            {
                "title": title.strip(),
                "description": description.strip(),
                "owner": owner,
                "due_on": due_on,
                "visibility": new_visibility,
            },
            labels,
        )
        if not changed:
            return action
        if str(labels["due_on"]) in changed:
            action.due_reminder_sent_at = None
        action.updated_by = by
        action.save()
        record_event(
            accompaniment=accompaniment,
            kind=EventKind.EDITED,
            title=_("Action « %(title)s » modifiée") % {"title": action.title},
            detail=_changes_detail(changed),
            visibility=_strictest(was_visibility, new_visibility),
            by=by,
        )
        newly_shared = was_visibility != ContentVisibility.SHARED
        if action.is_open and (owner.pk != was_owner or newly_shared):
            notify_action_owner(action=action, template="accompaniment/emails/action_assigned")
    return action


def action_delete(*, action: Action, by: User) -> None:
    with transaction.atomic():
        record_event(
            accompaniment=action.accompaniment,
            kind=EventKind.DELETED,
            title=_("Action « %(title)s » supprimée") % {"title": action.title},
            visibility=action.visibility,
            by=by,
        )
        action.delete()


def action_set_status(*, action: Action, status: str, by: User) -> Action:
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choisissez un statut.")})
    with transaction.atomic():
        action.status = status
        action.completed_on = timezone.localdate() if status == ActionStatus.DONE else None
        action.updated_by = by
        action.save(update_fields=["status", "completed_on", "updated_by", "updated_at"])
    return action


def action_remind(*, action_id: int, now: datetime | None = None) -> bool:
    """Remind the owner of one open shared action due within a week, once per due date."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    with transaction.atomic():
        action = (
            Action.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("owner", "accompaniment__structure")
            .filter(
                pk=action_id,
                due_reminder_sent_at__isnull=True,
                status__in=OPEN_ACTION_STATUSES,
                visibility=ContentVisibility.SHARED,
                due_on__gte=today,
                due_on__lte=today + timedelta(days=ACTION_REMINDER_DAYS),
            )
            .exclude(owner__email="")
            .first()
        )
        if action is None:
            return False
        action.due_reminder_sent_at = now
        action.save(update_fields=["due_reminder_sent_at"])
        return notify_action_owner(action=action, template="accompaniment/emails/action_reminder")


def send_action_reminders(*, now: datetime | None = None) -> int:
    from accompaniment.selectors import due_action_reminder_ids

    now = now or timezone.now()
    return sum(
        1
        for pk in due_action_reminder_ids(now=now, days=ACTION_REMINDER_DAYS)
        if action_remind(action_id=pk, now=now)
    )


# --- Indicators and measurements --------------------------------------------------------------------------


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


def indicator_update(
    *,
    indicator: Indicator,
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
    labels = {f.name: f.verbose_name for f in Indicator._meta.fields}
    with transaction.atomic():
        changed = _changed(
            indicator,
            {
                "name": name.strip(),
                "description": description.strip(),
                "unit": unit.strip(),
                "baseline": baseline,
                "target": target,
            },
            labels,
        )
        if changed:
            indicator.save()
            record_event(
                accompaniment=indicator.accompaniment,
                kind=EventKind.EDITED,
                title=_("Indicateur « %(name)s » modifié") % {"name": indicator.name},
                detail=_changes_detail(changed),
                by=by,
            )
    return indicator


def indicator_delete(*, indicator: Indicator, by: User) -> None:
    with transaction.atomic():
        count = indicator.measurements.count()
        record_event(
            accompaniment=indicator.accompaniment,
            kind=EventKind.DELETED,
            title=_("Indicateur « %(name)s » supprimé") % {"name": indicator.name},
            detail=_("avec ses %(count)s mesure(s)") % {"count": count} if count else "",
            by=by,
        )
        indicator.delete()


def _check_measurement_date(accompaniment: Accompaniment, measured_on: date) -> None:
    if measured_on > timezone.localdate():
        raise ValidationError({"measured_on": _("Une mesure ne peut pas être datée du futur.")})
    _check_not_before_start(accompaniment, "measured_on", measured_on, _("La date de la mesure"))


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
    _check_measurement_date(accompaniment, measured_on)
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


def measurement_update(
    *, measurement: Measurement, measured_on: date, value: Decimal, by: User, comment: str = ""
) -> Measurement:
    indicator = measurement.indicator
    _check_measurement_date(indicator.accompaniment, measured_on)
    labels = {f.name: f.verbose_name for f in Measurement._meta.fields}
    try:
        with transaction.atomic():
            changed = _changed(
                measurement, {"measured_on": measured_on, "value": value, "comment": comment.strip()}, labels
            )
            if changed:
                measurement.save()
                record_event(
                    accompaniment=indicator.accompaniment,
                    kind=EventKind.EDITED,
                    title=_("Mesure du %(date)s de « %(name)s » modifiée")
                    % {"date": _day(measurement.measured_on), "name": indicator.name},
                    detail=_changes_detail(changed),
                    by=by,
                )
    except IntegrityError:
        raise ValidationError(
            {"measured_on": _("Une mesure existe déjà à cette date pour cet indicateur.")}
        ) from None
    return measurement


def measurement_delete(*, measurement: Measurement, by: User) -> None:
    indicator = measurement.indicator
    with transaction.atomic():
        record_event(
            accompaniment=indicator.accompaniment,
            kind=EventKind.DELETED,
            title=_("Mesure du %(date)s de « %(name)s » supprimée")
            % {"date": _day(measurement.measured_on), "name": indicator.name},
            by=by,
        )
        measurement.delete()


# --- The journal --------------------------------------------------------------------------------------


def event_note_add(*, accompaniment: Accompaniment, title: str, detail: str, visibility: str, by: User):
    """A note in the accompaniment's history (a phone call, a decision taken outside a meeting)."""
    _check_visibility(visibility)
    if not title.strip():
        raise ValidationError({"title": _("Donnez un intitulé à la note.")})
    with transaction.atomic():
        return record_event(
            accompaniment=accompaniment,
            kind=EventKind.NOTE,
            title=title.strip(),
            detail=detail.strip(),
            visibility=visibility,
            by=by,
        )
