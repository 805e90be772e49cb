"""What a viewer may see of an accompaniment's participants (names and addresses)."""

from django import template

from accompaniment.selectors import participant_email, participant_name

register = template.Library()


@register.filter
def shown_name(participant, level: int) -> str:
    return participant_name(participant, level)


@register.filter
def shown_email(participant, level: int) -> str:
    return participant_email(participant, level)
