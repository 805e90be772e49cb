"""The short questionnaires of the à chaud and à distance evaluations.

They are copied onto each evaluation when it is created, so that a later change of wording
never alters the meaning of answers already given.
"""

from django.utils.translation import gettext as _

from accompaniment.enums import EvaluationKind

SCALE = "echelle"  # 1 (pas du tout) … 5 (tout à fait)
TEXT = "texte"


def scale_labels() -> list[tuple[int, str]]:
    return [
        (1, _("Pas du tout")),
        (2, _("Plutôt non")),
        (3, _("Moyennement")),
        (4, _("Plutôt oui")),
        (5, _("Tout à fait")),
    ]


def default_questions(kind: str) -> list[dict]:
    """Each question: code, section ("projet" or "cops"), type (echelle/texte), text."""
    if kind == EvaluationKind.HOT:
        return [
            {"code": "objectifs", "section": "projet", "type": SCALE,
             "text": _("Le projet a-t-il atteint les objectifs fixés ensemble ?")},
            {"code": "partenariat", "section": "projet", "type": SCALE,
             "text": _("Les usagers et les professionnels ont-ils travaillé en partenaires ?")},
            {"code": "utilite", "section": "cops", "type": SCALE,
             "text": _("L'accompagnement du COPS vous a-t-il été utile ?")},
            {"code": "binome", "section": "cops", "type": SCALE,
             "text": _("Le binôme du COPS a-t-il été disponible et à votre écoute ?")},
            {"code": "reussites", "section": "projet", "type": TEXT,
             "text": _("Qu'est-ce qui a le mieux fonctionné ?")},
            {"code": "ameliorations", "section": "cops", "type": TEXT,
             "text": _("Que faudrait-il améliorer dans l'accompagnement du COPS ?")},
        ]  # fmt: skip
    return [
        {"code": "poursuite", "section": "projet", "type": SCALE,
         "text": _("La démarche partenariale se poursuit-elle aujourd'hui dans votre structure ?")},
        {"code": "decisions", "section": "projet", "type": SCALE,
         "text": _("Les usagers sont-ils davantage associés aux décisions qu'avant l'accompagnement ?")},
        {"code": "pratiques", "section": "projet", "type": SCALE,
         "text": _("Les pratiques professionnelles ont-elles changé durablement ?")},
        {"code": "apport_cops", "section": "cops", "type": SCALE,
         "text": _("Avec le recul, l'appui du COPS a-t-il compté dans ces changements ?")},
        {"code": "effets", "section": "projet", "type": TEXT,
         "text": _("Quels effets durables observez-vous ?")},
    ]  # fmt: skip
