"""The contact relay: a visitor writes to a person or a structure without seeing their address.

The platform emails the message to the person (or to the structure's référents) without the
sender's address; the recipient answers through the relay's page (the secret link of the email),
and only then do both sides get the other's address (Reply-To). Every relayed email carries a
« signaler un abus » link to the same page. Messages are purged after RETENTION_CONTACT_MESSAGE_DAYS.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from actors.models import Person, Structure

MESSAGE_MAX_LENGTH = 5000


class ContactPurpose(models.TextChoices):
    PROJECT = "projet", _("Proposer un projet ou une collaboration")
    TESTIMONY = "temoignage", _("Demander un témoignage ou une intervention")
    RESEARCH = "recherche", _("Une étude ou une recherche")
    ADVICE = "conseil", _("Demander un conseil ou un partage d'expérience")
    OTHER = "autre", _("Autre")


class ContactMessage(models.Model):
    person = models.ForeignKey(
        Person,
        verbose_name=_("personne contactée"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contact_messages",
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name=_("structure contactée"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contact_messages",
    )
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte de l'expéditeur"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_contact_messages",
    )
    sender_name = models.CharField(_("nom de l'expéditeur"), max_length=150)
    sender_email = models.EmailField(_("adresse de l'expéditeur"))
    purpose = models.CharField(_("objet"), max_length=20, choices=ContactPurpose.choices)
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    # Hash of the secret of the links in the relayed email (answer, report an abuse): cops.tokens.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    reply = models.TextField(_("réponse"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    replied_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("répondu par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The address the answer came from (the person's, or the référent's who answered).
    replied_from = models.EmailField(_("adresse de la réponse"), blank=True)
    abuse_reported_at = models.DateTimeField(_("abus signalé le"), null=True, blank=True)
    abuse_reason = models.TextField(_("motif du signalement"), max_length=2000, blank=True)
    abuse_handled_at = models.DateTimeField(_("signalement traité le"), null=True, blank=True)
    abuse_handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signalement traité par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("message relayé")
        verbose_name_plural = _("messages relayés")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(person__isnull=False, structure__isnull=True)
                    | Q(person__isnull=True, structure__isnull=False)
                ),
                name="contact_message_one_recipient",
            )
        ]
        indexes = [
            models.Index(fields=["created_at"], name="contact_message_created"),
            models.Index(
                fields=["abuse_reported_at"],
                condition=Q(abuse_reported_at__isnull=False, abuse_handled_at__isnull=True),
                name="contact_message_abuse_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender_name} → {self.recipient}"

    @property
    def recipient(self):
        return self.person if self.person_id else self.structure
