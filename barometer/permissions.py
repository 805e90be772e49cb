"""Access rules of the barometer: one function per rule."""

from django.shortcuts import get_object_or_404

from actors.permissions import is_cops_staff
from barometer.enums import CampaignStatus
from barometer.models import Campaign


def can_manage_campaigns(user) -> bool:
    """Building questionnaires, inviting, reading raw answers and exporting: the COPS team."""
    return is_cops_staff(user)


def can_see_public_results(campaign: Campaign) -> bool:
    return campaign.status == CampaignStatus.PUBLISHED


def get_campaign_or_404(year: int) -> Campaign:
    # Campaign.objects, not the model (its default manager has the events' questionnaires too, which
    # share the year of an edition): the year-keyed pages are the editions'.
    return get_object_or_404(Campaign.objects, year=year)
