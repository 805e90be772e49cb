"""Access rules shared by every app, written once here because cops may not import the apps.

They reach the account's own rules through properties of the User model (`is_cops_staff` is
actors.permissions.is_cops_staff); actors.permissions re-exports them for the apps' views.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def staff_required(view):
    """Anonymous visitors are sent to the login page; signed-in non-staff get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_cops_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
