from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = _("Acteurs")

    def ready(self):
        # Connects the login receiver that fills Mon espace's menu (actors/space_menu.py), and the
        # hooks through which the charter's cache version follows the writes (actors/signals.py).
        from actors import signals, space_menu  # noqa: F401
