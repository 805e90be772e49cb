"""Reference data: territory (départements, communes) and the directory's taxonomies."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from actors.enums import Side, Zone


class Departement(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    zone = models.CharField(
        _("zone"), max_length=10, choices=[(Zone.EST, Zone.EST.label), (Zone.OUEST, Zone.OUEST.label)]
    )

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    insee_code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=150)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    postal_codes = ArrayField(models.CharField(max_length=5), verbose_name=_("codes postaux"), default=list)
    population = models.PositiveIntegerField(_("population"), default=0)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["postal_codes"], name="commune_postal_codes_gin"),
            GinIndex(fields=["name"], name="commune_name_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        postal = self.postal_codes[0] if self.postal_codes else self.departement_id
        return f"{self.name} ({postal})"

    @property
    def zone(self) -> str:
        return self.departement.zone


class Taxonomy(models.Model):
    """A small, admin-editable list of labels with a stable code."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("libellé"), max_length=200)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("en usage"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class ActorProfile(Taxonomy):
    side = models.CharField(_("côté du partenariat"), max_length=20, choices=Side.choices)

    class Meta(Taxonomy.Meta):
        verbose_name = _("profil d'acteur")
        verbose_name_plural = _("profils d'acteur")


class Domain(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = _("domaine d'activité")
        verbose_name_plural = _("domaines d'activité")


class StructureType(Taxonomy):
    category = models.CharField(_("catégorie"), max_length=100, blank=True)

    class Meta(Taxonomy.Meta):
        verbose_name = _("type de structure")
        verbose_name_plural = _("types de structure")


class Qualification(Taxonomy):
    """Qualifications or diplomas (e.g. DU patient partenaire, ETP 40 h, diplôme de santé)."""

    class Meta(Taxonomy.Meta):
        verbose_name = _("qualification ou diplôme")
        verbose_name_plural = _("qualifications ou diplômes")


class Activity(Taxonomy):
    """What an actor does within partnership (teaching, research, committees…)."""

    class Meta(Taxonomy.Meta):
        verbose_name = _("activité")
        verbose_name_plural = _("activités")


class Availability(Taxonomy):
    """When or how an actor is available to take part in partnership actions."""

    class Meta(Taxonomy.Meta):
        verbose_name = _("disponibilité")
        verbose_name_plural = _("disponibilités")
