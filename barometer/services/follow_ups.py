"""What respondents asked for: the report, and joining the regional dynamic."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from barometer.enums import CampaignStatus
from barometer.models import Campaign, Contact, PublishedReport
from cops.mail import send_templated_email


class NotPublished(Exception):
    pass


def _claim(queryset, field: str) -> bool:
    """Conditional UPDATE: true for the one caller that set the date, false for any other."""
    return bool(queryset.filter(**{f"{field}__isnull": True}).update(**{field: timezone.now()}))


@transaction.atomic
def contact_invite_to_join(*, contact: Contact, by=None) -> bool:
    """Send the invitation to register in the directory, once per contact."""
    if not _claim(Contact.objects.filter(pk=contact.pk, wants_to_join=True), "join_invited_at"):
        return False
    send_templated_email(
        to=contact.email,
        template="barometer/emails/join",
        context={"campaign": contact.campaign, "signup_url": settings.SITE_URL + reverse("actors:signup")},
    )
    return True


def contacts_invite_all_to_join(*, campaign: Campaign, by=None) -> int:
    contacts = Contact.objects.filter(campaign=campaign, wants_to_join=True, join_invited_at__isnull=True)
    return sum(
        contact_invite_to_join(contact=contact, by=by) for contact in contacts.select_related("campaign")
    )


def contacts_send_report(*, campaign: Campaign, by=None) -> int:
    """Email the link to the published results and report to those who asked, once each."""
    if campaign.status != CampaignStatus.PUBLISHED:
        raise NotPublished
    results_url = settings.SITE_URL + reverse("barometer:public_results", kwargs={"year": campaign.year})
    has_pdf = PublishedReport.objects.filter(campaign=campaign).exists()
    pdf_url = (
        settings.SITE_URL + reverse("barometer:public_report", kwargs={"year": campaign.year})
        if has_pdf
        else ""
    )
    sent = 0
    for contact in Contact.objects.filter(campaign=campaign, wants_report=True, report_sent_at__isnull=True):
        with transaction.atomic():
            if not _claim(Contact.objects.filter(pk=contact.pk), "report_sent_at"):
                continue
            send_templated_email(
                to=contact.email,
                template="barometer/emails/report",
                context={"campaign": campaign, "results_url": results_url, "pdf_url": pdf_url},
            )
            sent += 1
    return sent
