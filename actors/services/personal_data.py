"""The right of access and the right to erasure (RGPD).

Every model that refers to a person — through their account (`actors.User`), their directory
profile (`actors.Person`) or their email address — is either a `Section` of the export below or
listed in `NOT_EXPORTED` with the reason. `tests/trust/test_personal_data.py` walks every model
of the project: a new relation to an account, a profile or an address without a decision here
makes it fail.

The deletion (`account_delete`) removes the account and the profile, and keeps what the COPS
needs for its statistics (charter signatures, survey and self-assessment answers, attendance)
without anything that names the person.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.models import Person, User
from actors.services.charter import signatures_anonymise
from actors.services.profiles import person_delete
from cops.mail import send_templated_email

logger = logging.getLogger(__name__)

# Stored instead of a deleted person's name (data, not interface text: it stays in French).
ANONYMISED_PARTICIPANT_NAME = "Participant anonymisé"
# Where an address is required and unique per row: ".invalid" is reserved (RFC 2606), never delivered.
ANONYMISED_EMAIL_DOMAIN = "anonyme.invalid"


@dataclass(frozen=True)
class Subject:
    """Whom an export or a deletion is about."""

    user: User
    email: str
    person_ids: tuple[int, ...]


@dataclass(frozen=True)
class Extra:
    """A value computed from a row (e.g. the answers of a response), exported beside its fields."""

    name: str
    label: str
    value: Callable[[models.Model], object]


@dataclass(frozen=True)
class Section:
    """One model of the export: how its rows are found, and which of their fields are exported.

    A row belongs to the person when one of the `user` fields is their account, one of the
    `person` fields is one of their profiles, one of the `email` fields is their address (any
    case) or one of the `email_list` fields contains it; `only` narrows that further.
    """

    label: str
    description: str
    fields: tuple[str, ...]
    user: tuple[str, ...] = ()
    person: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    email_list: tuple[str, ...] = ()
    only: Callable[[Subject], Q] | None = None
    extras: tuple[Extra, ...] = field(default=())

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def matched_fields(self) -> set[str]:
        """The model's own fields through which rows are found (what the introspection test reads)."""
        return {name.split("__")[0] for name in (*self.user, *self.person, *self.email, *self.email_list)} - {
            "pk"
        }

    def queryset(self, subject: Subject) -> QuerySet:
        match = Q(pk__in=[])
        for name in self.user:
            match |= Q(**{name: subject.user.pk})
        for name in self.person:
            match |= Q(**{f"{name}__in": subject.person_ids})
        for name in self.email:
            match |= Q(**{f"{name}__iexact": subject.email})
        for name in self.email_list:
            match |= Q(**{f"{name}__contains": [subject.email]})
        queryset = self.model._default_manager.filter(match)
        if self.only is not None:
            queryset = queryset.filter(self.only(subject))
        return queryset.order_by("pk")


def _response_answers(response) -> list[dict]:
    return [
        {
            "question": answer.question.label,
            "choix": list(answer.choices),
            "texte": answer.text,
            "nombre": answer.number,
        }
        for answer in response.answers.select_related("question").order_by("question__position", "pk")
    ]


def _participant_ratings(participant) -> list[dict]:
    return [
        {"critère": rating.criterion.text, "note": rating.score, "commentaire": rating.comment}
        for rating in participant.ratings.select_related("criterion").order_by("criterion__position")
    ]


_MODERATED = ("status", "moderation_note", "created_at", "updated_at", "submitted_at", "published_at")
_ACCESS = ("attempt_time", "ip_address", "user_agent", "path_info")

