import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from barometer.enums import ResponseStatus, TextTag


class Response(models.Model):
    """One respondent's answers to one questionnaire.

    Dates are kept to the day (never the time) and, in an anonymous campaign, the
    invitation link is cleared on submission: no column joins a submitted response to
    an invitation, an email or the moment an email was sent.
    """

    questionnaire = models.ForeignKey(
        "barometer.Questionnaire",
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="responses",
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT
    )
    # Idempotency key generated with the first form: concurrent first posts make one response.
    client_key = models.UUIDField(_("clé du formulaire"), unique=True, default=uuid.uuid4)
    # Hash of the key of the "resume later" link given to respondents of a public link.
    resume_key_hash = models.CharField(
        _("empreinte du lien de reprise"), max_length=64, null=True, unique=True
    )
    invitation = models.ForeignKey(
        "barometer.Invitation",
        verbose_name=_("invitation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
    )
    consented_on = models.DateField(_("consentement donné le"))
    started_on = models.DateField(_("commencée le"))
    submitted_on = models.DateField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        ordering = ["pk"]
        constraints = [
            # One response per invitation (its draft, then its submitted response if not anonymous).
            models.UniqueConstraint(
                fields=["invitation"],
                condition=models.Q(invitation__isnull=False),
                name="response_per_invitation",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ResponseStatus.DRAFT) | models.Q(submitted_on__isnull=False),
                name="response_submitted_has_date",
            ),
        ]
        indexes = [models.Index(fields=["questionnaire", "status"], name="response_status_idx")]

    def __str__(self) -> str:
        return f"{self.questionnaire} · {self.pk}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED


class Answer(models.Model):
    """The answer to one question, in typed columns so that results are plain SQL."""

    response = models.ForeignKey(
        Response, verbose_name=_("réponse"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        "barometer.Question", verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers"
    )
    choices = ArrayField(models.CharField(max_length=64), verbose_name=_("choix"), default=list, blank=True)
    text = models.TextField(_("texte"), blank=True)
    number = models.DecimalField(_("nombre"), max_digits=12, decimal_places=2, null=True, blank=True)
    tags = ArrayField(
        models.CharField(max_length=16, choices=TextTag.choices),
        verbose_name=_("étiquettes"),
        default=list,
        blank=True,
    )
    featured = models.BooleanField(_("citation retenue pour le rapport"), default=False)

    class Meta:
        verbose_name = _("réponse à une question")
        verbose_name_plural = _("réponses aux questions")
        ordering = ["response", "question"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question")
        ]
        indexes = [GinIndex(fields=["choices"], name="answer_choices_gin")]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.choices or self.text or self.number}"
