"""News (« Actualités ») and the newsletter (« La lettre du COPS »).

A subscription is confirmed by a link sent to its address (double opt-in); its consent date and
source are kept. An issue of the newsletter is composed by the staff from items (news, coming
events, new projects and resources), each copied into the issue when it is composed, so that the
archive reads as it was sent. An issue goes out through the platform's one bulk sending engine
(cops.bulk_sending): one `NewsletterDelivery` row per subscriber and issue, claimed before the
SMTP call, so that nobody receives an issue twice whatever happens to the worker.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cops.models import BulkDelivery


class NewsletterTopic(models.Model):
    """What a subscriber chooses to receive (« Événements et ateliers », « Projets »…)."""

    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("code"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("thème de la lettre")
        verbose_name_plural = _("thèmes de la lettre")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


def news_image_upload_to(instance, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    return f"actualites/{uuid.uuid4().hex}{suffix}"


class NewsItem(models.Model):
    """An item of news. Public once `published_at` is set and past."""

    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("adresse"), max_length=220, unique=True)
    summary = models.TextField(_("en bref"), max_length=600)
    body = models.TextField(_("texte"), blank=True)
    image = models.ImageField(_("image"), upload_to=news_image_upload_to, max_length=200, blank=True)
    image_alt = models.CharField(_("description de l'image"), max_length=250, blank=True)
    topics = models.ManyToManyField(
        NewsletterTopic, verbose_name=_("thèmes"), blank=True, related_name="news"
    )
    # Projects and resources point to news from the directory's side (Project.news_items…), so
    # that this app imports no other.
    events = models.ManyToManyField(
        "actors.Meeting", verbose_name=_("événements liés"), blank=True, related_name="news_items"
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rédigée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["published_at"], name="news_published_at")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("news:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", _("À confirmer")
    CONFIRMED = "confirmed", _("Confirmée")
    UNSUBSCRIBED = "unsubscribed", _("Désinscrite")


class SubscriptionSource(models.TextChoices):
    FORM = "formulaire", _("Formulaire d'inscription à la lettre")
    SPACE = "mon-espace", _("Mon espace (adresse déjà vérifiée)")
    EVENT = "evenement", _("Inscription à un événement")


class NewsletterSubscription(models.Model):
    # Stored lowercased by the services (the unique constraint then merges duplicates).
    email = models.EmailField(_("adresse électronique"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="newsletter_subscriptions",
    )
    topics = models.ManyToManyField(
        NewsletterTopic, verbose_name=_("thèmes"), blank=True, related_name="subscriptions"
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    source = models.CharField(_("origine du consentement"), max_length=16, choices=SubscriptionSource.choices)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    confirmation_sent_at = models.DateTimeField(_("confirmation envoyée le"), null=True, blank=True)
    # The consent (CNIL): when the address confirmed it, or when a signed-in partner clicked.
    consented_at = models.DateTimeField(_("consentement donné le"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("désinscrite le"), null=True, blank=True)
    # Hashes (cops.tokens) of the confirmation link and of the preferences link.
    confirm_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    manage_token_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("abonnement à la lettre")
        verbose_name_plural = _("abonnements à la lettre")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["confirm_token_hash"],
                condition=~Q(confirm_token_hash=""),
                name="newsletter_confirm_token_unique",
            ),
            models.UniqueConstraint(
                fields=["manage_token_hash"],
                condition=~Q(manage_token_hash=""),
                name="newsletter_manage_token_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status=SubscriptionStatus.CONFIRMED) | Q(consented_at__isnull=False),
                name="newsletter_confirmed_has_consent",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="newsletter_sub_status")]

    def __str__(self) -> str:
        return self.email


class IssueStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyée")


class NewsletterIssue(models.Model):
    number = models.PositiveIntegerField(_("numéro"), unique=True)
    title = models.CharField(_("titre"), max_length=200)
    editorial = models.TextField(_("éditorial"), blank=True)
    topics = models.ManyToManyField(
        NewsletterTopic, verbose_name=_("thèmes"), related_name="issues", blank=True
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=IssueStatus.choices, default=IssueStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("composée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    test_sent_at = models.DateTimeField(_("essai envoyé le"), null=True, blank=True)
    # When the staff asked for the sending (the engine's pass then runs until everyone is served).
    send_requested_at = models.DateTimeField(_("envoi demandé le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoi terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("numéro de la lettre")
        verbose_name_plural = _("numéros de la lettre")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"n° {self.number} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("newsletter:issue", kwargs={"number": self.number})


class IssueItemKind(models.TextChoices):
    NEWS = "actualite", _("Actualité")
    EVENT = "evenement", _("Événement")
    PROJECT = "projet", _("Projet")
    RESOURCE = "ressource", _("Ressource")


class NewsletterIssueItem(models.Model):
    """One block of an issue, copied from its source when it was picked."""

    issue = models.ForeignKey(
        NewsletterIssue, verbose_name=_("numéro"), on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField(_("type"), max_length=16, choices=IssueItemKind.choices)
    # The picked object's id in its own table (news, event, project, resource).
    source_id = models.PositiveBigIntegerField(_("identifiant de l'élément"))
    title = models.CharField(_("titre"), max_length=250)
    text = models.TextField(_("texte"), blank=True)
    url = models.CharField(_("lien"), max_length=500)
    # A short line under the title: a date and place for an event, a structure for a project.
    meta = models.CharField(_("précision"), max_length=250, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("élément de la lettre")
        verbose_name_plural = _("éléments de la lettre")
        ordering = ["issue", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "kind", "source_id"], name="newsletter_item_once")
        ]

    def __str__(self) -> str:
        return self.title


class NewsletterDelivery(BulkDelivery):
    """One issue sent to one subscriber: the claim row of the bulk sending engine."""

    issue = models.ForeignKey(
        NewsletterIssue, verbose_name=_("numéro"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # No index of its own: (subscription, issue), unique, serves the look-ups by subscription.
    subscription = models.ForeignKey(
        NewsletterSubscription,
        verbose_name=_("abonnement"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    # Hash of this email's one-click unsubscribe token (List-Unsubscribe).
    unsubscribe_hash = models.CharField(
        _("empreinte du lien de désinscription"), max_length=64, null=True, blank=True
    )

    class Meta:
        verbose_name = _("envoi de la lettre")
        verbose_name_plural = _("envois de la lettre")
        ordering = ["issue", "subscription"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "issue"], name="newsletter_delivery_once"),
            models.UniqueConstraint(fields=["unsubscribe_hash"], name="newsletter_unsubscribe_hash_unique"),
        ]
        indexes = [models.Index(fields=["issue", "status"], name="newsletter_delivery_issue")]

    def __str__(self) -> str:
        return f"{self.issue} → {self.subscription}"
