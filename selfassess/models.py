"""Self-assessment frameworks (the « cible ») and the sessions where a working group uses them.

A framework is data: sectors, criteria and the wording of its 0–4 scale. Once a framework has
answers it is frozen (see services.framework_is_answered): an edit creates a new version, so a
past session always shows the words its participants rated.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from selfassess.enums import SCALE_MAX, SCALE_MIN, SIDE_SHORT_LABELS, Side, Step

SCORE_VALIDATORS = [MinValueValidator(SCALE_MIN), MaxValueValidator(SCALE_MAX)]


class Framework(models.Model):
    slug = models.SlugField(
        _("identifiant"),
        max_length=80,
        help_text=_("Commun à toutes les versions d'un même référentiel."),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    guidance_professional = models.TextField(
        _("consigne pour les professionnels"),
        blank=True,
        help_text=_("Affichée aux participants du côté des professionnels, avant leurs notes."),
    )
    guidance_user = models.TextField(
        _("consigne pour les usagers"),
        blank=True,
        help_text=_("Affichée aux patients, proches-aidants et représentants des usagers."),
    )
    guidance_joint = models.TextField(_("consigne pour l'étape collective"), blank=True)
    label_0 = models.CharField(_("libellé du niveau 0"), max_length=120)
    label_1 = models.CharField(_("libellé du niveau 1"), max_length=120)
    label_2 = models.CharField(_("libellé du niveau 2"), max_length=120)
    label_3 = models.CharField(_("libellé du niveau 3"), max_length=120)
    label_4 = models.CharField(_("libellé du niveau 4"), max_length=120)
    is_active = models.BooleanField(
        _("proposé pour les nouvelles séances"),
        default=True,
        help_text=_("Parmi les versions actives d'un référentiel, la plus récente est proposée."),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("référentiel d'auto-évaluation")
        verbose_name_plural = _("référentiels d'auto-évaluation")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="selfassess_framework_slug_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def scale_labels(self) -> list[str]:
        return [self.label_0, self.label_1, self.label_2, self.label_3, self.label_4]

    @property
    def scale(self) -> list[tuple[int, str]]:
        return list(enumerate(self.scale_labels))

    def guidance_for(self, side: str) -> str:
        return self.guidance_professional if side == Side.PROFESSIONAL else self.guidance_user


class Sector(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="sectors", verbose_name=_("référentiel")
    )
    name = models.CharField(_("nom"), max_length=120)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("secteur")
        verbose_name_plural = _("secteurs")
        ordering = ["framework", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "name"], name="selfassess_sector_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("référentiel")
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("secteur")
    )
    code = models.SlugField(
        _("code"),
        max_length=80,
        help_text=_("Stable d'une version à l'autre : il relie les critères dans l'historique."),
    )
    text = models.CharField(_("critère"), max_length=300)
    short_label = models.CharField(
        _("libellé court"), max_length=40, help_text=_("Affiché autour de la cible.")
    )
    text_professional = models.CharField(
        _("formulation pour les professionnels"),
        max_length=300,
        blank=True,
        help_text=_("Facultatif : regard du professionnel (fiche « Se situer »)."),
    )
    text_user = models.CharField(
        _("formulation pour les usagers"),
        max_length=300,
        blank=True,
        help_text=_("Facultatif : regard du patient, du proche-aidant ou du RU."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["framework", "sector__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="selfassess_criterion_code"),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self):
        if self.sector_id and self.framework_id and self.sector.framework_id != self.framework_id:
            raise ValidationError({"sector": _("Choisissez un secteur de ce référentiel.")})

    def text_for(self, side: str) -> str:
        if side == Side.PROFESSIONAL and self.text_professional:
            return self.text_professional
        if side == Side.USER and self.text_user:
            return self.text_user
        return self.text


class AssessmentSession(models.Model):
    """One working group's use of a framework: individual ratings, then a joint rating."""

    title = models.CharField(_("titre"), max_length=200)
    context = models.TextField(_("contexte"), blank=True)
    group_label = models.CharField(
        _("groupe de travail"),
        max_length=150,
        blank=True,
        help_text=_("Le même nom d'une séance à l'autre permet de suivre le groupe dans le temps."),
    )
    held_on = models.DateField(_("date de la séance"), default=timezone.localdate)
    structure = models.ForeignKey(
        "actors.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessment_sessions",
        verbose_name=_("structure"),
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("référentiel")
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="facilitated_assessments",
        verbose_name=_("animateur ou animatrice"),
    )
    step = models.CharField(_("étape"), max_length=20, choices=Step.choices, default=Step.INDIVIDUAL)
    summary = models.TextField(_("synthèse des échanges"), blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    individual_closed_at = models.DateTimeField(_("étape individuelle close le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("terminée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("séance d'auto-évaluation")
        verbose_name_plural = _("séances d'auto-évaluation")
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["group_label", "held_on"], name="selfassess_session_group"),
            models.Index(fields=["structure", "held_on"], name="selfassess_session_structure"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("selfassess:session_detail", kwargs={"pk": self.pk})

    @property
    def is_individual_open(self) -> bool:
        return self.step == Step.INDIVIDUAL

    @property
    def is_group_open(self) -> bool:
        return self.step == Step.GROUP

    @property
    def has_results(self) -> bool:
        """Aggregates exist only once nobody can change their answers any more."""
        return self.step in (Step.GROUP, Step.CLOSED)


class Participant(models.Model):
    """A group member invited by a personal link; no account needed.

    Only a SHA-256 of the link's token is kept: whoever reads the database cannot rebuild
    a link and read or change someone's answers.
    """

    session = models.ForeignKey(
        AssessmentSession, on_delete=models.CASCADE, related_name="participants", verbose_name=_("séance")
    )
    name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("adresse électronique"))
    side = models.CharField(_("côté"), max_length=20, choices=Side.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_at = models.DateTimeField(_("invité le"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("dernière visite"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["session", "side", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "email"], name="selfassess_participant_email"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def side_short_label(self) -> str:
        return str(SIDE_SHORT_LABELS.get(self.side, self.get_side_display()))


class Rating(models.Model):
    """A participant's private score for one criterion; never shown with their name."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("participant")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("critère")
    )
    score = models.PositiveSmallIntegerField(_("note"), validators=SCORE_VALIDATORS)
    comment = models.TextField(_("commentaire personnel"), blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    class Meta:
        verbose_name = _("note individuelle")
        verbose_name_plural = _("notes individuelles")
        constraints = [
            models.UniqueConstraint(fields=["participant", "criterion"], name="selfassess_rating_once"),
            models.CheckConstraint(
                condition=Q(score__gte=SCALE_MIN) & Q(score__lte=SCALE_MAX), name="selfassess_rating_scale"
            ),
        ]

    def __str__(self) -> str:
        # No participant name: a rating printed in a log or a shell must not say who gave it.
        return f"{self.criterion_id}: {self.score}"


class JointRating(models.Model):
    """The score the whole group agrees on for one criterion, with the note of its discussion."""

    session = models.ForeignKey(
        AssessmentSession, on_delete=models.CASCADE, related_name="joint_ratings", verbose_name=_("séance")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="joint_ratings", verbose_name=_("critère")
    )
    score = models.PositiveSmallIntegerField(_("note commune"), validators=SCORE_VALIDATORS)
    note = models.TextField(_("note de l'échange"), blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisie par"),
    )

    class Meta:
        verbose_name = _("note commune")
        verbose_name_plural = _("notes communes")
        constraints = [
            models.UniqueConstraint(fields=["session", "criterion"], name="selfassess_joint_once"),
            models.CheckConstraint(
                condition=Q(score__gte=SCALE_MIN) & Q(score__lte=SCALE_MAX), name="selfassess_joint_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"
