"""The engagement charter: yearly versions, signatures, and the renewal invitations.

A signature is made by an account (`signed_by`) for a signatory: the signer's own person profile
or a structure they are référent of. Withdrawing keeps the row (history, yearly statistics) and
sets `withdrawn_at`; an actor may sign a version again after withdrawing.

When a person's profile or account is deleted, their signatures stay, anonymised: no person, the
signer's name replaced by `ANONYMISED_SIGNER_NAME`, dates and kind untouched, so that the yearly
counts do not change.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from actors.enums import ActorKind
from actors.models.profiles import Person, Structure

# Stored in `signer_name` (data, not interface text: it stays in French whatever the language).
ANONYMISED_SIGNER_NAME = "Signataire anonymisé"


class CharterVersion(models.Model):
    year = models.PositiveSmallIntegerField(
        _("année"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("titre"), max_length=200)
    text = models.TextField(
        _("texte de la charte"), help_text=_("Séparez les paragraphes par une ligne vide.")
    )
    valid_from = models.DateField(_("valable à partir du"))
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publiée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("version de la charte")
        verbose_name_plural = _("versions de la charte")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="charter_version_valid_period",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Signature(models.Model):
    version = models.ForeignKey(
        CharterVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="signatures"
    )
    kind = models.CharField(_("signataire"), max_length=20, choices=ActorKind.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("personne signataire"),
        # Kept anonymised when the person is deleted (see the module docstring).
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="charter_signatures",
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure signataire"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="charter_signatures",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="charter_signatures_made",
    )
    # Who signed, as they were named then: the account may be deleted later.
    signer_name = models.CharField(_("nom du signataire"), max_length=250)
    signed_at = models.DateTimeField(_("signée le"))
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retirée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("motif du retrait"), blank=True)

    class Meta:
        verbose_name = _("signature de la charte")
        verbose_name_plural = _("signatures de la charte")
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(
                # A person's signature without a person is an anonymised one.
                condition=(
                    Q(kind=ActorKind.PERSON, structure__isnull=True)
                    | Q(kind=ActorKind.STRUCTURE, person__isnull=True, structure__isnull=False)
                ),
                name="signature_at_most_one_signatory",
            ),
            # One standing signature per signatory and version; a withdrawn one may be followed by another.
            models.UniqueConstraint(
                fields=["version", "person"],
                condition=Q(withdrawn_at__isnull=True, person__isnull=False),
                name="signature_unique_active_person",
            ),
            models.UniqueConstraint(
                fields=["version", "structure"],
                condition=Q(withdrawn_at__isnull=True, structure__isnull=False),
                name="signature_unique_active_structure",
            ),
        ]
        indexes = [models.Index(fields=["version", "withdrawn_at"], name="signature_version_active")]

    def __str__(self) -> str:
        return f"{self.signatory} — {self.version}"

    @property
    def signatory(self):
        """The person or structure; for an anonymised person's signature, the neutral label."""
        if self.kind == ActorKind.PERSON:
            return self.person if self.person_id else self.signer_name
        return self.structure

    @property
    def is_anonymised(self) -> bool:
        return self.kind == ActorKind.PERSON and self.person_id is None

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class RenewalInvitation(models.Model):
    """One email inviting a person to renew the signatures they made on the previous version.

    Rows are created when a version is published (one per recipient address, unique), then
    sent by a task that claims each row in the transaction that writes the email to the outbox:
    a rerun, or a worker restarted mid-batch, never sends a row twice.
    """

    version = models.ForeignKey(
        CharterVersion, verbose_name=_("nouvelle version"), on_delete=models.CASCADE, related_name="renewals"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.EmailField(_("adresse"))
    signatures = models.ManyToManyField(
        Signature, verbose_name=_("signatures à renouveler"), related_name="renewal_invitations"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation à renouveler la signature")
        verbose_name_plural = _("invitations à renouveler la signature")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["version", "email"], name="renewal_unique_recipient")]

    def __str__(self) -> str:
        return f"{self.email} — {self.version}"
