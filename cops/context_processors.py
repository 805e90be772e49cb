from django.conf import settings


def platform(request):
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        # The account's own rule (actors.permissions.is_cops_staff), reached without importing actors.
        "is_cops_staff": bool(user is not None and user.is_authenticated and user.is_cops_staff),
    }
