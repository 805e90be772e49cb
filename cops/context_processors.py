from django.conf import settings

from actors.permissions import is_cops_staff


def platform(request):
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        "is_cops_staff": bool(user is not None and is_cops_staff(user)),
    }
