from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BarometerConfig(AppConfig):
    name = "barometer"
    verbose_name = _("Baromètre")

    def ready(self):
        # An event's satisfaction questionnaire runs on the barometer's engine; actors, which
        # cannot import the barometer, learns of it through its events' registry.
        from actors.events import hooks
        from actors.events.selectors import EVENT_PAGE_SET
        from barometer.event_surveys import EXTENSION
        from cops.dataversions import watch

        hooks.register(EXTENSION)
        watch(EVENT_PAGE_SET, ["barometer.Campaign"])  # an event's page links to its published results
