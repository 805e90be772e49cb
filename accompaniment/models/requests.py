"""Requests for support (« demandes d'appui ») and the CoPil's decisions on them."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accompaniment.enums import DecisionOutcome, RequestStatus, SupportType


class SupportRequest(models.Model):
    structure = models.ForeignKey(
        "actors.Structure",
        verbose_name=_("structure"),
        on_delete=models.PROTECT,
        related_name="support_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    support_type = models.CharField(_("type d'appui"), max_length=30, choices=SupportType.choices)
    title = models.CharField(_("intitulé du projet"), max_length=200)
    context = models.TextField(_("contexte"))
    expected_outcome = models.TextField(_("résultat attendu"))
    contact_name = models.CharField(_("personne à contacter"), max_length=150)
    contact_email = models.EmailField(_("adresse électronique de contact"))
    contact_phone = models.CharField(_("téléphone de contact"), max_length=30, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("déposée le"))
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("demande d'appui")
        verbose_name_plural = _("demandes d'appui")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="support_request_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("accompaniment:request_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        """Still waiting for a final decision."""
        return self.status in (RequestStatus.SUBMITTED, RequestStatus.MORE_INFO)


class RequestDecision(models.Model):
    """One CoPil decision; a request may receive several (more information, then accepted)."""

    request = models.ForeignKey(
        SupportRequest, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(_("décision"), max_length=20, choices=DecisionOutcome.choices)
    reason = models.TextField(
        _("motif ou message"),
        blank=True,
        help_text=_("Obligatoire pour un refus ou une demande de complément ; transmis au demandeur."),
    )
    decided_on = models.DateField(_("date de la décision"))
    copil_meeting = models.ForeignKey(
        "actors.Meeting",
        verbose_name=_("réunion du CoPil"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_request_decisions",
        limit_choices_to={"committee__kind": "copil"},
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistrée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("décision du CoPil")
        verbose_name_plural = _("décisions du CoPil")
        ordering = ["request", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome=DecisionOutcome.ACCEPTED) | ~models.Q(reason=""),
                name="request_decision_reason_required",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request} — {self.get_outcome_display()}"


class RequestComplement(models.Model):
    """The information a requester adds when the CoPil asked for more."""

    request = models.ForeignKey(
        SupportRequest, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="complements"
    )
    text = models.TextField(_("complément d'information"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ajouté par"), on_delete=models.SET_NULL, null=True
    )
    added_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("complément d'information")
        verbose_name_plural = _("compléments d'information")
        ordering = ["request", "added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request} — {self.text[:60]}"
