from django.utils.translation import gettext as _

from actors.models import User
from cops.figures import Figure


def home_figures() -> list[Figure]:
    partners = User.objects.filter(is_active=True, email_verified_at__isnull=False).count()
    return [Figure(value=partners, label=_("partenaires inscrits sur la plateforme"))]
