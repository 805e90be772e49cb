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

from actors.charter_enums import Attendance, CommitteeKind, DecisionFollowUp, MeetingResponse, MeetingStatus
from actors.enums import Side
from actors.models.profiles import Person, Structure


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
    committee = models.ForeignKey(
        Committee, verbose_name=_("instance"), on_delete=models.PROTECT, related_name="meetings"
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
        ]
        indexes = [models.Index(fields=["starts_at"], name="meeting_starts_at")]

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
