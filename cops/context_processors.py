from django.conf import settings

from cops.space import MENU_SESSION_KEY


def platform(request):
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "SITE_URL": settings.SITE_URL,
        # The account's own rule (actors.permissions.is_cops_staff), reached without importing actors.
        "is_cops_staff": bool(signed_in and user.is_cops_staff),
        # Mon espace's sections for the menu, from the session (written at login and on Mon espace):
        # the session is already loaded to know who is signed in, so no page pays a query for it.
        "space_menu": _space_menu(request) if signed_in else [],
    }


def _space_menu(request) -> list:
    session = getattr(request, "session", None)  # absent from a request built without the middleware
    return session.get(MENU_SESSION_KEY, []) if session is not None else []
