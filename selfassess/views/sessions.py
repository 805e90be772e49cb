"""The facilitator's pages: create a session, invite, follow who has answered, close the step."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cops.views_helpers import apply_service
from selfassess import selectors, services
from selfassess.enums import Side
from selfassess.forms import InviteForm, SessionForm
from selfassess.permissions import can_create_session, get_session_for_facilitator_or_404


@require_GET
def index(request):
    """Presentation for everyone; the list of one's sessions for those who run them."""
    sessions = None
    if request.user.is_authenticated and can_create_session(request.user):
        sessions = list(selectors.sessions_for(request.user)[:200])
    return render(
        request,
        "selfassess/index.html",
        {
            "sessions": sessions,
            "can_create": can_create_session(request.user),
            "frameworks": selectors.offered_frameworks(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    if not can_create_session(request.user):
        raise PermissionDenied
    frameworks = selectors.offered_frameworks()
    initial = {"held_on": timezone.localdate()}
    if frameworks:
        initial["framework"] = frameworks[0].pk
    form = SessionForm(request.POST or None, frameworks=frameworks, initial=initial)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.session_create(by=request.user, **form.cleaned_data),
            form=form,
            success_message=_("La séance est créée : invitez maintenant ses participants."),
            redirect_to=lambda session: session,
        )
        if response:
            return response
    return render(request, "selfassess/session_form.html", {"form": form})


def _detail_context(request, session, invite_form=None) -> dict:
    participants = selectors.participants_progress(session)
    criteria_count = session.framework.criteria.count()
    for participant in participants:
        participant.is_complete = participant.answered >= criteria_count
    respondents = [p for p in participants if p.answered]
    return {
        "session": session,
        "participants": participants,
        "criteria_count": criteria_count,
        "respondent_count": len(respondents),
        "complete_count": sum(1 for p in participants if p.is_complete),
        "in_progress_count": sum(1 for p in respondents if not p.is_complete),
        "side_counts": {side.value: sum(1 for p in respondents if p.side == side.value) for side in Side},
        "invite_form": invite_form or InviteForm(),
        "sides": Side,
    }


@login_required
@require_GET
def session_detail(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    return render(request, "selfassess/session_detail.html", _detail_context(request, session))


@login_required
@require_POST
def participant_invite(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    if not session.is_individual_open:
        messages.error(
            request, _("L'étape individuelle de cette séance est close : il n'est plus possible d'inviter.")
        )
        return redirect(session)
    form = InviteForm(request.POST)

    def invited(result) -> str:
        participant, _token = result
        return _("%(name)s est invité(e) : son lien personnel part à %(email)s.") % {
            "name": participant.name,
            "email": participant.email,
        }

    if form.is_valid():
        response = apply_service(
            request,
            lambda: services.participant_invite(session=session, by=request.user, **form.cleaned_data),
            form=form,
            success_message=invited,
            redirect_to=session,
        )
        if response:
            return response
    # The form comes back with what was typed and the errors, at the invitation block.
    return render(
        request, "selfassess/session_detail.html", _detail_context(request, session, form), status=400
    )


@login_required
@require_POST
def participant_resend(request, pk: int, participant_pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    participant = get_object_or_404(session.participants, pk=participant_pk)
    return apply_service(
        request,
        lambda: services.participant_resend_link(participant=participant, by=request.user),
        success_message=_("Un nouveau lien a été envoyé à %(email)s ; l'ancien ne fonctionne plus.")
        % {"email": participant.email},
        redirect_to=session,
    ) or redirect(session)


@login_required
@require_POST
def participant_remove(request, pk: int, participant_pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    participant = get_object_or_404(session.participants, pk=participant_pk)
    return apply_service(
        request,
        lambda: services.participant_remove(participant=participant, by=request.user),
        success_message=_("%(name)s ne fait plus partie de la séance.") % {"name": participant.name},
        redirect_to=session,
    ) or redirect(session)


@login_required
@require_POST
def session_close_individual(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    return apply_service(
        request,
        lambda: services.session_close_individual(session=session, by=request.user),
        success_message=_("L'étape individuelle est close : voici la cible du groupe."),
        redirect_to=reverse("selfassess:session_target", kwargs={"pk": session.pk}),
    ) or redirect(session)
