from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = _("Acteurs")

    def ready(self):
        # Connects the login receiver that fills Mon espace's menu (actors/space_menu.py), and the
        # hooks through which the charter's cache version follows the writes (actors/signals.py).
        from actors import signals, space_menu  # noqa: F401
        from actors.events.selectors import EVENT_PAGE_MODELS, EVENT_PAGE_SET
        from cops.dataversions import watch

        watch(EVENT_PAGE_SET, EVENT_PAGE_MODELS)
