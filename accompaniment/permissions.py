"""Who may see and do what with requests and accompaniments; one function per rule.

- a structure's référents: request support for it, follow their requests, see their own
  accompaniments and contribute to them (findings, action status, indicator measurements);
- CoPil members: the request queue and the decisions;
- COPS staff: everything, including what is kept for the team (internal notes, staff-only items);
- anyone else: nothing — an accompaniment they may not see answers 404, as if it did not exist.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from actors.enums import MembershipStatus
from actors.models import Membership
from actors.permissions import is_copil_member, is_cops_staff, is_partner


def referent_structure_ids(user) -> frozenset[int]:
    """Structures the user is an accepted référent of (cached on the user object for the request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_accompaniment_referent_ids"):
        user._accompaniment_referent_ids = frozenset(
            Membership.objects.filter(
                person__user=user, is_referent=True, status=MembershipStatus.ACCEPTED
            ).values_list("structure_id", flat=True)
        )
    return user._accompaniment_referent_ids


def is_referent_of(user, structure_id: int) -> bool:
    return structure_id in referent_structure_ids(user)


# --- Requests -----------------------------------------------------------------------------------


def can_request_support(user, structure) -> bool:
    """A verified référent of the structure asks on its behalf."""
    return is_partner(user) and is_referent_of(user, structure.pk)


def can_request_for_some_structure(user) -> bool:
    return is_partner(user) and bool(referent_structure_ids(user))


def can_view_request_queue(user) -> bool:
    return is_cops_staff(user) or is_copil_member(user)


def can_view_request(user, support_request) -> bool:
    return can_view_request_queue(user) or is_referent_of(user, support_request.structure_id)


def can_decide_request(user) -> bool:
    """The CoPil's decision is recorded by a CoPil member or by the staff on its behalf."""
    return is_cops_staff(user) or is_copil_member(user)


def can_complete_request(user, support_request) -> bool:
    return is_partner(user) and is_referent_of(user, support_request.structure_id)


def get_request_or_404(request, pk: int):
    from accompaniment.models import SupportRequest

    support_request = get_object_or_404(SupportRequest.objects.select_related("structure"), pk=pk)
    if not can_view_request(request.user, support_request):
        raise Http404
    return support_request


# --- Accompaniments -------------------------------------------------------------------------------


def can_open_accompaniment(user) -> bool:
    return is_cops_staff(user)


def can_view_accompaniment(user, accompaniment) -> bool:
    return is_cops_staff(user) or is_referent_of(user, accompaniment.structure_id)


def can_manage_accompaniment(user, accompaniment) -> bool:
    """Phases, convention, participants, meetings, the plan and evaluations are the binôme's work."""
    return is_cops_staff(user)


def can_contribute_to_accompaniment(user, accompaniment) -> bool:
    """Findings, action status and indicator measurements: the staff and the structure's référents."""
    return is_cops_staff(user) or (is_partner(user) and is_referent_of(user, accompaniment.structure_id))


def can_see_staff_only_content(user, accompaniment) -> bool:
    """Internal notes and items kept for the COPS team: never the structure's référents."""
    return is_cops_staff(user)


def can_edit_item(user, accompaniment, item) -> bool:
    """Correct or delete a meeting, finding, action, indicator or measurement: the COPS team, and
    the structure's référents for what is shared with them (an item without a visibility is shared)."""
    from accompaniment.enums import ContentVisibility

    if is_cops_staff(user):
        return True
    shared = getattr(item, "visibility", ContentVisibility.SHARED) == ContentVisibility.SHARED
    return shared and can_contribute_to_accompaniment(user, accompaniment)


def can_follow_evaluations(user, accompaniment) -> bool:
    """Who has answered, the reminders, resending a link: the binôme's follow-up."""
    return is_cops_staff(user)


def can_reopen_phase(user, accompaniment) -> bool:
    return is_cops_staff(user)


def can_view_board(user) -> bool:
    return is_cops_staff(user)


def can_export_portfolio(user) -> bool:
    return is_cops_staff(user)


def can_request_dossier(user, accompaniment) -> bool:
    return can_view_accompaniment(user, accompaniment)


def get_accompaniment_or_404(request, pk: int, *, manage: bool = False, contribute: bool = False):
    """The accompaniment if the user may see it (404 otherwise), and act as asked (403 otherwise)."""
    from accompaniment.models import Accompaniment

    accompaniment = get_object_or_404(
        Accompaniment.objects.select_related(
            "structure",
            "template",
            "current_phase",
            "professional_lead",
            "patient_partner_lead",
            "request",
            "start_assessment",
            "end_assessment",
        ),
        pk=pk,
    )
    if not can_view_accompaniment(request.user, accompaniment):
        raise Http404
    if manage and not can_manage_accompaniment(request.user, accompaniment):
        raise PermissionDenied
    if contribute and not can_contribute_to_accompaniment(request.user, accompaniment):
        raise PermissionDenied
    return accompaniment
