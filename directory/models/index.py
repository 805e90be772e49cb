"""The directory's search index: one row per published actor, with one copy per audience.

Persons choose who sees each field (public, partners, staff). Rather than filtering on
restricted fields and hoping every query remembers the rule, the index stores what each
audience may see — title, filter tags, full-text vector, location — in separate columns.
A public page only ever reads the `*_public` columns, so a restricted value cannot match a
filter, a search or a map query made by someone who may not see it.

Filter values are encoded as tags ("d:3" for domain 3, "t:31" for territory Haute-Garonne…,
see `directory.indexing`), so filtering is a GIN-indexed array containment and the counts
per filter value come from one GROUP BY over the tags of the current result.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from actors.enums import ActorKind, Visibility
from actors.models import Commune, Person, Structure
from directory.models.projects import Project

AUDIENCES = ("public", "partners", "staff")


def audience_for_level(level: int) -> str:
    return AUDIENCES[int(level)]


class EntryKind(models.TextChoices):
    """The three kinds of the cartography: the two kinds of actor, and projects."""

    PERSON = ActorKind.PERSON.value, ActorKind.PERSON.label
    STRUCTURE = ActorKind.STRUCTURE.value, ActorKind.STRUCTURE.label
    PROJECT = "projet", _("Projet")


class Entry(models.Model):
    kind = models.CharField(_("type de fiche"), max_length=20, choices=EntryKind.choices)
    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="directory_entry"
    )
    structure = models.OneToOneField(
        Structure, on_delete=models.CASCADE, null=True, blank=True, related_name="directory_entry"
    )
    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="directory_entry"
    )

    title_public = models.CharField(max_length=250)
    title_partners = models.CharField(max_length=250)
    title_staff = models.CharField(max_length=250)
    # Unaccented lower-case titles, for sorting and trigram matching of misspelt names.
    sort_public = models.CharField(max_length=250)
    sort_partners = models.CharField(max_length=250)
    sort_staff = models.CharField(max_length=250)

    tags_public = ArrayField(models.CharField(max_length=40), default=list)
    tags_partners = ArrayField(models.CharField(max_length=40), default=list)
    tags_staff = ArrayField(models.CharField(max_length=40), default=list)

    # What a result card shows to each audience (see directory.indexing.card_for).
    card_public = models.JSONField(default=dict)
    card_partners = models.JSONField(default=dict)
    card_staff = models.JSONField(default=dict)

    search_public = SearchVectorField(null=True)
    search_partners = SearchVectorField(null=True)
    search_staff = SearchVectorField(null=True)

    # Where the actor appears on the map: a person at their commune's centroid, never an address.
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # The least restricted audience allowed to know the location (a person's commune visibility).
    location_level = models.PositiveSmallIntegerField(default=Visibility.PUBLIC)

    published_at = models.DateTimeField(null=True, blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("fiche de l'annuaire (index)")
        verbose_name_plural = _("fiches de l'annuaire (index)")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind=EntryKind.PERSON,
                        person__isnull=False,
                        structure__isnull=True,
                        project__isnull=True,
                    )
                    | models.Q(
                        kind=EntryKind.STRUCTURE,
                        person__isnull=True,
                        structure__isnull=False,
                        project__isnull=True,
                    )
                    | models.Q(
                        kind=EntryKind.PROJECT,
                        person__isnull=True,
                        structure__isnull=True,
                        project__isnull=False,
                    )
                ),
                name="entry_exactly_one_subject",
            )
        ]
        indexes = [
            *[GinIndex(fields=[f"tags_{audience}"], name=f"entry_tags_{audience}") for audience in AUDIENCES],
            *[
                GinIndex(fields=[f"search_{audience}"], name=f"entry_search_{audience}")
                for audience in AUDIENCES
            ],
            *[
                GinIndex(
                    fields=[f"sort_{audience}"], name=f"entry_trgm_{audience}", opclasses=["gin_trgm_ops"]
                )
                for audience in AUDIENCES
            ],
        ]

    def __str__(self) -> str:
        return self.title_staff

    @property
    def actor(self):
        """The person, structure or project this entry describes."""
        if self.kind == EntryKind.PROJECT:
            return self.project
        return self.person if self.kind == EntryKind.PERSON else self.structure
