from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles are auth groups created by a migration; the value is the group's name."""

    PARTNER = "Partenaires", _("Partenaire")
    STAFF = "Équipe COPS", _("Équipe COPS")
    COPIL = "Membres du CoPil", _("Membre du CoPil")
    ADMIN = "Administrateurs", _("Administrateur")


class Zone(models.TextChoices):
    """How the COPS summarises a location in Occitanie."""

    EST = "est", _("Est (ex-Languedoc-Roussillon)")
    OUEST = "ouest", _("Ouest (ex-Midi-Pyrénées)")
    REGION = "region", _("Région")


class Side(models.TextChoices):
    """Which side of the partnership an actor profile belongs to."""

    USER = "usager", _("Patients, proches-aidants, représentants des usagers")
    PROFESSIONAL = "professionnel", _("Professionnels")
