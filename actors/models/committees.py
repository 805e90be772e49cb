"""The partners' committees: CoPart, CoPil (mandates in binômes), CoTec, working groups, meetings.

The CoPart has no stored members: it *is* the set of current charter signatories. The other
committees have mandates with start and end dates; the CoPil's mandates are grouped in binômes
(one professional, one patient / caregiver) and validated by a CoPart meeting.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from actors.charter_enums import (
    Attendance,
    CommitteeKind,
    DecisionFollowUp,
    EventAudience,
    EventKind,
    MeetingResponse,
    MeetingStatus,
    RegistrationStatus,
)
from actors.enums import Side
from actors.models.profiles import Person, Structure
from actors.models.reference import Commune, Departement


class Committee(models.Model):
    kind = models.CharField(_("type d'instance"), max_length=20, choices=CommitteeKind.choices)
    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("nom court"), max_length=60)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=60, unique=True)
    description = models.TextField(_("missions"), blank=True)
    meetings_per_year = models.PositiveSmallIntegerField(_("réunions prévues par an"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("instance")
        verbose_name_plural = _("instances")
        ordering = ["position", "name"]
        constraints = [
            # One CoPart, one CoPil, one CoTec; as many working groups as needed.
            models.UniqueConstraint(
                fields=["kind"], condition=~Q(kind=CommitteeKind.WORKING_GROUP), name="committee_unique_kind"
            )
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def has_mandates(self) -> bool:
        return self.kind != CommitteeKind.COPART

    @property
    def uses_binomes(self) -> bool:
        return self.kind == CommitteeKind.COPIL


class Binome(models.Model):
    """A professional and a patient / caregiver who hold their CoPil mandates together."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("instance"), on_delete=models.CASCADE, related_name="binomes"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("binôme")
        verbose_name_plural = _("binômes")
        ordering = ["pk"]

    def __str__(self) -> str:
        return _("Binôme n° %(number)s") % {"number": self.pk}


