"""Public pages: the barometer's landing page and its published results."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from barometer import selectors


@require_GET
def landing(request):
    campaign = selectors.current_campaign()
    return render(
        request,
        "barometer/public/landing.html",
        {
            "campaign": campaign,
            "questionnaires": list(campaign.questionnaires.all()) if campaign else [],
            "published": list(selectors.published_campaigns()),
        },
    )