SECTIONS: tuple[Section, ...] = (
    Section(
        "actors.User",
        gettext_lazy("Votre compte : identité, adresse, rôles, dates d'inscription et de connexion."),
        ("email", "first_name", "last_name", "date_joined", "email_verified_at", "last_login", "groups"),
        user=("pk",),
        email=("email",),
    ),
    Section(
        "actors.Person",
        gettext_lazy(
            "Votre fiche de l'annuaire (et celle que l'équipe tiendrait pour votre adresse sans compte), "
            "avec la visibilité choisie pour chaque champ et la modification en attente."
        ),
        (
            "first_name",
            "last_name",
            "photo",
            "profiles",
            "domains",
            "territories",
            "commune",
            "outside_commune",
            "qualifications",
            "activities",
            "availabilities",
            "bio",
            "experience",
            "email",
            "phone",
            "website",
            "visibility",
            "region_wide",
            "zone",
            *_MODERATED,
            "archived_at",
            "revision",
            "revision_status",
            "revision_submitted_at",
            "consent_at",
            "consent_version",
            "accuracy_confirmed_at",
            "accuracy_reminder_sent_at",
        ),  # fmt: skip
        user=("user",),
        email=("email",),
        # A profile linked to another account is that person's, whatever its contact address.
        only=lambda subject: Q(user=subject.user) | Q(user__isnull=True),
    ),
    Section(
        "actors.Structure",
        gettext_lazy("Les structures que vous avez inscrites, ou dont l'adresse de contact est la vôtre."),
        ("name", "acronym", "email", "phone", "website", "address", "postal_code", "commune", *_MODERATED),
        user=("created_by",),
        email=("email",),
    ),
    Section(
        "actors.Membership",
        gettext_lazy("Vos appartenances à des structures."),
        ("structure", "function", "is_referent", "status", "message", "requested_at", "decided_at"),
        person=("person",),
    ),
    Section(
        "actors.Signature",
        gettext_lazy("Vos signatures de la charte d'engagement, pour vous ou pour une structure."),
        (
            "version",
            "kind",
            "person",
            "structure",
            "signer_name",
            "signed_at",
            "withdrawn_at",
            "withdrawal_reason",
        ),  # fmt: skip
        user=("signed_by",),
        person=("person",),
    ),
    Section(
        "actors.RenewalInvitation",
        gettext_lazy("Les invitations à renouveler votre signature de la charte."),
        ("version", "email", "created_at", "sent_at"),
        user=("user",),
        email=("email",),
    ),
    Section(
        "actors.Mandate",
        gettext_lazy("Vos mandats dans les instances du COPS."),
        ("committee", "side", "role", "start_date", "end_date", "created_at"),
        person=("person",),
    ),
    Section(
        "actors.MeetingParticipant",
        gettext_lazy("Les réunions des instances auxquelles vous avez été invité, et votre présence."),
        ("meeting", "name", "email", "attendance", "added_at", "invitation_sent_at"),
        user=("user",),
        person=("person",),
        email=("email",),
    ),
    Section(
        "barometer.Invitation",
        gettext_lazy(
            "Vos invitations au baromètre. Dans une campagne anonyme, l'invitation sait seulement que "
            "vous avez répondu : votre réponse n'y est reliée par rien, elle ne peut donc pas figurer ici."
        ),
        ("campaign", "questionnaire", "email", "name", "created_at", "unsubscribed_at", "has_responded"),
        email=("email",),
    ),
    Section(
        "barometer.Response",
        gettext_lazy(
            "Vos réponses au baromètre dans les campagnes non anonymes, reliées à votre invitation."
        ),
        ("questionnaire", "status", "consented_on", "started_on", "submitted_on"),
        email=("invitation__email",),
        # Anonymous responses must stay unlinkable, even to their author.
        only=lambda subject: Q(questionnaire__campaign__anonymous=False),
        extras=(Extra("answers", gettext_lazy("réponses"), _response_answers),),
    ),
    Section(
        "barometer.Contact",
        gettext_lazy("L'adresse laissée au baromètre pour recevoir le rapport ou rejoindre la dynamique."),
        ("campaign", "public", "email", "wants_report", "wants_to_join", "report_sent_at", "join_invited_at"),
        email=("email",),
    ),
    Section(
        "selfassess.AssessmentSession",
        gettext_lazy("Les séances d'auto-évaluation que vous animez."),
        ("title", "group_label", "held_on", "structure", "framework", "step", "created_at", "closed_at"),
        user=("facilitator",),
    ),
    Section(
        "selfassess.Participant",
        gettext_lazy("Votre participation aux séances d'auto-évaluation, avec vos notes et commentaires."),
        ("session", "name", "email", "side", "invited_at", "last_seen_at"),
        email=("email",),
        extras=(Extra("ratings", gettext_lazy("notes individuelles"), _participant_ratings),),
    ),
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
        gettext_lazy("Les demandes d'accompagnement que vous avez déposées, ou dont vous êtes le contact."),
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
    Section(
        "cops.OutgoingEmail",
        gettext_lazy(
            "Les courriels que la plateforme vous a adressés (le texte est effacé dès l'envoi ; "
            "les autres destinataires ne sont pas repris)."
        ),
        ("template", "subject", "created_at", "sent_at"),
        email_list=("to",),
    ),
    Section(
        "cops.ReportJob",
        gettext_lazy("Les rapports que vous avez demandés."),
        ("kind", "title", "status", "filename", "created_at", "finished_at"),
        user=("requested_by",),
    ),
    Section(
        "axes.AccessAttempt",
        gettext_lazy("Les échecs de connexion récents à votre compte (blocage après plusieurs échecs)."),
        (*_ACCESS, "failures_since_start"),
        email=("username",),
    ),
    Section(
        "axes.AccessFailureLog",
        gettext_lazy("Le journal des échecs de connexion à votre compte."),
        (*_ACCESS, "locked_out"),
        email=("username",),
    ),
    Section(
        "axes.AccessLog",
        gettext_lazy("Le journal des connexions à votre compte (désactivé sur cette plateforme)."),
        (*_ACCESS, "logout_time"),
        email=("username",),
    ),
)

