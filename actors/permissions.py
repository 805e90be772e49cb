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
