"""Choices of the engagement charter and the partners' committees."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CommitteeKind(models.TextChoices):
    COPART = "copart", _("Comité des Partenaires (CoPart)")
    COPIL = "copil", _("Comité de Pilotage (CoPil)")
    COTEC = "cotec", _("Comité technique (CoTec)")
    WORKING_GROUP = "gt", _("Groupe de travail")


class MeetingStatus(models.TextChoices):
    PLANNED = "prevue", _("Prévue")
    HELD = "tenue", _("Tenue")
    CANCELLED = "annulee", _("Annulée")


class Attendance(models.TextChoices):
    """A participant's attendance at a meeting, recorded by the staff afterwards."""

    UNKNOWN = "non_renseignee", _("Non renseignée")
    PRESENT = "present", _("Présent(e)")
    EXCUSED = "excuse", _("Excusé(e)")
    ABSENT = "absent", _("Absent(e)")


class SignatureSide(models.TextChoices):
    """How a signatory person is counted on the committee's "profile" chart (from ActorProfile.side)."""

    USER = "usager", _("Patients, proches-aidants, représentants des usagers")
    PROFESSIONAL = "professionnel", _("Professionnels du système de santé")
    BOTH = "les_deux", _("Les deux")
    UNKNOWN = "non_communique", _("Non communiqué")


class MeetingResponse(models.TextChoices):
    """A participant's answer to a meeting invitation, before the meeting (Attendance is after)."""

    NONE = "sans_reponse", _("Pas encore de réponse")
    COMING = "vient", _("Je viens")
    EXCUSED = "excuse", _("Je suis excusé·e")
    NOT_COMING = "ne_vient_pas", _("Je ne viens pas")


class DecisionFollowUp(models.TextChoices):
    """Where a committee's decision stands (the public register of decisions shows it)."""

    TO_DO = "a_engager", _("À engager")
    IN_PROGRESS = "en_cours", _("En cours")
    DONE = "realisee", _("Réalisée")
    DROPPED = "abandonnee", _("Abandonnée")


class EventKind(models.TextChoices):
    """What a gathering is. A committee meeting is one kind of event (actors.models.Meeting)."""

    COMMITTEE = "reunion_instance", _("Réunion d'instance")
    REGIONAL_DAY = "journee_regionale", _("Journée régionale")
    WORKSHOP = "atelier", _("Atelier d'échanges de pratiques")
    PRACTICE_ANALYSIS = "analyse_pratiques", _("Groupe d'analyse de pratiques")
    WEBINAR = "webinaire", _("Webinaire")
    TRAINING = "formation", _("Formation")


class EventAudience(models.TextChoices):
    ALL = "tous", _("Tous publics")
    PATIENTS = "patients", _("Patients, proches-aidants et usagers")
    PROFESSIONALS = "professionnels", _("Professionnels")
    STRUCTURES = "structures", _("Structures et établissements")
    MEMBERS = "membres", _("Membres des instances")


class RegistrationStatus(models.TextChoices):
    """Where a registration to an event stands (committee members are invited, not registered)."""

    INVITED = "invite", _("Invité·e")  # a committee meeting's participant
    UNVERIFIED = "a_confirmer", _("Adresse à confirmer")
    CONFIRMED = "inscrit", _("Inscrit·e")
    WAITING = "attente", _("Sur liste d'attente")
    CANCELLED = "annule", _("Inscription annulée")


class EventDocumentMoment(models.TextChoices):
    BEFORE = "avant", _("Avant l'événement")
    AFTER = "apres", _("Après l'événement")


class ContributorRole(models.TextChoices):
    ORGANISER = "organisateur", _("Organisateur")
    SPEAKER = "intervenant", _("Intervenant·e")
