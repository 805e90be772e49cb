"""Personal data held by the platform itself: the outbox, report jobs, sign-in records, sessions.

Hooks read by cops/personal_data.py and cops/retention.py like any app's (see cops/apps.py).
They run after the apps' (the outbox, the reports and the sign-in records are about every app),
in the order the export, the deletion's counts and the purge's log have always listed them.
"""

from datetime import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy

from cops.enums import ReportStatus
from cops.mail import MAX_ATTEMPTS
from cops.models import OutgoingEmail, ReportJob
from cops.personal_data import Section, Subject
from cops.retention import cutoff, delete_files_on_commit

EXPORT_PERSONAL_DATA_ORDER = 100
ERASE_PERSONAL_DATA_ORDER = 100
PURGE_EXPIRED_DATA_ORDER = 100

_ACCESS = ("attempt_time", "ip_address", "user_agent", "path_info")


def export_personal_data() -> list[Section]:
    return [
        Section(
            "cops.OutgoingEmail",
            gettext_lazy(
                "Les courriels que la plateforme vous a adressés (le texte est effacé dès l'envoi ; "
                "les autres destinataires ne sont pas repris)."
            ),
            ("template", "subject", "created_at", "sent_at"),
            email_list=("to",),
        ),
        Section(
            "cops.ReportJob",
            gettext_lazy("Les rapports que vous avez demandés."),
            ("kind", "title", "status", "filename", "created_at", "finished_at"),
            user=("requested_by",),
        ),
        Section(
            "axes.AccessAttempt",
            gettext_lazy("Les échecs de connexion récents à votre compte (blocage après plusieurs échecs)."),
            (*_ACCESS, "failures_since_start"),
            email=("username",),
        ),
        Section(
            "axes.AccessFailureLog",
            gettext_lazy("Le journal des échecs de connexion à votre compte."),
            (*_ACCESS, "locked_out"),
            email=("username",),
        ),
        Section(
            "axes.AccessLog",
            gettext_lazy("Le journal des connexions à votre compte (désactivé sur cette plateforme)."),
            (*_ACCESS, "logout_time"),
            email=("username",),
        ),
    ]


def personal_data_not_exported() -> dict[tuple[str, str], str]:
    return {
        # Django's admin history of a staff member: each line describes someone else's row.
        ("admin.LogEntry", "user"): "staff admin history, about other people's rows",
        # Emails sent to other people with this address to reply to (a facilitator's invitations):
        # the rows are those recipients' data.
        ("cops.OutgoingEmail", "reply_to"): "other recipients' emails",
    }


def erase_personal_data(subject: Subject) -> dict[str, int]:
    sole = OutgoingEmail.objects.filter(to=[subject.email])
    emails_deleted = sole.delete()[0]
    # An email also sent to others keeps them, without this address.
    for email in OutgoingEmail.objects.filter(to__contains=[subject.email]):
        email.to = [address for address in email.to if address != subject.email]
        email.save(update_fields=["to"])
    reports = list(ReportJob.objects.filter(requested_by=subject.user))
    delete_files_on_commit([(report.file.storage, report.file.name) for report in reports if report.file])
    ReportJob.objects.filter(pk__in=[report.pk for report in reports]).delete()
    attempts = sum(
        model.objects.filter(username__iexact=subject.email).delete()[0]
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
    return {
        "outgoing_emails_deleted": emails_deleted,
        "reports_deleted": len(reports),
        "login_records_deleted": attempts,
    }


@transaction.atomic
def outgoing_emails_purge(*, now: datetime) -> int:
    """The outbox's record of sent emails, and of those given up after their last attempt."""
    before = cutoff(now, settings.RETENTION_SENT_EMAIL_DAYS)
    return OutgoingEmail.objects.filter(
        Q(sent_at__lt=before) | Q(sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS, created_at__lt=before)
    ).delete()[0]


@transaction.atomic
def login_records_purge(*, now: datetime) -> int:
    """django-axes' failed sign-ins (and its logs, if ever enabled)."""
    before = cutoff(now, settings.RETENTION_LOGIN_ATTEMPT_DAYS)
    return sum(
        model.objects.filter(attempt_time__lt=before).delete()[1].get(model._meta.label, 0)
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


@transaction.atomic
def reports_purge(*, now: datetime) -> int:
    """Finished reports and their files."""
    before = cutoff(now, settings.RETENTION_REPORT_DAYS)
    jobs = list(
        ReportJob.objects.filter(status__in=[ReportStatus.DONE, ReportStatus.FAILED], finished_at__lt=before)
    )
    delete_files_on_commit([(job.file.storage, job.file.name) for job in jobs if job.file])
    ReportJob.objects.filter(pk__in=[job.pk for job in jobs]).delete()
    return len(jobs)


@transaction.atomic
def sessions_purge(*, now: datetime) -> int:
    """Expired sign-in sessions (what `clearsessions` does)."""
    return Session.objects.filter(expire_date__lt=now).delete()[0]


def purge_expired_data(*, now: datetime) -> dict[str, int]:
    return {
        "outgoing_emails": outgoing_emails_purge(now=now),
        "login_records": login_records_purge(now=now),
        "reports": reports_purge(now=now),
        "sessions": sessions_purge(now=now),
    }
