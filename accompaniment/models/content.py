"""What the phases produce: meetings, findings, the action plan, indicators and their measurements."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accompaniment.enums import OPEN_ACTION_STATUSES, ActionStatus, ContentVisibility, EventKind, FindingKind
from accompaniment.models.accompaniments import Accompaniment, Participant, Phase


class Meeting(models.Model):
    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="meetings"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="meetings"
    )
    held_on = models.DateField(_("date"))
    title = models.CharField(_("objet"), max_length=200)
    participants = models.ManyToManyField(
        Participant, verbose_name=_("participants de la structure"), blank=True, related_name="meetings"
    )
    notes = models.TextField(_("compte rendu"), blank=True)
    # Never shown outside the COPS team, whatever the meeting's visibility (see ContentVisibility).
    internal_notes = models.TextField(_("notes internes de l'équipe"), blank=True)
    visibility = models.CharField(
        _("visibilité"), max_length=20, choices=ContentVisibility.choices, default=ContentVisibility.SHARED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rencontre")
        verbose_name_plural = _("rencontres")
        ordering = ["accompaniment", "held_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    """A finding of the experience review: an obstacle, a lever or a potential."""

    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="findings"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="findings"
    )
    kind = models.CharField(_("nature"), max_length=20, choices=FindingKind.choices)
    text = models.TextField(_("constat"))
    visibility = models.CharField(
        _("visibilité"), max_length=20, choices=ContentVisibility.choices, default=ContentVisibility.SHARED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("constat")
        verbose_name_plural = _("constats")
        ordering = ["accompaniment", "kind", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.text[:60]}"


class Action(models.Model):
    """One line of the co-constructed action plan; its owner is a participant of the structure."""

    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="actions"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="actions"
    )
    title = models.CharField(_("action"), max_length=250)
    description = models.TextField(_("précisions"), blank=True)
    owner = models.ForeignKey(
        Participant, verbose_name=_("responsable"), on_delete=models.PROTECT, related_name="actions"
    )
    due_on = models.DateField(_("échéance"))
    status = models.CharField(
        _("statut"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.TODO
    )
    completed_on = models.DateField(_("réalisée le"), null=True, blank=True)
    visibility = models.CharField(
        _("visibilité"), max_length=20, choices=ContentVisibility.choices, default=ContentVisibility.SHARED
    )
    # The reminder before the due date is claimed by setting this (sent once per due date).
    due_reminder_sent_at = models.DateTimeField(_("rappel d'échéance envoyé le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisie le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mise à jour par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["accompaniment", "due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="action_status_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES


class Indicator(models.Model):
    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="indicators"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.PROTECT, related_name="indicators"
    )
    name = models.CharField(_("indicateur"), max_length=200)
    description = models.TextField(_("mode de calcul"), blank=True)
    unit = models.CharField(_("unité"), max_length=30, blank=True)
    baseline = models.DecimalField(_("valeur de départ"), max_digits=12, decimal_places=2)
    target = models.DecimalField(_("cible"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["accompaniment", "pk"]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicateur"), on_delete=models.CASCADE, related_name="measurements"
    )
    measured_on = models.DateField(_("date de la mesure"))
    value = models.DecimalField(_("valeur"), max_digits=12, decimal_places=2)
    comment = models.CharField(_("commentaire"), max_length=250, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisie par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("saisie le"), auto_now_add=True)

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["indicator", "measured_on"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "measured_on"], name="measurement_one_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} — {self.measured_on}"


class AccompanimentEvent(models.Model):
    """A line of the accompaniment's journal: a correction, a deletion or a note, by whom, for whom."""

    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("nature"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("intitulé"), max_length=300)
    detail = models.TextField(_("précisions"), blank=True)
    visibility = models.CharField(
        _("visibilité"), max_length=20, choices=ContentVisibility.choices, default=ContentVisibility.SHARED
    )
    on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de l'accompagnement")
        verbose_name_plural = _("événements de l'accompagnement")
        ordering = ["accompaniment", "at", "pk"]

    def __str__(self) -> str:
        return self.title
