"""The directory's actors: persons, structures and the memberships between them.

Publication strategy: once a profile is published, its row *is* the published version. An
edit by its owner is kept aside in `revision` (a JSON snapshot of every editable field) and
only copied onto the row when a staff member approves it, so the published version stays
online meanwhile. Before the first publication the row itself is the draft.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from actors.enums import (
    ContactPolicy,
    MembershipStatus,
    ModerationStatus,
    RevisionStatus,
    Side,
    Visibility,
    Zone,
)
from actors.models.reference import (
    Activity,
    ActorProfile,
    Availability,
    Commune,
    Departement,
    Domain,
    Qualification,
    StructureType,
)


def private_directory_storage() -> FileSystemStorage:
    """Persons' photos may be restricted: they live outside MEDIA_ROOT, served by a checked view."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT / "directory", base_url=None)


def _random_name(prefix: str, filename: str) -> str:
    # A random name: a photo's address reveals nothing and cannot be guessed.
    return f"{prefix}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower() or '.jpg'}"


def person_photo_upload_to(instance, filename: str) -> str:
    return _random_name("photos", filename)


def structure_logo_upload_to(instance, filename: str) -> str:
    return _random_name("directory/logos", filename)


class ModeratedProfile(models.Model):
    """What persons and structures share: moderation, pending revision, consent, yearly check."""

    status = models.CharField(
        _("statut"), max_length=20, choices=ModerationStatus.choices, default=ModerationStatus.DRAFT
    )
    moderation_note = models.TextField(
        _("message de la modération"),
        blank=True,
        help_text=_("Motif d'un refus ou modifications demandées, transmis à l'auteur."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    submitted_at = models.DateTimeField(_("soumis le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    moderated_at = models.DateTimeField(_("modéré le"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modéré par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)

    # The pending edit of a published profile (see the module docstring).
    revision = models.JSONField(_("modification proposée"), null=True, blank=True)
    revision_status = models.CharField(
        _("statut de la modification"), max_length=20, choices=RevisionStatus.choices, blank=True
    )
    revision_submitted_at = models.DateTimeField(_("modification soumise le"), null=True, blank=True)

    consent_at = models.DateTimeField(_("consentement à la publication le"), null=True, blank=True)
    consent_version = models.CharField(_("version du texte de consentement"), max_length=20, blank=True)

    # Yearly "still accurate?" check.
    accuracy_confirmed_at = models.DateTimeField(_("exactitude confirmée le"), null=True, blank=True)
    accuracy_reminder_sent_at = models.DateTimeField(
        _("rappel d'exactitude envoyé le"), null=True, blank=True
    )

    region_wide = models.BooleanField(_("agit dans toute la région"), default=False)
    # Est / Ouest / Région summary of the territories, kept by the services for filters and dashboards.
    zone = models.CharField(_("localisation"), max_length=10, choices=Zone.choices, blank=True)

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == ModerationStatus.PUBLISHED

    @property
    def has_pending_revision(self) -> bool:
        return self.revision is not None and self.revision_status == RevisionStatus.PENDING


class Person(ModeratedProfile):
    """A person in the directory: patient partner, caregiver, professional…"""

    # Fields whose visibility the person chooses, with the default level of each.
    RESTRICTABLE_FIELDS: dict[str, int] = {
        "last_name": Visibility.PUBLIC,
        "photo": Visibility.PARTNERS,
        "profiles": Visibility.PUBLIC,
        "domains": Visibility.PUBLIC,
        "territories": Visibility.PUBLIC,
        "commune": Visibility.PUBLIC,
        "qualifications": Visibility.PUBLIC,
        "activities": Visibility.PUBLIC,
        "availabilities": Visibility.PUBLIC,
        "bio": Visibility.PUBLIC,
        "experience": Visibility.PARTNERS,
        "email": Visibility.PARTNERS,
        "phone": Visibility.STAFF,
        "website": Visibility.PUBLIC,
        # The structures the person belongs to (a membership can reveal a health condition).
        "memberships": Visibility.PUBLIC,
    }

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    photo = models.ImageField(
        _("photo"), upload_to=person_photo_upload_to, storage=private_directory_storage, blank=True
    )
    profiles = models.ManyToManyField(
        ActorProfile, verbose_name=_("profils d'acteur"), blank=True, related_name="persons"
    )
    domains = models.ManyToManyField(
        Domain, verbose_name=_("domaines d'activité"), blank=True, related_name="persons"
    )
    territories = models.ManyToManyField(
        Departement, verbose_name=_("territoires d'activité"), blank=True, related_name="active_persons"
    )
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
    )
    # A commune outside Occitanie is accepted but flagged to the moderators (no map position).
    outside_commune = models.CharField(_("commune hors Occitanie"), max_length=150, blank=True)
    qualifications = models.ManyToManyField(
        Qualification, verbose_name=_("qualifications ou diplômes"), blank=True, related_name="persons"
    )
    activities = models.ManyToManyField(
        Activity, verbose_name=_("activités"), blank=True, related_name="persons"
    )
    availabilities = models.ManyToManyField(
        Availability, verbose_name=_("disponibilités"), blank=True, related_name="persons"
    )
    bio = models.TextField(_("présentation"), blank=True)
    experience = models.TextField(
        _("expérience et savoirs"),
        blank=True,
        help_text=_("Votre parcours, vos savoirs expérientiels ou professionnels."),
    )
    email = models.EmailField(_("adresse électronique de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    # {field name: Visibility level}; a missing field takes its default from RESTRICTABLE_FIELDS.
    visibility = models.JSONField(_("visibilité des champs"), default=dict, blank=True)
    # Who may write through the relay; empty: the default of the person's profiles (see
    # contact_policy_for): a patient or a caregiver hears from signed-in partners only.
    accepts_messages = models.CharField(
        _("qui peut m'écrire par la plateforme"), max_length=20, choices=ContactPolicy.choices, blank=True
    )

    class Meta:
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["status"], name="person_status"),
            models.Index(fields=["email"], name="person_email"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def field_level(self, field: str) -> int:
        """The visibility level of a restrictable field (always-public fields are level 0)."""
        if field not in self.RESTRICTABLE_FIELDS:
            return Visibility.PUBLIC
        return int(self.visibility.get(field, self.RESTRICTABLE_FIELDS[field]))

    @cached_property
    def field_levels(self) -> dict[str, int]:
        return {field: self.field_level(field) for field in self.RESTRICTABLE_FIELDS}

    def contact_policy(self, sides=None) -> str:
        """Who may write to the person through the relay: their choice, or their profiles' default.

        `sides`: the sides of the person's profiles when the caller already has them (a list page).
        """
        if self.accepts_messages:
            return self.accepts_messages
        if sides is None:
            sides = {profile.side for profile in self.profiles.all()}
        return ContactPolicy.PARTNERS if Side.USER in set(sides) else ContactPolicy.EVERYONE


class Structure(ModeratedProfile):
    """An organisation: hospital, association, training institute, federation…

    Everything a structure publishes is public (its address included).
    """

    name = models.CharField(_("nom"), max_length=200)
    acronym = models.CharField(_("sigle"), max_length=40, blank=True)
    structure_type = models.ForeignKey(
        StructureType,
        verbose_name=_("type de structure"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
    )
    siret = models.CharField(_("numéro SIRET"), max_length=14, blank=True)
    finess = models.CharField(_("numéro FINESS"), max_length=9, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
    )
    outside_commune = models.CharField(_("commune hors Occitanie"), max_length=150, blank=True)
    # Position on the map: the commune's centroid unless moved by the author.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    domains = models.ManyToManyField(
        Domain, verbose_name=_("domaines d'activité"), blank=True, related_name="structures"
    )
    territories = models.ManyToManyField(
        Departement, verbose_name=_("territoires d'activité"), blank=True, related_name="active_structures"
    )
    description = models.TextField(_("présentation"), blank=True)
    email = models.EmailField(_("adresse électronique de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    logo = models.ImageField(_("logo"), upload_to=structure_logo_upload_to, blank=True)
    # Who may write to the structure's référents through the relay (addresses stay hidden).
    accepts_messages = models.CharField(
        _("qui peut écrire à la structure par la plateforme"),
        max_length=20,
        choices=ContactPolicy.choices,
        default=ContactPolicy.EVERYONE,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inscrite par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_structures",
    )

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status"], name="structure_status"),
            models.Index(fields=["siret"], name="structure_siret"),
            models.Index(fields=["finess"], name="structure_finess"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person belongs to a structure with a function; a référent may edit the structure's profile."""

    person = models.ForeignKey(
        Person, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="memberships"
    )
    structure = models.ForeignKey(
        Structure, verbose_name=_("structure"), on_delete=models.CASCADE, related_name="memberships"
    )
    function = models.CharField(_("fonction"), max_length=150, blank=True)
    is_referent = models.BooleanField(
        _("référent"), default=False, help_text=_("Peut modifier la fiche de la structure.")
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.REQUESTED
    )
    message = models.TextField(_("message"), blank=True)
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("appartenance à une structure")
        verbose_name_plural = _("appartenances à une structure")
        ordering = ["structure__name", "person__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "structure"], name="membership_unique_person_structure")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.structure}"

    @property
    def is_accepted(self) -> bool:
        return self.status == MembershipStatus.ACCEPTED
