from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BarometerConfig(AppConfig):
    name = "barometer"
    verbose_name = _("Baromètre")

    def ready(self):
        # An event's satisfaction questionnaire runs on the barometer's engine; actors, which
        # cannot import the barometer, learns of it through its events' registry.
        from actors.events import hooks
        from barometer.event_surveys import EXTENSION

        hooks.register(EXTENSION)
