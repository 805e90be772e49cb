import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from barometer.enums import Public
from cops.models import BulkDelivery


class Invitation(models.Model):
    """A person invited to answer one questionnaire of a campaign.

    In an anonymous campaign the invitation only knows *that* its person responded
    (`has_responded`), never which response is theirs, nor when.
    """

    campaign = models.ForeignKey(
        "barometer.Campaign", verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="invitations"
    )
    questionnaire = models.ForeignKey(
        "barometer.Questionnaire",
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    # Stored lowercased by the services, so that the unique constraint merges duplicates.
    email = models.EmailField(_("adresse électronique"))
    name = models.CharField(_("nom"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("importée le"), default=timezone.now)
    unsubscribed_at = models.DateTimeField(_("désinscrite le"), null=True, blank=True)
    has_responded = models.BooleanField(_("a répondu"), default=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "email"], name="invitation_unique_email"),
        ]
        indexes = [models.Index(fields=["campaign", "has_responded"], name="invitation_pending_idx")]

    def __str__(self) -> str:
        return self.email

    @property
    def public(self) -> str:
        return self.questionnaire.public


class Delivery(BulkDelivery):
    """One round (0 = invitation, 1–3 = reminders) sent to one invitation: the claim row.

    The row is inserted (committed) before the SMTP call; the unique (invitation, round)
    makes a second send of the same round impossible, whatever the number of workers.
    Each email carries its own token, stored hashed; any of them opens the questionnaire. Its
    unsubscribe link (and List-Unsubscribe header) carries a second token, also stored hashed:
    that one goes to the mail providers' unsubscribe services, so it must not open the answers.
    """

    # No index of its own: (invitation, round), unique, serves the look-ups by invitation. Every
    # index costs each claim and each "committing" mark of a round of 10,000.
    invitation = models.ForeignKey(
        Invitation,
        verbose_name=_("invitation"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    round = models.PositiveSmallIntegerField(_("envoi"))
    token_hash = models.CharField(_("empreinte du lien"), max_length=64, null=True, blank=True)
    # Empty on emails sent before it existed: their unsubscribe link carries `token_hash`'s token.
    unsubscribe_hash = models.CharField(
        _("empreinte du lien de désinscription"), max_length=64, null=True, blank=True
    )

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["invitation", "round"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "round"], name="delivery_once_per_round"),
            # A constraint rather than unique=True: the same index, without the pattern-matching
            # copy Django adds for unique text fields (a hash is only ever looked up whole).
            models.UniqueConstraint(fields=["token_hash"], name="delivery_token_hash_unique"),
            models.UniqueConstraint(fields=["unsubscribe_hash"], name="delivery_unsubscribe_hash_unique"),
            models.CheckConstraint(condition=models.Q(round__lte=3), name="delivery_round_range"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation} · {self.round}"


class Contact(models.Model):
    """An address a respondent gave for the follow-ups (report, regional dynamic).

    Stored apart from the responses, with a random key and no timestamp, so that in an
    anonymous campaign nothing joins the address to the answers it came with.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        "barometer.Campaign", verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="contacts"
    )
    public = models.CharField(_("public"), max_length=16, choices=Public.choices)
    email = models.EmailField(_("adresse électronique"))
    wants_report = models.BooleanField(_("souhaite recevoir le rapport"), default=False)
    wants_to_join = models.BooleanField(_("souhaite rejoindre la dynamique régionale"), default=False)
    report_sent_at = models.DateTimeField(_("rapport envoyé le"), null=True, blank=True)
    join_invited_at = models.DateTimeField(_("invitation à s'inscrire envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["email"]
        constraints = [models.UniqueConstraint(fields=["campaign", "email"], name="contact_unique_email")]

    def __str__(self) -> str:
        return self.email
