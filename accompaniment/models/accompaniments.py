"""An accompaniment, its participants, its phases and the history of their transitions."""

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accompaniment.enums import AccompanimentStatus, PhaseKind, PhaseStatus, Side, SupportType, TransitionKind
from accompaniment.models.requests import SupportRequest
from accompaniment.models.templates import PhaseDefinition, PhaseTemplate


class PrivateAccompanimentStorage(FileSystemStorage):
    """Signed conventions live outside MEDIA_ROOT and are served only by a permission-checked view.

    The location is read from the settings on each use (not frozen at import) so that a test
    or a deployment changing PRIVATE_MEDIA_ROOT is honoured.
    """

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT / "accompaniment")

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_storage() -> PrivateAccompanimentStorage:
    return PrivateAccompanimentStorage()


def convention_upload_to(instance, filename: str) -> str:
    # A random name: the stored file's name reveals nothing about the structure.
    return f"conventions/{uuid.uuid4().hex}.pdf"


class Accompaniment(models.Model):
    request = models.OneToOneField(
        SupportRequest,
        verbose_name=_("demande d'origine"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accompaniment",
    )
    structure = models.ForeignKey(
        "actors.Structure",
        verbose_name=_("structure"),
        on_delete=models.PROTECT,
        related_name="accompaniments",
    )
    title = models.CharField(_("intitulé"), max_length=200)
    support_type = models.CharField(_("type d'appui"), max_length=30, choices=SupportType.choices)
    template = models.ForeignKey(
        PhaseTemplate, verbose_name=_("modèle de phases"), on_delete=models.PROTECT, related_name="+"
    )
    context = models.TextField(_("contexte"), blank=True)
    expected_outcome = models.TextField(_("résultat attendu"), blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=AccompanimentStatus.choices, default=AccompanimentStatus.ACTIVE
    )
    current_phase = models.ForeignKey(
        "accompaniment.Phase",
        verbose_name=_("phase en cours"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The COPS binôme: always a health professional and a patient partner.
    professional_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("professionnel de santé du binôme"),
        on_delete=models.PROTECT,
        related_name="accompaniments_as_professional",
    )
    patient_partner_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient partenaire du binôme"),
        on_delete=models.PROTECT,
        related_name="accompaniments_as_patient_partner",
    )
    # Convention de partenariat.
    convention_start = models.DateField(_("début de la convention"), null=True, blank=True)
    convention_end = models.DateField(_("fin de la convention"), null=True, blank=True)
    planned_interventions = models.PositiveSmallIntegerField(
        _("nombre d'interventions prévues"), null=True, blank=True
    )
    convention_file = models.FileField(
        _("convention signée (PDF)"),
        upload_to=convention_upload_to,
        storage=private_storage,
        blank=True,
        max_length=200,
    )
    convention_signed_on = models.DateField(_("convention signée le"), null=True, blank=True)
    convention_uploaded_at = models.DateTimeField(_("convention déposée le"), null=True, blank=True)
    # Self-assessment sessions (selfassess/) at the start and at the end, to show the change.
    start_assessment = models.ForeignKey(
        "selfassess.AssessmentSession",
        verbose_name=_("auto-évaluation de départ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    end_assessment = models.ForeignKey(
        "selfassess.AssessmentSession",
        verbose_name=_("auto-évaluation de fin"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    completed_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(convention_start__isnull=True)
                | models.Q(convention_end__isnull=True)
                | models.Q(convention_end__gte=models.F("convention_start")),
                name="accompaniment_convention_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(professional_lead=models.F("patient_partner_lead")),
                name="accompaniment_binome_two_persons",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="accompaniment_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("accompaniment:detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status == AccompanimentStatus.ACTIVE

    @property
    def has_signed_convention(self) -> bool:
        return bool(self.convention_file)


class Participant(models.Model):
    """A member of the structure taking part in the accompaniment (action owners, respondents)."""

    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey(
        "actors.Person",
        verbose_name=_("fiche de l'annuaire"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accompaniment_participations",
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("adresse électronique"), blank=True)
    side = models.CharField(_("côté du partenariat"), max_length=20, choices=Side.choices)
    function = models.CharField(_("fonction ou rôle"), max_length=150, blank=True)
    added_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["accompaniment", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["accompaniment", "email"],
                condition=~models.Q(email=""),
                name="participant_unique_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Phase(models.Model):
    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="phases"
    )
    definition = models.ForeignKey(
        PhaseDefinition, verbose_name=_("phase du modèle"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("rang"))
    # Copied from the template so that a later edit of the template does not rewrite history.
    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("nom court"), max_length=60)
    kind = models.CharField(_("nature"), max_length=30, choices=PhaseKind.choices, default=PhaseKind.STANDARD)
    status = models.CharField(
        _("statut"), max_length=20, choices=PhaseStatus.choices, default=PhaseStatus.UPCOMING
    )
    started_on = models.DateField(_("commencée le"), null=True, blank=True)
    ended_on = models.DateField(_("terminée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["accompaniment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["accompaniment", "position"], name="phase_unique_position"),
            models.UniqueConstraint(
                fields=["accompaniment"],
                condition=models.Q(status=PhaseStatus.CURRENT),
                name="phase_one_current_per_accompaniment",
            ),
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="phase_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    @property
    def is_current(self) -> bool:
        return self.status == PhaseStatus.CURRENT

    @property
    def is_closed(self) -> bool:
        return self.status == PhaseStatus.CLOSED


class PhaseTransition(models.Model):
    """Who moved a phase, when and why: the accompaniment's history."""

    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="transitions"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="transitions"
    )
    kind = models.CharField(_("événement"), max_length=20, choices=TransitionKind.choices)
    reason = models.TextField(_("motif"), blank=True)
    # The date the change takes effect (a phase closed "as of" a past date), shown in the timeline;
    # `at` is when it was recorded.
    on = models.DateField(_("date d'effet"), default=timezone.localdate)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("changement de phase")
        verbose_name_plural = _("changements de phase")
        ordering = ["accompaniment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.phase} — {self.get_kind_display()}"
