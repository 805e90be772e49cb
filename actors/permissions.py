"""One function per access rule; views call these, never test groups themselves."""

from actors.enums import MembershipStatus, ModerationStatus, Role, Visibility
from actors.models import Membership, Person
from cops.permissions import staff_required as staff_required  # re-exported: cops may not import actors


def is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN)))


def is_cops_staff(user) -> bool:
    """COPS operational team; admins are staff too."""
    return bool(user.is_authenticated and user.is_cops_staff)


def is_copil_member(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.COPIL))


def is_partner(user) -> bool:
    """Any signed-in account whose email address is verified."""
    return bool(user.is_authenticated and user.is_active and user.is_verified)


# --- Persons and structures (the directory's own rules are in directory/permissions.py) -------


def is_structure_referent(user, structure) -> bool:
    """The user's own published-or-not person profile is an accepted référent of the structure."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        structure=structure,
        person__user=user,
        is_referent=True,
        status=MembershipStatus.ACCEPTED,
    ).exists()


def directory_viewer_level(user) -> int:
    """How much of persons' profiles a viewer may see (actors.enums.Visibility).

    Staff see everything; "partners" are signed-in users whose own person profile is published —
    moderated members of the community, not any new account; everyone else sees public fields.
    """
    if not user.is_authenticated or not user.is_active:
        return Visibility.PUBLIC
    if is_cops_staff(user):
        return Visibility.STAFF
    if not hasattr(user, "_directory_level"):
        published = Person.objects.filter(user=user, status=ModerationStatus.PUBLISHED).exists()
        user._directory_level = Visibility.PARTNERS if published and user.is_verified else Visibility.PUBLIC
    return user._directory_level
