"""Accompaniments in Mon espace: evaluations to answer, requests to complete, and the
accompaniments the person follows (cops/space.py).

A structure's référents and the COPS staff open an accompaniment's page; a participant who is
neither sees it listed without a link (the page would answer 404). Evaluations are answered
through the personal link of their email only, so Mon espace sends the person to their mailbox.
"""

from django.db.models import Count, DateField, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accompaniment.enums import OPEN_ACTION_STATUSES, AccompanimentStatus, ContentVisibility, RequestStatus
from accompaniment.models import Accompaniment, Action, EvaluationInvitation, SupportRequest
from accompaniment.models import Meeting as AccompanimentMeeting
from accompaniment.permissions import can_view_accompaniment, can_view_board, referent_structure_ids
from accompaniment.selectors import with_alerts
from actors.permissions import is_copil_member, is_cops_staff
from cops.space import Badge, SpaceItem, SpaceLink, SpaceSection, Waiting, format_day

# What the hooks below read (cops/space.py keeps their result per version of these tables).
SPACE_MODELS = (
    "accompaniment.SupportRequest",
    "accompaniment.Accompaniment",
    "accompaniment.PhaseTemplate",
    "accompaniment.Phase",
    "accompaniment.Participant",
    "accompaniment.Meeting",
    "accompaniment.Action",
    "accompaniment.Evaluation",
    "accompaniment.EvaluationInvitation",
    "accompaniment.EvaluationResponse",
    "actors.Person",
    "actors.Structure",
    "actors.Membership",
)

ACCOMPANIMENTS_SHOWN = 10


def _mine(user) -> Q:
    """Accompaniments the person takes part in: référent, COPS binôme, or participant."""
    condition = (
        Q(structure_id__in=referent_structure_ids(user))
        | Q(professional_lead=user)
        | Q(patient_partner_lead=user)
        | Q(participants__person__user=user)
    )
    if user.is_verified:
        condition |= Q(participants__email__iexact=user.email)
    return condition


def space_waiting(user) -> list[Waiting]:
    invitee = Q(participant__person__user=user)
    if user.is_verified:
        invitee |= Q(email__iexact=user.email)
    invitations = (
        EvaluationInvitation.objects.filter(invitee, sent_at__isnull=False, answered_at__isnull=True)
        .filter(evaluation__launched_at__isnull=False)
        .select_related("evaluation__accompaniment")
        .order_by("evaluation__answer_by", "pk")
    )
    waiting = []
    for invitation in invitations:
        evaluation = invitation.evaluation
        detail = _("Ouvrez le lien personnel reçu par courriel le %(day)s.") % {
            "day": format_day(invitation.sent_at)
        }
        if evaluation.answer_by:
            detail = (
                _("Réponses attendues avant le %(day)s. ") % {"day": format_day(evaluation.answer_by)}
                + detail
            )
        waiting.append(
            Waiting(
                title=_("%(kind)s à remplir : %(title)s")
                % {"kind": evaluation.get_kind_display(), "title": evaluation.accompaniment.title},
                detail=detail,
                due=evaluation.answer_by or invitation.sent_at,
            )
        )
    if is_copil_member(user) and not is_cops_staff(user):  # the staff find them on the staff home
        queue = SupportRequest.objects.filter(status=RequestStatus.SUBMITTED).aggregate(
            count=Count("pk"), oldest=Min("submitted_at")
        )
        if queue["count"]:
            waiting.append(
                Waiting(
                    title=_("Demandes d'appui à examiner par le CoPil : %(count)s")
                    % {"count": queue["count"]},
                    detail=_("Chaque demande attend la décision du CoPil."),
                    url=reverse("accompaniment:request_list") + "?statut=a_examiner",
                    action=_("Examiner"),
                    due=queue["oldest"],
                )
            )
    waiting += _actions_owned(user)
    to_complete = SupportRequest.objects.filter(
        structure_id__in=referent_structure_ids(user), status=RequestStatus.MORE_INFO
    ).order_by("updated_at")
    for support_request in to_complete:
        waiting.append(
            Waiting(
                title=_("Compléter la demande d'appui : %(title)s") % {"title": support_request.title},
                detail=_("Le CoPil vous demande un complément d'information."),
                url=reverse("accompaniment:request_detail", args=[support_request.pk]),
                action=_("Compléter"),
                due=support_request.updated_at,
            )
        )
    return waiting


