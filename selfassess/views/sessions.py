"""The facilitator's pages: create a session, invite, follow who has answered, close the step."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

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
        try:
            session = services.session_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("La séance est créée : invitez maintenant ses participants."))
            return redirect(session)
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
    if form.is_valid():
        try:
            participant, _token = services.participant_invite(
                session=session, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, field_messages in error.message_dict.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                for message in error.messages:
                    form.add_error(None, message)
        else:
            messages.success(
                request,
                _("%(name)s est invité(e) : son lien personnel part à %(email)s.")
                % {"name": participant.name, "email": participant.email},
            )
            return redirect(session)
    # The form comes back with what was typed and the errors, at the invitation block.
    return render(
        request, "selfassess/session_detail.html", _detail_context(request, session, form), status=400
    )


@login_required
@require_POST
def participant_resend(request, pk: int, participant_pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    participant = get_object_or_404(session.participants, pk=participant_pk)
    try:
        services.participant_resend_link(participant=participant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Un nouveau lien a été envoyé à %(email)s ; l'ancien ne fonctionne plus.")
            % {"email": participant.email},
        )
    return redirect(session)


@login_required
@require_POST
def participant_remove(request, pk: int, participant_pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    participant = get_object_or_404(session.participants, pk=participant_pk)
    try:
        services.participant_remove(participant=participant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s ne fait plus partie de la séance.") % {"name": participant.name}
        )
    return redirect(session)


@login_required
@require_POST
def session_close_individual(request, pk: int):
    session = get_session_for_facilitator_or_404(request, pk)
    try:
        services.session_close_individual(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(session)
    messages.success(request, _("L'étape individuelle est close : voici la cible du groupe."))
    return redirect("selfassess:session_target", pk=session.pk)
