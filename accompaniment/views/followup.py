"""Following an evaluation's answers (who has not answered, the reminders) and the history's notes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accompaniment import permissions, selectors
from accompaniment.forms import EventNoteForm
from accompaniment.models import Evaluation, EvaluationInvitation
from accompaniment.services import content as content_services
from accompaniment.services import evaluations as services
from accompaniment.views.content import _content_form
from actors.permissions import directory_viewer_level
from cops.views_helpers import apply_service


def _evaluation_or_404(request, pk: int, evaluation_pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk)
    if not permissions.can_follow_evaluations(request.user, accompaniment):
        raise PermissionDenied
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("accompaniment"), pk=evaluation_pk, accompaniment=accompaniment
    )
    return accompaniment, evaluation


def left_out_reasons() -> dict[str, str]:
    return {
        "no_email": _("pas d'adresse électronique"),
        "added_later": _("ajouté après l'envoi"),
    }


@login_required
@require_GET
def evaluation_followup(request, pk: int, evaluation_pk: int):
    accompaniment, evaluation = _evaluation_or_404(request, pk, evaluation_pk)
    invitations = selectors.evaluation_invitations(evaluation)
    level = directory_viewer_level(request.user)
    pending = [i for i in invitations if i.answered_at is None]
    return render(
        request,
        "accompaniment/evaluation_followup.html",
        {
            "accompaniment": accompaniment,
            "evaluation": evaluation,
            "invitations": invitations,
            "pending_count": len(pending),
            "answered_count": len(invitations) - len(pending),
            "left_out": selectors.evaluation_left_out(evaluation, invitations, left_out_reasons(), level),
            "next_reminder": selectors.next_reminder_at(invitations),
            "viewer_level": level,
        },
    )


@login_required
@require_POST
def invitation_send(request, pk: int, evaluation_pk: int, invitation_pk: int):
    """Write now to one participant: a reminder, or (?lien=1) their personal link again."""
    accompaniment, evaluation = _evaluation_or_404(request, pk, evaluation_pk)
    invitation = get_object_or_404(
        EvaluationInvitation.objects.select_related("participant"), pk=invitation_pk, evaluation=evaluation
    )
    resend_link = request.POST.get("lien") == "1"
    back = reverse("accompaniment:evaluation_followup", args=[pk, evaluation_pk])
    name = selectors.participant_name(invitation.participant, directory_viewer_level(request.user))
    return apply_service(
        request,
        lambda: services.invitation_send_now(invitation=invitation, by=request.user, resend_link=resend_link),
        success_message=(
            _("Le lien personnel est renvoyé à %(name)s.") if resend_link else _("%(name)s est relancé(e).")
        )
        % {"name": name},
        redirect_to=back,
    ) or redirect(back)


@login_required
@require_POST
def evaluation_remind_now(request, pk: int, evaluation_pk: int):
    accompaniment, evaluation = _evaluation_or_404(request, pk, evaluation_pk)
    back = reverse("accompaniment:evaluation_followup", args=[pk, evaluation_pk])

    def done(result) -> str:
        reminded, left_out = result
        message = _("Relance envoyée à %(count)s personne(s).") % {"count": len(reminded)}
        for reason in left_out:
            messages.warning(request, reason)
        return message

    return apply_service(
        request,
        lambda: services.evaluation_remind_now(evaluation=evaluation, by=request.user),
        success_message=done,
        redirect_to=back,
    ) or redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def event_note_add(request, pk: int):
    def save(accompaniment, data):
        content_services.event_note_add(accompaniment=accompaniment, by=request.user, **data)

    return _content_form(
        request,
        pk,
        form_class=EventNoteForm,
        template="accompaniment/content_form.html",
        title=_("Ajouter une note à la chronologie"),
        button=_("Ajouter la note"),
        intro=_(
            "Un appel, un échange de courriels, une décision prise hors rencontre. Réservée à l'équipe par défaut ; partagée, les référents de la structure la lisent."
        ),
        anchor="#chronologie",
        save=save,
        success=_("La note est ajoutée à la chronologie."),
    )
