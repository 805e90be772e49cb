"""Reads of the accompaniment app, with their joins and annotations (query counts stay constant)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accompaniment.enums import (
    OPEN_ACTION_STATUSES,
    AccompanimentStatus,
    ContentVisibility,
    RequestStatus,
    TransitionKind,
)
from accompaniment.models import (
    Accompaniment,
    AccompanimentEvent,
    Action,
    Evaluation,
    EvaluationInvitation,
    EvaluationResponse,
    Finding,
    Indicator,
    Measurement,
    Meeting,
    Participant,
    Phase,
    PhaseDefinition,
    PhaseTemplate,
    PhaseTransition,
    RequestComplement,
    RequestDecision,
    SupportRequest,
)
from accompaniment.permissions import referent_structure_ids
from actors.enums import Visibility
from actors.permissions import is_copil_member, is_cops_staff
from cops.suppression import MIN_CELL, is_small

# --- Periodic task ----------------------------------------------------------------------------------


def due_evaluation_ids(*, now: datetime) -> list[int]:
    today = timezone.localtime(now).date()
    return list(
        Evaluation.objects.filter(launched_at__isnull=True, scheduled_for__lte=today)
        .order_by("scheduled_for", "pk")
        .values_list("pk", flat=True)
    )


def due_reminder_ids(*, now: datetime) -> list[int]:
    return list(
        EvaluationInvitation.objects.filter(
            answered_at__isnull=True, next_reminder_at__isnull=False, next_reminder_at__lte=now
        )
        .order_by("next_reminder_at", "pk")
        .values_list("pk", flat=True)
    )


def due_action_reminder_ids(*, now: datetime, days: int) -> list[int]:
    """Open shared actions due within `days` whose owner has an address and was not reminded yet."""
    today = timezone.localtime(now).date()
    return list(
        Action.objects.filter(
            due_reminder_sent_at__isnull=True,
            status__in=OPEN_ACTION_STATUSES,
            visibility=ContentVisibility.SHARED,
            due_on__gte=today,
            due_on__lte=today + timedelta(days=days),
        )
        .exclude(owner__email="")
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )


# --- Requests ---------------------------------------------------------------------------------------


def visible_requests(user) -> QuerySet[SupportRequest]:
    """Staff and CoPil members see the whole queue; a référent sees their structures' requests."""
    requests = SupportRequest.objects.select_related("structure", "requested_by", "accompaniment").annotate(
        decision_count=Count("decisions")
    )
    if is_cops_staff(user) or is_copil_member(user):
        return requests
    return requests.filter(structure_id__in=referent_structure_ids(user))


def waiting_request_count() -> int:
    return SupportRequest.objects.filter(status=RequestStatus.SUBMITTED).count()


def request_history(support_request: SupportRequest) -> list[dict]:
    """Submission, decisions and complements in order, for the request page and the timeline."""
    events = [{"at": support_request.submitted_at, "kind": "submitted", "by": support_request.requested_by}]
    for decision in RequestDecision.objects.filter(request=support_request).select_related(
        "recorded_by", "copil_meeting"
    ):
        recorder = decision.recorded_by
        events.append(
            {
                "at": decision.recorded_at,
                "kind": "decision",
                "decision": decision,
                "by": recorder,
                # The team records some decisions for the CoPil (taken in a meeting, by email…).
                "on_behalf": recorder is not None and not is_copil_member(recorder),
            }
        )
    for complement in RequestComplement.objects.filter(request=support_request).select_related("added_by"):
        events.append(
            {
                "at": complement.added_at,
                "kind": "complement",
                "complement": complement,
                "by": complement.added_by,
            }
        )
    return sorted(events, key=lambda event: event["at"])


# --- Accompaniments: lists -------------------------------------------------------------------------------


def _overdue_evaluations_subquery(today: date) -> Subquery:
    answered = EvaluationResponse.objects.filter(evaluation=OuterRef("pk"))
    overdue = (
        Evaluation.objects.filter(accompaniment=OuterRef("pk"))
        .annotate(has_answer=Exists(answered))
        .filter(
            Q(launched_at__isnull=False, answer_by__lt=today, has_answer=False)
            | Q(launched_at__isnull=True, scheduled_for__lt=today)
        )
        .order_by()
        .values("accompaniment")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(overdue, output_field=IntegerField()), 0)


