from django.db import models
from django.utils.translation import gettext_lazy as _

# Participants take the partnership's two sides as the actors' directory defines them.
from actors.enums import Side

__all__ = ["SIDE_SHORT_LABELS", "Side", "Step", "HistorySeries"]

SCALE_MIN = 0
SCALE_MAX = 4

# The short names of the two sides, for badges and the target's series.
SIDE_SHORT_LABELS = {Side.PROFESSIONAL: _("Professionnel"), Side.USER: _("Usager")}


class Step(models.TextChoices):
    """Where a session stands: individual ratings, then the group's joint rating, then done."""

    INDIVIDUAL = "individual", _("Étape individuelle")
    GROUP = "group", _("Étape collective")
    CLOSED = "closed", _("Séance terminée")


class HistorySeries(models.TextChoices):
    """Which value of each session the history chart draws."""

    JOINT = "joint", _("Notes communes")
    PROFESSIONAL = "professionnel", _("Moyennes des professionnels")
    USER = "usager", _("Moyennes des usagers")
