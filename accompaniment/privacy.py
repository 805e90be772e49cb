"""Personal data held by the accompaniments: export and erasure.

Hooks read by cops/personal_data.py (see cops/apps.py).
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accompaniment.models import Accompaniment, EvaluationInvitation, EvaluationLink, Participant
from cops.personal_data import ANONYMISED_PARTICIPANT_NAME, Section, Subject


def export_personal_data() -> list[Section]:
    return [
        Section(
            "accompaniment.Accompaniment",
            gettext_lazy("Les accompagnements que vous pilotez pour le COPS."),
            ("title", "structure", "support_type", "status", "created_at", "completed_at"),
            user=("professional_lead", "patient_partner_lead"),
        ),
        Section(
            "accompaniment.Participant",
            gettext_lazy("Votre participation aux accompagnements d'une structure."),
            ("accompaniment", "first_name", "last_name", "email", "side", "function", "added_at"),
            person=("person",),
            email=("email",),
        ),
        Section(
            "accompaniment.EvaluationInvitation",
            gettext_lazy(
                "Les invitations à évaluer un accompagnement (les réponses sont enregistrées à part, "
                "sans nom : elles ne figurent pas ici)."
            ),
            ("evaluation", "email", "sent_at", "reminders_sent", "last_reminder_at", "answered_at"),
            email=("email",),
        ),
        Section(
            "accompaniment.SupportRequest",
            gettext_lazy(
                "Les demandes d'accompagnement que vous avez déposées, ou dont vous êtes le contact."
            ),
            (
                "structure",
                "support_type",
                "title",
                "context",
                "expected_outcome",
                "contact_name",
                "contact_email",
                "contact_phone",
                "status",
                "submitted_at",
            ),  # fmt: skip
            user=("requested_by",),
            email=("contact_email",),
        ),
        Section(
            "accompaniment.RequestComplement",
            gettext_lazy("Les compléments que vous avez ajoutés à une demande d'accompagnement."),
            ("request", "text", "added_at"),
            user=("added_by",),
        ),
    ]


def personal_data_not_exported() -> dict[tuple[str, str], str]:
    # Who on the staff recorded a step of someone else's accompaniment: the rows are other
    # people's files. The link is cleared (SET_NULL) when the account is deleted.
    return {
        ("accompaniment.Accompaniment", "created_by"): "staff attribution",
        ("accompaniment.RequestDecision", "recorded_by"): "staff attribution",
        ("accompaniment.PhaseTransition", "by"): "staff attribution",
        ("accompaniment.Meeting", "created_by"): "staff attribution",
        ("accompaniment.Finding", "created_by"): "staff attribution",
        ("accompaniment.Action", "created_by"): "staff attribution",
        ("accompaniment.Action", "updated_by"): "staff attribution",
        ("accompaniment.Measurement", "recorded_by"): "staff attribution",
        ("accompaniment.Evaluation", "created_by"): "staff attribution",
        # Who corrected an item or wrote a note in the accompaniment's history (staff or référent):
        # a line of the structure's file, not the person's; cleared with the account (SET_NULL).
        ("accompaniment.AccompanimentEvent", "by"): "attribution in the accompaniment's history",
    }


def account_deletion_blockers(user) -> list[str]:
    """An accompaniment cannot lose its leads: they are handed over first."""
    accompaniments = list(
        Accompaniment.objects.filter(Q(professional_lead=user) | Q(patient_partner_lead=user))
        .order_by("title")
        .values_list("title", flat=True)
    )
    if not accompaniments:
        return []
    return [_("Vous pilotez des accompagnements : %(titles)s.") % {"titles": ", ".join(accompaniments)}]


def erase_personal_data(subject: Subject) -> dict[str, int]:
    participants = Participant.objects.filter(
        Q(person_id__in=subject.person_ids) | Q(email__iexact=subject.email)
    )
    participant_ids = list(participants.values_list("pk", flat=True))
    invitations = EvaluationInvitation.objects.filter(
        Q(participant_id__in=participant_ids) | Q(email__iexact=subject.email)
    )
    EvaluationLink.objects.filter(invitation__in=invitations).delete()
    invitations.update(email="", next_reminder_at=None)
    # The row stays (actions are assigned to it, answers counted by side); the person does not.
    return {
        "accompaniment_participants_anonymised": Participant.objects.filter(pk__in=participant_ids).update(
            person=None, first_name=ANONYMISED_PARTICIPANT_NAME, last_name="", email=""
        )
    }
