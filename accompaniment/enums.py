from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportType(models.TextChoices):
    """What a structure asks the COPS for (the kinds of « appuis du COPS »)."""

    PROJECT = "projet", _("Accompagnement d'un projet en partenariat")
    PATIENT_PARTNER = "patient_partenaire", _("Intégration d'un patient partenaire")
    STRATEGY = "strategie", _("Stratégie et démarche partenariale de la structure")
    TRAINING = "formation", _("Formation et pédagogie en partenariat")
    CARE_PATHWAY = "parcours", _("Parcours de soins et d'accompagnement")
    OTHER = "autre", _("Autre appui")


class RequestStatus(models.TextChoices):
    SUBMITTED = "a_examiner", _("À examiner par le CoPil")
    MORE_INFO = "complement", _("Complément d'information demandé")
    ACCEPTED = "acceptee", _("Acceptée")
    DECLINED = "refusee", _("Refusée")


class DecisionOutcome(models.TextChoices):
    """What the CoPil decides about a request."""

    ACCEPTED = "acceptee", _("Acceptée")
    DECLINED = "refusee", _("Refusée")
    MORE_INFO = "complement", _("Complément d'information demandé")


class AccompanimentStatus(models.TextChoices):
    ACTIVE = "en_cours", _("En cours")
    COMPLETED = "termine", _("Terminé")


class PhaseStatus(models.TextChoices):
    UPCOMING = "a_venir", _("À venir")
    CURRENT = "en_cours", _("En cours")
    CLOSED = "terminee", _("Terminée")


class PhaseKind(models.TextChoices):
    """What a phase is for, when the platform must act on it (evaluations)."""

    STANDARD = "standard", _("Phase de travail")
    HOT_EVALUATION = "evaluation_chaud", _("Évaluation à chaud")
    IMPACT_EVALUATION = "evaluation_distance", _("Évaluation d'impact à distance")


class TransitionKind(models.TextChoices):
    STARTED = "debut", _("Phase commencée")
    CLOSED = "cloture", _("Phase clôturée")
    REOPENED = "reouverture", _("Phase rouverte")


class Side(models.TextChoices):
    """Which side of the partnership a participant stands on."""

    USER = "usager", _("Usager (patient, proche-aidant, représentant des usagers)")
    PROFESSIONAL = "professionnel", _("Professionnel")


class FindingKind(models.TextChoices):
    OBSTACLE = "frein", _("Frein")
    LEVER = "levier", _("Levier")
    POTENTIAL = "potentialite", _("Potentialité")


class ActionStatus(models.TextChoices):
    TODO = "a_faire", _("À faire")
    IN_PROGRESS = "en_cours", _("En cours")
    DONE = "realisee", _("Réalisée")
    DROPPED = "abandonnee", _("Abandonnée")


# The statuses of an action still to carry out (plan, reminders, late actions).
OPEN_ACTION_STATUSES = [ActionStatus.TODO, ActionStatus.IN_PROGRESS]


class EvaluationKind(models.TextChoices):
    HOT = "chaud", _("Évaluation à chaud")
    IMPACT = "distance", _("Évaluation d'impact à distance")


class ContentVisibility(models.TextChoices):
    """Who reads an item of an accompaniment: the structure's référents too, or the COPS team only."""

    SHARED = "partage", _("Partagé avec la structure")
    STAFF = "equipe", _("Équipe du COPS seulement")


class EventKind(models.TextChoices):
    """What the accompaniment's journal records besides phases: corrections and staff notes."""

    EDITED = "modification", _("Modification")
    DELETED = "suppression", _("Suppression")
    NOTE = "note", _("Note")
