"""The resource library (« Ressources »): guides, tools, training material, videos, the leaflets
and the self-assessment target that the COPS and its partners share.

A resource is either a file (kept in private storage, served by a view that checks its status)
or a link, never both. Its French search vector is its own (the actors' `Entry` index is about
actors), computed by the services from its texts.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from actors.enums import ModerationStatus
from cops.storage import private_storage


class ResourceKind(models.TextChoices):
    GUIDE = "guide", _("Guide")
    TOOL = "outil", _("Outil")
    TRAINING = "formation", _("Support de formation")
    VIDEO = "video", _("Vidéo")
    LEAFLET = "depliant", _("Dépliant")
    TARGET = "cible", _("Cible d'auto-évaluation")
    OTHER = "autre", _("Autre")


class ResourceAudience(models.TextChoices):
    PATIENTS = "patients", _("Patients et proches-aidants")
    PROFESSIONALS = "professionnels", _("Professionnels")
    STRUCTURES = "structures", _("Structures")
    ALL = "tous", _("Tous publics")


class ResourceLicence(models.TextChoices):
    CC_BY = "cc-by", _("CC BY")
    CC_BY_SA = "cc-by-sa", _("CC BY-SA")
    CC_BY_NC_SA = "cc-by-nc-sa", _("CC BY-NC-SA")
    ALL_RIGHTS = "tous-droits-reserves", _("Tous droits réservés")
    OTHER = "autre", _("Autre")


# A resource uses four of the moderation states of the directory's profiles (no archive: a
# resource that is no longer wanted is refused or deleted by the staff).
RESOURCE_STATUSES = [
    (status.value, status.label)
    for status in (
        ModerationStatus.DRAFT,
        ModerationStatus.PENDING,
        ModerationStatus.PUBLISHED,
        ModerationStatus.REJECTED,
    )
]


def resource_upload_to(instance, filename: str) -> str:
    # A random name: the original one may carry personal data, and the file is only ever served
    # under the resource's slug (Content-Disposition) by the download view.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"ressources/{uuid.uuid4().hex}{suffix}"


class Resource(models.Model):
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("adresse"), max_length=220, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=ResourceKind.choices)
    summary = models.TextField(_("résumé"), max_length=2000)
    file = models.FileField(
        _("fichier"), upload_to=resource_upload_to, storage=private_storage, max_length=200, blank=True
    )
    # Set by the upload check (forms_resources.detect_file_format), never typed by a person.
    file_format = models.CharField(_("format du fichier"), max_length=10, blank=True, editable=False)
    file_size = models.PositiveIntegerField(_("taille du fichier (octets)"), default=0)
    link = models.URLField(_("lien"), max_length=500, blank=True)
    news_items = models.ManyToManyField(
        "actors.NewsItem", verbose_name=_("actualités"), blank=True, related_name="resources"
    )
    audience = models.CharField(_("public"), max_length=20, choices=ResourceAudience.choices)
    themes = models.ManyToManyField(
        "actors.Domain", verbose_name=_("thèmes"), related_name="resources", blank=True
    )
    author_structure = models.ForeignKey(
        "actors.Structure",
        verbose_name=_("structure autrice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
    )
    licence = models.CharField(_("licence"), max_length=30, choices=ResourceLicence.choices)
    published_on = models.DateField(_("date de publication"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=RESOURCE_STATUSES, default=ModerationStatus.DRAFT
    )
    moderation_note = models.TextField(_("motif du refus"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_resources",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    download_count = models.PositiveIntegerField(_("téléchargements"), default=0)
    search = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["-published_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(link="")) | (~Q(file="") & Q(link="")),
                name="resource_file_xor_link",
                violation_error_message=_("Donnez soit un fichier, soit un lien, pas les deux."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ModerationStatus.REJECTED) | ~Q(moderation_note=""),
                name="resource_refusal_has_reason",
            ),
        ]
        indexes = [
            GinIndex(fields=["search"], name="resource_search_gin"),
            models.Index(fields=["status", "-published_on"], name="resource_status_date"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("directory:resource_detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == ModerationStatus.PUBLISHED

    @property
    def download_name(self) -> str:
        return f"{self.slug}.{self.file_format}" if self.file_format else self.slug
