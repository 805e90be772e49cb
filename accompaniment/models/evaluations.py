"""The à chaud and à distance evaluations: a short questionnaire answered by personal link.

Links carry a random token of 256 bits; only its SHA-256 is stored. Each email (invitation or
reminder) carries a fresh link, and every link of an invitation stays valid until it is answered.
Answers are stored apart from the invitation, so they are not attributed to a person.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accompaniment.enums import EvaluationKind, Side
from accompaniment.models.accompaniments import Accompaniment, Participant, Phase


class Evaluation(models.Model):
    accompaniment = models.ForeignKey(
        Accompaniment, verbose_name=_("accompagnement"), on_delete=models.CASCADE, related_name="evaluations"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("nature"), max_length=20, choices=EvaluationKind.choices)
    questions = models.JSONField(_("questions"), default=list)
    # An à distance evaluation waits for its date; the periodic task sends it then.
    scheduled_for = models.DateField(_("envoi prévu le"), null=True, blank=True)
    launched_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    answer_by = models.DateField(_("réponses attendues avant le"), null=True, blank=True)
    reminder_interval_days = models.PositiveSmallIntegerField(_("jours entre deux relances"), default=10)
    max_reminders = models.PositiveSmallIntegerField(_("nombre de relances"), default=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["accompaniment", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["accompaniment", "kind"], name="evaluation_one_per_kind"),
        ]
        indexes = [models.Index(fields=["launched_at", "scheduled_for"], name="evaluation_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.accompaniment}"

    @property
    def is_launched(self) -> bool:
        return self.launched_at is not None


class EvaluationInvitation(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("évaluation"), on_delete=models.CASCADE, related_name="invitations"
    )
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse électronique"))
    sent_at = models.DateTimeField(_("invitation envoyée le"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("relances envoyées"), default=0)
    next_reminder_at = models.DateTimeField(_("prochaine relance le"), null=True, blank=True)
    last_reminder_at = models.DateTimeField(_("dernière relance le"), null=True, blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation à répondre")
        verbose_name_plural = _("invitations à répondre")
        ordering = ["evaluation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "participant"], name="invitation_unique_participant"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                condition=models.Q(answered_at__isnull=True, next_reminder_at__isnull=False),
                name="invitation_reminder_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} — {self.evaluation}"


class EvaluationLink(models.Model):
    invitation = models.ForeignKey(
        EvaluationInvitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="links"
    )
    token_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("lien personnel")
        verbose_name_plural = _("liens personnels")

    def __str__(self) -> str:
        return f"{self.invitation} ({self.created_at:%Y-%m-%d})"


class EvaluationResponse(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("évaluation"), on_delete=models.CASCADE, related_name="responses"
    )
    side = models.CharField(_("côté du partenariat"), max_length=20, choices=Side.choices)
    # {question code: integer 1-5 or text}
    answers = models.JSONField(_("réponses"), default=dict)
    submitted_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réponse à une évaluation")
        verbose_name_plural = _("réponses aux évaluations")
        ordering = ["evaluation", "submitted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.evaluation} — {self.submitted_at:%Y-%m-%d}"
