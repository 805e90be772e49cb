from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = _("Acteurs")

    def ready(self):
        # Connects the login receiver that fills Mon espace's menu (actors/space_menu.py).
        from actors import space_menu  # noqa: F401
