"""Phase templates: the accompaniment models (five phases, project support…), kept as data.

Admins edit them in the Django admin. Each phase lists the content it needs before it can be
closed as requirement codes (see accompaniment/requirements.py); the service checks them.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accompaniment.enums import PhaseKind


class PhaseTemplate(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(
        _("modèle par défaut"),
        default=False,
        help_text=_("Proposé en premier pour un nouvel accompagnement."),
    )
    is_active = models.BooleanField(_("proposé"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    impact_delay_months = models.PositiveSmallIntegerField(
        _("délai de l'évaluation d'impact (mois)"),
        default=6,
        help_text=_(
            "Nombre de mois entre la fin de l'évaluation à chaud et l'envoi de l'évaluation d'impact."
        ),
    )

    class Meta:
        verbose_name = _("modèle d'accompagnement")
        verbose_name_plural = _("modèles d'accompagnement")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="phase_template_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PhaseDefinition(models.Model):
    template = models.ForeignKey(
        PhaseTemplate, verbose_name=_("modèle"), on_delete=models.CASCADE, related_name="definitions"
    )
    position = models.PositiveSmallIntegerField(_("rang"))
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("nom court"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("nature"), max_length=30, choices=PhaseKind.choices, default=PhaseKind.STANDARD)
    requirements = models.JSONField(
        _("contenu requis pour clôturer"),
        default=list,
        blank=True,
        help_text=_(
            'Liste de codes entre crochets, par exemple ["meeting", "finding"] ; '
            "la liste des codes et leur sens figure dans l'aide de la page du modèle."
        ),
    )

    class Meta:
        verbose_name = _("phase d'un modèle")
        verbose_name_plural = _("phases d'un modèle")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="phase_definition_unique_position"),
            models.UniqueConstraint(fields=["template", "code"], name="phase_definition_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def clean(self):
        from accompaniment.requirements import REQUIREMENTS

        if not isinstance(self.requirements, list) or not all(isinstance(c, str) for c in self.requirements):
            raise ValidationError({"requirements": _("Indiquez une liste de codes entre guillemets.")})
        unknown = [code for code in self.requirements if code not in REQUIREMENTS]
        if unknown:
            raise ValidationError(
                {
                    "requirements": _("Codes inconnus : %(unknown)s. Codes possibles : %(known)s.")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(REQUIREMENTS))}
                }
            )
