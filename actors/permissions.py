"""One function per access rule; views call these, never test groups themselves."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from actors.enums import Role


def is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMIN)))


def is_cops_staff(user) -> bool:
    """COPS operational team; admins are staff too."""
    return bool(user.is_authenticated and (is_admin(user) or user.has_role(Role.STAFF)))


def is_copil_member(user) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.COPIL))


def is_partner(user) -> bool:
    """Any signed-in account whose email address is verified."""
    return bool(user.is_authenticated and user.is_active and user.is_verified)


def staff_required(view):
    """Anonymous visitors are sent to the login page; signed-in non-staff get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_cops_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- Directory (persons, structures, memberships) ---------------------------------------------


def is_structure_referent(user, structure) -> bool:
    """The user's own published-or-not person profile is an accepted référent of the structure."""
    if not user.is_authenticated:
        return False
    from actors.enums import MembershipStatus
    from actors.models import Membership

    return Membership.objects.filter(
        structure=structure,
        person__user=user,
        is_referent=True,
        status=MembershipStatus.ACCEPTED,
    ).exists()


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


def directory_viewer_level(user) -> int:
    """How much of persons' profiles a viewer may see (actors.enums.Visibility).

    Staff see everything; "partners" are signed-in users whose own person profile is published —
    moderated members of the community, not any new account; everyone else sees public fields.
    """
    from actors.enums import ModerationStatus, Visibility
    from actors.models import Person

    if not user.is_authenticated or not user.is_active:
        return Visibility.PUBLIC
    if is_cops_staff(user):
        return Visibility.STAFF
    if not hasattr(user, "_directory_level"):
        published = Person.objects.filter(user=user, status=ModerationStatus.PUBLISHED).exists()
        user._directory_level = Visibility.PARTNERS if published and user.is_verified else Visibility.PUBLIC
    return user._directory_level
