from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActorsConfig(AppConfig):
    name = "actors"
    verbose_name = _("Acteurs")

    def ready(self):
        from django.apps import apps

        if apps.is_installed("directory"):
            # The charter adds its "engagé(e) dans la charte COPS" tag and badge to the directory's index.
            from actors.selectors.charter import register_directory_hooks

            register_directory_hooks()