# Fields that refer to an account, a profile or an address and are deliberately not exported.
NOT_EXPORTED: dict[tuple[str, str], str] = {
    # Django's admin history of a staff member: each line describes someone else's row.
    ("admin.LogEntry", "user"): "staff admin history, about other people's rows",
    # The directory's search index is derived from the profile exported in actors.Person
    # (and is deleted with it).
    ("directory.Entry", "person"): "derived from actors.Person",
    # Emails sent to other people with this address to reply to (a facilitator's invitations):
    # the rows are those recipients' data.
    ("cops.OutgoingEmail", "reply_to"): "other recipients' emails",
    # Who on the staff recorded a step of someone else's file: the rows are other people's
    # profiles, memberships, meetings or accompaniments. The link is cleared (SET_NULL) when the
    # account is deleted.
    ("actors.Person", "moderated_by"): "staff attribution",
    ("actors.Structure", "moderated_by"): "staff attribution",
    ("actors.Membership", "decided_by"): "staff attribution",
    ("actors.CharterVersion", "published_by"): "staff attribution",
    ("actors.Signature", "withdrawn_by"): "staff attribution (one's own withdrawals are exported)",
    ("actors.CompositionValidation", "recorded_by"): "staff attribution",
    ("actors.Mandate", "created_by"): "staff attribution",
    ("actors.Meeting", "created_by"): "staff attribution",
    ("selfassess.JointRating", "updated_by"): "staff attribution",
    ("accompaniment.Accompaniment", "created_by"): "staff attribution",
    ("accompaniment.RequestDecision", "recorded_by"): "staff attribution",
    ("accompaniment.PhaseTransition", "by"): "staff attribution",
    ("accompaniment.Meeting", "created_by"): "staff attribution",
    ("accompaniment.Finding", "created_by"): "staff attribution",
    ("accompaniment.Action", "created_by"): "staff attribution",
    ("accompaniment.Action", "updated_by"): "staff attribution",
    ("accompaniment.Measurement", "recorded_by"): "staff attribution",
    ("accompaniment.Evaluation", "created_by"): "staff attribution",
}


# --- Export ---------------------------------------------------------------------------------------------


def subject_of(user: User) -> Subject:
    email = user.email.strip().lower()
    person_section = section_for("actors.Person")
    partial = Subject(user=user, email=email, person_ids=())
    person_ids = tuple(person_section.queryset(partial).values_list("pk", flat=True))
    return Subject(user=user, email=email, person_ids=person_ids)


def section_for(label: str) -> Section:
    return next(section for section in SECTIONS if section.label == label)


