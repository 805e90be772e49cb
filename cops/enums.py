from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En préparation")
    DONE = "done", _("Prêt")
    FAILED = "failed", _("Échec")


class DeliveryStatus(models.TextChoices):
    # Claimed: reserved by a worker, the SMTP server has not been asked to accept it yet.
    CLAIMED = "claimed", _("En cours d'envoi")
    # Committing: the message body is with the SMTP server and the worker is about to send the
    # final "." that makes the server accept it. After a crash this one is never sent again.
    COMMITTING = "committing", _("Transmis au serveur")
    SENT = "sent", _("Envoyé")
    # Uncertain: left "committing" by a worker that died. The server may have accepted it: it
    # counts as sent for the reminders and is never sent again, but the staff see the doubt.
    UNCERTAIN = "uncertain", _("Incertain")
    FAILED = "failed", _("Échec")
    # Skipped: the person answered or unsubscribed between the claim and the commit point.
    SKIPPED = "skipped", _("Non envoyé")
