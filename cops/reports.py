"""Report jobs: long documents built by a Celery worker, never inside a web request.

An app registers a builder in its `<app>/reports.py` (imported by `CopsConfig.ready()`, see
cops/apps.py; `grep -rn '"barometer.campaign"'` finds the builder of a kind):

    @register_report("barometer.campaign", title=_("Résultats de la campagne"),
                     can_request=lambda user, params: can_manage_campaigns(user))
    def build(params: dict) -> ReportFile:
        return ReportFile(filename="resultats.pdf", content=render_pdf("barometer/pdf/…", {...}))

and a view asks for one with `report_request(kind=…, params=…, by=request.user)`, then redirects
to `job.get_absolute_url()`: a status page that refreshes itself until the file is ready; the
requester also gets an email with the download link.

Delivery is at-least-once (after commit, plus a periodic sweep when the broker was down) and
building is exactly-once: the worker claims the job with a conditional UPDATE first.
"""

import contextvars
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cops.enums import ReportStatus
from cops.mail import send_templated_email
from cops.models import ReportJob

logger = logging.getLogger(__name__)

# A pending job not picked up within this delay is queued again by the sweep (broker was down,
# or the message was lost); a running job older than RUNNING_TIMEOUT lost its worker.
REQUEUE_AFTER = timedelta(minutes=2)
RUNNING_TIMEOUT = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(hours=24)
MAX_ATTEMPTS = 3


class ReportError(ValueError):
    """A report cannot be requested or built; the message is shown to the user (French)."""


@dataclass(frozen=True)
class ReportFile:
    filename: str
    content: bytes
    content_type: str = "application/pdf"


@dataclass(frozen=True)
class ReportType:
    kind: str
    title: object  # str, lazy string, or callable(params) -> str
    can_request: Callable[[object, dict], bool]
    build: Callable[[dict], ReportFile]

    def title_for(self, params: dict) -> str:
        return str(self.title(params) if callable(self.title) else self.title)


_registry: dict[str, ReportType] = {}
_discovered = False
_discovery_lock = threading.Lock()
_current_job: contextvars.ContextVar[ReportJob | None] = contextvars.ContextVar(
    "current_report_job", default=None
)


def register_report(kind: str, *, title, can_request: Callable[[object, dict], bool]):
    """Decorator registering `build(params) -> ReportFile` under `kind` ("app.name")."""

    def decorator(build: Callable[[dict], ReportFile]) -> Callable[[dict], ReportFile]:
        existing = _registry.get(kind)
        if existing is not None and existing.build.__qualname__ != build.__qualname__:
            raise ImproperlyConfigured(f"report kind {kind!r} is registered twice")
        _registry[kind] = ReportType(kind=kind, title=title, can_request=can_request, build=build)
        return build

    return decorator


def autodiscover_reports() -> None:
    """Import every installed app's `reports` module once, so their builders register.

    Called by `CopsConfig.ready()`; the lookups below call it again, which costs nothing once done.
    """
    global _discovered
    if _discovered:
        return
    with _discovery_lock:
        if _discovered:
            return
        autodiscover_modules("reports")
        _discovered = True


def get_report_type(kind: str) -> ReportType:
    autodiscover_reports()
    try:
        return _registry[kind]
    except KeyError:
        raise ReportError(_("Ce type de rapport n'existe pas.")) from None


def report_types() -> dict[str, ReportType]:
    autodiscover_reports()
    return dict(_registry)


def can_see_report(user, job: ReportJob) -> bool:
    """The requester, and the COPS staff (who answer questions about reports), may see a job."""
    return bool(user.is_authenticated and (job.requested_by_id == user.pk or user.is_cops_staff))


# --- Services ------------------------------------------------------------------------------------


def report_request(*, kind: str, params: dict, by) -> ReportJob:
    """Record a report request and queue its building once the transaction commits.

    Raises ReportError for an unknown kind and PermissionDenied when `by` may not ask for it.
    """
    report = get_report_type(kind)
    params = dict(params or {})
    if not getattr(by, "is_authenticated", False) or not report.can_request(by, params):
        raise PermissionDenied(_("Vous n'avez pas accès à ce rapport."))
    with transaction.atomic():
        job = ReportJob.objects.create(
            kind=kind, params=params, title=report.title_for(params)[:300], requested_by=by
        )
        enqueue_report(job.pk)
    return job


def report_retry(*, job: ReportJob, by) -> ReportJob:
    """Ask again for a failed report, with the same parameters (permission checked again)."""
    return report_request(kind=job.kind, params=job.params, by=by)


def enqueue_report(job_id) -> None:
    """Hand the job to a worker once the transaction commits; if the broker is down the job stays
    pending and the sweep queues it again later."""
    from cops.tasks import build_report

    build_report.enqueue(job_id=str(job_id))


