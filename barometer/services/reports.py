from django.utils import timezone

from barometer.enums import CampaignStatus
from barometer.models import Campaign, PublishedReport


def report_publish_request(*, campaign: Campaign, by=None) -> None:
    """Queue the building of the public PDF after commit (a worker builds it, never the web
    request); if the broker is down, the staff asks again."""
    from barometer.tasks import publish_report  # at call time: the tasks module imports services

    publish_report.enqueue(campaign_id=campaign.pk)


def report_publish(*, campaign_id: int) -> PublishedReport | None:
    from barometer.reports import build_pdf

    campaign = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.PUBLISHED).first()
    if campaign is None:
        return None
    content = build_pdf(campaign)
    report, _created = PublishedReport.objects.update_or_create(
        campaign=campaign, defaults={"content": content, "generated_at": timezone.now()}
    )
    return report