def with_alerts(
    accompaniments: QuerySet[Accompaniment], today: date | None = None, *, shared_only: bool = False
) -> QuerySet[Accompaniment]:
    """Annotate overdue actions and overdue evaluations (highlighted on the board and lists).

    `shared_only`: count only the actions the structure may read (a référent's view).
    """
    today = today or timezone.localdate()
    actions = Action.objects.filter(accompaniment=OuterRef("pk"), status__in=OPEN_ACTION_STATUSES)
    if shared_only:
        actions = actions.filter(visibility=ContentVisibility.SHARED)
    overdue_actions = (
        actions.filter(due_on__lt=today)
        .order_by()
        .values("accompaniment")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return accompaniments.annotate(
        overdue_actions=Coalesce(Subquery(overdue_actions, output_field=IntegerField()), 0),
        overdue_evaluations=_overdue_evaluations_subquery(today),
    )


@dataclass
class BoardFilters:
    support_type: str = ""
    zone: str = ""
    departement: str = ""
    lead: int | None = None
    template: int | None = None
    alerts_only: bool = False


def board_accompaniments(filters: BoardFilters) -> QuerySet[Accompaniment]:
    accompaniments = with_alerts(
        Accompaniment.objects.select_related(
            "structure__commune__departement",
            "template",
            "current_phase",
            "professional_lead",
            "patient_partner_lead",
        )
    ).order_by("structure__name", "title")
    if filters.support_type:
        accompaniments = accompaniments.filter(support_type=filters.support_type)
    if filters.zone:
        accompaniments = accompaniments.filter(
            Q(structure__zone=filters.zone) | Q(structure__commune__departement__zone=filters.zone)
        )
    if filters.departement:
        accompaniments = accompaniments.filter(
            Q(structure__commune__departement_id=filters.departement)
            | Q(structure__territories__code=filters.departement)
        ).distinct()
    if filters.lead:
        accompaniments = accompaniments.filter(
            Q(professional_lead_id=filters.lead) | Q(patient_partner_lead_id=filters.lead)
        )
    if filters.template:
        accompaniments = accompaniments.filter(template_id=filters.template)
    if filters.alerts_only:
        accompaniments = accompaniments.filter(Q(overdue_actions__gt=0) | Q(overdue_evaluations__gt=0))
    return accompaniments


COMPLETED_SHOWN = 12


@dataclass
class BoardColumn:
    key: str
    title: str
    description: str
    cards: list = field(default_factory=list)
    hidden: int = 0  # completed accompaniments left out of the column (they are in the export)


@dataclass
class Board:
    template: PhaseTemplate
    columns: list[BoardColumn]

    @property
    def count(self) -> int:
        return sum(len(column.cards) + column.hidden for column in self.columns)


def build_boards(accompaniments, completed_label: str) -> list[Board]:
    """One kanban per phase template in use: a column per phase, then the completed ones."""
    accompaniments = list(accompaniments)
    template_ids = {accompaniment.template_id for accompaniment in accompaniments}
    templates = PhaseTemplate.objects.filter(pk__in=template_ids).prefetch_related(
        Prefetch("definitions", queryset=PhaseDefinition.objects.order_by("position"))
    )
    boards = []
    for template in templates:
        columns = {
            definition.position: BoardColumn(str(definition.position), definition.short_name, definition.name)
            for definition in template.definitions.all()
        }
        done = BoardColumn("done", completed_label, "")
        for accompaniment in accompaniments:
            if accompaniment.template_id != template.pk:
                continue
            if accompaniment.status == AccompanimentStatus.COMPLETED or accompaniment.current_phase is None:
                done.cards.append(accompaniment)
            else:
                columns.setdefault(
                    accompaniment.current_phase.position,
                    BoardColumn(
                        str(accompaniment.current_phase.position), accompaniment.current_phase.short_name, ""
                    ),
                ).cards.append(accompaniment)
        # Completed accompaniments pile up over the years: the column shows the latest ones.
        done.cards.sort(key=lambda a: a.completed_at or a.created_at, reverse=True)
        done.hidden = max(0, len(done.cards) - COMPLETED_SHOWN)
        done.cards = done.cards[:COMPLETED_SHOWN]
        boards.append(Board(template=template, columns=[*columns.values(), done]))
    return boards


def referent_accompaniments(user) -> QuerySet[Accompaniment]:
    return with_alerts(
        Accompaniment.objects.filter(structure_id__in=referent_structure_ids(user)).select_related(
            "structure", "template", "current_phase", "professional_lead", "patient_partner_lead"
        )
    ).order_by("-created_at")


def completed_or_running_count() -> int:
    return Accompaniment.objects.count()


def _count_of(model, **filters) -> Coalesce:
    """A correlated COUNT per accompaniment (one subquery each: no join fan-out between them)."""
    rows = (
        model.objects.filter(accompaniment=OuterRef("pk"), **filters)
        .order_by()
        .values("accompaniment")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def portfolio(filters: BoardFilters | None = None) -> QuerySet[Accompaniment]:
    """The export's rows: every accompaniment with its counts."""
    accompaniments = board_accompaniments(filters or BoardFilters())
    return accompaniments.annotate(
        meeting_count=_count_of(Meeting),
        action_count=_count_of(Action),
        indicator_count=_count_of(Indicator),
        participant_count=_count_of(Participant),
    )


# --- One accompaniment --------------------------------------------------------------------------------


def accompaniment_phases(accompaniment: Accompaniment) -> list[Phase]:
    return list(
        Phase.objects.filter(accompaniment=accompaniment)
        .select_related("definition")
        .annotate(
            meeting_count=Count("meetings", distinct=True),
            finding_count=Count("findings", distinct=True),
            action_count=Count("actions", distinct=True),
            indicator_count=Count("indicators", distinct=True),
        )
        .order_by("position")
    )


def accompaniment_participants(accompaniment: Accompaniment) -> list[Participant]:
    return list(accompaniment.participants.select_related("person").order_by("last_name", "first_name"))


def participant_name(participant: Participant, level: int) -> str:
    """The participant's name as a viewer at `level` (actors.enums.Visibility) may read it.

    A participant chosen from the directory has their name copied in, but the structure's
    référents read the page and the dossier: the last name the person keeps from them stays
    hidden (only the first name is shown), whoever typed it.
    """
    person = participant.person
    if person is not None and person.field_level("last_name") > level:
        return participant.first_name
    return str(participant)


def participant_email(participant: Participant, level: int) -> str:
    """The participant's address if the viewer may read it: for a person of the directory, only
    their contact address, and only when they show it at the viewer's level (the address filled in
    may be their account's, which the directory never shows)."""
    person = participant.person
    if person is None or level >= Visibility.STAFF:
        return participant.email
    if participant.email.lower() == person.email.lower() and person.field_level("email") <= level:
        return participant.email
    return ""


def _shared_only(queryset, staff: bool):
    """What the structure may read: items marked for the COPS team are left out unless `staff`."""
    return queryset if staff else queryset.filter(visibility=ContentVisibility.SHARED)


def accompaniment_meetings(accompaniment: Accompaniment, *, staff: bool) -> list[Meeting]:
    """`staff`: the viewer is of the COPS team (permissions.can_see_staff_only_content)."""
    return list(
        _shared_only(Meeting.objects.filter(accompaniment=accompaniment), staff)
        .select_related("phase")
        .prefetch_related(
            Prefetch(
                "participants", queryset=Participant.objects.select_related("person").order_by("last_name")
            )
        )
        .order_by("-held_on", "-pk")
    )


def accompaniment_findings(accompaniment: Accompaniment, *, staff: bool) -> list[Finding]:
    return list(
        _shared_only(Finding.objects.filter(accompaniment=accompaniment), staff)
        .select_related("phase")
        .order_by("kind", "pk")
    )


def accompaniment_actions(accompaniment: Accompaniment, *, staff: bool) -> list[Action]:
    today = timezone.localdate()
    actions = list(
        _shared_only(Action.objects.filter(accompaniment=accompaniment), staff)
        .select_related("owner__person", "phase")
        .order_by("due_on", "pk")
    )
    for action in actions:
        action.is_overdue = action.is_open and action.due_on < today
    return actions


def accompaniment_indicators(accompaniment: Accompaniment) -> list[Indicator]:
    indicators = list(
        Indicator.objects.filter(accompaniment=accompaniment)
        .select_related("phase")
        .prefetch_related(Prefetch("measurements", queryset=Measurement.objects.order_by("measured_on")))
        .order_by("pk")
    )
    for indicator in indicators:
        measurements = list(indicator.measurements.all())
        indicator.last_measurement = measurements[-1] if measurements else None
    return indicators


def accompaniment_evaluations(accompaniment: Accompaniment) -> list[Evaluation]:
    today = timezone.localdate()
    evaluations = list(
        Evaluation.objects.filter(accompaniment=accompaniment)
        .annotate(
            invitation_count=Count("invitations", distinct=True),
            response_count=Count("responses", distinct=True),
            next_reminder=Min(
                "invitations__next_reminder_at", filter=Q(invitations__answered_at__isnull=True)
            ),
        )
        .prefetch_related(Prefetch("responses", queryset=EvaluationResponse.objects.order_by("pk")))
        .order_by("kind")
    )
    for evaluation in evaluations:
        evaluation.is_overdue = evaluation.response_count == 0 and (
            (evaluation.launched_at is not None and evaluation.answer_by and evaluation.answer_by < today)
            or (
                evaluation.launched_at is None
                and evaluation.scheduled_for
                and evaluation.scheduled_for < today
            )
        )
    return evaluations


def accompaniment_events(accompaniment: Accompaniment, *, staff: bool) -> list[AccompanimentEvent]:
    """The journal's corrections, deletions and notes the viewer may read."""
    return list(
        _shared_only(AccompanimentEvent.objects.filter(accompaniment=accompaniment), staff)
        .select_related("by")
        .order_by("at", "pk")
    )


def accompaniment_transitions(accompaniment: Accompaniment) -> list[PhaseTransition]:
    return list(
        PhaseTransition.objects.filter(accompaniment=accompaniment)
        .select_related("phase", "by")
        .order_by("at", "pk")
    )


@dataclass
class TimelineEvent:
    on: date
    at: datetime | None
    kind: str  # request, decision, complement, phase_*, meeting, convention, evaluation*, event_*
    title: str
    detail: str = ""
    by: str = ""
    staff_only: bool = False  # shown to the COPS team only (the template marks it)


def accompaniment_timeline(
    accompaniment: Accompaniment,
    *,
    transitions: list[PhaseTransition],
    meetings: list[Meeting],
    evaluations: list[Evaluation],
    labels: dict[str, str],
    events_log: list[AccompanimentEvent] = (),
) -> list[TimelineEvent]:
    """Everything that happened, most recent first: request, decisions, phases, meetings, convention, evaluations."""
    events: list[TimelineEvent] = []

    def when(moment: datetime) -> date:
        return timezone.localtime(moment).date()

    if accompaniment.request_id:
        for item in request_history(accompaniment.request):
            if item["kind"] == "submitted":
                events.append(
                    TimelineEvent(
                        when(item["at"]), item["at"], "request", labels["request"], by=str(item["by"] or "")
                    )
                )
            elif item["kind"] == "decision":
                decision = item["decision"]
                by = str(item["by"] or "")
                if item["on_behalf"] and by:
                    by = labels["on_behalf"] % {"name": by}
                events.append(
                    TimelineEvent(
                        decision.decided_on,
                        item["at"],
                        "decision",
                        labels["decision"] % {"outcome": decision.get_outcome_display().lower()},
                        decision.reason,
                        by,
                    )
                )
            else:
                events.append(
                    TimelineEvent(
                        when(item["at"]),
                        item["at"],
                        "complement",
                        labels["complement"],
                        item["complement"].text,
                    )
                )
    kinds = {
        TransitionKind.STARTED: ("phase_started", labels["phase_started"]),
        TransitionKind.CLOSED: ("phase_closed", labels["phase_closed"]),
        TransitionKind.REOPENED: ("phase_reopened", labels["phase_reopened"]),
    }
    for transition in transitions:
        kind, label = kinds[transition.kind]
        events.append(
            TimelineEvent(
                transition.on,
                transition.at,
                kind,
                label % {"phase": transition.phase.short_name},
                transition.reason,
                str(transition.by or ""),
            )
        )
    for meeting in meetings:
        events.append(
            TimelineEvent(
                meeting.held_on,
                None,
                "meeting",
                meeting.title,
                meeting.phase.short_name,
                staff_only=meeting.visibility == ContentVisibility.STAFF,
            )
        )
    for entry in events_log:
        events.append(
            TimelineEvent(
                entry.on,
                entry.at,
                f"event_{entry.kind}",
                entry.title,
                entry.detail,
                str(entry.by or ""),
                staff_only=entry.visibility == ContentVisibility.STAFF,
            )
        )
    if accompaniment.convention_signed_on:
        events.append(
            TimelineEvent(accompaniment.convention_signed_on, None, "convention", labels["convention"])
        )
    for evaluation in evaluations:
        if evaluation.launched_at:
            events.append(
                TimelineEvent(
                    when(evaluation.launched_at),
                    evaluation.launched_at,
                    "evaluation",
                    labels["evaluation_sent"] % {"evaluation": evaluation.get_kind_display()},
                    labels["responses"]
                    % {"count": evaluation.response_count, "invited": evaluation.invitation_count},
                )
            )
        elif evaluation.scheduled_for:
            events.append(
                TimelineEvent(
                    evaluation.scheduled_for,
                    None,
                    "evaluation_planned",
                    labels["evaluation_planned"] % {"evaluation": evaluation.get_kind_display()},
                )
            )
    return sorted(
        events,
        key=lambda event: (
            event.on,
            event.at or datetime.min.replace(tzinfo=timezone.get_current_timezone()),
        ),
        reverse=True,
    )


@dataclass
class EvaluationSummary:
    """What an evaluation's results show: one item per question, plus what the small-number rule
    did to them (`cops.suppression`), so the page and the dossier can say it.

    Iterating gives the items, so templates read `{% for item in summary %}`.
    """

    items: list[dict]
    merged: bool = False  # a side under MIN_CELL was folded into « Ensemble » (non-staff readers)
    hidden: bool = False  # a question had fewer than MIN_CELL answers: no figure at all
    internal: bool = False  # staff reader, and the split shows a side under MIN_CELL
    comments_hidden: bool = False  # fewer than MIN_CELL answers: the comments stay with the team

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def evaluation_summary(evaluation: Evaluation, *, staff: bool = False) -> EvaluationSummary:
    """Per question: the mean by side and overall (scales), or the comments (texts).

    Comments reach the other readers only from MIN_CELL answers on, in alphabetical order.

    The form promises answers that cannot be traced to a person, so for every reader but the COPS
    team (`staff`) the platform's small-number rule applies: a side (usagers / professionnels)
    with fewer than MIN_CELL answers is shown only within « Ensemble », and a question with fewer
    than MIN_CELL answers in all shows no figure. The staff see the split, marked as internal.
    """
    from accompaniment.enums import Side
    from accompaniment.questionnaires import SCALE

    responses = list(evaluation.responses.all())
    summary = EvaluationSummary(items=[])
    for question in evaluation.questions:
        code = question["code"]
        if question["type"] == SCALE:

            def values(rows, code=code):
                return [row.answers[code] for row in rows if isinstance(row.answers.get(code), int)]

            def mean(found):
                return round(sum(found) / len(found), 1) if found else None

            every = values(responses)
            users = values([r for r in responses if r.side == Side.USER])
            professionals = values([r for r in responses if r.side == Side.PROFESSIONAL])
            item = {
                "question": question,
                "mean": mean(every),
                "mean_user": mean(users),
                "mean_professional": mean(professionals),
                "count": len(every),
                "merged": False,
                "hidden": False,
                "small_side": is_small(len(users)) or is_small(len(professionals)),
            }
            if staff:
                summary.internal = summary.internal or item["small_side"] or is_small(len(every))
            elif len(every) < MIN_CELL:
                item.update(mean=None, mean_user=None, mean_professional=None, hidden=bool(every))
                summary.hidden = summary.hidden or bool(every)
            elif item["small_side"]:
                # Both sides go: with « Ensemble » shown, the other side would give the small one back.
                item.update(mean_user=None, mean_professional=None, merged=True)
                summary.merged = True
            summary.items.append(item)
        else:
            comments = [r.answers[code] for r in responses if r.answers.get(code)]
            hidden = False
            if not staff:
                # Under MIN_CELL answers a comment is as good as signed; above, their order is not
                # the order people answered in (alphabetical), so none is matched to an invitation.
                hidden = bool(comments) and len(responses) < MIN_CELL
                comments = [] if hidden else sorted(comments, key=str.casefold)
                summary.comments_hidden = summary.comments_hidden or hidden
            summary.items.append({"question": question, "comments": comments, "comments_hidden": hidden})
    return summary


# --- Evaluation follow-up -----------------------------------------------------------------------------


@dataclass
class LeftOut:
    name: str
    reason: str


def evaluation_invitations(evaluation: Evaluation) -> list[EvaluationInvitation]:
    """Who was invited, who has answered, the last and next emails (never what anyone answered)."""
    return list(
        EvaluationInvitation.objects.filter(evaluation=evaluation)
        .select_related("participant__person")
        .order_by("answered_at", "participant__last_name", "participant__first_name", "pk")
    )


def evaluation_left_out(
    evaluation: Evaluation, invitations: list[EvaluationInvitation], reasons: dict[str, str], level: int
) -> list[LeftOut]:
    """The accompaniment's participants who did not receive this evaluation, and why."""
    invited = {invitation.participant_id for invitation in invitations}
    left_out = []
    for participant in evaluation.accompaniment.participants.select_related("person").order_by(
        "last_name", "first_name"
    ):
        if participant.pk in invited:
            continue
        reason = reasons["no_email"] if not participant.email else reasons["added_later"]
        left_out.append(LeftOut(participant_name(participant, level), reason))
    return left_out


def next_reminder_at(invitations: list[EvaluationInvitation]) -> datetime | None:
    moments = [i.next_reminder_at for i in invitations if i.answered_at is None and i.next_reminder_at]
    return min(moments) if moments else None


def participants_without_email(accompaniment: Accompaniment) -> list[Participant]:
    return list(accompaniment.participants.filter(email="").order_by("last_name", "first_name"))
