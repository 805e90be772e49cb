"""Template filters of the charter and committee pages."""

from datetime import datetime

from django import template
from django.utils import formats, timezone, translation

register = template.Library()


@register.filter
def frdate(value, fmt: str = "j F Y") -> str:
    """A date as French readers expect it: « 1er mars 2026 », « 12 mars 2026 »."""
    if not value:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if value.day == 1 and "j" in fmt and (translation.get_language() or "fr").startswith("fr"):
        # "j" is the day without leading zero: an escaped placeholder takes its place, then "1er".
        return formats.date_format(value, fmt.replace("j", "\\¤")).replace("¤", "1er")
    return formats.date_format(value, fmt)
