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


class ActorKind(models.TextChoices):
    """The two kinds of actor in the directory."""

    PERSON = "personne", _("Personne")
    STRUCTURE = "structure", _("Structure")


class ModerationStatus(models.TextChoices):
    """Life of a directory profile: nothing is public before a staff member approves it."""

    DRAFT = "brouillon", _("Brouillon")
    PENDING = "en_attente", _("En attente de modération")
    PUBLISHED = "publie", _("Publié")
    REJECTED = "refuse", _("Refusé")
    ARCHIVED = "archive", _("Archivé")


class RevisionStatus(models.TextChoices):
    """State of the edit of an already published profile (the published version stays online)."""

    DRAFT = "brouillon", _("Modification en cours")
    PENDING = "en_attente", _("Modification en attente de modération")
    REJECTED = "refuse", _("Modification refusée")


class Visibility(models.IntegerChoices):
    """Who may see a field of a person's profile; a higher level is more restricted."""

    PUBLIC = 0, _("Tout le monde")
    PARTNERS = 1, _("Les partenaires inscrits dans l'annuaire")
    STAFF = 2, _("L'équipe du COPS uniquement")


class MembershipStatus(models.TextChoices):
    REQUESTED = "demandee", _("Demande en attente")
    ACCEPTED = "acceptee", _("Acceptée")
    REFUSED = "refusee", _("Refusée")


class ContactPolicy(models.TextChoices):
    """Who may write to a person or a structure through the platform's relay (addresses stay hidden)."""

    EVERYONE = "tous", _("Tout le monde")
    PARTNERS = "partenaires", _("Les partenaires connectés à la plateforme")
    NOBODY = "personne", _("Personne : je ne reçois pas de messages")
