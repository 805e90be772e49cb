import secrets

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from barometer.enums import CampaignStatus, Public, QuestionRole, QuestionType


def new_public_key() -> str:
    # Unguessable so that a questionnaire cannot be found before its link is published.
    return secrets.token_urlsafe(12)


class EditionManager(models.Manager):
    """The barometer's yearly editions (every list, result and report of the barometer)."""

    def get_queryset(self):
        return super().get_queryset().filter(event__isnull=True)


class Campaign(models.Model):
    """One yearly edition of the barometer: five questionnaires, one per public.

    The same engine (questionnaire, answering pages, sending, results) also runs the satisfaction
    questionnaire of an event of the community: such a campaign has an `event` and one
    questionnaire with no public. `Campaign.objects` are the editions only; `all_objects` both.
    """

    year = models.PositiveSmallIntegerField(
        _("année"), validators=[MinValueValidator(2020), MaxValueValidator(2100)]
    )
    event = models.ForeignKey(
        "actors.Meeting",
        verbose_name=_("événement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="surveys",
    )
    title = models.CharField(_("titre"), max_length=200)
    intro = models.TextField(_("présentation"), blank=True)
    opens_on = models.DateField(_("ouverture le"))
    closes_on = models.DateField(_("clôture le"))
    status = models.CharField(
        _("statut"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    anonymous = models.BooleanField(
        _("réponses anonymes"),
        default=True,
        help_text=_("Une réponse envoyée n'est reliée à aucune invitation ni adresse électronique."),
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copie de l'édition"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    published_at = models.DateTimeField(_("résultats publiés le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    all_objects = models.Manager()
    objects = EditionManager()

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ["-year"]
        default_manager_name = "all_objects"
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(event__isnull=True), name="campaign_one_edition_per_year"
            ),
            models.UniqueConstraint(
                fields=["event"],
                condition=models.Q(event__isnull=False),
                name="campaign_one_survey_per_event",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="campaign_dates_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("barometer:staff_campaign", kwargs={"year": self.year})

    @property
    def is_accepting_answers(self) -> bool:
        today = timezone.localdate()
        return self.status == CampaignStatus.OPEN and self.opens_on <= today <= self.closes_on

    @property
    def is_editable(self) -> bool:
        """Questions change only before the first answer can exist."""
        return self.status == CampaignStatus.DRAFT


class Questionnaire(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="questionnaires"
    )
    # Empty for the questionnaire of an event's satisfaction survey (its participants).
    public = models.CharField(_("public"), max_length=16, choices=Public.choices, blank=True)
    title = models.CharField(_("titre"), max_length=250)
    intro = models.TextField(_("introduction"), blank=True)
    public_key = models.CharField(_("clé du lien public"), max_length=32, unique=True, default=new_public_key)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "public"], name="questionnaire_one_per_public")
        ]

    def __str__(self) -> str:
        return f"{self.campaign.year} · {self.get_public_display()}"

    def get_absolute_url(self) -> str:
        return reverse("barometer:answer_start", kwargs={"key": self.public_key})


class Section(models.Model):
    """A page of the questionnaire."""

    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.CASCADE, related_name="sections"
    )
    title = models.CharField(_("titre"), max_length=250)
    intro = models.TextField(_("introduction"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["questionnaire", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("page"), on_delete=models.CASCADE, related_name="questions"
    )
    # Kept from edition to edition so that answers can be compared across years.
    code = models.SlugField(
        _("code"),
        max_length=64,
        help_text=_("Identifiant stable, identique d'une édition à l'autre (lettres, chiffres, tirets)."),
    )
    type = models.CharField(_("type"), max_length=16, choices=QuestionType.choices)
    label = models.TextField(_("intitulé"))
    help_text = models.TextField(_("aide"), blank=True)
    required = models.BooleanField(_("réponse obligatoire"), default=False)
    allow_other = models.BooleanField(
        _("proposer « Autre, précisez »"), default=False, help_text=_("Pour les questions à choix.")
    )
    min_value = models.DecimalField(_("minimum"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=12, decimal_places=2, null=True, blank=True)
    role = models.CharField(
        _("rôle"), max_length=16, choices=QuestionRole.choices, default=QuestionRole.NONE, blank=True
    )
    show_if_question = models.ForeignKey(
        "self",
        verbose_name=_("afficher si la question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependents",
    )
    show_if_values = ArrayField(
        models.CharField(max_length=64),
        verbose_name=_("a l'une des réponses"),
        default=list,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["section__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="question_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label[:60]}"

    @property
    def has_choices(self) -> bool:
        return self.type in QuestionType.with_choices()

    @property
    def is_conditional(self) -> bool:
        return self.show_if_question_id is not None and bool(self.show_if_values)


class Choice(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    value = models.SlugField(_("valeur"), max_length=64)
    label = models.CharField(_("libellé"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("choix")
        verbose_name_plural = _("choix")
        ordering = ["question", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["question", "value"], name="choice_value_unique")]

    def __str__(self) -> str:
        return self.label


class SendingRound(models.Model):
    """When the invitation (round 0) and each of the up to three reminders go out."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="rounds"
    )
    number = models.PositiveSmallIntegerField(_("envoi"))
    scheduled_at = models.DateTimeField(_("date d'envoi"))

    class Meta:
        verbose_name = _("envoi programmé")
        verbose_name_plural = _("envois programmés")
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="round_unique_per_campaign"),
            models.CheckConstraint(condition=models.Q(number__lte=3), name="round_at_most_three_reminders"),
        ]

    def __str__(self) -> str:
        from barometer.enums import ROUND_LABELS

        return f"{self.campaign.year} · {ROUND_LABELS[self.number]}"


class PublishedReport(models.Model):
    """The PDF report offered to everyone once the results are published."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="published_report"
    )
    content = models.BinaryField(_("contenu"))
    generated_at = models.DateTimeField(_("généré le"), default=timezone.now)

    class Meta:
        verbose_name = _("rapport publié")
        verbose_name_plural = _("rapports publiés")

    def __str__(self) -> str:
        return f"{self.campaign.year}"
