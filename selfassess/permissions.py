"""Who may do what in the self-assessment. Participants are not accounts: their personal link
puts their participant id in the browser session, and `participant_for` reads it back."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Structure
from actors.permissions import is_cops_staff, is_partner, is_structure_referent
from selfassess.models import AssessmentSession, Participant

SESSION_KEY = "selfassess_participants"  # {session pk: participant pk}


def structures_for_sessions(user) -> QuerySet[Structure]:
    """The published structures a user may attach a session to: every one for COPS staff, those
    they are an accepted référent of for a partner (a session shows up in the staff's list to
    link to that structure's accompaniment, so no one else may claim it)."""
    structures = Structure.objects.filter(status=ModerationStatus.PUBLISHED).order_by("name")
    if is_cops_staff(user):
        return structures
    if not is_partner(user):
        return structures.none()
    return structures.filter(
        memberships__person__user=user,
        memberships__is_referent=True,
        memberships__status=MembershipStatus.ACCEPTED,
    ).distinct()


def can_create_session(user) -> bool:
    """COPS staff facilitate sessions; so do the référents of a structure, for their structure.
    Not every account: inviting makes the platform email people a text the facilitator chose."""
    return is_cops_staff(user) or structures_for_sessions(user).exists()


def can_invite(user, session: AssessmentSession) -> bool:
    """Who may make the platform email a session's participants: the staff, and a facilitator
    still référent of the session's structure."""
    if not can_manage_session(user, session):
        return False
    if is_cops_staff(user):
        return True
    return session.structure is not None and is_structure_referent(user, session.structure)


def can_manage_session(user, session: AssessmentSession) -> bool:
    return bool(user.is_authenticated and (is_cops_staff(user) or session.facilitator_id == user.pk))


def get_session_for_facilitator_or_404(request, pk: int) -> AssessmentSession:
    session = get_object_or_404(
        AssessmentSession.objects.select_related("framework", "facilitator", "structure"), pk=pk
    )
    if not can_manage_session(request.user, session):
        raise PermissionDenied
    return session


def remember_participant(request, participant: Participant) -> None:
    known = dict(request.session.get(SESSION_KEY, {}))
    known[str(participant.session_id)] = participant.pk
    request.session[SESSION_KEY] = known
    # A fresh session key: a link opened on a shared computer does not inherit an old cookie.
    request.session.cycle_key()


def participant_for(request, session: AssessmentSession) -> Participant | None:
    """The participant this browser speaks for in this session, if their link was opened here."""
    participant_id = request.session.get(SESSION_KEY, {}).get(str(session.pk))
    if participant_id is None:
        return None
    return Participant.objects.filter(pk=participant_id, session=session).first()


def is_participant_elsewhere(request) -> bool:
    """The browser holds a link, but for other sessions: used to explain a wrong-session link."""
    return bool(request.session.get(SESSION_KEY))
