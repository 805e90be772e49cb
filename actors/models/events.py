"""What an event of the community has beside its `Meeting` row: a programme of sessions (each
with its own seats), organisers and speakers from the directory, documents before and after.

Registrations are `MeetingParticipant` rows (one per person and event); the sessions a
participant chose are `SessionRegistration` rows, so that a full session has its own waiting list.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from actors.charter_enums import ContributorRole, EventDocumentMoment, RegistrationStatus
from actors.models.committees import Meeting, MeetingParticipant
from actors.models.profiles import Person, Structure
from cops.storage import private_storage


class EventSession(models.Model):
    """One slot of a multi-session day: a pitch session, a workshop, a talk."""

    event = models.ForeignKey(
        Meeting, verbose_name=_("événement"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    room = models.CharField(_("salle"), max_length=120, blank=True)
    # Sessions of the same track follow one another; different tracks run in parallel.
    track = models.CharField(_("parcours"), max_length=120, blank=True)
    capacity = models.PositiveIntegerField(_("nombre de places"), null=True, blank=True)
    speakers = models.CharField(_("intervenants"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("séance du programme")
        verbose_name_plural = _("séances du programme")
        ordering = ["starts_at", "track", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class SessionRegistration(models.Model):
    """A participant's place in one session of the programme (or on its waiting list)."""

    session = models.ForeignKey(EventSession, on_delete=models.CASCADE, related_name="registrations")
    participant = models.ForeignKey(
        MeetingParticipant, on_delete=models.CASCADE, related_name="session_choices"
    )
    status = models.CharField(
        _("inscription"),
        max_length=20,
        choices=[
            (RegistrationStatus.CONFIRMED.value, RegistrationStatus.CONFIRMED.label),
            (RegistrationStatus.WAITING.value, RegistrationStatus.WAITING.label),
            (RegistrationStatus.CANCELLED.value, RegistrationStatus.CANCELLED.label),
        ],
        default=RegistrationStatus.CONFIRMED,
    )
    registered_at = models.DateTimeField(_("inscrit·e le"))
    promoted_at = models.DateTimeField(_("sorti·e de la liste d'attente le"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscription à une séance")
        verbose_name_plural = _("inscriptions aux séances")
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="session_registration_once")
        ]
        indexes = [models.Index(fields=["session", "status", "registered_at"], name="session_queue")]

    def __str__(self) -> str:
        return f"{self.participant.name} — {self.session}"


class EventContributor(models.Model):
    """An organiser or speaker from the directory, shown once they accepted (their consent)."""

    event = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="contributors")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="event_roles"
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, null=True, blank=True, related_name="event_roles"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=ContributorRole.choices)
    detail = models.CharField(_("précision"), max_length=200, blank=True)
    # A structure appears at once (its profile is public); a person only once they accepted.
    accepted_at = models.DateTimeField(_("accord donné le"), null=True, blank=True)
    # A person with an account answers from Mon espace or the invitation email: a refusal is kept
    # (the staff see it; the person may still change their mind).
    refused_at = models.DateTimeField(_("refus exprimé le"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invité·e le"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisateur ou intervenant")
        verbose_name_plural = _("organisateurs et intervenants")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, structure__isnull=True)
                | Q(person__isnull=True, structure__isnull=False),
                name="event_contributor_one_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person or self.structure} — {self.event}"


def event_document_upload_to(instance, filename: str) -> str:
    return f"evenements/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class EventDocument(models.Model):
    """Slides, pitches, minutes: in private storage, served by a view that checks who asks."""

    event = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    moment = models.CharField(_("moment"), max_length=10, choices=EventDocumentMoment.choices)
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(
        _("fichier"), upload_to=event_document_upload_to, storage=private_storage, max_length=200
    )
    file_format = models.CharField(_("format du fichier"), max_length=10, editable=False)
    file_size = models.PositiveIntegerField(_("taille du fichier (octets)"), default=0)
    # Public documents are for everyone once the event is public; the others for its participants.
    is_public = models.BooleanField(_("visible par tous"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("document d'événement")
        verbose_name_plural = _("documents d'événement")
        ordering = ["moment", "title"]

    def __str__(self) -> str:
        return self.title


class EventMessage(models.Model):
    """A message the staff sent to the people registered to an event (one email each, through the
    outbox). Keeps the words and the count, not the addresses: the registrations hold those."""

    class Audience(models.TextChoices):
        CONFIRMED = "inscrits", _("Les personnes inscrites")
        WITH_WAITING = "inscrits_attente", _("Les personnes inscrites et celles sur liste d'attente")

    event = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="staff_messages")
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("message"))
    audience = models.CharField(_("destinataires"), max_length=20, choices=Audience.choices)
    recipient_count = models.PositiveIntegerField(_("nombre de destinataires"), default=0)
    # The form's key: a second submission of the same form (double click, reload) sends nothing.
    client_key = models.UUIDField(_("clé du formulaire"), unique=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("envoyé le"))

    class Meta:
        verbose_name = _("message aux inscrits")
        verbose_name_plural = _("messages aux inscrits")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.subject
