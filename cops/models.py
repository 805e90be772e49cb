import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cops.enums import DeliveryStatus, ReportStatus
from cops.storage import private_storage


class OutgoingEmail(models.Model):
    """The outbox: every email is written here in the sender's transaction, then delivered.

    Delivery is queued after commit and a periodic sweep retries what the broker or the
    SMTP server could not take, so no email is lost when Redis or SMTP is down. Bodies are
    cleared once delivered: links with tokens and personal data are not kept.
    """

    template = models.CharField(_("modèle"), max_length=200)
    to = ArrayField(models.EmailField(), verbose_name=_("destinataires"))
    subject = models.CharField(_("objet"), max_length=300)
    body_text = models.TextField(_("texte"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(_("pièces jointes"), default=list, blank=True)
    reply_to = models.EmailField(_("répondre à"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochain essai"), default=timezone.now)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        verbose_name = _("courriel sortant")
        verbose_name_plural = _("courriels sortants")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_idx",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


def report_upload_to(instance: "ReportJob", filename: str) -> str:
    return f"reports/{instance.created_at:%Y/%m}/{instance.pk}/{filename}"


class ReportJob(models.Model):
    """A report asked for by someone, built by a Celery worker, downloaded later.

    The file lives in private storage (never under MEDIA_URL): only the requester and the
    COPS staff may download it, through a view that checks.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("type"), max_length=100)
    params = models.JSONField(_("paramètres"), default=dict, blank=True)
    title = models.CharField(_("titre"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_jobs",
        verbose_name=_("demandé par"),
    )
    status = models.CharField(
        _("état"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    file = models.FileField(
        _("fichier"), storage=private_storage, upload_to=report_upload_to, max_length=300, blank=True
    )
    filename = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    queued_at = models.DateTimeField(_("mis en file le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("rapport")
        verbose_name_plural = _("rapports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="report_requester_idx"),
            models.Index(
                fields=["queued_at"],
                name="report_unfinished_idx",
                condition=models.Q(status__in=["pending", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("platform:report_status", args=[self.pk])

    def get_download_url(self) -> str:
        return reverse("platform:report_download", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in {ReportStatus.DONE, ReportStatus.FAILED}


class RateCounter(models.Model):
    """One rate-limit window of one client (see cops.ratelimit): the key names the group, the
    client and the window, so a new window starts a new row. An unlogged table: a lost count
    after a database crash only gives a client a fresh window."""

    key = models.CharField(max_length=255, primary_key=True)
    count = models.IntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("compteur de limite de débit")
        verbose_name_plural = _("compteurs de limite de débit")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class BulkDelivery(models.Model):
    """One email of a bulk sending (a barometer round, an issue of the newsletter) to one person:
    the claim row of cops.bulk_sending, inserted (committed) before the SMTP call and marked
    "committing" just before the server accepts the message, so that it goes out at most once."""

    status = models.CharField(
        _("statut"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.CLAIMED
    )
    claimed_at = models.DateTimeField(_("pris en charge le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=1)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        abstract = True


class DataVersion(models.Model):
    """The current token of a watched set of tables (cops/dataversions.py), written by PostgreSQL."""

    name = models.CharField(_("ensemble"), max_length=60, primary_key=True)
    token = models.UUIDField(_("jeton"))

    class Meta:
        verbose_name = _("version de données")
        verbose_name_plural = _("versions de données")

    def __str__(self) -> str:
        return f"{self.name} {self.token}"


class DataChange(models.Model):
    """A watched set changed in the current transaction; the row lives until its commit (PostgreSQL
    then writes the set's new token and deletes it, see cops/dataversions.py)."""

    name = models.CharField(_("ensemble"), max_length=60)

    class Meta:
        verbose_name = _("changement de données")
        verbose_name_plural = _("changements de données")

    def __str__(self) -> str:
        return self.name