def report_claim(job_id) -> bool:
    """Atomically move the job from pending to running; False if another worker has it."""
    return bool(
        ReportJob.objects.filter(pk=job_id, status=ReportStatus.PENDING).update(
            status=ReportStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
    )


def current_report_requester():
    """For builders: the account the report being built is for (None outside a job), so that a
    document shows what its reader may see."""
    job = _current_job.get()
    return job.requested_by if job is not None else None


def current_report_context() -> dict:
    """For builders: who asked for the report being built and when (shown in the PDF)."""
    job = _current_job.get()
    if job is None:
        return {"generated_at": timezone.now()}
    return {"generated_at": timezone.now(), "generated_by": job.requested_by.get_full_name()}


def safe_filename(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    stem = slugify(stem)[:120] or "rapport"
    extension = re.sub(r"[^a-z0-9]", "", extension.lower())[:8]
    return f"{stem}.{extension}" if extension else stem


def report_build(*, job_id) -> ReportJob | None:
    """Build a claimed job's file, store it privately and tell the requester. Idempotent."""
    if not report_claim(job_id):
        logger.info("Report %s already taken or finished: skipped", job_id)
        return None
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    token = _current_job.set(job)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            result = get_report_type(job.kind).build(dict(job.params))
        if not isinstance(result, ReportFile) or not result.content:
            raise TypeError(
                f"report builder for {job.kind} returned {type(result).__name__}, not a ReportFile"
            )
    except ReportError as exc:
        return _fail(job, str(exc))
    except Exception as exc:
        logger.exception("Report %s (%s) failed", job.pk, job.kind)
        return _fail(
            job,
            _(
                "Une erreur technique a empêché la préparation du rapport ({error}). Vous pouvez relancer la demande."
            ).format(error=type(exc).__name__),
        )
    finally:
        _current_job.reset(token)
    filename = safe_filename(result.filename)
    with transaction.atomic():
        job.file.save(filename, ContentFile(result.content), save=False)
        job.filename = filename
        job.size = len(result.content)
        job.status = ReportStatus.DONE
        job.error = ""
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "filename", "size", "status", "error", "finished_at"])
        send_templated_email(
            to=job.requested_by.email,
            template="reports/emails/report_ready",
            context={"job": job, "user": job.requested_by},
        )
    logger.info("Report %s (%s) built: %s bytes", job.pk, job.kind, job.size)
    return job


def _fail(job: ReportJob, message: str) -> ReportJob:
    with transaction.atomic():
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportStatus.FAILED, error=message, finished_at=timezone.now()
        )
        job.refresh_from_db()
        send_templated_email(
            to=job.requested_by.email,
            template="reports/emails/report_failed",
            context={"job": job, "user": job.requested_by},
        )
    return job


def report_sweep(*, now=None) -> int:
    """Periodic: queue again jobs the broker lost, recover jobs whose worker died. Returns the count queued."""
    now = now or timezone.now()
    stale_running = ReportJob.objects.filter(
        status=ReportStatus.RUNNING, started_at__lt=now - RUNNING_TIMEOUT
    )
    stale_running.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=ReportStatus.FAILED,
        finished_at=now,
        error=_(
            "La préparation du rapport a été interrompue plusieurs fois. Vous pouvez relancer la demande."
        ),
    )
    stale_running.update(status=ReportStatus.PENDING, queued_at=now - REQUEUE_AFTER)
    ReportJob.objects.filter(status=ReportStatus.PENDING, created_at__lt=now - GIVE_UP_AFTER).update(
        status=ReportStatus.FAILED,
        finished_at=now,
        error=_("Le rapport n'a pas pu être lancé dans les temps. Vous pouvez relancer la demande."),
    )
    due = list(
        ReportJob.objects.filter(status=ReportStatus.PENDING, queued_at__lte=now - REQUEUE_AFTER).values_list(
            "pk", flat=True
        )[:200]
    )
    ReportJob.objects.filter(pk__in=due, status=ReportStatus.PENDING).update(queued_at=now)
    for job_id in due:
        enqueue_report(job_id)
    if due:
        logger.info("Report sweep queued %s job(s) again", len(due))
    return len(due)


# --- The platform's own report ----------------------------------------------------------------------


def _is_staff(user, params: dict) -> bool:
    return bool(user.is_authenticated and user.is_cops_staff)


@register_report(
    "platform.activity", title=gettext_lazy("Rapport d'activité de la plateforme"), can_request=_is_staff
)
def build_activity_report(params: dict) -> ReportFile:
    """The key figures of the home page, as a table and a bar chart, dated and signed."""
    from cops.charts import JOINT_COLOR, Series, bar_chart
    from cops.figures import home_figures
    from cops.pdf import render_pdf

    figures = home_figures()
    labels = [figure.label[:1].upper() + figure.label[1:] for figure in figures]
    chart = (
        bar_chart(
            title=_("Chiffres clés de la plateforme"),
            categories=labels,
            series=[Series(_("Nombre"), [figure.value for figure in figures], JOINT_COLOR)],
            horizontal=True,
            category_label=_("Indicateur"),
        )
        if figures
        else None
    )
    context = {
        **current_report_context(),
        "chart": chart,
    }
    content = render_pdf("pdf/platform_activity.html", context)
    return ReportFile(
        filename=f"rapport-activite-cops-{timezone.localtime(context['generated_at']):%Y-%m-%d}.pdf",
        content=content,
    )
