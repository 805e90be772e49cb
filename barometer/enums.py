from django.db import models
from django.utils.translation import gettext_lazy as _

# One status set for every at-most-once bulk sending (the barometer's rounds, the newsletter).
from cops.enums import DeliveryStatus  # noqa: F401


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Close")
    PUBLISHED = "published", _("Résultats publiés")


class Public(models.TextChoices):
    """The five publics of the barometer, one questionnaire each (DOMAIN.md §4)."""

    PATIENTS = "patients", _("Patients, proches-aidants et représentants des usagers partenaires")
    ASSOCIATIONS = "associations", _("Associations d'usagers et de patients")
    TRAINING = "formation", _("Structures de formation initiale ou continue des professionnels de santé")
    DIRECTIONS = "directions", _("Directions d'établissements de santé")
    CARE_TEAMS = "equipes", _("Membres d'équipes de soins")

    @classmethod
    def short_labels(cls) -> dict[str, str]:
        return {
            cls.PATIENTS: _("Patients et proches"),
            cls.ASSOCIATIONS: _("Associations"),
            cls.TRAINING: _("Formation"),
            cls.DIRECTIONS: _("Directions"),
            cls.CARE_TEAMS: _("Équipes de soins"),
        }

    @classmethod
    def user_side(cls) -> set[str]:
        """Publics speaking for the usagers' side (coloured as such in charts)."""
        return {cls.PATIENTS, cls.ASSOCIATIONS}


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Choix unique")
    MULTIPLE = "multiple", _("Choix multiple")
    LIKERT = "likert", _("Échelle (Likert)")
    YES_NO = "yesno", _("Oui / non")
    NUMBER = "number", _("Nombre")
    SHORT_TEXT = "short_text", _("Texte court")
    LONG_TEXT = "long_text", _("Texte long")
    EMAIL = "email", _("Adresse électronique")

    @classmethod
    def with_choices(cls) -> set[str]:
        return {cls.SINGLE, cls.MULTIPLE, cls.LIKERT, cls.YES_NO}

    @classmethod
    def free_text(cls) -> set[str]:
        return {cls.SHORT_TEXT, cls.LONG_TEXT}


class QuestionRole(models.TextChoices):
    """Questions the platform acts upon, besides storing the answer."""

    NONE = "", _("Aucun")
    FOLLOW_UP = "follow_up", _("Suites souhaitées (rapport, dynamique régionale)")
    CONTACT_EMAIL = "contact_email", _("Adresse pour les suites")


# Choice values of the follow-up question that the platform acts upon.
WANTS_REPORT = "recevoir_rapport"
WANTS_TO_JOIN = "rejoindre_dynamique"
YES = "oui"
NO = "non"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("En cours")
    SUBMITTED = "submitted", _("Envoyée")


class TextTag(models.TextChoices):
    FREIN = "frein", _("Frein")
    LEVIER = "levier", _("Levier")
    BESOIN = "besoin", _("Besoin")
    IMPACT = "impact", _("Impact")


# Why a delivery was not sent or may have been: stored in Delivery.error, shown to the staff.
UNCERTAIN_NOTE = _(
    "Envoi interrompu après transmission au serveur : le serveur de messagerie a peut-être reçu "
    "ce courriel ; il n'est jamais renvoyé pour éviter un doublon."
)
SKIPPED_ANSWERED_NOTE = _("Non envoyé : réponse reçue pendant l'envoi.")
SKIPPED_UNSUBSCRIBED_NOTE = _("Non envoyé : désinscription pendant l'envoi.")


ROUND_LABELS = {
    0: _("Invitation"),
    1: _("Relance 1"),
    2: _("Relance 2"),
    3: _("Relance 3"),
}
MAX_REMINDERS = 3
# Random bytes of the personal, unsubscribe and resume links (cops.tokens): 192 bits, 32 characters.
LINK_TOKEN_BYTES = 24
