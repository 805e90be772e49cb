"""Projects and shared experiences (« projets et expériences »), the third kind of the cartography.

A project is published the way persons and structures are (`actors.models.ModeratedProfile`):
the row is the draft until a staff member approves it; afterwards an edit waits in `revision`
while the published version stays online. It is carried by a structure its author belongs to
(`main_structure`), placed on the map at that structure's place or at its first commune.

The persons involved are invited, never simply listed: a `ProjectPerson` is shown only once the
person has accepted, and then with that person's own visibility rules. Documents (pitch, poster,
report) live in private storage and are shown only once approved with the project.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from actors.models.profiles import ModeratedProfile
from actors.models.reference import Activity, Commune, Departement, Domain
from cops.storage import private_storage


class ProjectState(models.TextChoices):
    PLANNED = "en_projet", _("En projet")
    ONGOING = "en_cours", _("En cours")
    DONE = "termine", _("Terminé")


class ProjectDocumentKind(models.TextChoices):
    PITCH = "pitch", _("Pitch")
    POSTER = "poster", _("Poster")
    REPORT = "rapport", _("Rapport")
    SLIDES = "diaporama", _("Diaporama")
    OTHER = "autre", _("Autre document")


class ProjectPersonStatus(models.TextChoices):
    INVITED = "invite", _("Invitation envoyée")
    ACCEPTED = "accepte", _("A accepté")
    DECLINED = "refuse", _("A refusé")


def project_image_upload_to(instance, filename: str) -> str:
    # A random name: the address of an image of a project not yet published cannot be guessed.
    return f"directory/projects/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower() or '.jpg'}"


def project_document_upload_to(instance, filename: str) -> str:
    return f"projets/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class Project(ModeratedProfile):
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("adresse"), max_length=220, unique=True)
    summary = models.TextField(_("résumé"), max_length=600)
    description = models.TextField(_("description"), blank=True)
    domains = models.ManyToManyField(Domain, verbose_name=_("domaines"), blank=True, related_name="projects")
    # The partnership practices are the directory's « activités » taxonomy (teaching, research,
    # peer support, co-construction…): one vocabulary for what actors do and what projects do.
    practices = models.ManyToManyField(
        Activity, verbose_name=_("pratiques de partenariat"), blank=True, related_name="projects"
    )
    territories = models.ManyToManyField(
        Departement, verbose_name=_("territoires"), blank=True, related_name="projects"
    )
    communes = models.ManyToManyField(
        Commune, verbose_name=_("communes"), blank=True, related_name="projects"
    )
    state = models.CharField(
        _("état"), max_length=20, choices=ProjectState.choices, default=ProjectState.ONGOING
    )
    started_on = models.DateField(_("début"), null=True, blank=True)
    ended_on = models.DateField(_("fin"), null=True, blank=True)

    main_structure = models.ForeignKey(
        "actors.Structure",
        verbose_name=_("structure porteuse"),
        on_delete=models.PROTECT,
        related_name="carried_projects",
    )
    structures = models.ManyToManyField(
        "actors.Structure",
        verbose_name=_("autres structures impliquées"),
        blank=True,
        related_name="projects",
    )
    outcomes = models.TextField(_("résultats"), blank=True)
    # Indicators carried over from an accompaniment: [{"label", "value", "unit", "measured_on"}].
    indicators = models.JSONField(_("indicateurs"), default=list, blank=True)
    # The before/after self-assessment, copied only if the participants agreed:
    # {"before": {...}, "after": {...}} as built by selfassess (means per criterion and side).
    radar = models.JSONField(_("auto-évaluation avant / après"), null=True, blank=True)
    video_url = models.URLField(_("lien vers une vidéo"), max_length=500, blank=True)
    website = models.URLField(_("site web du projet"), max_length=500, blank=True)
    image = models.ImageField(_("image"), upload_to=project_image_upload_to, max_length=200, blank=True)

    # « Ce que nous avons appris », in the barometer's words (its « freins » and « leviers » choices).
    brakes = ArrayField(models.CharField(max_length=40), verbose_name=_("freins"), default=list, blank=True)
    levers = ArrayField(models.CharField(max_length=40), verbose_name=_("leviers"), default=list, blank=True)
    lessons = models.TextField(_("ce que nous avons appris"), blank=True)

    # Events where the project was presented (a JRPS pitch, a workshop).
    events = models.ManyToManyField(
        "actors.Meeting", verbose_name=_("événements"), blank=True, related_name="projects"
    )
    news_items = models.ManyToManyField(
        "actors.NewsItem", verbose_name=_("actualités"), blank=True, related_name="projects"
    )
    accompaniment = models.ForeignKey(
        "accompaniment.Accompaniment",
        verbose_name=_("accompagnement d'origine"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_projects",
    )

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["title"]
        indexes = [models.Index(fields=["status"], name="project_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="project_dates_in_order",
                violation_error_message=_("La fin du projet ne peut pas précéder son début."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("directory:project_detail", args=[self.slug])


class ProjectPerson(models.Model):
    """A person invited to appear on a project; shown only once they accepted."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey("actors.Person", on_delete=models.CASCADE, related_name="project_roles")
    role = models.CharField(_("rôle dans le projet"), max_length=120, blank=True)
    status = models.CharField(
        _("réponse"), max_length=20, choices=ProjectPersonStatus.choices, default=ProjectPersonStatus.INVITED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(_("invité·e le"), auto_now_add=True)
    responded_at = models.DateTimeField(_("réponse le"), null=True, blank=True)

    class Meta:
        verbose_name = _("personne impliquée")
        verbose_name_plural = _("personnes impliquées")
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="project_person_once")]

    def __str__(self) -> str:
        return f"{self.person} — {self.project}"

    @property
    def accepted(self) -> bool:
        return self.status == ProjectPersonStatus.ACCEPTED


class ProjectDocument(models.Model):
    """A pitch, poster or report: private storage, shown once approved with the project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type"), max_length=20, choices=ProjectDocumentKind.choices)
    title = models.CharField(_("titre"), max_length=200)
    file = models.FileField(
        _("fichier"), upload_to=project_document_upload_to, storage=private_storage, max_length=200
    )
    # Set by the upload check (directory.forms_resources.detect_file_format), never typed by a person.
    file_format = models.CharField(_("format du fichier"), max_length=10, editable=False)
    file_size = models.PositiveIntegerField(_("taille du fichier (octets)"), default=0)
    approved = models.BooleanField(_("validé par la modération"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("document de projet")
        verbose_name_plural = _("documents de projet")
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title
