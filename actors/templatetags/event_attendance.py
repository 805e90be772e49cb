"""The QR code of a registration in its confirmation email (actors.events.attendance)."""

from django import template

from actors.events import attendance

register = template.Library()


@register.simple_tag
def checkin_url(participant) -> str:
    """The absolute address the participant's QR code opens (staff check-in)."""
    return attendance.checkin_url(participant)


@register.simple_tag
def checkin_qr_data_uri(participant) -> str:
    """The QR code as a PNG in a data: URI, for an <img> of the email's HTML."""
    return attendance.checkin_qr_data_uri(participant)
