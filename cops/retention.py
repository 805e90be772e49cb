"""Personal data kept no longer than needed: the nightly purge (task `cops.purge_expired_data`).

Each retention period is a setting (`RETENTION_*_DAYS`, read from the environment) and is shown
on the privacy page. A row goes once it is strictly older than its period.
"""

import logging
from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from actors.enums import ModerationStatus, RevisionStatus
from actors.models import Person, Structure, User
from actors.services.profiles import person_delete, profile_discard_revision
from barometer.enums import ResponseStatus
from barometer.models import Response
from cops.enums import ReportStatus
from cops.mail import MAX_ATTEMPTS
from cops.models import OutgoingEmail, ReportJob

logger = logging.getLogger(__name__)

# Never published, and left so: an abandoned registration.
ABANDONED_STATUSES = (ModerationStatus.DRAFT, ModerationStatus.REJECTED)


def _cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _delete_files_on_commit(files: list[tuple[object, str]]) -> None:
    for storage, name in files:
        if name:
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


@transaction.atomic
def unverified_accounts_purge(*, now: datetime) -> int:
    """Accounts whose address was never confirmed: nobody ever signed in with them."""
    cutoff = _cutoff(now, settings.RETENTION_UNVERIFIED_ACCOUNT_DAYS)
    accounts = User.objects.filter(
        email_verified_at__isnull=True,
        last_login__isnull=True,
        date_joined__lt=cutoff,
        is_staff=False,
        is_superuser=False,
        # An account someone chose as a lead is kept until it is handed over (PROTECT).
        facilitated_assessments__isnull=True,
        accompaniments_as_professional__isnull=True,
        accompaniments_as_patient_partner__isnull=True,
    )
    return (
        User.objects.filter(pk__in=list(accounts.values_list("pk", flat=True)))
        .delete()[1]
        .get("actors.User", 0)
    )


def _abandoned(model, cutoff: datetime):
    return model.objects.filter(
        status__in=ABANDONED_STATUSES, published_at__isnull=True, updated_at__lt=cutoff
    ).filter(
        # Kept while the charter or a committee refers to it: a partner's work is not abandoned.
        charter_signatures__isnull=True,
        mandates__isnull=True,
    )


@transaction.atomic
def draft_profiles_purge(*, now: datetime) -> int:
    """Directory profiles never published and left untouched past their retention."""
    cutoff = _cutoff(now, settings.RETENTION_DRAFT_PROFILE_DAYS)
    persons = _abandoned(Person, cutoff).filter(
        meeting_participations__isnull=True, accompaniment_participations__isnull=True
    )
    deleted = 0
    for person in persons.distinct():
        person_delete(person=person, by=None)
        deleted += 1
    structures = list(
        _abandoned(Structure, cutoff)
        .filter(
            accompaniments__isnull=True,
            support_requests__isnull=True,
            assessment_sessions__isnull=True,
        )
        .distinct()
    )
    logo_storage = Structure._meta.get_field("logo").storage
    _delete_files_on_commit(
        [(logo_storage, structure.logo.name) for structure in structures]
        + [(logo_storage, (structure.revision or {}).get("logo") or "") for structure in structures]
    )
    Structure.objects.filter(pk__in=[structure.pk for structure in structures]).delete()
    return deleted + len(structures)


@transaction.atomic
def draft_revisions_purge(*, now: datetime) -> int:
    """Edits of published profiles started and never submitted: the published version stays."""
    cutoff = _cutoff(now, settings.RETENTION_DRAFT_PROFILE_DAYS)
    discarded = 0
    for model, file_field in ((Person, "photo"), (Structure, "logo")):
        storage = model._meta.get_field(file_field).storage
        for profile in model.objects.filter(revision_status=RevisionStatus.DRAFT, updated_at__lt=cutoff):
            uploaded = (profile.revision or {}).get(file_field) or ""
            if uploaded != getattr(profile, file_field).name:
                _delete_files_on_commit([(storage, uploaded)])
            profile_discard_revision(profile=profile, by=None)
            discarded += 1
    return discarded


@transaction.atomic
def barometer_drafts_purge(*, now: datetime) -> int:
    """Responses never sent, once their campaign has been closed for the retention period."""
    last_day = timezone.localtime(now).date() - timedelta(days=settings.RETENTION_BAROMETER_DRAFT_DAYS)
    return (
        Response.objects.filter(status=ResponseStatus.DRAFT, questionnaire__campaign__closes_on__lt=last_day)
        .delete()[1]
        .get("barometer.Response", 0)
    )


@transaction.atomic
def outgoing_emails_purge(*, now: datetime) -> int:
    """The outbox's record of sent emails, and of those given up after their last attempt."""
    cutoff = _cutoff(now, settings.RETENTION_SENT_EMAIL_DAYS)
    return OutgoingEmail.objects.filter(
        Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS, created_at__lt=cutoff)
    ).delete()[0]


@transaction.atomic
def login_records_purge(*, now: datetime) -> int:
    """django-axes' failed sign-ins (and its logs, if ever enabled)."""
    cutoff = _cutoff(now, settings.RETENTION_LOGIN_ATTEMPT_DAYS)
    return sum(
        model.objects.filter(attempt_time__lt=cutoff).delete()[1].get(model._meta.label, 0)
        for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


@transaction.atomic
def reports_purge(*, now: datetime) -> int:
    """Finished reports and their files."""
    cutoff = _cutoff(now, settings.RETENTION_REPORT_DAYS)
    jobs = list(
        ReportJob.objects.filter(status__in=[ReportStatus.DONE, ReportStatus.FAILED], finished_at__lt=cutoff)
    )
    _delete_files_on_commit([(job.file.storage, job.file.name) for job in jobs if job.file])
    ReportJob.objects.filter(pk__in=[job.pk for job in jobs]).delete()
    return len(jobs)


@transaction.atomic
def sessions_purge(*, now: datetime) -> int:
    """Expired sign-in sessions (what `clearsessions` does)."""
    return Session.objects.filter(expire_date__lt=now).delete()[0]


def expired_data_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete everything past its retention period; returns and logs the count per category."""
    now = now or timezone.now()
    counts = {
        "unverified_accounts": unverified_accounts_purge(now=now),
        "draft_profiles": draft_profiles_purge(now=now),
        "draft_revisions": draft_revisions_purge(now=now),
        "barometer_drafts": barometer_drafts_purge(now=now),
        "outgoing_emails": outgoing_emails_purge(now=now),
        "login_records": login_records_purge(now=now),
        "reports": reports_purge(now=now),
        "sessions": sessions_purge(now=now),
    }
    logger.info("Retention purge: %s", ", ".join(f"{name} {count}" for name, count in counts.items()))
    return counts