def _actions_owned(user) -> list[Waiting]:
    """The open actions of a plan the person is responsible for (what their « action assigned »
    and « due date » emails told them); the staff-only ones are the team's, not theirs to see."""
    owner = Q(owner__person__user=user)
    if user.is_verified:
        owner |= Q(owner__email__iexact=user.email)
    actions = (
        Action.objects.filter(owner, status__in=OPEN_ACTION_STATUSES, visibility=ContentVisibility.SHARED)
        .select_related("accompaniment__structure")
        .order_by("due_on", "pk")
    )
    waiting = []
    for action in actions:
        accompaniment = action.accompaniment
        viewable = can_view_accompaniment(user, accompaniment)
        waiting.append(
            Waiting(
                title=_("Action à mener : %(title)s") % {"title": action.title},
                detail=_("Plan d'actions de « %(accompaniment)s » ; échéance le %(day)s.")
                % {"accompaniment": accompaniment.title, "day": format_day(action.due_on)},
                url=accompaniment.get_absolute_url() + "#plan" if viewable else "",
                action=_("Voir le plan d'actions") if viewable else "",
                due=action.due_on,
            )
        )
    return waiting


def space_sections(user) -> list[SpaceSection]:
    today = timezone.localdate()
    # A référent's space shows only what the structure may read: no staff-only meeting or action.
    shared_only = not is_cops_staff(user)
    shared = Q(visibility=ContentVisibility.SHARED) if shared_only else Q()
    next_meeting = (
        AccompanimentMeeting.objects.filter(shared, accompaniment=OuterRef("pk"), held_on__gte=today)
        .order_by("held_on")
        .values("held_on")[:1]
    )
    next_due = (
        # The next deadline to come; those already past are the « en retard » badge.
        Action.objects.filter(
            shared, accompaniment=OuterRef("pk"), status__in=OPEN_ACTION_STATUSES, due_on__gte=today
        )
        .order_by()
        .values("accompaniment")
        .annotate(day=Min("due_on"))
        .values("day")
    )
    ids = Accompaniment.objects.filter(_mine(user)).values("pk")
    accompaniments = list(
        with_alerts(Accompaniment.objects.filter(pk__in=ids), today, shared_only=shared_only)
        .select_related("structure", "current_phase")
        .annotate(next_meeting=Subquery(next_meeting), next_due=Subquery(next_due, output_field=DateField()))
        .order_by("status", "-created_at")[:ACCOMPANIMENTS_SHOWN]
    )
    items = []
    for accompaniment in accompaniments:
        badges = []
        if accompaniment.status == AccompanimentStatus.COMPLETED:
            badges.append(Badge(accompaniment.get_status_display(), "ok"))
        elif accompaniment.current_phase is not None:
            badges.append(
                Badge(_("Phase : %(phase)s") % {"phase": accompaniment.current_phase.short_name}, "pending")
            )
        if accompaniment.overdue_actions:
            badges.append(
                Badge(_("%(count)s action(s) en retard") % {"count": accompaniment.overdue_actions}, "error")
            )
        if accompaniment.overdue_evaluations:
            badges.append(
                Badge(
                    _("%(count)s évaluation(s) en retard") % {"count": accompaniment.overdue_evaluations},
                    "error",
                )
            )
        details = [str(accompaniment.structure)]
        if accompaniment.next_meeting:
            details.append(
                _("prochaine rencontre le %(day)s") % {"day": format_day(accompaniment.next_meeting)}
            )
        if accompaniment.next_due:
            details.append(
                _("prochaine échéance d'action le %(day)s") % {"day": format_day(accompaniment.next_due)}
            )
        viewable = can_view_accompaniment(user, accompaniment)
        items.append(
            SpaceItem(
                title=accompaniment.title,
                url=accompaniment.get_absolute_url() if viewable else "",
                detail=" · ".join(details),
                badges=badges,
            )
        )
    return [
        SpaceSection(
            key="accompagnements",
            title=_("Mes accompagnements"),
            position=60,
            items=items,
            applies=bool(items),
            links=[
                SpaceLink(_("Tableau des accompagnements"), reverse("accompaniment:board"))
                if can_view_board(user)
                else SpaceLink(_("Demander un appui au COPS"), reverse("accompaniment:landing"))
            ],
        )
    ]
