"""The facilitator's pages: create a session, invite, follow who has answered, close the step."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actors.permissions import is_cops_staff
from cops.ratelimit import hit_request
from cops.views_helpers import apply_service
from selfassess import selectors, services
from selfassess.enums import Side
from selfassess.forms import InviteForm, SessionForm
from selfassess.permissions import (
    can_create_session,
    can_invite,
    get_session_for_facilitator_or_404,
    structures_for_sessions,
)

# Emails a facilitator may have the platform send (invitations and fresh links) per day: a
# working group fits well within it; the COPS team runs many sessions, so it gets more.
INVITATIONS_GROUP = "selfassess.invitations"
INVITATIONS_RATE = "50/d"
STAFF_INVITATIONS_GROUP = "selfassess.invitations.staff"
STAFF_INVITATIONS_RATE = "500/d"


@require_GET
def index(request):
    """Presentation for everyone; the list of one's sessions for those who run them."""
    sessions = None
    can_create = can_create_session(request.user)
    if request.user.is_authenticated:
        # Sessions one facilitated stay listed even for an account that may no longer create any.
        sessions = list(selectors.sessions_for(request.user)[:200])
        if not sessions and not can_create:
            sessions = None
    return render(
        request,
        "selfassess/index.html",
        {"sessions": sessions, "can_create": can_create, "frameworks": selectors.offered_frameworks()},
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
    form = SessionForm(
        request.POST or None,
        frameworks=frameworks,
        structures=structures_for_sessions(request.user),
        structure_required=not is_cops_staff(request.user),
        initial=initial,
    )
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
        "can_invite": can_invite(request.user, session),
        "sides": Side,
    }


@login_required
@require_GET
def session_detail(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    return render(request, "selfassess/session_detail.html", _detail_context(request, session))


def _invitations_over_limit(request) -> bool:
    """Count one email a facilitator has the platform send; True once over the day's limit."""
    if is_cops_staff(request.user):
        over, _retry = hit_request(
            request, group=STAFF_INVITATIONS_GROUP, rate=STAFF_INVITATIONS_RATE, key="user"
        )
    else:
        over, _retry = hit_request(request, group=INVITATIONS_GROUP, rate=INVITATIONS_RATE, key="user")
    return over


INVITATIONS_LIMIT_MESSAGE = gettext_lazy(
    "Vous avez atteint le nombre d'invitations permis par jour. Réessayez demain, ou écrivez à "
    "l'équipe de la COPS si votre groupe de travail en demande davantage."
)


def _get_session_to_invite_or_403(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    if not can_invite(request.user, session):
        raise PermissionDenied(
            _("Seuls les référents de la structure de la séance et l'équipe de la COPS peuvent inviter.")
        )
    return session


@login_required
@require_POST
def participant_invite(request, pk: int):
    session = _get_session_to_invite_or_403(request, pk)
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

    status = 400
    if form.is_valid() and _invitations_over_limit(request):
        form.add_error(None, str(INVITATIONS_LIMIT_MESSAGE))
        status = 429
    elif form.is_valid():
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
        request, "selfassess/session_detail.html", _detail_context(request, session, form), status=status
    )


@login_required
@require_POST
def participant_resend(request, pk: int, participant_pk: int):
    session = _get_session_to_invite_or_403(request, pk)
    participant = get_object_or_404(session.participants, pk=participant_pk)
    if _invitations_over_limit(request):
        messages.error(request, str(INVITATIONS_LIMIT_MESSAGE))
        return redirect(session)
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
