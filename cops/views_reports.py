"""Report job pages: ask for a report, follow its preparation, download it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cops.enums import ReportStatus
from cops.models import ReportJob
from cops.reports import ReportError, can_see_report, report_request, report_retry

PARAM_PREFIX = "param_"


def get_report_job_or_404(request, pk) -> ReportJob:
    """404 rather than 403 for someone else's report: its existence is not theirs to know."""
    job = get_object_or_404(ReportJob.objects.select_related("requested_by"), pk=pk)
    if not can_see_report(request.user, job):
        raise Http404
    return job


@login_required
@require_POST
def report_request_view(request):
    kind = request.POST.get("kind", "")
    params = {
        key[len(PARAM_PREFIX) :]: value for key, value in request.POST.items() if key.startswith(PARAM_PREFIX)
    }
    try:
        job = report_request(kind=kind, params=params, by=request.user)
    except ReportError as exc:
        messages.error(request, str(exc))
        return redirect("platform:report_list")
    except PermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("Votre demande est enregistrée : le rapport est en préparation."))
    return redirect(job)


@login_required
@require_POST
def report_retry_view(request, pk):
    job = get_report_job_or_404(request, pk)
    if job.status != ReportStatus.FAILED:
        return redirect(job)
    new_job = report_retry(job=job, by=request.user)
    messages.success(request, _("Votre demande est relancée."))
    return redirect(new_job)


@never_cache
@login_required
@require_GET
def report_status(request, pk):
    job = get_report_job_or_404(request, pk)
    context = {"job": job}
    # htmx polls the partial every 2 s while the job is unfinished; the finished partial has no
    # trigger, so the polling stops by itself.
    if request.htmx:
        return render(request, "reports/partials/_status.html", context)
    return render(request, "reports/status.html", context)


@login_required
@require_GET
def report_download(request, pk):
    job = get_report_job_or_404(request, pk)
    if job.status != ReportStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = "application/pdf" if job.filename.endswith(".pdf") else None
    response = FileResponse(handle, as_attachment=True, filename=job.filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_list(request):
    jobs = ReportJob.objects.filter(requested_by=request.user).only(
        "id", "title", "status", "created_at", "finished_at", "size", "filename", "requested_by_id"
    )
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(request, "reports/list.html", {"page": page, "jobs": page.object_list})
