"""Template tags for what other apps add to the events (actors/events/hooks.py), and the
documents an email after the event links to."""

from django import template

from actors.events import hooks
from actors.events.messages import after_documents

register = template.Library()


@register.simple_tag
def event_staff_tabs(event) -> list[hooks.StaffTab]:
    """The extra tabs of an event's management pages (the satisfaction questionnaire…)."""
    return hooks.staff_tabs(event) if event is not None and event.pk else []


@register.simple_tag
def event_public_links(event) -> list[hooks.PublicLink]:
    """Links other apps put on the event's public page (the satisfaction questionnaire's results)."""
    return hooks.public_links(event) if event is not None and event.pk else []


@register.simple_tag
def event_after_documents(event) -> list:
    """The public documents « après » of the event, as (document, absolute link) pairs."""
    return after_documents(event) if event is not None else []
