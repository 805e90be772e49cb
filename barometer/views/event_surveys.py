"""An event's satisfaction questionnaire: the staff's page (create, open, close, publish, sending
dates and response rate), its results and exports, and the published results on the public side.

The questionnaire itself is edited with the barometer's builder pages (keyed by questionnaire),
answered with its answering pages, sent by its rounds; see barometer/event_surveys.py."""

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from actors.charter_enums import EventKind
from actors.events.views import event_when
from actors.models import Meeting
from actors.permissions import staff_required
from barometer import event_surveys, exports, results, selectors
from barometer.enums import ROUND_LABELS, CampaignStatus, DeliveryStatus
from barometer.services import campaigns as campaign_services
from cops.views_helpers import apply_service


def _event_or_404(pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.exclude(kind=EventKind.COMMITTEE), pk=pk)


def _survey_or_404(event: Meeting):
    campaign = event_surveys.survey_for(event)
    if campaign is None:
        raise Http404
    return campaign


def _back(event: Meeting) -> str:
    return reverse("barometer:event_survey", args=[event.pk])


@staff_required
@require_GET
def event_survey(request, event_pk: int):
    event = _event_or_404(event_pk)
    campaign = event_surveys.survey_for(event)
    context = {
        "event": event,
        "when": event_when(event.starts_at, event.ends_at),
        "campaign": campaign,
        "min_cell": results.MIN_CELL,
    }
    if campaign is not None:
        rounds = {r.number: r for r in campaign.rounds.all()}
        counts = selectors.delivery_counts(campaign)
        context.update(
            questionnaire=event_surveys.survey_questionnaire(campaign),
            rate=event_surveys.response_rate(campaign),
            submitted=sum(p.submitted for p in results.participation(campaign)),
            rounds=[
                {
                    "label": _("Remerciement et questionnaire") if number == 0 else ROUND_LABELS[number],
                    "round": sending_round,
                    "sent": counts.get(number, {}).get(DeliveryStatus.SENT, 0),
                }
                for number, sending_round in sorted(rounds.items())
            ],
            transitions=[
                CampaignStatus(s) for s in sorted(campaign_services.ALLOWED_TRANSITIONS[campaign.status])
            ],
            ended=event.ends_at <= timezone.now(),
        )
    return render(request, "barometer/event_surveys/survey.html", context)


@staff_required
@require_POST
def event_survey_create(request, event_pk: int):
    event = _event_or_404(event_pk)
    return apply_service(
        request,
        lambda: event_surveys.survey_create(
            event=event, by=request.user, with_reminder=request.POST.get("reminder") == "1"
        ),
        success_message=_(
            "Le questionnaire de satisfaction est créé, en préparation : relisez ses questions, puis ouvrez-le."
        ),
        redirect_to=_back(event),
    ) or redirect(_back(event))


@staff_required
@require_POST
def event_survey_status(request, event_pk: int):
    event = _event_or_404(event_pk)
    campaign = _survey_or_404(event)
    return apply_service(
        request,
        lambda: event_surveys.survey_set_status(
            campaign=campaign, status=request.POST.get("status", ""), by=request.user
        ),
        success_message=lambda updated: _("Le questionnaire est maintenant : %(s)s.")
        % {"s": updated.get_status_display()},
        redirect_to=_back(event),
    ) or redirect(_back(event))


@staff_required
@require_GET
def event_survey_results(request, event_pk: int):
    event = _event_or_404(event_pk)
    campaign = _survey_or_404(event)
    questionnaire = event_surveys.survey_questionnaire(campaign)
    found = results.questionnaire_results(questionnaire, compare=False)
    return render(
        request,
        "barometer/event_surveys/results.html",
        {
            "event": event,
            "campaign": campaign,
            "questionnaire": questionnaire,
            "groups": results.by_section(found),
            "submitted": questionnaire.responses.filter(status="submitted").count(),
            "rate": event_surveys.response_rate(campaign),
            "public": False,
            "min_cell": results.MIN_CELL,
        },
    )


@staff_required
@require_GET
def event_survey_export(request, event_pk: int, fmt: str):
    event = _event_or_404(event_pk)
    campaign = _survey_or_404(event)
    name = f"satisfaction-{event.slug}-reponses"
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_stream(campaign), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        return FileResponse(
            exports.xlsx_file(campaign),
            as_attachment=True,
            filename=f"{name}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404


@require_GET
def event_survey_public(request, slug: str):
    """The published results of a public event's questionnaire, under the small-numbers rule."""
    event = get_object_or_404(
        Meeting.objects.exclude(kind=EventKind.COMMITTEE).filter(is_public=True), slug=slug
    )
    campaign = event_surveys.survey_for(event)
    if campaign is None or campaign.status != CampaignStatus.PUBLISHED:
        raise Http404
    questionnaire = event_surveys.survey_questionnaire(campaign)
    found = results.questionnaire_results(questionnaire, public=True, compare=False)
    submitted = questionnaire.responses.filter(status="submitted").count()
    return render(
        request,
        "barometer/event_surveys/public.html",
        {
            "event": event,
            "campaign": campaign,
            "questionnaire": questionnaire,
            "groups": results.by_section(found),
            "submitted": submitted if submitted >= results.MIN_CELL else None,
            "public": True,
            "min_cell": results.MIN_CELL,
        },
    )