def _plain(value):
    """A JSON value: dates as ISO 8601 in local time, decimals and keys as text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _field_value(row: models.Model, name: str):
    model_field = row._meta.get_field(name)
    if model_field.many_to_many:
        return sorted(str(item) for item in getattr(row, name).all())
    if model_field.is_relation:
        related = getattr(row, name)
        return str(related) if related is not None else None
    if isinstance(model_field, models.FileField):
        # Whether a file was uploaded; its storage name is random and says nothing.
        return bool(getattr(row, name))
    if model_field.choices:
        value = getattr(row, model_field.attname)
        return str(getattr(row, f"get_{name}_display")()) if value not in (None, "") else value
    return _plain(getattr(row, model_field.attname))


def _legend(section: Section) -> dict[str, str]:
    model = section.model
    legend = {name: str(model._meta.get_field(name).verbose_name) for name in section.fields}
    legend.update({extra.name: str(extra.label) for extra in section.extras})
    return legend


def personal_data_export(*, user: User) -> dict:
    """Everything the platform holds about the account's person, one section per model."""
    subject = subject_of(user)
    sections = {}
    for section in SECTIONS:
        rows = []
        for row in section.queryset(subject):
            item = {name: _field_value(row, name) for name in section.fields}
            item.update({extra.name: _plain(extra.value(row)) for extra in section.extras})
            rows.append(item)
        sections[section.label] = {
            "description": str(section.description),
            "champs": _legend(section),
            "lignes": rows,
        }
    return {
        "compte": subject.email,
        "exporte_le": timezone.localtime().isoformat(),
        "donnees": sections,
    }


# --- Deletion ---------------------------------------------------------------------------------------------


def account_deletion_blockers(user: User) -> list[str]:
    """What must be handed over before the account can go (rows that cannot lose their owner)."""
    from accompaniment.models import Accompaniment
    from selfassess.models import AssessmentSession

    blockers = []
    sessions = list(
        AssessmentSession.objects.filter(facilitator=user)
        .order_by("-held_on")
        .values_list("title", flat=True)
    )
    if sessions:
        blockers.append(
            _("Vous animez des séances d'auto-évaluation : %(titles)s.") % {"titles": ", ".join(sessions)}
        )
    accompaniments = list(
        Accompaniment.objects.filter(Q(professional_lead=user) | Q(patient_partner_lead=user))
        .order_by("title")
        .values_list("title", flat=True)
    )
    if accompaniments:
        blockers.append(
            _("Vous pilotez des accompagnements : %(titles)s.") % {"titles": ", ".join(accompaniments)}
        )
    return blockers


def _anonymised_email():
    """`anonyme-<id>@anonyme.invalid`: unique per row, as the tables' constraints require."""
    return Concat(Value("anonyme-"), Cast("id", models.CharField()), Value(f"@{ANONYMISED_EMAIL_DOMAIN}"))


def _random_token_hash() -> str:
    # A hash no link can produce: the person's old link stops opening anything.
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def _erase_committee_traces(subject: Subject) -> dict[str, int]:
    from actors.models import MeetingParticipant, RenewalInvitation

    participations = MeetingParticipant.objects.filter(
        Q(user=subject.user) | Q(person_id__in=subject.person_ids) | Q(email__iexact=subject.email)
    )
    return {
        "signatures_anonymised": signatures_anonymise(person_ids=subject.person_ids, user=subject.user),
        # Attendance stays (the committees' figures); who attended does not.
        "meeting_participants_anonymised": participations.update(
            user=None, person=None, name=ANONYMISED_PARTICIPANT_NAME, email=_anonymised_email()
        ),
        "renewal_invitations_deleted": RenewalInvitation.objects.filter(
            Q(user=subject.user) | Q(email__iexact=subject.email)
        )
        .delete()[1]
        .get("actors.RenewalInvitation", 0),
    }


