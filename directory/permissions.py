"""Who may edit and moderate the directory's persons and structures, write through the contact
relay, and see, propose and moderate resources."""

from django.http import Http404

from actors.enums import ContactPolicy, MembershipStatus, ModerationStatus
from actors.models import Membership
from actors.permissions import is_cops_staff, is_partner, is_structure_referent
from directory.models import Resource


def can_edit_person(user, person) -> bool:
    """A person's profile is edited by its owner, or by the COPS staff."""
    if not user.is_authenticated:
        return False
    return is_cops_staff(user) or (person.user_id is not None and person.user_id == user.pk)


def can_edit_structure(user, structure) -> bool:
    """The account that registered the structure, its référents, and the COPS staff."""
    if not user.is_authenticated:
        return False
    if is_cops_staff(user) or (structure.created_by_id is not None and structure.created_by_id == user.pk):
        return True
    return is_structure_referent(user, structure)


def can_moderate_directory(user) -> bool:
    return is_cops_staff(user)


# --- The contact relay ------------------------------------------------------------------------


def policy_admits(user, policy: str) -> bool:
    """Whether `user` (possibly anonymous) may write under `policy`."""
    if policy == ContactPolicy.EVERYONE:
        return True
    if policy == ContactPolicy.PARTNERS:
        return is_partner(user)
    return False


def can_contact(user, target) -> bool:
    """The « Contacter » rule: a published profile, an address to relay to, and a policy admitting the user.

    `target`: a directory.selectors.contact.ContactTarget (its policy and relay addresses).
    """
    return target.is_published and bool(target.recipients) and policy_admits(user, target.policy)


# --- Resources ---------------------------------------------------------------------------------


def is_any_referent(user) -> bool:
    """The user's person profile is an accepted référent of at least one structure."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        person__user=user, is_referent=True, status=MembershipStatus.ACCEPTED
    ).exists()


def can_propose_resource(user) -> bool:
    """The COPS staff, and the référents of a structure, propose resources."""
    return is_cops_staff(user) or is_any_referent(user)


def can_moderate_resources(user) -> bool:
    return is_cops_staff(user)


def can_see_resource(user, resource: Resource) -> bool:
    """Published resources are public; any other state only for the staff and its proposer."""
    if resource.status == ModerationStatus.PUBLISHED:
        return True
    if not user.is_authenticated:
        return False
    return is_cops_staff(user) or (resource.proposed_by_id is not None and resource.proposed_by_id == user.pk)


def get_resource_or_404(request, slug: str) -> Resource:
    """The resource of this address, or a 404 for anyone not allowed to see it: an unpublished
    resource's address guessed by an outsider looks like one that does not exist."""
    resource = Resource.objects.select_related("author_structure").filter(slug=slug).first()
    if resource is None or not can_see_resource(request.user, resource):
        raise Http404
    return resource


# --- Projects ----------------------------------------------------------------------------------


def can_edit_project(user, project) -> bool:
    """Its author, the accepted référents of its carrying structure, and the COPS staff."""
    if not user.is_authenticated:
        return False
    if is_cops_staff(user) or (project.created_by_id is not None and project.created_by_id == user.pk):
        return True
    return Membership.objects.filter(
        person__user=user,
        structure_id=project.main_structure_id,
        is_referent=True,
        status=MembershipStatus.ACCEPTED,
    ).exists()


def can_see_project(user, project) -> bool:
    """A published project is public; any other state only for those who may edit it."""
    return project.status == ModerationStatus.PUBLISHED or can_edit_project(user, project)


def can_propose_project(user) -> bool:
    """Any signed-in partner with an accepted membership of a structure (or the staff)."""
    if not user.is_authenticated:
        return False
    return (
        is_cops_staff(user)
        or Membership.objects.filter(person__user=user, status=MembershipStatus.ACCEPTED).exists()
    )
