"""Access rules of the charter and the committees, one function per rule."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from actors.charter_enums import EventKind
from actors.enums import ActorKind
from actors.models import Meeting, Signature
from actors.permissions import is_cops_staff, is_partner, is_structure_referent
from actors.selectors.committees import is_meeting_member


def can_sign_charter(user) -> bool:
    """A signed-in account with a verified address; what it may sign for is checked per signatory."""
    return is_partner(user)


def can_sign_for_person(user, person) -> bool:
    return bool(user.is_authenticated and person.user_id is not None and person.user_id == user.pk)


def can_sign_for_structure(user, structure) -> bool:
    return is_structure_referent(user, structure)


def can_withdraw_signature(user, signature: Signature) -> bool:
    """The signer, the signatory person, a référent of the signatory structure, or the staff."""
    if not user.is_authenticated:
        return False
    if is_cops_staff(user) or (signature.signed_by_id is not None and signature.signed_by_id == user.pk):
        return True
    if signature.kind == ActorKind.PERSON:
        person = signature.person
        return person is not None and person.user_id is not None and person.user_id == user.pk
    return is_structure_referent(user, signature.structure)


def can_manage_charter(user) -> bool:
    return is_cops_staff(user)


def can_manage_committees(user) -> bool:
    return is_cops_staff(user)


def can_export_signatories(user) -> bool:
    return is_cops_staff(user)


def can_view_meeting(user, meeting: Meeting) -> bool:
    """The staff, the people invited to the meeting, and whoever sits on its committee today
    (a current mandate; for the CoPart, a standing signature of the current charter)."""
    if not user.is_authenticated:
        return False
    return is_cops_staff(user) or is_meeting_member(user, meeting)


def can_respond_to_meeting(user, meeting: Meeting) -> bool:
    """Those invited or sitting on the committee answer for themselves (the staff's own seat aside)."""
    return is_meeting_member(user, meeting)


def can_follow_up_decisions(user) -> bool:
    return is_cops_staff(user)


def get_meeting_or_404(request, pk: int, *, write: bool = False) -> Meeting:
    """A meeting the user may see (or manage, with write=True); 404 otherwise, so ids are not probed."""
    meeting = get_object_or_404(
        Meeting.objects.filter(kind=EventKind.COMMITTEE).select_related("committee"), pk=pk
    )
    allowed = can_manage_committees(request.user) if write else can_view_meeting(request.user, meeting)
    if not allowed:
        raise Http404
    return meeting