class CompositionValidation(models.Model):
    """The CoPart validated (part of) the CoPil's composition at one of its meetings."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("instance validée"), on_delete=models.CASCADE, related_name="validations"
    )
    meeting = models.ForeignKey(
        "actors.Meeting",
        verbose_name=_("réunion du Comité des Partenaires"),
        on_delete=models.PROTECT,
        related_name="composition_validations",
    )
    validated_on = models.DateField(_("validée le"))
    note = models.TextField(_("observations"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistrée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("validation de composition")
        verbose_name_plural = _("validations de composition")
        ordering = ["-validated_on"]

    def __str__(self) -> str:
        return f"{self.committee} — {self.validated_on:%d/%m/%Y}"


class Mandate(models.Model):
    """A person (or an invited structure) sits on a committee from one date to another."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("instance"), on_delete=models.CASCADE, related_name="mandates"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mandates",
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure invitée"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mandates",
    )
    side = models.CharField(_("côté du partenariat"), max_length=20, choices=Side.choices, blank=True)
    role = models.CharField(_("rôle"), max_length=150, blank=True)
    binome = models.ForeignKey(
        Binome,
        verbose_name=_("binôme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mandates",
    )
    start_date = models.DateField(_("début du mandat"))
    end_date = models.DateField(_("fin du mandat"), null=True, blank=True)
    validation = models.ForeignKey(
        CompositionValidation,
        verbose_name=_("validation par le CoPart"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mandates",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mandat")
        verbose_name_plural = _("mandats")
        ordering = ["committee", "binome_id", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="mandate_end_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    Q(person__isnull=False, structure__isnull=True)
                    | Q(person__isnull=True, structure__isnull=False)
                ),
                name="mandate_exactly_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} — {self.committee}"

    @property
    def holder(self):
        return self.person if self.person_id else self.structure

    def is_current(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class Meeting(models.Model):
    """A gathering: a committee's meeting, or one of the community's events (regional day,
    workshop, practice-analysis group, webinar, training). One model family, so that invitations,
    registrations, the .ics, attendance and reminders have one implementation (actors/events/)."""

    kind = models.CharField(
        _("type d'événement"), max_length=30, choices=EventKind.choices, default=EventKind.COMMITTEE
    )
    # Only a committee meeting belongs to a committee (see the constraint).
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("instance"),
        on_delete=models.PROTECT,
        related_name="meetings",
        null=True,
        blank=True,
    )
    title = models.CharField(_("intitulé"), max_length=200)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    location = models.CharField(_("lieu"), max_length=250, blank=True)
    visio_url = models.URLField(_("lien de visioconférence"), max_length=500, blank=True)
    agenda = models.TextField(_("ordre du jour"), blank=True)
    minutes = models.TextField(_("compte rendu"), blank=True)
    # What the public pages show of the minutes (the members read the whole minutes once approved).
    public_minutes = models.TextField(_("compte rendu public"), blank=True)
    minutes_approved_at = models.DateTimeField(_("compte rendu approuvé le"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )

    # --- What an event of the community adds (empty for a committee meeting) ---
    slug = models.SlugField(_("adresse"), max_length=220, unique=True, null=True, blank=True)
    # On the public agenda; a committee meeting never is (its members see it in their space).
    is_public = models.BooleanField(_("dans l'agenda public"), default=False)
    summary = models.TextField(_("en bref"), max_length=600, blank=True)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(
        _("public"), max_length=20, choices=EventAudience.choices, default=EventAudience.ALL
    )
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    territories = models.ManyToManyField(
        Departement, verbose_name=_("territoires"), blank=True, related_name="events"
    )
    accessibility = models.TextField(_("accessibilité"), blank=True)
    # Registration: open to anyone; None = no limit of seats.
    registration_open = models.BooleanField(_("inscriptions ouvertes"), default=False)
    capacity = models.PositiveIntegerField(_("nombre de places"), null=True, blank=True)
    waiting_list = models.BooleanField(_("liste d'attente quand c'est complet"), default=True)
    registration_closes_at = models.DateTimeField(_("clôture des inscriptions"), null=True, blank=True)
    # Questions the staff add to the registration form:
    # [{"code", "label", "kind": "texte"|"choix", "choices": [...], "required": bool}].
    registration_questions = models.JSONField(
        _("questions du formulaire d'inscription"), default=list, blank=True
    )
    ask_accessibility_needs = models.BooleanField(_("demander les besoins d'accessibilité"), default=True)

    # Calendar identity of the event: the same UID with a higher SEQUENCE updates it in agendas.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(condition=~Q(location="", visio_url=""), name="meeting_has_place"),
            models.CheckConstraint(
                condition=(
                    Q(kind=EventKind.COMMITTEE, committee__isnull=False)
                    | (~Q(kind=EventKind.COMMITTEE) & Q(committee__isnull=True))
                ),
                name="meeting_committee_iff_committee_kind",
                violation_error_message=_("Seule une réunion d'instance appartient à une instance."),
            ),
            models.CheckConstraint(
                condition=Q(kind=EventKind.COMMITTEE) | Q(slug__isnull=False),
                name="event_has_slug",
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"], name="meeting_starts_at"),
            models.Index(fields=["is_public", "starts_at"], name="event_agenda"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%d/%m/%Y})"


class MeetingParticipant(models.Model):
    """An invited person: the invitation email (claimed once) and their attendance."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("réunion"), on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("personne"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_participations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_participations",
    )
    name = models.CharField(_("nom"), max_length=250)
    email = models.EmailField(_("adresse électronique"))
    attendance = models.CharField(
        _("présence"), max_length=20, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    added_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)
    invitation_sent_at = models.DateTimeField(_("invitation envoyée le"), null=True, blank=True)
    # The answer to the invitation (from the email's link or the member's space), before the meeting.
    response = models.CharField(
        _("réponse à l'invitation"),
        max_length=20,
        choices=MeetingResponse.choices,
        default=MeetingResponse.NONE,
    )
    responded_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    # Hash of the secret of the invitation email's answer links (cops.tokens); set when it is sent.
    response_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    # --- Registration to an event of the community (committee members are invited instead) ---
    status = models.CharField(
        _("inscription"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.INVITED,
    )
    # Arrival order of the registrations and of the waiting list (set by the registration service).
    registered_at = models.DateTimeField(_("inscrit·e le"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("sorti·e de la liste d'attente le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("arrivée enregistrée le"), null=True, blank=True)
    answers = models.JSONField(_("réponses au formulaire d'inscription"), default=dict, blank=True)
    # Staff-only, erased after the event (settings.RETENTION_EVENT_NEEDS_DAYS).
    accessibility_needs = models.TextField(_("besoins d'accessibilité"), blank=True)
    # Each email of the reminder pipeline is claimed once (see actors/events/).
    week_reminder_sent_at = models.DateTimeField(_("rappel J-7 envoyé le"), null=True, blank=True)
    day_reminder_sent_at = models.DateTimeField(_("rappel J-1 envoyé le"), null=True, blank=True)
    thanks_sent_at = models.DateTimeField(_("remerciement envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "email"], name="meeting_participant_unique_email"),
            models.UniqueConstraint(
                fields=["response_token_hash"],
                condition=~Q(response_token_hash=""),
                name="meeting_participant_unique_token",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "status", "registered_at"], name="participant_queue")]

    def __str__(self) -> str:
        return f"{self.name} — {self.meeting}"


class Decision(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("réunion"), on_delete=models.CASCADE, related_name="decisions"
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    text = models.TextField(_("décision"))
    follow_up = models.CharField(
        _("suivi"), max_length=20, choices=DecisionFollowUp.choices, default=DecisionFollowUp.TO_DO
    )
    follow_up_note = models.CharField(_("précisions sur le suivi"), max_length=500, blank=True)
    follow_up_updated_at = models.DateTimeField(_("suivi mis à jour le"), null=True, blank=True)

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
