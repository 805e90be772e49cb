from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CopsConfig(AppConfig):
    name = "cops"
    verbose_name = _("Plateforme")
