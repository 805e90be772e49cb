from django import template
from django.utils.translation import gettext as _

from cops.charts import format_number

register = template.Library()


@register.filter
def score(value) -> str:
    """A mean or a gap for people: one decimal, French comma (« 2,5 »); a dash when missing."""
    if value is None or value == "":
        return "–"
    return format_number(round(float(value), 1))


@register.filter
def side_range(stats) -> str:
    """« de 1 à 3 » for a side with several answers; nothing to add for one or none."""
    if stats.count < 2:
        return ""
    if stats.minimum == stats.maximum:
        return _("toutes les notes à %(value)s") % {"value": stats.minimum}
    return _("de %(low)s à %(high)s") % {"low": stats.minimum, "high": stats.maximum}


@register.filter
def scale_label(framework, value) -> str:
    """The framework's wording of a level: `{{ framework|scale_label:3 }}`."""
    try:
        return framework.scale_labels[int(value)]
    except (TypeError, ValueError, IndexError):
        return ""


@register.filter
def points(value) -> str:
    """A gap between the sides in words: « 0,5 point », « 2 points » (French: plural from 2)."""
    if value is None:
        return "–"
    rounded = round(float(value), 1)
    return (_("%(value)s points") if rounded >= 2 else _("%(value)s point")) % {
        "value": format_number(rounded)
    }
