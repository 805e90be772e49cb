"""Barometer test data: campaigns, a small three-page questionnaire, invitations with links."""

from datetime import timedelta

import factory
from django.apps import apps
from django.utils import timezone

from barometer.enums import LINK_TOKEN_BYTES, CampaignStatus, DeliveryStatus, Public
from barometer.models import Campaign, Delivery, Invitation
from barometer.reference import create_questionnaire
from cops.tokens import new_token


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    year = factory.Sequence(lambda n: 2030 + n)
    title = factory.LazyAttribute(lambda o: f"Baromètre {o.year}")
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    status = CampaignStatus.OPEN
    anonymous = True


def small_questionnaire_data(public: str = Public.PATIENTS) -> dict:
    return {
        "public": public,
        "title": f"Questionnaire {public}",
        "intro": "Un questionnaire court pour les tests.",
        "sections": [
            {
                "title": "Vous et le partenariat",
                "questions": [
                    {
                        "code": "profil",
                        "type": "single",
                        "label": "Vous êtes…",
                        "required": True,
                        "allow_other": True,
                        "choices": [["patient", "Patient partenaire"], ["proche", "Proche-aidant"]],
                    },
                    {"code": "engage", "type": "yesno", "label": "Êtes-vous engagé(e) ?", "required": True},
                    {
                        "code": "niveau",
                        "type": "likert",
                        "label": "Votre niveau d'engagement",
                        "choices": [["1", "Faible"], ["2", "Moyen"], ["3", "Fort"]],
                    },
                ],
            },
            {
                "title": "Vos pratiques",
                "questions": [
                    {
                        "code": "depuis",
                        "type": "single",
                        "label": "Depuis quand ?",
                        "choices": [["recent", "Moins d'un an"], ["ancien", "Plus d'un an"]],
                        "show_if": {"question": "engage", "values": ["oui"]},
                    },
                    {
                        "code": "nombre",
                        "type": "number",
                        "label": "Combien de projets ?",
                        "min_value": 0,
                        "max_value": 100,
                    },
                    {
                        "code": "freins",
                        "type": "multiple",
                        "label": "Quels freins ?",
                        "required": True,
                        "allow_other": True,
                        "choices": [
                            ["temps", "Le manque de temps"],
                            ["benevolat", "Les limites du bénévolat"],
                        ],
                    },
                    {"code": "metier", "type": "short_text", "label": "Votre métier"},
                ],
            },
            {
                "title": "Et après ?",
                "questions": [
                    {
                        "code": "suite",
                        "type": "multiple",
                        "label": "Souhaitez-vous…",
                        "role": "follow_up",
                        "choices": [
                            ["recevoir_rapport", "Recevoir le rapport"],
                            ["rejoindre_dynamique", "Rejoindre la dynamique régionale"],
                        ],
                    },
                    {
                        "code": "contact_email",
                        "type": "email",
                        "label": "Votre adresse",
                        "required": True,
                        "role": "contact_email",
                        "show_if": {
                            "question": "suite",
                            "values": ["recevoir_rapport", "rejoindre_dynamique"],
                        },
                    },
                    {"code": "commentaire", "type": "long_text", "label": "Un dernier mot ?"},
                ],
            },
        ],
    }


def make_questionnaire(campaign: Campaign, public: str = Public.PATIENTS):
    return create_questionnaire(apps, campaign=campaign, data=small_questionnaire_data(public))


def make_invitation(questionnaire, email: str = "invite@exemple.fr", name: str = "Invité") -> Invitation:
    return Invitation.objects.create(
        campaign=questionnaire.campaign, questionnaire=questionnaire, email=email, name=name
    )


def make_link(invitation: Invitation, round: int = 0) -> str:
    """A delivered invitation email's token (the raw value the person would click)."""
    raw, digest = new_token(LINK_TOKEN_BYTES)
    Delivery.objects.create(
        invitation=invitation,
        round=round,
        status=DeliveryStatus.SENT,
        token_hash=digest,
        sent_at=timezone.now(),
    )
    return raw


# A complete, valid set of answers for the small questionnaire, page by page.
PAGE_ANSWERS = {
    1: {"q_profil": "patient", "q_engage": "oui", "q_niveau": "3"},
    2: {
        "q_depuis": "recent",
        "q_nombre": "4",
        "q_freins": ["temps", "_autre"],
        "q_freins_autre": "Les transports",
        "q_metier": "Aidante",
    },
    3: {
        "q_suite": ["recevoir_rapport"],
        "q_contact_email": "Moi@Exemple.fr",
        "q_commentaire": "Merci pour ce travail.",
    },
}
