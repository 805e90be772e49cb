"""Reads of the self-assessment, with the joins their pages need."""

from django.db.models import Count, Q, QuerySet

from actors.models import User
from actors.permissions import is_cops_staff
from cops.tokens import hash_token
from selfassess.models import AssessmentSession, Framework, Participant


def offered_frameworks() -> list[Framework]:
    """For each framework, its latest active version: what a new session can use."""
    latest: dict[str, Framework] = {}
    for framework in Framework.objects.filter(is_active=True).order_by("slug", "-version"):
        latest.setdefault(framework.slug, framework)
    return sorted(latest.values(), key=lambda framework: framework.name)


def sessions_for(user: User) -> QuerySet[AssessmentSession]:
    """Sessions a user may run: COPS staff see every session, a partner the ones they created."""
    sessions = AssessmentSession.objects.select_related("framework", "facilitator").annotate(
        participant_count=Count("participants", distinct=True),
        respondent_count=Count("participants", filter=Q(participants__ratings__isnull=False), distinct=True),
    )
    if not is_cops_staff(user):
        sessions = sessions.filter(facilitator=user)
    return sessions.order_by("-held_on", "-pk")


def participant_by_token(token: str) -> Participant | None:
    if not token or len(token) > 200:
        return None
    return Participant.objects.select_related("session").filter(token_hash=hash_token(token)).first()


def participants_progress(session: AssessmentSession) -> list[Participant]:
    """Who has answered and how many criteria — never which scores."""
    return list(session.participants.annotate(answered=Count("ratings")).order_by("side", "name", "pk"))


def group_sessions(*, user: User, session: AssessmentSession) -> list[AssessmentSession]:
    """Sessions of the same working group that the user may see, oldest first.

    The same group means the same structure and the same group name (either may be empty, not
    both), with the same framework family: its versions share their criteria codes.
    """
    if not session.group_label and not session.structure_id:
        return [session]
    sessions = sessions_for(user).filter(
        group_label__iexact=session.group_label,
        structure_id=session.structure_id,
        framework__slug=session.framework.slug,
    )
    return sorted(sessions, key=lambda item: (item.held_on, item.pk))