def _erase_barometer_traces(subject: Subject) -> dict[str, int]:
    from barometer.enums import QuestionType, ResponseStatus
    from barometer.models import Answer, Contact, Delivery, Invitation, Response

    invitations = Invitation.objects.filter(email__iexact=subject.email)
    invitation_ids = list(invitations.values_list("pk", flat=True))
    drafts = Response.objects.filter(invitation_id__in=invitation_ids, status=ResponseStatus.DRAFT)
    drafts_deleted = drafts.delete()[1].get("barometer.Response", 0)
    # Submitted answers are kept; the one question that asked for the address loses it.
    Answer.objects.filter(
        response__invitation_id__in=invitation_ids, question__type=QuestionType.EMAIL
    ).update(text="")
    Delivery.objects.filter(invitation_id__in=invitation_ids).update(token_hash=None)
    return {
        "barometer_draft_responses_deleted": drafts_deleted,
        # Unsubscribed, so that no reminder is ever sent to the placeholder address.
        "barometer_invitations_anonymised": Invitation.objects.filter(pk__in=invitation_ids).update(
            email=_anonymised_email(),
            name="",
            unsubscribed_at=Coalesce("unsubscribed_at", Value(timezone.now())),
        ),
        "barometer_contacts_deleted": Contact.objects.filter(email__iexact=subject.email).delete()[0],
    }


def _erase_selfassess_traces(subject: Subject) -> dict[str, int]:
    from selfassess.models import Participant, Rating

    participants = list(Participant.objects.filter(email__iexact=subject.email).select_for_update())
    # Scores stay in the group's results; the personal comments only their author could read go.
    Rating.objects.filter(participant__in=participants).update(comment="")
    for participant in participants:
        participant.name = ANONYMISED_PARTICIPANT_NAME
        participant.email = f"anonyme-{participant.pk}@{ANONYMISED_EMAIL_DOMAIN}"
        participant.token_hash = _random_token_hash()
        participant.save(update_fields=["name", "email", "token_hash"])
    return {"selfassess_participants_anonymised": len(participants)}


def _erase_accompaniment_traces(subject: Subject) -> dict[str, int]:
    from accompaniment.models import EvaluationInvitation, EvaluationLink, Participant

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


def _erase_platform_traces(subject: Subject) -> dict[str, int]:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from cops.models import OutgoingEmail, ReportJob

    sole = OutgoingEmail.objects.filter(to=[subject.email])
    emails_deleted = sole.delete()[0]
    # An email also sent to others keeps them, without this address.
    for email in OutgoingEmail.objects.filter(to__contains=[subject.email]):
        email.to = [address for address in email.to if address != subject.email]
        email.save(update_fields=["to"])
    reports = list(ReportJob.objects.filter(requested_by=subject.user))
    for report in reports:
        if report.file:
            storage, name = report.file.storage, report.file.name
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
    ReportJob.objects.filter(pk__in=[report.pk for report in reports]).delete()
    attempts = sum(
        model.objects.filter(username__iexact=subject.email).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
    return {
        "outgoing_emails_deleted": emails_deleted,
        "reports_deleted": len(reports),
        "login_records_deleted": attempts,
    }


def account_delete(*, user: User, notify: bool = True) -> dict[str, int]:
    """The right to erasure: delete the account and the person's profile, anonymise the rest.

    Refused (ValidationError) while the account leads work that cannot lose its lead: the person
    hands it over first. A confirmation is sent to the address once the deletion is committed.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        blockers = account_deletion_blockers(user)
        if blockers:
            raise ValidationError(
                [
                    _(
                        "Votre compte ne peut pas encore être supprimé : demandez d'abord à l'équipe "
                        "du COPS de confier ces missions à une autre personne."
                    ),
                    *blockers,
                ]
            )
        subject = subject_of(user)
        counts: dict[str, int] = {}
        counts.update(_erase_committee_traces(subject))
        counts.update(_erase_barometer_traces(subject))
        counts.update(_erase_selfassess_traces(subject))
        counts.update(_erase_accompaniment_traces(subject))
        counts.update(_erase_platform_traces(subject))
        for person in Person.objects.filter(pk__in=subject.person_ids):
            person_delete(person=person, by=user)
        counts["profiles_deleted"] = len(subject.person_ids)
        first_name, user_id = user.first_name, user.pk
        user.delete()
        counts["accounts_deleted"] = 1
        if notify:
            send_templated_email(
                to=subject.email,
                template="actors/emails/account_deleted",
                context={"first_name": first_name, "staff_email": settings.STAFF_EMAIL},
            )
    logger.info("Account %s deleted: %s", user_id, counts)
    return counts
